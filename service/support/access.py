"""Who sees which desks' consultation requests (the queue, the API, the home page)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from service.models import Role
from service.support.models import ConsultationRequest, Desk
from service.web.access import SignedInStaff


def visible_desks(session: Session, staff: SignedInStaff) -> list[Desk]:
    """The desks whose requests a staff member may see: their department's, or all for an
    admin. Viewers see none (requests hold personal data; reports do not)."""
    query = select(Desk).where(Desk.organisation_id == staff.organisation_id)
    if not staff.at_least(Role.ADMIN):
        if not staff.at_least(Role.EDITOR) or not staff.department:
            return []
        query = query.where(Desk.department == staff.department)
    return list(session.exec(query.order_by(col(Desk.position), col(Desk.id))).all())


def visible_request(
    session: Session, staff: SignedInStaff, request_id: int
) -> ConsultationRequest | None:
    """The request, if it is one of the staff member's desks' (else as if it did not exist)."""
    consultation = session.get(ConsultationRequest, request_id)
    desks = {desk.id for desk in visible_desks(session, staff)}
    return consultation if consultation is not None and consultation.desk_id in desks else None
