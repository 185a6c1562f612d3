"""Confirmed email subscribers in bulk, straight into the database (never through the web).

PostgreSQL builds the rows itself (generate_series), so a million load in seconds; SQLite takes
them from Python in chunks. Either way subscriber n follows two of the topics, as in tests.bulk.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlmodel import Session

from service.models import Organisation, Topic
from tests.bulk import add_subscribers
from tests.factories import create_organisation, create_topic

CHUNK = 50_000
TOPICS = 4  # each subscriber follows two; the notice is about all four

_POSTGRES = [
    """INSERT INTO subscriber (public_id, organisation_id, locale, anchor_date, created_at,
                               confirmed_at, push_previews)
       SELECT md5(:tag || n), :organisation_id, 'ja', current_date, now(), now(), false
       FROM generate_series(1, :count) AS n""",
    """INSERT INTO endpoint (subscriber_id, channel, address, address_hash, created_at,
                             verified_at, soft_bounces)
       SELECT id, 'email', 'p' || id || '@example.jp',
              -- unique, in the keyed form's shape; never looked up (no suppressions here)
              'k1:' || md5('p' || id || '@example.jp'),
              now(), now(), 0
       FROM subscriber WHERE organisation_id = :organisation_id""",
    """INSERT INTO subscription (subscriber_id, topic_id, mode, created_at)
       SELECT DISTINCT s.id, t.topic_id, 'instant', now()
       FROM subscriber AS s
       CROSS JOIN LATERAL (VALUES (s.id % :k), ((s.id + 1) % :k)) AS pick (i)
       JOIN unnest(CAST(:topic_ids AS integer[])) WITH ORDINALITY AS t (topic_id, i)
         ON t.i = pick.i + 1
       WHERE s.organisation_id = :organisation_id""",
]


def load_subscribers(
    session: Session, *, organisation_id: int, topic_ids: Sequence[int], count: int
) -> None:
    if session.get_bind().dialect.name != "postgresql":
        for start in range(0, count, CHUNK):
            add_subscribers(
                session,
                organisation_id=organisation_id,
                topic_ids=topic_ids,
                count=min(CHUNK, count - start),
                prefix=f"b{start}-",
            )
        return
    values = {
        "tag": "bench",
        "organisation_id": organisation_id,
        "count": count,
        "k": len(topic_ids),
        "topic_ids": list(topic_ids),
    }
    # The rows are made consistent here; skipping the foreign-key triggers (superuser only)
    # makes a million load in half the time.
    session.execute(text("SET LOCAL session_replication_role = replica"))
    for statement in _POSTGRES:
        session.execute(text(statement), values)
    session.commit()
    # As a database that has been running for a while: visibility maps set, statistics known
    # (otherwise autovacuum does this in the middle of the measurement).
    with session.get_bind().connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE subscriber, endpoint, subscription")
        )


def load_city(session: Session, count: int) -> tuple[Organisation, list[Topic]]:
    """The city that bench.fanout and bench.floor send to: its topics and `count` subscribers."""
    city = create_organisation(session)
    topics = [create_topic(session, organisation=city, slug=f"t{i}") for i in range(TOPICS)]
    load_subscribers(
        session, organisation_id=city.id, topic_ids=[t.id for t in topics], count=count
    )
    return city, topics
