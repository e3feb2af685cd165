"""What the circuit breaker tells the operator of failed upstream calls, by a clock of the test's."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from gateway.upstream import UpstreamNotFound
from gateway.upstream.client import CircuitBreaker
from gateway.upstream.errors import CircuitOpen, UpstreamServerError, UpstreamUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    records = {id(record): record for record in caplog.records if record.name == "gateway.upstream"}
    return [record.getMessage() for record in records.values()]


@pytest.fixture
def caught(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    logger = logging.getLogger("gateway.upstream")
    logger.addHandler(caplog.handler)  # `gateway` may not propagate, once a test ran `gateway serve`'s set-up
    caplog.set_level(logging.WARNING, "gateway.upstream")
    yield caplog
    logger.removeHandler(caplog.handler)


def test_failures_are_told_at_most_once_a_second_with_the_count_and_the_latest(
    caught: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=100, clock=clock)
    refused = UpstreamUnavailable("The upstream could not be reached: the connection was refused.")
    breaker.record(refused, "GET /conversations/a: ConnectError: refused by 10.0.0.1:443")
    for name in "bcd":
        clock.now += 0.4
        breaker.record(refused, f"GET /conversations/{name}: ConnectError: refused by 10.0.0.1:443")
    breaker.record(UpstreamNotFound(404, "no such conversation"), "not a failure of the upstream's")
    breaker.record(None)
    assert _lines(caught) == [
        "upstream calls failed: 1 since the last such line; the latest, GET /conversations/a: ConnectError: "
        "refused by 10.0.0.1:443",
        "upstream calls failed: 3 since the last such line; the latest, GET /conversations/d: ConnectError: "
        "refused by 10.0.0.1:443",
    ]


def test_an_opening_is_told_each_time_and_its_clients_read_the_latest_failure(
    caught: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=2, seconds=5, clock=clock)
    failed = UpstreamServerError(502, "Bad gateway")
    breaker.record(failed, "POST /conversations: HTTP 502: Bad gateway")
    breaker.check()
    breaker.record(failed, "GET /conversations/x: HTTP 502: Bad gateway")
    with pytest.raises(CircuitOpen) as opened:
        breaker.check()
    assert str(opened.value) == (
        "The upstream failed 2 times in a row; the gateway stops calling it for 5.0 more seconds. "
        "The latest failure: HTTP 502."
    )
    clock.now += 5
    breaker.check()  # calls go through again; the next failure opens it at once
    breaker.record(UpstreamUnavailable("The upstream could not be reached."), "GET /conversations/y: ConnectError")
    with pytest.raises(CircuitOpen, match=r"The latest failure: The upstream could not be reached\.$"):
        breaker.check()
    openings = [line for line in _lines(caught) if line.startswith("the upstream failed")]
    assert openings == [
        "the upstream failed 2 times in a row: the gateway stops calling it for 5 s "
        "(GATEWAY_CIRCUIT_BREAKER_SECONDS) and answers UPSTREAM_UNAVAILABLE meanwhile; the latest, "
        "GET /conversations/x: HTTP 502: Bad gateway",
        "the upstream failed 3 times in a row: the gateway stops calling it for 5 s "
        "(GATEWAY_CIRCUIT_BREAKER_SECONDS) and answers UPSTREAM_UNAVAILABLE meanwhile; the latest, "
        "GET /conversations/y: ConnectError",
    ]


def test_a_breaker_of_no_seconds_never_opens_nor_says_so(caught: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, seconds=0, clock=clock)
    for _ in range(3):
        breaker.record(UpstreamServerError(500, "failed"), "GET /conversations/x: HTTP 500: failed")
        breaker.check()
    assert _lines(caught) == [
        "upstream calls failed: 1 since the last such line; the latest, GET /conversations/x: HTTP 500: failed"
    ]


def test_a_long_call_is_told_by_its_start_and_end(caught: pytest.LogCaptureFixture) -> None:
    """A path holds the client's ids, up to the 16 KiB of a URL."""
    breaker = CircuitBreaker(failures=1, clock=Clock())
    long_id = "conv_" + "x" * 16_000
    breaker.record(UpstreamServerError(500, "failed"), f"GET /conversations/{long_id}: HTTP 500: failed")
    told, opened = _lines(caught)
    assert len(told) < 1_100
    assert told.endswith("xxxx: HTTP 500: failed")
    assert len(opened) < 1_300
