"""Staff accounts: passwords hashed with scrypt (Werkzeug's default), never stored."""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime

import pyotp
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from service.models import Role, StaffUser

MIN_PASSWORD_LENGTH = 12
STRONG_ENOUGH = 3  # zxcvbn's score (0–4): 3 is "safely unguessable" against online guessing
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
    if problem := weak_password(password, email):
        raise StaffUserError(problem)
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


def weak_password(password: str, *personal: str) -> str | None:
    """Why this password will not do, or None. Length is not enough: a long password can be
    among the first a guesser tries (a common one, a word and a year, the user's email)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。"
    words = [part for text in personal for part in re.split(r"[@._-]", text.lower()) if part]
    from zxcvbn import zxcvbn  # 12 MB of word lists: loaded where a password is chosen

    if zxcvbn(password[:100], user_inputs=[*personal, *words])["score"] < STRONG_ENOUGH:
        return (
            "推測されやすいパスワードです（よく使われるもの、単語と数字の並び、メールアドレスを"
            "含むものなど）。関係のない単語をいくつかつなげるなどして、推測しにくいものにして"
            "ください。"
        )
    return None


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, *, email: str, issuer: str) -> str:
    """What the authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def code_step(secret: str, code: str, *, after: int, now: float) -> int | None:
    """The time step a six-digit code belongs to (this 30 s, or one either side for a slow
    hand or clock), if it is right and newer than `after`; else None."""
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    for offset in (-1, 0, 1):
        step = totp.timecode(datetime.fromtimestamp(now + offset * totp.interval, UTC))
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def authenticate(session: Session, *, email: str, password: str) -> StaffUser | None:
    user = session.exec(select(StaffUser).where(StaffUser.email == email.strip().lower())).first()
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None
