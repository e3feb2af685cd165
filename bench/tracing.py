"""What tracing costs: `make bench-tracing`.

Starts the built-in API as the upstream with the bench's injected latency (20 ms by default), an
OTLP/HTTP receiver in this process (it reads each export request as OpenTelemetry's protobuf and
counts its spans), and, in turn, three gateways over that upstream: tracing off, tracing on with
every operation sampled and sent to the receiver, and tracing on with none sampled
(`OTEL_TRACES_SAMPLER=always_off`: the trace context is still read and passed on). Each one runs
operation a of `make bench` at concurrency 1 and 16, in alternating rounds, and the table gives
each one's CPU per operation (its own CPU seconds), p50 and rate, with the spans received. Loopback
only; about two minutes.

    .venv/bin/python -m bench.tracing [--latency-ms 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator

import uvicorn
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.harness import UPSTREAM_ENVIRONMENT, Bench, _host_reference_ms, _start, free_ports

OPERATIONS = {1: 300, 16: 1600}
"""Operations a per round at each concurrency."""
MODES = {
    "off": {},
    "on, all sampled": {"GATEWAY_TRACING": "true"},
    "on, none sampled": {"GATEWAY_TRACING": "true", "OTEL_TRACES_SAMPLER": "always_off"},
}


class Receiver:
    """An OTLP/HTTP trace receiver: counts the spans of each export request."""

    def __init__(self) -> None:
        self.spans = 0
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/v1/traces", self._export, methods=["POST"])])

    async def _export(self, request: Request) -> Response:
        body = await request.body()
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        exported = ExportTraceServiceRequest.FromString(body)
        count = sum(len(scope.spans) for spans in exported.resource_spans for scope in spans.scope_spans)
        with self._lock:
            self.spans += count
        return Response(b"", media_type="application/x-protobuf")


@contextlib.contextmanager
def _serving(app: Starlette) -> Iterator[str]:
    """Serves ``app`` with uvicorn on loopback, in a thread, for the duration; yields its base URL."""
    (port,) = free_ports(1)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="otlp-receiver", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            msg = "the OTLP receiver did not start"
            raise RuntimeError(msg)
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def _round(
    mode: dict[str, str], upstream: str, upstream_pid: int, receiver_url: str
) -> tuple[dict[int, dict[str, float]], int]:
    """One gateway of ``mode``: operation a at each concurrency, after a warm-up; and how many
    operations it ran in all."""
    (port,) = free_ports(1)
    environment = {**mode, "OTEL_EXPORTER_OTLP_ENDPOINT": receiver_url}
    gateway = _start(["serve", "--upstream-url", f"{upstream}/v1"], port, environment)
    try:
        bench = Bench(upstream, f"http://127.0.0.1:{port}", gateway.pid, upstream_pid)
        try:
            await bench.seed()
            for number in range(20):
                await bench.gateway_a(number)
            measured = {
                concurrency: await bench.measure(bench.gateway_a, concurrency, total)
                for concurrency, total in OPERATIONS.items()
            }
            return measured, bench.operations
        finally:
            await bench.rest.aclose()
            await bench.graphql.aclose()
    finally:
        gateway.terminate()
        gateway.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    print(f"host reference loop: {_host_reference_ms()} ms")
    receiver = Receiver()
    results: dict[str, list[dict[int, dict[str, float]]]] = {name: [] for name in MODES}
    spans, operations = dict.fromkeys(MODES, 0), dict.fromkeys(MODES, 0)
    with tempfile.TemporaryDirectory() as folder, _serving(receiver.app) as receiver_url:
        (upstream_port,) = free_ports(1)
        latency = ["--bench-latency-ms", str(arguments.latency_ms)]
        upstream = _start(
            ["serve-api", "--database", f"{folder}/upstream.sqlite3", *latency], upstream_port, UPSTREAM_ENVIRONMENT
        )
        try:
            for _ in range(arguments.rounds):
                for name, mode in MODES.items():
                    before = receiver.spans
                    upstream_url = f"http://127.0.0.1:{upstream_port}"
                    measured, ran = asyncio.run(_round(mode, upstream_url, upstream.pid, receiver_url))
                    results[name].append(measured)
                    operations[name] += ran
                    spans[name] += receiver.spans - before  # sent as the gateway stops, at the latest
        finally:
            upstream.terminate()
            upstream.wait(timeout=60)
    print(f"operation a, {arguments.latency_ms:g} ms upstream latency, medians of {arguments.rounds} rounds:")
    print(f"{'tracing':<18} {'c':>3} {'CPU ms/op':>10} {'p50 ms':>8} {'per s':>8} {'spans/op':>9}")
    for name, rounds in results.items():
        for concurrency in OPERATIONS:
            cpu, p50, rate = (
                statistics.median(measured[concurrency][key] for measured in rounds)
                for key in ("gateway_cpu_ms_per_op", "p50_ms", "per_second")
            )
            per_operation = spans[name] / operations[name]
            print(f"{name:<18} {concurrency:>3} {cpu:>10.3f} {p50:>8.2f} {rate:>8.1f} {per_operation:>9.2f}")


if __name__ == "__main__":
    main()
