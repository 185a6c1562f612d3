"""The audit log: who changed what, when, from what to what. Written, never edited."""

from __future__ import annotations

from typing import Any, Protocol

from sqlmodel import Session

from service.models import AuditEvent
from service.types import utcnow


class Actor(Protocol):
    id: int
    organisation_id: int


def record_audit(
    session: Session,
    *,
    staff: Actor,
    action: str,
    target: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            organisation_id=staff.organisation_id,
            staff_user_id=staff.id,
            action=action,
            target=target[:200],
            detail={"before": before or {}, "after": after or {}},
            created_at=utcnow(),
        )
    )
