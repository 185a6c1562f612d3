"""The suppression list keeps a keyed hash (SUPPRESSION_KEY) of each address: without the key
a copy of it reveals no address, and a new SECRET_KEY forgets no suppression."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from jobs.worker import Worker
from service import create_app
from service.addresses import hash_address
from service.db import make_engine
from service.migrate import alembic_config, upgrade_database
from service.models import Endpoint, Subscriber, Suppression
from service.subscribers import erase_subscriber
from service.types import utcnow
from tests.conftest import sign_up
from tests.factories import (
    ADDRESS_KEY,
    create_notice,
    create_organisation,
    create_source,
    create_subscriber,
    create_topic,
)
from tests.outbox import read_outbox


def _plain(channel: str, address: str) -> str:
    return hashlib.sha256(f"{channel}:{address}".encode()).hexdigest()


def test_an_erased_address_is_kept_only_as_a_keyed_hash_that_outlives_a_new_secret_key(
    settings, database, session
):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    parent = create_subscriber(session, organisation=city, topics=[topic], email="h@example.jp")
    erase_subscriber(session, subscriber=parent, now=utcnow())
    session.commit()
    [kept] = session.exec(select(Suppression)).all()
    assert kept.address_hash == hash_address("email", "h@example.jp", ADDRESS_KEY)
    assert kept.address_hash.startswith("k1:")
    assert _plain("email", "h@example.jp") not in kept.address_hash  # not a guessable hash
    assert kept.address_hash != hash_address("email", "h@example.jp", "another key")
    # The same address, verified again some other way, in a deployment with a new SECRET_KEY:
    # the list still recognises it.
    again = create_subscriber(session, organisation=city, topics=[topic], email="h@example.jp")
    create_notice(session, organisation=city, topics=[topic], starts_at=utcnow())
    rotated = replace(settings, secret_key="a-completely-new-secret-key-after-rotation-0987")
    Worker(create_app(rotated, database)).run_once()
    assert read_outbox(settings.outbox_dir) == []
    assert session.get(Subscriber, again.id) is not None


def test_no_log_line_carries_any_part_of_an_address_hash(client, session, settings, worker, caplog):
    city = create_organisation(session)
    create_source(session, organisation=city, code="koseki")
    topic = create_topic(session, organisation=city)
    with caplog.at_level(logging.DEBUG):
        for _ in range(4):  # the fourth is over the day's cap for the address, and logged
            sign_up(client, topic_ids=[topic.id], email="hanako@example.jp")
        worker.run_once()
        for subscriber in session.exec(select(Subscriber)).all():
            erase_subscriber(session, subscriber=subscriber, now=utcnow())
        session.commit()
    assert "its mailbox had 3 today" in caplog.text
    for digest in (
        hash_address("email", "hanako@example.jp", ADDRESS_KEY),
        _plain("email", "hanako@example.jp"),
    ):
        for start in range(0, len(digest) - 6):
            assert digest[start : start + 6] not in caplog.text.replace("k1:", "")


def test_migration_0015_keys_the_old_hashes_once_and_comes_back_down(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPPRESSION_KEY", ADDRESS_KEY)
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade_database(url, "0014")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisation (slug, name, sender_name, sender_email, contact_line, "
                "privacy_contact, timezone, created_at) VALUES "
                "('aoba', 'あおば市', 'あおば市', 'a@aoba.example.jp', '', '', 'Asia/Tokyo', "
                "'2026-11-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO subscriber (public_id, organisation_id, locale, created_at, "
                "push_previews, link_epoch, calendar_epoch) "
                "VALUES ('p1', 1, 'ja', '2026-11-01 00:00:00', 0, 0, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO endpoint (subscriber_id, channel, address, address_hash, "
                "created_at, soft_bounces) VALUES (1, 'email', 'Hanako@example.jp', :hash, "
                "'2026-11-01 00:00:00', 0)"
            ),
            {"hash": _plain("email", "hanako@example.jp")},
        )
        connection.execute(
            text(
                "INSERT INTO suppression (organisation_id, channel, address_hash, reason, "
                "created_at) VALUES (1, 'email', :hash, 'erased', '2026-11-01 00:00:00')"
            ),
            {"hash": _plain("email", "gone@example.jp")},
        )

    def hashes() -> tuple[str, str]:
        with Session(engine) as session:
            return (
                session.exec(select(Endpoint.address_hash)).one(),
                session.exec(select(Suppression.address_hash)).one(),
            )

    upgrade_database(url)
    keyed = (
        hash_address("email", "hanako@example.jp", ADDRESS_KEY),
        hash_address("email", "gone@example.jp", ADDRESS_KEY),
    )
    assert hashes() == keyed
    command.downgrade(alembic_config(url), "0014")
    assert hashes() == (_plain("email", "hanako@example.jp"), keyed[1])
    upgrade_database(url)
    assert hashes() == keyed  # nothing keyed twice
    engine.dispose()
