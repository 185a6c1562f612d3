"""JSON API v1 for other departments' systems and scripts; its OpenAPI document is openapi.py."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlmodel import col, select

from service import get_session, get_settings
from service.extensions import csrf
from service.models import ApiToken, Role, StaffUser
from service.types import utcnow
from service.web.access import SignedInStaff

blueprint = Blueprint("api", __name__)
csrf.exempt(blueprint)  # authenticated by a bearer token, not a cookie


def token_hash(value: str) -> str:
    """What is stored of an API token: its hash, never the token."""
    return hashlib.sha256(value.strip().encode()).hexdigest()


def token_required(role: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A valid, unrevoked token of an active staff user with at least `role`."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer "):
                abort(401)
            digest = token_hash(header.removeprefix("Bearer "))
            session = get_session()
            found = session.exec(
                select(ApiToken, StaffUser)
                .join(StaffUser, col(StaffUser.id) == ApiToken.staff_user_id)
                .where(ApiToken.token_hash == digest, col(ApiToken.revoked_at).is_(None))
            ).first()
            if found is None or not found[1].active:
                abort(401)
            token, user = found
            if get_settings().two_factor_missing(user.role, user.totp_secret is not None):
                return problem(
                    403,
                    "admins must use two-step sign-in (REQUIRE_ADMIN_2FA): set it up in the "
                    "console before this token can be used",
                )
            if not Role(user.role).allows(role):
                abort(403)
            token.last_used_at = utcnow()
            session.add(token)
            g.staff = SignedInStaff.of(user)
            return view(*args, **kwargs)

        return guarded

    return decorate


def problem(status: int, detail: str) -> ResponseReturnValue:
    return jsonify(error={"status": status, "detail": detail}), status
