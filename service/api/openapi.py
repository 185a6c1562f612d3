"""The OpenAPI 3.1 document of /api/v1. tests/api/test_api.py checks real answers against it."""

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
REQUEST_ID = {"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_TEXTS = {
    "type": "object",
    "required": ["ja"],
    "additionalProperties": False,
    "properties": {lang: {"type": "string"} for lang in ("ja", "en", "easy")},
    "description": "Japanese, and optionally English and やさしい日本語",
}
PROGRAMME_TEXTS = ("name", "summary", "eligibility", "bring", "apply")
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_REQUEST_FIELDS: dict[str, Any] = {
    "id": {"type": "integer"},
    "desk_id": {"type": "integer"},
    "programme_id": {"type": ["integer", "null"]},
    "source_id": {"type": ["integer", "null"]},
    "contact_way": {"enum": ["phone", "email", "line", "visit"]},
    "unsafe_at_home": {"type": "boolean", "description": "home is not safe: contact with care"},
    "status": {"enum": ["new", "assigned", "in_contact", "closed", "withdrawn"]},
    "assigned_to_id": {"type": ["integer", "null"]},
    "outcome": {"type": ["string", "null"]},
    "due_on": {"type": "string", "format": "date"},
    "created_at": {"type": "string", "format": "date-time"},
    "first_contact_at": _NULLABLE_TIME,
    "closed_at": _NULLABLE_TIME,
    "erased": {"type": "boolean", "description": "the contact detail and message are deleted"},
}

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
            "schedule": {
                "type": "string",
                "description": "The schedule in Japanese, as the console shows it: "
                "「毎年8月1日 9:00（土日祝・閉庁日は前の開庁日）」",
            },
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
    "Catalogue": {
        "type": "object",
        "required": ["format", "version", "desks", "programmes"],
        "description": "The file the console exports and imports. Desks are known by their "
        "Japanese name, programmes by their slug, topics by theirs.",
        "properties": {
            "format": {"const": "yorisou-catalogue"},
            "version": {"const": 1},
            "desks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "department"],
                    "properties": {
                        "name": _TEXTS,
                        "hours": _TEXTS,
                        "place": _TEXTS,
                        "department": {"type": "string", "maxLength": 100},
                        "phone": {"type": "string", "maxLength": 40},
                        "takes_requests": {"type": "boolean"},
                        "response_days": {"type": "integer", "minimum": 1, "maximum": 30},
                        "active": {"type": "boolean"},
                    },
                },
            },
            "programmes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["slug", "name", "summary"],
                    "properties": {
                        "slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"},
                        **dict.fromkeys(PROGRAMME_TEXTS, _TEXTS),
                        "desk": {"type": "string", "description": "a desk's Japanese name"},
                        "url": {"type": "string", "maxLength": 500},
                        "topics": {"type": "array", "items": {"type": "string"}},
                        "answers": {"type": "array", "items": {"type": "string"}},
                        "active": {"type": "boolean"},
                    },
                },
            },
        },
    },
    "Imported": {
        "type": "object",
        "additionalProperties": False,
        "required": ["desks", "programmes", "unknown_topics"],
        "properties": {
            "desks": {"type": "integer"},
            "programmes": {"type": "integer"},
            "unknown_topics": {"type": "array", "items": {"type": "string"}},
        },
    },
    "RequestSummary": {
        "type": "object",
        "additionalProperties": False,
        "required": list(_REQUEST_FIELDS),
        "properties": _REQUEST_FIELDS,
    },
    "Request": {
        "type": "object",
        "additionalProperties": False,
        "required": [*_REQUEST_FIELDS, "phone", "email", "message", "events"],
        "properties": {
            **_REQUEST_FIELDS,
            "phone": {"type": ["string", "null"]},
            "email": {"type": ["string", "null"]},
            "message": {"type": ["string", "null"]},
            "safe_times": {"type": "array", "items": {"enum": ["morning", "afternoon", "any"]}},
            "may_say_city": {"type": "boolean"},
            "may_leave_message": {"type": "boolean"},
            "locale": {"enum": ["ja", "en", "easy"]},
            "events": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["kind", "body", "staff_user_id", "created_at"],
                    "properties": {
                        "kind": {"enum": ["status", "note", "transfer", "answer", "reply"]},
                        "body": {"type": "string"},
                        "staff_user_id": {"type": ["integer", "null"]},
                        "created_at": {"type": "string", "format": "date-time"},
                    },
                },
            },
        },
    },
    "RequestChange": {
        "type": "object",
        "properties": {
            "body": {"type": "string", "maxLength": 2000, "description": "note; transfer: a memo"},
            "outcome": {
                "enum": ["connected", "informed", "referred", "unreachable", "not-needed"],
                "description": "close",
            },
            "desk": {"type": "integer", "description": "transfer: the desk that takes it over"},
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


_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_CARD_FIELDS: dict[str, Any] = {
    "id": {"type": "integer"},
    "stage": {"enum": ["before", "separated", "divorced", None]},
    "since": {"type": ["string", "null"], "description": "the month it began: 2026-04"},
    "children": {"type": "array", "items": _STRING, "description": "the guide's age groups"},
    "needs": {"type": "array", "items": _STRING, "description": "the guide's needs"},
    "income_band": {"enum": ["under-2m", "2m-4m", "over-4m", None]},
    "support_agreed": {"enum": ["yes", "no", None], "description": "養育費 agreed"},
    "contact_way": {"enum": ["phone", "email", "line", "visit"]},
    "unsafe_at_home": {"type": "boolean", "description": "home is not safe: contact with care"},
    "departments": {"type": "array", "items": _STRING, "description": "the parent's consent"},
    "first_caller": _NULLABLE_STRING,
    "last_contact": {
        "type": ["object", "null"],
        "required": ["department", "at"],
        "properties": {"department": _STRING, "at": {"type": "string", "format": "date-time"}},
    },
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
}
SCHEMAS["Card"] = {
    "type": "object",
    "required": list(_CARD_FIELDS),
    "additionalProperties": False,
    "properties": _CARD_FIELDS,
    "description": "A family's card as a list shows it: nothing of how to reach the family",
}
SCHEMAS["CardDetail"] = {
    "type": "object",
    "required": [
        *_CARD_FIELDS,
        "contact",
        "note",
        "safe_times",
        "may_say_city",
        "locale",
        "events",
    ],
    "additionalProperties": False,
    "properties": {
        **_CARD_FIELDS,
        "contact": {**_NULLABLE_STRING, "description": "the phone number or address"},
        "note": {**_NULLABLE_STRING, "description": "the parent's own words"},
        "safe_times": {"type": "array", "items": _STRING},
        "may_say_city": {"type": "boolean"},
        "locale": _STRING,
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kind", "department", "body", "shared", "created_at"],
                "additionalProperties": False,
                "properties": {
                    "kind": {
                        "enum": ["contact", "note", "change", "consent", "withdraw", "assign"]
                    },
                    "department": _NULLABLE_STRING,
                    "body": {
                        **_NULLABLE_STRING,
                        "description": "null where another department did not share it",
                    },
                    "shared": {"type": "boolean"},
                    "created_at": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
}
SCHEMAS["CardRecord"] = {
    "type": "object",
    "required": ["body"],
    "properties": {
        "body": {"type": "string", "minLength": 1, "maxLength": 2000},
        "shared": {"type": "boolean", "description": "the other consented departments see it"},
    },
}
CARD_ID = {"name": "card_id", "in": "path", "required": True, "schema": {"type": "integer"}}
SCHEMAS["AssistantReply"] = {
    "type": "object",
    "required": ["kind", "answer", "choices", "hotlines", "ask_desk_url"],
    "additionalProperties": False,
    "properties": {
        "kind": {
            "enum": ["answer", "choices", "none", "crisis"],
            "description": "crisis: the question spoke of danger; show the hotlines first",
        },
        "answer": {
            "type": ["object", "null"],
            "required": ["id", "question", "text", "facts", "links"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer"},
                "question": _STRING,
                "text": {"type": "string", "description": "the staff's Markdown, as written"},
                "facts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["label", "text", "url"],
                        "additionalProperties": False,
                        "properties": {"label": _STRING, "text": _STRING, "url": _STRING},
                    },
                },
                "links": {"type": "array", "items": _STRING},
            },
        },
        "choices": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "type": "object",
                "required": ["id", "question"],
                "additionalProperties": False,
                "properties": {"id": {"type": "integer"}, "question": _STRING},
            },
        },
        "hotlines": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "number", "hours"],
                "additionalProperties": False,
                "properties": {"name": _STRING, "number": _STRING, "hours": _STRING},
            },
        },
        "ask_desk_url": {"type": "string", "description": "the form to ask a desk instead"},
    },
}
# The assistant's answer for a city's own website: outside /api/v1, public, and read by the
# browsers of the origins the city lists (CORS).
ASSISTANT = {
    "servers": [{"url": "/"}],
    "get": {
        "summary": "The assistant's reply to a parent's question (for the city's own website)",
        "security": [],
        "parameters": [
            {"name": "city", "in": "path", "required": True, "schema": _STRING},
            {
                "name": "q",
                "in": "query",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 300},
            },
            {"name": "lang", "in": "query", "schema": {"enum": ["ja", "en", "easy"]}},
        ],
        "responses": {
            "200": _ok(_ref("AssistantReply")),
            "400": _ok(_ref("Error"), "No question, or a longer one than 300 characters"),
            "404": _ok(_ref("Error"), "No such city"),
            "429": _ok(_ref("Error"), "Too many questions from one address"),
        },
    },
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Yorisou API",
            "version": "1",
            "description": "Topics, counters, notices and their reports, the programme "
            "catalogue, consultation requests and families' cards, for the systems of other "
            "departments. "
            "Authenticate with a token from "
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
            "/catalogue": {
                "get": {
                    "summary": "The programmes and desks, as the console exports them",
                    "responses": {"200": _ok(_ref("Catalogue")), **ERRORS},
                },
                "put": {
                    "summary": "Add or update programmes and desks (admins); all or nothing",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("Catalogue")}},
                    },
                    "responses": {
                        "200": _ok(_ref("Imported")),
                        "400": _ok(_ref("Error"), "Invalid: nothing was changed"),
                        **ERRORS,
                    },
                },
            },
            "/requests": {
                "get": {
                    "summary": "Consultation requests of your department's desks (all, for "
                    "admins), newest first (the latest 1,000), without contact details or "
                    "messages",
                    "responses": {"200": _ok(_list_of("RequestSummary")), **ERRORS},
                }
            },
            "/requests/{request_id}": {
                "get": {
                    "summary": "One request, whole; each reading is in the audit log",
                    "parameters": [REQUEST_ID],
                    "responses": {
                        "200": _ok(_ref("Request")),
                        "404": _ok(_ref("Error"), "Not found among your desks' requests"),
                        **ERRORS,
                    },
                }
            },
            "/requests/{request_id}/{action}": {
                "post": {
                    "summary": "Assign to yourself, mark contacted, add a note, pass to "
                    "another desk, or close with an outcome",
                    "parameters": [
                        REQUEST_ID,
                        {
                            "name": "action",
                            "in": "path",
                            "required": True,
                            "schema": {
                                "enum": ["assign", "contacted", "note", "transfer", "close"]
                            },
                        },
                    ],
                    "requestBody": {
                        "content": {"application/json": {"schema": _ref("RequestChange")}},
                    },
                    "responses": {
                        "200": _ok(_ref("Request")),
                        "404": _ok(_ref("Error"), "Not found"),
                        "409": _ok(_ref("Error"), "Not possible now (ended, or a missing field)"),
                        **ERRORS,
                    },
                }
            },
            "/ask/{city}/answer": ASSISTANT,
            "/cards": {
                "get": {
                    "summary": "The families' cards shared with your department (admins: all)",
                    "responses": {"200": _ok(_list_of("Card")), **ERRORS},
                }
            },
            "/cards/{card_id}": {
                "get": {
                    "summary": "One card, whole (the opening is audited)",
                    "parameters": [CARD_ID],
                    "responses": {
                        "200": _ok(_ref("CardDetail")),
                        "404": _ok(_ref("Error"), "Not found among your department's"),
                        **ERRORS,
                    },
                }
            },
            "/cards/{card_id}/{kind}": {
                "post": {
                    "summary": "Record your department's contact with the family, or a note",
                    "parameters": [
                        CARD_ID,
                        {
                            "name": "kind",
                            "in": "path",
                            "required": True,
                            "schema": {"enum": ["contact", "note"]},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("CardRecord")}},
                    },
                    "responses": {
                        "200": _ok(_ref("CardDetail")),
                        "400": _ok(_ref("Error"), "No text, or too long"),
                        "404": _ok(_ref("Error"), "Not found among your department's"),
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
