"""Staff accounts: passwords hashed with scrypt (Werkzeug's default), never stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import update
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from service.models import Role, StaffUser
from service.tokens import short_code

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
    same = select(StaffUser).where(
        StaffUser.organisation_id == organisation_id, StaffUser.email == email
    )
    if session.exec(same).first():  # of this city only: another's staff is not its business
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


def accounts_of(session: Session, email: str) -> list[StaffUser]:
    """The staff accounts of this address, one per city it is staff of."""
    query = select(StaffUser).where(StaffUser.email == email.strip().lower())
    return list(session.exec(query.order_by(col(StaffUser.organisation_id))).all())


def authenticate(session: Session, *, email: str, password: str) -> list[StaffUser]:
    """The active accounts of this address whose password this is (usually one; several when
    a person is staff of several cities with the same password)."""
    accounts = [user for user in accounts_of(session, email) if user.active]
    if not accounts:
        check_password_hash(_DUMMY_HASH, password)
    return [user for user in accounts if check_password_hash(user.password_hash, password)]


def password_matches(user: StaffUser, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


# Two-step sign-in: wrong codes in a row before the account locks, and for how long. Counted on
# the account, so that guesses spread over many addresses count as much as guesses from one.
CODE_FAILURES_LOCK = 5
LOCKED_FOR = timedelta(minutes=30)
RECOVERY_CODES = 10


def locked(user: StaffUser, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def count_wrong_code(session: Session, user: StaffUser, now: datetime) -> bool:
    """One more wrong code for the account; True if this one locked it (once, of however many
    arrive at the same moment)."""
    session.execute(
        update(StaffUser)
        .where(col(StaffUser.id) == user.id)
        .values(code_failures=col(StaffUser.code_failures) + 1)
    )
    locking = session.execute(
        update(StaffUser)
        .where(col(StaffUser.id) == user.id, col(StaffUser.code_failures) >= CODE_FAILURES_LOCK)
        .values(code_failures=0, locked_until=now + LOCKED_FOR)
    )
    session.refresh(user)
    return bool(locking.rowcount)  # type: ignore[attr-defined]


def new_recovery_codes(user: StaffUser) -> list[str]:
    """Fresh one-time codes for a lost authenticator: shown once, kept only as hashes (the
    earlier ones stop working)."""
    codes = [f"{short_code(5)}-{short_code(5)}" for _ in range(RECOVERY_CODES)]
    user.recovery_codes = [_recovery_hash(code) for code in codes]
    return codes


def use_recovery_code(user: StaffUser, typed: str) -> bool:
    """True, and the code is used up, if it is one of the account's recovery codes."""
    digest = _recovery_hash(typed)
    kept = [code for code in user.recovery_codes if not hmac.compare_digest(code, digest)]
    if len(kept) == len(user.recovery_codes):
        return False
    user.recovery_codes = kept
    return True


def _recovery_hash(code: str) -> str:
    plain = re.sub(r"[\s\-ー－]", "", unicodedata.normalize("NFKC", code)).upper()
    return hashlib.sha256(f"recovery:{plain}".encode()).hexdigest()


def reset_two_factor(user: StaffUser) -> None:
    """An admin's reset for a lost authenticator: the member sets it up again (where it is
    required, before any other page), and every session of theirs ends."""
    user.totp_secret, user.totp_last_step, user.recovery_codes = None, 0, []
    user.code_failures, user.locked_until = 0, None
    user.session_epoch += 1
