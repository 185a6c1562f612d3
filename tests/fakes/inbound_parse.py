"""What SendGrid Inbound Parse posts for an email it received (its default, parsed form: a
multipart form with the headers, the envelope as JSON, the text and html parts, SPF and DKIM
results), so that tests can send the app an email as SendGrid would."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SECRET = "inbound-parse-secret-for-tests"


def inbound_form(
    *,
    sender: str,
    to: str,
    subject: str = "",
    text: str = "",
    headers: Mapping[str, str] | None = None,
    envelope_sender: str | None = None,
    spf: str = "pass",
    dkim: str | None = None,
    sender_ip: str = "203.0.113.9",
    html: str = "",
) -> dict[str, str]:
    """The form fields of one email. `envelope_sender`: the SMTP sender, when it differs from
    From ("" for a bounce's null sender). SPF and DKIM as SendGrid reports its checks: by
    default both pass for the sender's domain."""
    domain = sender.rpartition("@")[2]
    lines = {"From": sender, "To": to, "Subject": subject, **(headers or {})}
    return {
        "headers": "Received: from mx.example.jp by mx.sendgrid.net\n"
        + "".join(f"{name}: {value}\n" for name, value in lines.items()),
        "dkim": f"{{@{domain} : pass}}" if dkim is None else dkim,
        "to": to,
        "from": sender,
        "subject": subject,
        "text": text,
        "html": html,
        "sender_ip": sender_ip,
        "envelope": json.dumps(
            {"to": [to], "from": sender if envelope_sender is None else envelope_sender}
        ),
        "charsets": json.dumps(
            {"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8", "text": "UTF-8"}
        ),
        "SPF": spf,
        "attachments": "0",
    }


def post_inbound(client: Any, secret: str = SECRET, **email: Any) -> Any:
    """Post one email to the app (a Flask test client) as Inbound Parse does."""
    return client.post(
        f"/webhooks/inbound/{secret}",
        data=inbound_form(**email),
        content_type="multipart/form-data",
    )
