"""Messages to the parents of consultation requests: a handful a day, each to one parent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session

from jobs.claims import LEASE
from jobs.outbox import send_outbox
from service.channels import Channel, RenderedMessage
from service.db import Database
from service.models import Organisation
from service.support.messages import render_request_message
from service.support.models import ConsultationRequest, Desk, RequestMessage
from service.support.requests import named_in_messages


def send_request_messages(
    database: Database,
    *,
    channels: Mapping[str, Channel],
    now: datetime,
    max_attempts: int = 8,
    lease: timedelta = LEASE,
) -> int:
    """Send what is due; returns how many were tried."""

    def prepare(
        session: Session, message: RequestMessage
    ) -> tuple[Channel, str, RenderedMessage] | None:
        consultation = session.get_one(ConsultationRequest, message.request_id)
        address = consultation.email if message.channel == "email" else consultation.line_user_id
        channel = channels.get(message.channel)
        if address is None or channel is None or not channel.route(consultation.organisation_id):
            return None
        desk = session.get_one(Desk, consultation.desk_id)
        rendered = render_request_message(
            message,
            consultation,
            desk,
            session.get_one(Organisation, consultation.organisation_id),
            name_desk=named_in_messages(session, consultation, desk),
        )
        return channel, address, replace(rendered, organisation_id=consultation.organisation_id)

    return send_outbox(
        database, RequestMessage, prepare, now=now, max_attempts=max_attempts, lease=lease
    )
