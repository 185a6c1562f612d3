"""The links a parent is sent: each good for one purpose only, and all but one renewable.

- preferences (MANAGE, "public id:link epoch"): the parent's own page, where anything can be
  changed. Getting a fresh one raises the epoch, which ends every older link.
- unsubscribe (UNSUBSCRIBE, "public id"): one button that stops everything, from any email ever
  sent, for ever (RFC 8058's one-click target). It can do nothing else.
- calendar (CALENDAR, "public id:calendar epoch"): the feed a calendar service keeps reading;
  it reads the feed and nothing else, and the parent can replace its address on its own.
- confirm (CONFIRM, "public id:endpoint id"): the double opt-in of one address; it expires.
- ask (ASK, "public id:endpoint id"): a consultation request answered through that address
  (the parent's LINE chat or email) without typing it; for ASK_LINK_DAYS.
- book (BOOK, "public id:endpoint id:event code"): that event's booking page, knowing the
  parent, who hears about the booking through that address; for BOOK_LINK_DAYS.
- booking (BOOKING, booking's public id): one booking's page: see, move or cancel it.
- confirm booking (BOOKING_CONFIRM, booking's public id): in the email to an address typed for
  a booking only, the button that says the address is the parent's.

Links sent before epochs existed carry the public id alone: they count as epoch 0.
"""

from __future__ import annotations

from service.models import Subscriber
from service.settings import Settings
from service.tokens import Purpose, TokenSigner


class LinkMaker:
    """Signs the links of many parents (the signing keys are derived once)."""

    def __init__(self, settings: Settings) -> None:
        self.base = settings.public_base_url
        self._signers = {purpose: TokenSigner(settings.secret_key, purpose) for purpose in Purpose}

    def preferences(self, public_id: str, link_epoch: int) -> str:
        token = self._signers[Purpose.MANAGE](with_epoch(public_id, link_epoch))
        return f"{self.base}/preferences/{token}"

    def unsubscribe(self, public_id: str) -> str:
        return f"{self.base}/unsubscribe/{self._signers[Purpose.UNSUBSCRIBE](public_id)}"

    def calendar(self, public_id: str, calendar_epoch: int) -> str:
        token = self._signers[Purpose.CALENDAR](with_epoch(public_id, calendar_epoch))
        return f"{self.base}/calendar/{token}.ics"

    def confirm(self, public_id: str, endpoint_id: int, page: str = "confirm") -> str:
        """`page` "choose": the answer to an empty email, which asks for the topics too."""
        token = self._signers[Purpose.CONFIRM](f"{public_id}:{endpoint_id}")
        return f"{self.base}/{page}/{token}"

    def ask(self, organisation_slug: str, subscriber: Subscriber, endpoint_id: int) -> str:
        """The request form of a registered parent, in their language, who may be answered
        through this address (their LINE chat, their email) without typing it; for a day."""
        token = self._signers[Purpose.ASK](f"{subscriber.public_id}:{endpoint_id}")
        language = "" if subscriber.locale == "ja" else f"&lang={subscriber.locale}"
        return f"{self.base}/guide/{organisation_slug}/ask?link={token}{language}"

    def book(self, event_public_id: str, public_id: str, endpoint_id: int, locale: str) -> str:
        token = self._signers[Purpose.BOOK](f"{public_id}:{endpoint_id}:{event_public_id}")
        language = "" if locale == "ja" else f"&lang={locale}"
        return f"{self.base}/e/{event_public_id}?link={token}{language}"

    def booking(self, booking_public_id: str) -> str:
        return f"{self.base}/b/{self._signers[Purpose.BOOKING](booking_public_id)}"

    def confirm_booking(self, booking_public_id: str) -> str:
        """Only in the email to the typed address: the booking page after the form does not
        confirm it, or anyone could book with anyone's address."""
        token = self._signers[Purpose.BOOKING_CONFIRM](booking_public_id)
        return f"{self.base}/b/{token}/confirm"

    def own_page(self, subscriber: Subscriber) -> str:
        return self.preferences(subscriber.public_id, subscriber.link_epoch)


def with_epoch(public_id: str, epoch: int) -> str:
    return f"{public_id}:{epoch}" if epoch else public_id


def split_epoch(subject: str) -> tuple[str, int | None]:
    """(public id, epoch) of a token's subject; epoch None when it is not a number."""
    public_id, _, epoch = subject.partition(":")
    if not epoch:
        return public_id, 0
    return public_id, int(epoch) if epoch.isdigit() and len(epoch) < 10 else None
