"""A send rate shared by every worker, kept in the database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from jobs.channel_state import take_tokens
from jobs.worker import Worker
from service import create_app
from service.channels.rates import RateLimit, parse_rate_limits
from tests.factories import create_notice, create_organisation, create_subscriber, create_topic
from tests.outbox import read_outbox

NOW = datetime(2027, 8, 17, 0, 0, tzinfo=UTC)


def test_rates_are_written_as_count_per_window():
    assert parse_rate_limits("100/second;6000/minute") == [RateLimit(100, 1), RateLimit(6000, 60)]
    assert parse_rate_limits("") == []
    assert parse_rate_limits("１００/秒；6000/分") == [RateLimit(100, 1), RateLimit(6000, 60)]
    for wrong in ("100", "0/second", "ten/second", "5/hour"):
        with pytest.raises(ValueError):
            parse_rate_limits(wrong)


def test_buckets_refill_with_time_and_the_tighter_limit_wins(session):
    limits = [RateLimit(10, 1), RateLimit(30, 60)]
    assert take_tokens(session, "email", 25, limits=limits, now=NOW) == 10
    assert take_tokens(session, "email", 25, limits=limits, now=NOW) == 0
    assert take_tokens(session, "email", 25, limits=limits, now=NOW + timedelta(seconds=1)) == 10
    # The minute bucket (30, refilling one every 2 s) runs low: 30 - 10 - 10 + 0.5 - 10 + 1 = 1.5.
    assert take_tokens(session, "email", 25, limits=limits, now=NOW + timedelta(seconds=3)) == 10
    assert take_tokens(session, "email", 25, limits=limits, now=NOW + timedelta(seconds=5)) == 2
    assert take_tokens(session, "webpush", 5, limits=limits, now=NOW) == 5  # its own buckets


def test_dispatch_sends_no_faster_than_the_limit(session, settings, database):
    worker = Worker(create_app(replace(settings, send_rate_email="4/second"), database))
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    for n in range(10):
        create_subscriber(session, organisation=city, topics=[topic], email=f"p{n}@example.jp")
    create_notice(session, organisation=city, topics=[topic], starts_at=NOW)
    worker.run_once(NOW)
    assert len(read_outbox(settings.outbox_dir)) == 4
    worker.run_once(NOW + timedelta(seconds=1))
    assert len(read_outbox(settings.outbox_dir)) == 8
    worker.run_once(NOW + timedelta(seconds=2))
    assert len(read_outbox(settings.outbox_dir)) == 10
