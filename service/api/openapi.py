"""The OpenAPI 3.1 document of /api/v1. tests/service/test_api.py checks real answers against it."""

from __future__ import annotations

from typing import Any

from service.notices import CHANNELS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items"],
        "additionalProperties": False,
        "properties": {"items": {"type": "array", "items": _ref(name)}},
    }


def _ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "401": _ok(_ref("Error"), "No valid token"),
    "403": _ok(_ref("Error"), "The token's staff user may not do this"),
}
NOTICE_ID = {"name": "notice_id", "in": "path", "required": True, "schema": {"type": "integer"}}

# Optional versions for parents who read English or やさしい日本語: a title and a body together.
TRANSLATIONS = {
    name: {"type": "string", **({"maxLength": 200} if name.startswith("title") else {})}
    for name in ("title_en", "body_en", "title_easy", "body_easy")
}
SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "detail"],
                "properties": {
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "title": {"type": "string"},
                },
            }
        },
    },
    "Topic": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "slug", "name_ja", "name_en", "active"],
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "name_ja": {"type": "string"},
            "name_en": {"type": "string"},
            "active": {"type": "boolean"},
        },
    },
    "Source": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "code", "name", "scans"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "scans": {"type": "integer"},
        },
    },
    "Notice": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "title", "body", "status", "topics", "channels", "rule_kind"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "body": {"type": "string"},
            **TRANSLATIONS,
            "status": {"enum": ["draft", "submitted", "scheduled", "paused", "archived"]},
            "topics": {"type": "array", "items": {"type": "integer"}},
            "channels": {"type": "array", "items": {"enum": list(CHANNELS)}},
            "rule_kind": {"enum": ["once", "rrule", "relative", "join"]},
            "starts_at": {"type": ["string", "null"], "format": "date-time"},
            "rrule": {"type": ["string", "null"]},
            "holiday_shift": {"enum": ["none", "previous", "next"]},
            "offset_days": {"type": ["integer", "null"]},
            "send_time": {"type": ["string", "null"]},
            "valid_until": {"type": ["string", "null"], "format": "date-time"},
            "valid_days": {"type": ["integer", "null"]},
            "urgent": {"type": "boolean"},
        },
    },
    "NewNotice": {
        "type": "object",
        "required": ["title", "body", "topics"],
        "properties": {
            "title": {"type": "string", "maxLength": 200},
            "body": {"type": "string"},
            **TRANSLATIONS,
            "topics": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
            "channels": {"type": "array", "items": {"enum": list(CHANNELS)}},
            "rule_kind": {"enum": ["once", "rrule", "relative", "join"]},
            "starts_at": {"type": "string", "format": "date-time"},
            "rrule": {
                "type": "string",
                "description": "RFC 5545 RRULE: FREQ YEARLY, MONTHLY, WEEKLY or DAILY; "
                "at most one occurrence a day",
            },
            "holiday_shift": {"enum": ["none", "previous", "next"]},
            "offset_days": {"type": "integer", "minimum": 0, "maximum": 3650},
            "send_time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
            "urgent": {"type": "boolean"},
        },
    },
    "Occurrence": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "due_at",
            "recipients",
            "sent",
            "pending",
            "failed",
            "suppressed",
            "opened",
            "reasons",
        ],
        "properties": {
            "due_at": {"type": "string", "format": "date-time"},
            **{
                k: {"type": "integer"}
                for k in ("recipients", "sent", "pending", "failed", "suppressed", "opened")
            },
            "reasons": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    },
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Yorisou API",
            "version": "1",
            "description": "Topics, counters, notices and their reports, for the systems "
            "of other departments. Authenticate with a token from "
            "`yorisou token create --staff EMAIL`.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/topics": {
                "get": {
                    "summary": "The organisation's topics",
                    "responses": {"200": _ok(_list_of("Topic")), **ERRORS},
                }
            },
            "/sources": {
                "get": {
                    "summary": "The counters with QR codes",
                    "responses": {"200": _ok(_list_of("Source")), **ERRORS},
                }
            },
            "/notices": {
                "get": {
                    "summary": "All notices",
                    "responses": {"200": _ok(_list_of("Notice")), **ERRORS},
                },
                "post": {
                    "summary": "Create a draft (an admin approves it before it is sent)",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("NewNotice")}},
                    },
                    "responses": {
                        "201": _ok(_ref("Notice"), "Created"),
                        "400": _ok(_ref("Error"), "Invalid"),
                        **ERRORS,
                    },
                },
            },
            "/notices/{notice_id}": {
                "get": {
                    "summary": "One notice",
                    "parameters": [NOTICE_ID],
                    "responses": {
                        "200": _ok(_ref("Notice")),
                        "404": _ok(_ref("Error"), "Not found"),
                        **ERRORS,
                    },
                }
            },
            "/notices/{notice_id}/{action}": {
                "post": {
                    "summary": "Move a notice: submit, approve, pause, resume or archive",
                    "parameters": [
                        NOTICE_ID,
                        {
                            "name": "action",
                            "in": "path",
                            "required": True,
                            "schema": {"enum": ["submit", "approve", "pause", "resume", "archive"]},
                        },
                    ],
                    "responses": {
                        "200": _ok(_ref("Notice")),
                        "404": _ok(_ref("Error"), "Not found"),
                        "409": _ok(_ref("Error"), "Not allowed in this state"),
                        **ERRORS,
                    },
                }
            },
            "/notices/{notice_id}/report": {
                "get": {
                    "summary": "Per occurrence: recipients and outcomes",
                    "parameters": [NOTICE_ID],
                    "responses": {
                        "200": _ok(_list_of("Occurrence")),
                        "404": _ok(_ref("Error"), "Not found"),
                        **ERRORS,
                    },
                }
            },
        },
    }
