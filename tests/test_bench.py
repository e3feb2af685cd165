"""The bench's own parts: the verdict on each target, and how it starts the servers it measures."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bench import harness
from bench.harness import targets


def _results(**changes: Any) -> dict[str, Any]:
    """A run's results, every target met exactly at its limit; ``changes`` as ``path=value``."""

    def operation(calls: float, ratio: float, cpu: tuple[float, float, float]) -> dict[str, Any]:
        rows = {
            f"c{concurrency}": {
                "gateway": {"gateway_cpu_ms_per_op": used, "per_second": 100.0},
                "ideal": {"per_second": 100.0},
                "p50_ratio": ratio if concurrency == 1 else 1.5,
            }
            for concurrency, used in zip((1, 16, 64), cpu, strict=True)
        }
        return {"upstream_calls": {"gateway": calls, "ideal": calls}, **rows}

    results: dict[str, Any] = {
        "a": operation(2, 1.10, (4.0, 2.0, 2.0)),
        "b": operation(25, 1.10, (20.0, 20.0, 20.0)),
        "c": operation(2, 1.05, (4.0, 2.0, 2.0)),
        "startup_seconds": 1.0,
        "startup_seconds_networked": 1.0,
        "memory_after_operations": {"operations": 6000, "rss_mib": 120.0},
    }
    results["a"]["c64"]["gateway"]["per_second"] = 900.0
    results["a"]["c64"]["ideal"]["per_second"] = 1000.0
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = results
        for name in parents:
            node = node[name]
        node[last] = value
    return results


def _verdicts(results: dict[str, Any], latency: float = 20) -> dict[str, bool]:
    return {row["target"].split(" (")[0]: row["met"] for row in targets(results, latency)}


def test_every_target_met_at_its_limit() -> None:
    rows = targets(_results(), 20)
    assert [row["met"] for row in rows] == [True] * 7
    assert rows[-1]["figures"] == "900.0/s; ideal client 1000.0/s; upstream-bound 3200/s"


@pytest.mark.parametrize(
    ("change", "missed"),
    [
        ({"b__upstream_calls__gateway": 26}, "upstream calls per operation equal to the ideal client's"),
        ({"startup_seconds_networked": 1.01}, "start-up to the first answered query <= 1 s"),
        ({"memory_after_operations__rss_mib": 120.1}, "resident memory after 6000 mixed operations <= 120 MiB"),
        ({"a__c16__gateway__gateway_cpu_ms_per_op": 2.01}, "gateway CPU per operation a <= 2 ms under load"),
        ({"a__c1__p50_ratio": 1.101}, "p50 latency ratio to the ideal client <= 1.10 at concurrency 1, operation a"),
        ({"b__c1__p50_ratio": 1.101}, "p50 latency ratio to the ideal client <= 1.10 at concurrency 1, operation b"),
        (
            {"a__c64__gateway__per_second": 899.0},
            "throughput of a at concurrency 64 with one worker not limited by the gateway",
        ),
    ],
)
def test_a_figure_past_its_limit_misses_that_target_only(change: dict[str, Any], missed: str) -> None:
    verdicts = _verdicts(_results(**change))
    assert [target for target, met in verdicts.items() if not met] == [missed]


def test_cpu_at_concurrency_1_is_reported_not_judged() -> None:
    """At concurrency 1 every operation wakes an idle process: the target is read under load."""
    rows = targets(_results(a__c1__gateway__gateway_cpu_ms_per_op=4.4), 20)
    cpu = next(row for row in rows if row["target"].startswith("gateway CPU"))
    assert cpu["met"]
    assert cpu["figures"] == "4.4 ms at concurrency 1, 2.0 ms at concurrency 16, 2.0 ms at concurrency 64"


def test_throughput_is_held_to_the_upstream_bound_when_the_ideal_client_goes_past_it() -> None:
    # 64 operations at once over a 100 ms upstream: at most 640 a second, whatever the client.
    results = _results(a__c64__gateway__per_second=576.0, a__c64__ideal__per_second=700.0)
    assert _verdicts(results, latency=100)[
        "throughput of a at concurrency 64 with one worker not limited by the gateway"
    ]
    results = _results(a__c64__gateway__per_second=575.0, a__c64__ideal__per_second=700.0)
    assert not _verdicts(results, latency=100)[
        "throughput of a at concurrency 64 with one worker not limited by the gateway"
    ]


def test_a_server_that_exits_is_reported_at_once_with_where_its_output_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not taken for started because something else answers on its port, nor waited for 10 s."""
    monkeypatch.setattr(harness, "LOGS", tmp_path)
    with pytest.raises(RuntimeError, match=r"gateway serve exited with status 2 before answering: its output is in "):
        harness._start(["serve", "--workers", "0"], harness.free_ports(1)[0])
    (log,) = tmp_path.iterdir()
    assert "GATEWAY_WORKERS" in log.read_text() or "--workers" in log.read_text()


def test_the_start_up_probe_reports_a_server_that_exits_instead_of_waiting_for_it(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"gateway serve exited with status 2 before answering: gateway: --workers"):
        harness._startup_seconds(str(tmp_path), ["--workers", "0"])


def test_free_ports_are_distinct_and_free() -> None:
    ports = harness.free_ports(3)
    assert len(set(ports)) == 3
    for port in ports:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))  # raises if something listens there


def test_a_server_that_never_answers_is_given_up_on() -> None:
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        with pytest.raises(RuntimeError, match=r"sleep did not answer on port \d+ within 0.2 s; nowhere"):
            harness.wait_until_answering(sleeper, harness.free_ports(1)[0], "sleep", "nowhere", seconds=0.2)
        assert sleeper.poll() is not None  # killed
    finally:
        sleeper.kill()
        sleeper.wait()
