"""空メール登録: a parent sends an empty email to the city's registration address (the poster's
second QR code opens the phone's mail app with it filled in) and gets an answer holding a link
to choose their topics. It spares typing an address on a phone, and proves that the city's mail
gets through the carrier's filter before anything else is sent.

The email comes through SendGrid Inbound Parse (service.webhooks) or, to try it without SendGrid,
from an .eml file (`yorisou inbound FILE`). Its From can be forged: the address counts as
confirmed only once the link in the answer is used, like any confirmation.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from service.addresses import hash_address, reachable, tidy_address
from service.models import DeliveryKind, InboundSender, Organisation, Subscriber
from service.own_links import send_link_to_address
from service.subscribers import add_email, counter_with_code, waiting_for

log = logging.getLogger(__name__)

# Empty emails a city takes in an hour from one sender domain, and from one sending server:
# a flood from one place must not become the city's mail to thousands, nor use up what real
# parents writing from elsewhere need.
PER_DOMAIN_PER_HOUR = 30
PER_SOURCE_PER_HOUR = 10
_BULK = {"bulk", "list", "junk", "auto_reply"}
_DAEMONS = {"mailer-daemon", "postmaster"}
_DKIM_RESULT = re.compile(r"@([^\s:,{}]+)\s*:\s*(\w+)")


@dataclass(frozen=True)
class InboundMail:
    sender: str  # the envelope's (empty for a bounce)
    recipients: tuple[str, ...]
    headers: Message
    # The sender's domain vouched for it (SPF or DKIM passed, as Inbound Parse reports them).
    authenticated: bool
    source: str  # the sending server's address

    @classmethod
    def from_inbound_parse(cls, form: Mapping[str, str]) -> InboundMail:
        """SendGrid Inbound Parse's post (its default, parsed form)."""
        try:
            envelope = json.loads(form.get("envelope") or "{}")
        except ValueError:
            envelope = {}
        envelope = envelope if isinstance(envelope, dict) else {}
        recipients = [str(r) for r in envelope.get("to") or [] if isinstance(r, str)]
        recipients += [address for _, address in getaddresses([form.get("to", "")])]
        sender = str(envelope.get("from") or "")
        return cls(
            sender,
            tuple(recipients),
            HeaderParser().parsestr(form.get("headers", "")),
            authenticated=_vouched(sender, spf=form.get("SPF", ""), dkim=form.get("dkim", "")),
            source=form.get("sender_ip", ""),
        )

    @classmethod
    def from_eml(cls, raw: bytes) -> InboundMail:
        message = message_from_bytes(raw, policy=policy.compat32)
        sender = parseaddr(message.get("Return-Path") or message.get("From") or "")[1]
        fields = [message.get(name, "") for name in ("Delivered-To", "To", "Cc")]
        recipients = tuple(address for _, address in getaddresses(fields))
        # Fed by the server's operator (`yorisou inbound`), who vouches for it.
        return cls(sender, recipients, message, authenticated=True, source="command line")


def _domain(address: str) -> str:
    return address.strip().strip("<>").rpartition("@")[2].lower()


def _vouched(sender: str, *, spf: str, dkim: str) -> bool:
    """SPF passed for the envelope sender, or a DKIM signature of the sender's domain (or a
    domain above it) verified: otherwise anyone may have written the From."""
    if spf.strip().lower() == "pass":
        return True
    domain = _domain(sender)
    return any(
        result.lower() == "pass" and (domain == signer.lower() or domain.endswith(f".{signer}"))
        for signer, result in _DKIM_RESULT.findall(dkim)
    )


def _automatic(mail: InboundMail) -> str | None:
    """Why this is no parent writing, if it is not: a bounce, an auto-reply, a list."""
    sender = mail.sender.strip().strip("<>")
    if not sender or sender.partition("@")[0].lower() in _DAEMONS:
        return "no sender: a bounce"
    if mail.headers.get("Auto-Submitted", "no").strip().lower() != "no":
        return "an automatic reply"
    if (mail.headers.get("Precedence") or "").strip().lower() in _BULK:
        return "bulk or list mail"
    if mail.headers.get("List-Id") or mail.headers.get("List-Unsubscribe"):
        return "a mailing list"
    return None


def _registrations(session: Session, recipients: tuple[str, ...]) -> list[tuple[Organisation, str]]:
    """Each city whose registration address the email went to, with the counter code that
    rides after a "+" (touroku+koseki@…)."""
    found: dict[int, tuple[Organisation, str]] = {}
    for recipient in recipients:
        address = recipient.strip().lower()
        local, _, domain = address.rpartition("@")
        name, _, code = local.partition("+")
        if not name or not domain:
            continue
        spellings = {address, f"{name}@{domain}"}
        query = select(Organisation).where(col(Organisation.registration_address).in_(spellings))
        for organisation in session.exec(query):
            exact = organisation.registration_address == address
            found.setdefault(organisation.id or 0, (organisation, "" if exact else code))
    return list(found.values())


def take_mail(session: Session, mail: InboundMail, *, now: datetime) -> str:
    """Answer an empty email with a link to choose topics; what was done, for the log."""
    if reason := _automatic(mail):
        return f"ignored: {reason}"
    found = _registrations(session, mail.recipients)
    if not found:
        return "ignored: not a registration address"
    if len(found) > 1:  # never a guess: the parent would register with the wrong city
        cities = ", ".join(sorted(organisation.slug for organisation, _ in found))
        log.warning("inbound mail refused: it is addressed to more than one city (%s)", cities)
        return "ignored: addressed to more than one city"
    [(organisation, code)] = found
    if not mail.authenticated:
        return "ignored: the sender's domain does not vouch for it (no SPF or DKIM pass)"
    address = tidy_address(mail.sender.strip().strip("<>"))
    if not reachable(address):
        return "ignored: the sender's address cannot be written to"
    if reason := _flooding(session, organisation, mail, now):
        return f"ignored: {reason}"
    source = counter_with_code(session, code, organisation.id)
    if send_link_to_address(session, email=address, now=now, organisation_id=organisation.id):
        return "answered with the registration's link"  # registered already
    subscriber = waiting_for(session, organisation.id or 0, address) or Subscriber(
        public_id=uuid.uuid4().hex,
        organisation_id=organisation.id or 0,
        source_id=source.id if source else None,
        created_at=now,
    )
    session.add(subscriber)
    session.flush()
    add_email(session, subscriber=subscriber, email=address, now=now, kind=DeliveryKind.MAIL_SIGNUP)
    return "answered with a link to choose topics"


def _flooding(
    session: Session, organisation: Organisation, mail: InboundMail, now: datetime
) -> str | None:
    """Why this email is one too many this hour, if it is; else it is counted."""
    seen = InboundSender(
        organisation_id=organisation.id or 0,
        sender_domain=_domain(mail.sender)[:255],
        source_hash=hash_address("source", mail.source),
        received_at=now,
    )
    for column, value, most, what in (
        (InboundSender.sender_domain, seen.sender_domain, PER_DOMAIN_PER_HOUR, "sender domain"),
        (InboundSender.source_hash, seen.source_hash, PER_SOURCE_PER_HOUR, "sending server"),
    ):
        count = session.exec(
            select(func.count()).where(
                InboundSender.organisation_id == organisation.id,
                col(column) == value,
                col(InboundSender.received_at) > now - timedelta(hours=1),
            )
        ).one()
        if count >= most:
            log.warning("inbound mail refused: too many from one %s this hour", what)
            return f"too many from this {what} this hour"
    session.add(seen)
    return None


def forget_inbound_mail(session: Session, *, now: datetime) -> int:
    """What was counted, once it no longer counts (the daily upkeep)."""
    result = session.execute(
        delete(InboundSender).where(col(InboundSender.received_at) < now - timedelta(days=1))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
