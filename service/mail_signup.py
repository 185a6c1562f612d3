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
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.addresses import reachable, tidy_address
from service.models import (
    Delivery,
    DeliveryKind,
    Endpoint,
    Organisation,
    Source,
    Subscriber,
)
from service.own_links import send_link_to_address
from service.subscribers import add_email, counter_with_code, waiting_for

# Answers a city sends in an hour at the most, whoever writes: the address must not become a
# way to send the city's mail to thousands of forged senders.
ANSWERS_PER_HOUR = 300
_BULK = {"bulk", "list", "junk", "auto_reply"}
_DAEMONS = {"mailer-daemon", "postmaster"}


@dataclass(frozen=True)
class InboundMail:
    sender: str  # the envelope's (empty for a bounce)
    recipients: tuple[str, ...]
    headers: Message

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
        return cls(
            str(envelope.get("from") or ""),
            tuple(recipients),
            HeaderParser().parsestr(form.get("headers", "")),
        )

    @classmethod
    def from_eml(cls, raw: bytes) -> InboundMail:
        message = message_from_bytes(raw, policy=policy.compat32)
        sender = parseaddr(message.get("Return-Path") or message.get("From") or "")[1]
        fields = [message.get(name, "") for name in ("Delivered-To", "To", "Cc")]
        return cls(sender, tuple(address for _, address in getaddresses(fields)), message)


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


def _registration(
    session: Session, recipients: tuple[str, ...]
) -> tuple[Organisation, Source | None] | None:
    """The organisation whose registration address this went to, and the counter that the
    address's "+code" names (touroku+koseki@…)."""
    for recipient in recipients:
        local, _, domain = recipient.strip().lower().rpartition("@")
        name, _, code = local.partition("+")
        organisation = session.exec(
            select(Organisation).where(
                func.lower(Organisation.registration_address) == f"{name}@{domain}"
            )
        ).first()
        if organisation is not None and name:
            source = counter_with_code(session, code, organisation.id)
            return organisation, source
    return None


def take_mail(session: Session, mail: InboundMail, *, now: datetime) -> str:
    """Answer an empty email with a link to choose topics; what was done, for the log."""
    if reason := _automatic(mail):
        return f"ignored: {reason}"
    found = _registration(session, mail.recipients)
    if found is None:
        return "ignored: not a registration address"
    organisation, source = found
    address = tidy_address(mail.sender.strip().strip("<>"))
    if not reachable(address):
        return "ignored: the sender's address cannot be written to"
    if _answers_last_hour(session, organisation, now) >= ANSWERS_PER_HOUR:
        return "ignored: too many this hour"
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


def _answers_last_hour(session: Session, organisation: Organisation, now: datetime) -> int:
    return session.exec(
        select(func.count())
        .select_from(Delivery)
        .join(Endpoint, col(Endpoint.id) == Delivery.endpoint_id)
        .join(Subscriber, col(Subscriber.id) == Endpoint.subscriber_id)
        .where(
            Delivery.kind == DeliveryKind.MAIL_SIGNUP,
            Delivery.created_at > now - timedelta(hours=1),
            Subscriber.organisation_id == organisation.id,
        )
    ).one()
