"""/healthz and /metrics, and the log line each batch leaves."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.models import Delivery
from tests.factories import (
    create_notice,
    create_organisation,
    create_subscriber,
    create_topic,
    write_deliveries,
)
from tests.outbox import read_outbox

NOW = datetime(2027, 8, 17, 0, 0, tzinfo=UTC)


def _samples(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def test_metrics_answer_only_to_the_operators_token(settings, database):
    guarded = create_app(replace(settings, metrics_token="scrape-me-0123456789"), database)
    client = guarded.test_client()
    assert client.get("/metrics").status_code == 404
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 404
    right = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-0123456789"})
    assert right.status_code == 200 and "yorisou_deliveries_due" in right.get_data(as_text=True)


def test_production_sends_hsts_and_keeps_metrics_off_unless_a_token_is_set(settings, database):
    production = replace(settings, app_env="production")
    client = create_app(production, database).test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/healthz").headers["Strict-Transport-Security"] == "max-age=63072000"
    assert (
        "Strict-Transport-Security"
        not in create_app(settings, database).test_client().get("/healthz").headers
    )


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_metrics_count_the_ledger_by_channel_and_status_and_report_the_lag(
    client, session, worker, caplog
):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    for n in range(3):
        create_subscriber(session, organisation=city, topics=[topic], email=f"p{n}@example.jp")
    create_notice(session, organisation=city, topics=[topic], starts_at=NOW)
    write_deliveries(session, NOW)
    assert (
        _samples(client)[("yorisou_deliveries", (("channel", "email"), ("status", "pending")))] == 3
    )
    with caplog.at_level(logging.INFO, logger="jobs.dispatch"):
        worker.dispatch(NOW + timedelta(seconds=2))
    samples = _samples(client)
    assert samples[("yorisou_deliveries", (("channel", "email"), ("status", "sent")))] == 3
    assert samples[("yorisou_deliveries_due", ())] == 0
    assert samples[("yorisou_delivery_lag_seconds", (("quantile", "0.95"),))] == 2.0
    assert "batch channel=email kind=notice" in caplog.text and "sent=3" in caplog.text
    assert "@example.jp" not in caplog.text


def test_rehearsal_sends_only_to_the_allow_list(session, settings, database, caplog):
    rehearsal = replace(settings, delivery_allowlist=("staff@aoba.example.jp", "@city.example.jp"))
    worker = Worker(create_app(rehearsal, database))
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    for email in ("staff@aoba.example.jp", "kacho@city.example.jp", "parent@example.jp"):
        create_subscriber(session, organisation=city, topics=[topic], email=email)
    create_notice(session, organisation=city, topics=[topic], starts_at=NOW)
    with caplog.at_level(logging.INFO, logger="jobs.dispatch"):
        worker.run_once(NOW)
    assert sorted(str(m["To"]) for m in read_outbox(settings.outbox_dir)) == [
        "kacho@city.example.jp",
        "staff@aoba.example.jp",
    ]
    assert "rehearsal: not sent to p***@example.jp" in caplog.text
    session.expire_all()
    statuses = sorted((d.status, d.last_error) for d in session.exec(select(Delivery)))
    assert statuses == [("sent", None), ("sent", None), ("suppressed", "rehearsal")]
