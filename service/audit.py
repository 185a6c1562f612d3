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
    staff: Actor | None,
    action: str,
    target: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organisation_id: int | None = None,
) -> None:
    """`staff`: who did it; None for the command line (then `organisation_id` says where)."""
    organisation_id = staff.organisation_id if staff else organisation_id
    assert organisation_id is not None, "an audit event belongs to an organisation"
    session.add(
        AuditEvent(
            organisation_id=organisation_id,
            staff_user_id=staff.id if staff else None,
            action=action,
            target=target[:200],
            detail={"before": before or {}, "after": after or {}},
            created_at=utcnow(),
        )
    )
