"""/metrics for Prometheus, read from the database at scrape time.

The numbers live in the ledger, so every web process reports the same totals and nothing is
lost when a process restarts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from prometheus_client.core import CollectorRegistry, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlmodel import col

from service.db import Database
from service.models import ChannelState, Delivery, DeliveryLease, DeliveryStatus, Endpoint, Send
from service.types import utcnow

LAG_SAMPLE = 1000


class LedgerCollector(Collector):
    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = utcnow()
        with self.database.session() as session:
            by_status = GaugeMetricFamily(
                "yorisou_deliveries", "Deliveries in the ledger", labels=["channel", "status"]
            )
            counts = session.execute(
                select(col(Endpoint.channel), col(Delivery.status), func.count())
                .select_from(Delivery)
                .outerjoin(Endpoint, col(Endpoint.id) == Delivery.endpoint_id)
                .group_by(col(Endpoint.channel), col(Delivery.status))
            ).all()
            for channel, status, count in counts:
                by_status.add_metric([channel or "erased", status], count)
            yield by_status

            backlog = session.execute(
                select(func.count())
                .select_from(Delivery)
                .where(
                    col(Delivery.status) == DeliveryStatus.PENDING,
                    col(Delivery.next_attempt_at) <= now,
                )
            ).scalar_one()
            yield GaugeMetricFamily(
                "yorisou_deliveries_due", "Pending deliveries whose time has come", value=backlog
            )
            in_flight = session.execute(
                select(
                    func.coalesce(func.sum(func.json_array_length(DeliveryLease.delivery_ids)), 0)
                )
            ).scalar_one()
            yield GaugeMetricFamily(
                "yorisou_deliveries_in_flight",
                "Deliveries a worker is sending now: counted as sent above unless the provider"
                " refuses them, or the worker dies and they go back to the queue",
                value=in_flight,
            )

            lags = sorted(
                (sent_at - due_at).total_seconds()
                for sent_at, due_at in session.execute(
                    select(col(Delivery.sent_at), col(Send.due_at))
                    .join(Send, col(Send.id) == Delivery.send_id)
                    .where(col(Delivery.sent_at) >= now - timedelta(hours=1))
                    .order_by(col(Delivery.sent_at).desc())
                    .limit(LAG_SAMPLE)
                ).all()
            )
            lag = GaugeMetricFamily(
                "yorisou_delivery_lag_seconds",
                "Due time to send time of notices sent in the last hour",
                labels=["quantile"],
            )
            for quantile in (0.5, 0.95, 0.99, 1.0):
                value = lags[min(int(quantile * len(lags)), len(lags) - 1)] if lags else 0.0
                lag.add_metric([str(quantile)], value)
            yield lag

            paused = GaugeMetricFamily(
                "yorisou_channel_paused",
                "1 while a provider refuses the channel",
                labels=["channel", "reason"],
            )
            for state in session.execute(select(ChannelState)).scalars():
                if state.paused_until and state.paused_until > now:
                    paused.add_metric([state.channel, state.pause_reason or ""], 1)
            yield paused


def metrics_registry(database: Database) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LedgerCollector(database))
    return registry
