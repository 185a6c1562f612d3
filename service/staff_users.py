"""Staff accounts: passwords hashed with scrypt (Werkzeug's default), never stored."""

from __future__ import annotations

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from service.models import Role, StaffUser

MIN_PASSWORD_LENGTH = 12
# Checked when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("yorisou-timing-equaliser")


class StaffUserError(ValueError):
    pass


def create_staff_user(
    session: Session,
    *,
    organisation_id: int,
    email: str,
    password: str,
    role: Role,
    department: str = "",
) -> StaffUser:
    email = email.strip().lower()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffUserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.exec(select(StaffUser).where(StaffUser.email == email)).first():
        raise StaffUserError(f"a staff user with the email {email} exists already")
    user = StaffUser(
        organisation_id=organisation_id,
        email=email,
        role=role,
        department=department,
        password_hash=generate_password_hash(password),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> StaffUser | None:
    user = session.exec(select(StaffUser).where(StaffUser.email == email.strip().lower())).first()
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None
