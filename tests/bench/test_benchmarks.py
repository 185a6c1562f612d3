"""The benchmark scripts at a tiny size: their correctness checks, never their speed."""

from __future__ import annotations

import pytest

from bench import assistant, fanout, floor, importing, latency, web
from tests.conftest import BACKENDS


@pytest.mark.parametrize("kind", BACKENDS)
def test_fanout_benchmark_delivers_to_everyone_exactly_once(kind):
    workers = 2 if kind == "postgresql" else 1
    result = fanout.run(200, kind, workers, timeout=120)
    assert result["sent"] == 200
    assert result["all_received_once"] is True
    assert result["provider_requests"] == 1  # 200 recipients fit one request
    assert len(result["peak_rss_mb"]) == workers
    assert all(peak > 0 for peak in result["peak_rss_mb"])


@pytest.mark.parametrize("kind", BACKENDS)
def test_the_floor_delivers_to_everyone_exactly_once(kind):
    workers = 2 if kind == "postgresql" else 1
    result = floor.run(1500, kind, workers, timeout=120)
    assert result["all_received_once"] is True
    assert result["provider_requests"] == 2  # 1,000 and 500
    assert len(result["worker_cpu_seconds"]) == workers


@pytest.mark.parametrize("kind", BACKENDS)
def test_latency_benchmark_sees_confirmations_and_notices_arrive(kind):
    result = latency.run(samples=2, kind=kind)
    for measured in (result["confirmation"], result["due_to_first_request"]):
        assert 0 < measured["p50_s"] <= measured["p95_s"] < 60


@pytest.mark.parametrize("kind", BACKENDS)
def test_web_benchmark_drives_every_page_with_real_answers(kind):
    results = {
        r["scenario"]: r for r in web.run(seconds=1, connections=2, subscribers=200, kind=kind)
    }
    expected = {"landing": "200", "subscribe": "303", "unsubscribe": "200", "preferences": "200"}
    for scenario, status in expected.items():
        assert results[scenario]["requests"] > 0, scenario
        assert results[scenario]["statuses"] == {status: results[scenario]["requests"]}, scenario
        assert results[scenario]["p50_ms"] <= results[scenario]["p99_ms"]


@pytest.mark.parametrize("kind", BACKENDS)
def test_import_benchmark_brings_everyone_in_once(kind):
    result = importing.run(50, kind)
    assert result["everyone_once"] is True


def test_the_assistant_benchmark_finds_the_answers_among_many():
    result = assistant.run(200, rounds=1)
    assert result["answers"] == 200 and result["questions"] > 20
    assert result["right_answer_offered"] >= 0.8  # the noise answers do not drown the real ones
    assert result["peak_rss_mb"] > 0
