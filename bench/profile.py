"""Where the gateway's CPU goes: `make profile`.

Starts the built-in API (no injected latency unless asked for) and `gateway serve` as `make bench`
does, drives one operation of the benchmark through the gateway, and samples the gateway with
py-spy meanwhile.
Prints the functions that use the most CPU themselves and the share of each part of the request
(HTTP server, GraphQL execution, upstream client, ...), and keeps py-spy's raw stacks in
build/profile-<operation>.txt (for flame graph tools). Loopback only; about half a minute.

    .venv/bin/python -m bench.profile [--operation a|b|c] [--operations 3000] [--concurrency 16]
        [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import UPSTREAM_ENVIRONMENT, Bench, _start, free_ports

PY_SPY = Path(sys.executable).with_name("py-spy")

# (part, a frame marking it), first match wins: the parts run inside one another.
PARTS = (
    ("upstream client: aiohttp", "aiohttp/"),
    ("upstream client: building requests", "UpstreamClient.request"),
    ("upstream client: the rest", "UpstreamClient.send"),
    ("upstream answers: pydantic validation", "validate_json"),
    ("REST models to GraphQL objects", "to_graphql"),
    ("selections and includes", "gateway/schema/selection.py"),
    ("operation limits", "gateway/schema/limits.py"),
    ("GraphQL execution (graphql-core, resolvers)", "graphql/execution"),
    ("Strawberry: extensions, parse and validation caches", "strawberry/schema/schema.py"),
    ("writing responses (uvicorn; partly the reader's work, see bench/README.md)", "RequestResponseCycle.send"),
    ("Strawberry: HTTP view", "strawberry/"),
    ("the gateway's HTTP view (its short path)", "GatewayGraphQL."),
    ("gateway middleware", "gateway/graphql_view.py"),
    ("DataLoaders", "dataloader.py"),
    ("uvicorn and Starlette", "uvicorn/protocols"),
)


async def _drive(operation: str, operations: int, concurrency: int, latency_ms: float, output: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        latency = ["--bench-latency-ms", str(latency_ms)] if latency_ms else []
        upstream_port, gateway_port = free_ports(2)
        upstream_url, gateway_url = f"http://127.0.0.1:{upstream_port}", f"http://127.0.0.1:{gateway_port}"
        upstream = _start(
            ["serve-api", "--database", f"{folder}/upstream.sqlite3", *latency], upstream_port, UPSTREAM_ENVIRONMENT
        )
        gateway = _start(["serve", "--upstream-url", f"{upstream_url}/v1"], gateway_port)
        try:
            bench = Bench(upstream_url, gateway_url, gateway.pid, upstream.pid)
            await bench.seed()
            run = getattr(bench, f"gateway_{operation}")
            for n in range(20):
                await run(n)
            spy = await asyncio.create_subprocess_exec(
                *(str(PY_SPY), "record", "-p", str(gateway.pid), "-r", "500", "-f", "raw", "-o", str(output)),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            await asyncio.sleep(1)
            measured = await bench.measure(run, concurrency, operations)
            spy.send_signal(signal.SIGINT)
            await asyncio.wait_for(spy.wait(), timeout=60)
            print(f"operation {operation}, concurrency {concurrency}: {measured}")
            await bench.rest.aclose()
            await bench.graphql.aclose()
        finally:
            for process in (gateway, upstream):
                process.terminate()
                process.wait(timeout=30)


def _report(output: Path) -> None:
    own: collections.Counter[str] = collections.Counter()
    parts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in output.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        own[stack.rsplit(";", 1)[-1]] += samples
        part = next((name for name, marker in PARTS if marker in stack), "event loop and the rest")
        parts[part] += samples
    print(f"\n{total} samples; share of the gateway's CPU by part of the request:")
    for name, samples in parts.most_common():
        print(f"  {samples / total:6.1%}  {name}")
    print("\nfunctions using the most CPU themselves:")
    for frame, samples in own.most_common(25):
        print(f"  {samples / total:6.1%}  {frame}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operation", choices=("a", "b", "c"), default="a")
    parser.add_argument("--operations", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0,
        help="the upstream's injected latency (make bench: 20), for a profile at concurrency 1",
    )
    arguments = parser.parse_args()
    if not PY_SPY.exists():
        sys.exit(f"py-spy is not installed: {PY_SPY.with_name('pip')} install py-spy (make profile does it)")
    output = Path(f"build/profile-{arguments.operation}.txt")
    output.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(_drive(arguments.operation, arguments.operations, arguments.concurrency, arguments.latency_ms, output))
    _report(output)


if __name__ == "__main__":
    main()
