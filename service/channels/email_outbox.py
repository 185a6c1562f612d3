"""The default email channel: writes each message as an .eml file a person can open."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from service.addresses import deliverable, mask_address
from service.channels import Recipient, RenderedMessage, Result, substitute
from service.types import utcnow


class OutboxEmail:
    name = "email"
    max_batch = 1000

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def route(self, organisation_id: int | None) -> str | None:
        return self.name

    def send(self, message: RenderedMessage, recipients: Sequence[Recipient]) -> list[Result]:
        self.directory.mkdir(parents=True, exist_ok=True)
        results = []
        with (self.directory / "outbox.jsonl").open("a", encoding="utf-8") as log:
            for recipient in recipients:
                provider_id = f"outbox-{uuid.uuid4().hex}"
                email = build_email(message, recipient, provider_id)
                # In the order written, and each its own: the delivery ids of notices,
                # requests' and staff's messages overlap.
                path = self.directory / f"{utcnow():%Y%m%dT%H%M%S%f}-{provider_id[7:15]}.eml"
                path.write_bytes(bytes(email))
                log.write(
                    json.dumps(
                        {
                            "delivery_id": recipient.delivery_id,
                            "to": mask_address(recipient.address),
                            "subject": message.subject,
                            "file": path.name,
                            "provider_id": provider_id,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                results.append(Result(recipient.delivery_id, "sent", provider_id=provider_id))
        return results


def build_email(message: RenderedMessage, recipient: Recipient, provider_id: str) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = Address(message.sender_name, addr_spec=message.sender_email)
    email["To"] = deliverable(recipient.address)
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = make_msgid(
        idstring=provider_id, domain=message.sender_email.split("@")[-1]
    )
    for name, value in recipient.headers.items():
        email[name] = value
    email.set_content(substitute(message.text, recipient.substitutions), cte="quoted-printable")
    email.add_alternative(
        substitute(message.html, recipient.substitutions), subtype="html", cte="quoted-printable"
    )
    for attachment in message.attachments:  # text/calendar: UTF-8, as RFC 5545 says
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params={"charset": "utf-8"},
        )
    return email
