"""The scheduler process: APScheduler fires the ticks; the steps do the work."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler, SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlmodel import select

from jobs.card_messages import send_card_messages
from jobs.claims import take_back_run_out
from jobs.desk_lists import send_desk_lists
from jobs.dispatch import BATCH_SIZE, DispatchPolicy, dispatch_due, send_fanned_out
from jobs.fanout import fan_out_sends
from jobs.materialize import materialize_sends
from jobs.request_messages import send_request_messages
from jobs.staff_messages import send_counsellor_alerts, send_staff_messages
from service import create_app, get_database
from service.assistant.answering import forget_unanswered
from service.bookings.booking import expire_offers
from service.bookings.city_actions import erase_past
from service.bookings.schedule import make_all_slots
from service.calendar.digest import DigestSchedule
from service.calendar.quiet_hours import QuietHours
from service.cards.cards import erase_idle_cards
from service.cards.outreach import queue_you_may
from service.cards.reminders import queue_reminders
from service.channels import Channel, build_channels
from service.channels.rates import parse_rate_limits
from service.line.accounts import account_of
from service.line.link_codes import expired_links
from service.mail_signup import forget_inbound_mail
from service.mailbox_cap import forget_counts
from service.models import Organisation, Priority
from service.queued_imports import drop_stale_uploads, run_queued_imports
from service.settings import Settings
from service.subscribers import erase_expired
from service.support.requests import erase_ended
from service.types import utcnow

log = logging.getLogger(__name__)

TICK = timedelta(seconds=1)  # a notice due now starts now; quiet ticks are cheap


class Worker:
    def __init__(self, app: Flask, channels: dict[str, Channel] | None = None) -> None:
        self.app = app
        self.settings: Settings = app.extensions["yorisou.settings"]
        self.channels = (
            channels if channels is not None else build_channels(self.settings, account_of)
        )
        self.policy = DispatchPolicy(
            max_attempts=self.settings.max_attempts,
            retry_base=timedelta(seconds=self.settings.retry_base_seconds),
            lease=timedelta(seconds=self.settings.claim_lease_seconds),
            rate_limits={
                "email": parse_rate_limits(self.settings.send_rate_email),
                "webpush": parse_rate_limits(self.settings.send_rate_webpush),
                "line": parse_rate_limits(self.settings.send_rate_line),
            },
            quiet_hours=QuietHours.parse(self.settings.quiet_hours, self.settings.timezone),
            allowlist=self.settings.delivery_allowlist,
        )
        self.digest = DigestSchedule.parse(self.settings.digest_at, self.settings.timezone)

    def schedule(self, now: datetime | None = None) -> None:
        """Materialize due occurrences, fan them out to deliveries and send those due now."""
        fixed_now, now = now, now or utcnow()
        with self.app.app_context():
            database = get_database()
            with database.session() as session:
                materialize_sends(session, now=now)
            with database.session() as session:
                fan_out_sends(
                    session,
                    now=now,
                    digest=self.digest,
                    send_now=lambda leases: send_fanned_out(
                        database,
                        leases,
                        channels=self.channels,
                        policy=self.policy,
                        now=fixed_now,
                    ),
                    lease=self.policy.lease,
                )

    def dispatch(self, now: datetime | None = None, *, max_priority: int | None = None) -> int:
        """Send everything due, batch after batch, until nothing is left."""
        total = 0
        with self.app.app_context():
            with get_database().session() as session:
                if taken_back := take_back_run_out(session, now or utcnow()):
                    log.warning("%d deliveries back in the queue: their lease ran out", taken_back)
            while True:
                claimed = dispatch_due(
                    get_database(),
                    channels=self.channels,
                    now=now or utcnow(),
                    policy=self.policy,
                    max_priority=max_priority,
                )
                total += claimed
                if claimed < BATCH_SIZE:
                    return total

    def dispatch_confirmations(self) -> int:
        """A lane of its own, so a bulk send in flight never delays a parent at the counter."""
        return self.dispatch(max_priority=Priority.CONFIRM)

    def request_messages(self, now: datetime | None = None) -> int:
        """Acknowledgements and answers to parents who asked a desk to contact them, and the
        questions to parents whether a department may share their card further."""
        with self.app.app_context():
            requests = self._outbox(send_request_messages, now)
            return requests + self._outbox(send_card_messages, now, settings=self.settings)

    def staff_messages(self, now: datetime | None = None) -> int:
        """Emails to staff that a notice waits for them (to approve, approved, sent back), and
        the counter's calls for a counsellor to the staff's LINE group."""
        with self.app.app_context():
            emails = self._outbox(send_staff_messages, now)
            return emails + self._outbox(send_counsellor_alerts, now, settings=self.settings)

    def _outbox(self, send: Callable[..., int], now: datetime | None, **extra: Any) -> int:
        """One of the small outboxes (jobs.outbox), with the channels and the policy's retries."""
        return send(
            get_database(),
            channels=self.channels,
            now=now or utcnow(),
            max_attempts=self.policy.max_attempts,
            lease=self.policy.lease,
            **extra,
        )

    def desk_lists(self, now: datetime | None = None) -> int:
        """Each desk's morning list of new and overdue requests, once a day."""
        with self.app.app_context():
            return send_desk_lists(
                get_database(),
                channels=self.channels,
                settings=self.settings,
                now=now or utcnow(),
                at=time.fromisoformat(self.settings.desk_list_at),
            )

    def outreach(self, now: datetime | None = None) -> int:
        """Queue a "you may be able to use this" for each card that newly fits a programme, and
        the life-event reminders that have come (each city with the card on); the cards' outbox
        sends them after the quiet hours."""
        now = now or utcnow()
        queued = 0
        with self.app.app_context(), get_database().session() as session:
            cities = session.exec(
                select(Organisation).where(Organisation.card_lead_department != "")
            ).all()
            for organisation in cities:
                quiet = self.policy.quiet_hours
                queued += queue_you_may(session, organisation, now=now, quiet=quiet)
                queued += queue_reminders(session, organisation, now=now, quiet=quiet)
                session.commit()
        return queued

    def bookings(self, now: datetime | None = None) -> int:
        """Waiting-list offers not taken in time pass to the next parent, and places held for
        addresses nobody confirmed go back. Returns how many."""
        with self.app.app_context(), get_database().session() as session:
            return expire_offers(session, now=now or utcnow())

    def imports(self, now: datetime | None = None) -> int:
        """The lists admins sent from the console to be brought in."""
        with self.app.app_context(), get_database().session() as session:
            return run_queued_imports(session, now=now or utcnow())

    def upkeep(self, now: datetime | None = None) -> None:
        """Daily: erase those who left past the retention period, consultation requests
        ended past theirs, bookings whose day is, and families' cards idle too long; drop stale
        sign-ups and LINE link codes never sent and lists uploaded but never imported, and
        yesterday's counts of emails per mailbox and of empty emails per sender; make the slots
        of repeating events the booking window now reaches."""
        now = now or utcnow()
        with self.app.app_context(), get_database().session() as session:
            erased, dropped = erase_expired(
                session, now=now, retention=timedelta(days=self.settings.retention_days)
            )
            codes = expired_links(session, now)
            retention = timedelta(days=self.settings.request_retention_days)
            requests = erase_ended(session, now=now, retention=retention)
            bookings = erase_past(session, now=now, retention=retention)
            cards = erase_idle_cards(session, self.settings, now=now)
            slots = make_all_slots(session, now=now)
            uploads = drop_stale_uploads(session, now=now)
            counts = (
                forget_counts(session, now=now)
                + forget_inbound_mail(session, now=now)
                + forget_unanswered(session, now=now)
            )
            session.commit()
        log.info(
            "upkeep erased=%d unconfirmed_dropped=%d line_codes=%d requests_erased=%d "
            "bookings_erased=%d cards_erased=%d slots_made=%d uploads_dropped=%d "
            "counts_forgotten=%d",
            erased,
            dropped,
            codes,
            requests,
            bookings,
            cards,
            slots,
            uploads,
            counts,
        )

    def run_once(self, now: datetime | None = None) -> int:
        self.imports(now)
        self.bookings(now)
        self.schedule(now)
        return self.dispatch(now) + self.request_messages(now) + self.staff_messages(now)

    def run_forever(self) -> None:
        scheduler = BlockingScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        # At start-up, so that what came due while it was stopped goes out at once; then each
        # second, on the second, so a notice due at 09:00 is picked up at 09:00:00.
        for step in (
            self.schedule,
            self.dispatch,
            self.dispatch_confirmations,
            self.request_messages,
            self.staff_messages,
        ):
            self._every_second(scheduler, step)
        scheduler.add_job(
            self._safely(self.desk_lists), "interval", id="desk_lists", name="desk_lists", minutes=1
        )
        scheduler.add_job(
            self._safely(self.bookings),
            "interval",
            id="bookings",
            name="bookings",
            minutes=1,
            next_run_time=utcnow(),  # an offer that expired while the worker was stopped
        )
        scheduler.add_job(
            self._safely(self.outreach),
            "interval",
            id="outreach",
            name="outreach",
            hours=1,
            next_run_time=utcnow() + timedelta(minutes=2),
        )
        scheduler.add_job(
            self._safely(self.imports),
            "interval",
            id="imports",
            name="imports",
            seconds=5,
            next_run_time=utcnow(),
        )
        scheduler.add_job(
            self._safely(self.upkeep),
            "interval",
            id="upkeep",
            name="upkeep",
            hours=24,
            next_run_time=utcnow() + timedelta(minutes=1),
        )

        def stop(signum: int, _frame: FrameType | None) -> None:
            # Not waiting here: the tick in flight finishes before the interpreter exits.
            if scheduler.running:
                log.info("signal %s: stopping after the current tick", signum)
                try:
                    scheduler.shutdown(wait=False)
                except SchedulerNotRunningError:  # a second signal, while the first one stops it
                    pass

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("worker started: schedule and dispatch every %ss", TICK.seconds)
        scheduler.start()

    def _every_second(self, scheduler: BaseScheduler, step: Callable[[], object]) -> None:
        """Run `step` now, and again on the first whole second after each run ends.

        A run may take longer than a second (a large send); the next one waits for it rather
        than overlapping it, which would only find the same work claimed and make APScheduler
        warn that it skipped a run, dozens of times an hour, for nothing.
        """
        safe = self._safely(step)

        def run() -> None:
            safe()
            if scheduler.running:
                next_tick = utcnow().replace(microsecond=0) + TICK
                scheduler.add_job(
                    run, "date", run_date=next_tick, id=step.__name__, replace_existing=True
                )

        scheduler.add_job(run, "date", run_date=utcnow(), id=step.__name__)

    @staticmethod
    def _safely(step: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            try:
                step()
            except Exception:  # the next tick tries again; the rows say what is left
                log.exception("%s failed", step.__name__)

        run.__name__ = step.__name__
        return run


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it logs every tick at INFO
    Worker(create_app(web=False)).run_forever()
