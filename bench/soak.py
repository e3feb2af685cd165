"""Soak test: many concurrent clients of mixed reads and writes against a real `gateway serve`.

Loopback only, bounded in time and count. Starts `gateway serve` (built-in upstream, a temporary
database) and drives it with N clients for D seconds; prints requests per second, p50/p99
latency, errors, and the server's resident memory at the start, the 20th second and the end.
With ``--separate-upstream`` the built-in API runs in its own process (`gateway serve-api`), so
that the memory measured is the gateway's alone; the upstream's is reported beside it.

    .venv/bin/python -m bench.soak [--clients 100] [--seconds 60] [--separate-upstream] [--port P]
        [--json build/soak.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.harness import LOGS, free_ports, wait_until_answering

GATEWAY = Path(sys.executable).with_name("gateway")
MAX_REQUESTS = 2_000_000  # a hard stop besides the clock
READ = """query Read($id: ID!) { conversation(id: $id) { conversationId metadata { key value }
  items(last: 20) { pageInfo { hasPreviousPage } nodes { __typename ... on Message { role content {
    ... on InputTextContent { text } ... on OutputTextContent { text } } } } } } }"""
WRITE = """mutation Write($id: ID!, $text: String!) { addConversationItems(input: {conversationId: $id,
  items: [{message: {role: USER, text: $text}}]}) { items { ... on Message { itemId } } } }"""
CREATE = """mutation Create { createConversation(input: {items: [{message: {role: SYSTEM, text: "soak"}}],
  metadata: [{key: "purpose", value: "soak"}]}) { conversation { conversationId } } }"""
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id ... on Conversation { createdAt } } }"


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Soak:
    def __init__(self, url: str, clients: int, seconds: float) -> None:
        self.url = url
        self.clients = clients
        self.seconds = seconds
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.conversations: list[str] = []
        self.requests = 0

    async def _post(self, client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
        started = time.perf_counter()
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        self.latencies.append(time.perf_counter() - started)
        self.requests += 1
        body = response.json() if response.status_code == 200 else {"errors": [{"message": response.status_code}]}
        if "errors" in body:
            self.errors.append(json.dumps(body["errors"])[:200])
            return None
        return body["data"]

    async def client(self, number: int, stop: float) -> None:
        chooser = random.Random(number)
        headers = {"Authorization": f"Bearer sk-soak-{number % 10}"}
        async with httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30) as client:
            own: list[str] = []
            while time.monotonic() < stop and self.requests < MAX_REQUESTS:
                roll = chooser.random()
                if not own or roll < 0.05:
                    data = await self._post(client, CREATE, {})
                    if data is not None:
                        own.append(data["createConversation"]["conversation"]["conversationId"])
                elif roll < 0.30:
                    await self._post(client, WRITE, {"id": chooser.choice(own), "text": f"message {self.requests}"})
                elif roll < 0.40:
                    await self._post(client, NODES, {"ids": own[-5:]})
                else:
                    await self._post(client, READ, {"id": chooser.choice(own)})

    async def run(self, pid: int, upstream_pid: int | None = None) -> dict[str, Any]:
        started = time.monotonic()
        stop = started + self.seconds
        memory = {"start": _rss_mib(pid)}
        upstream = {} if upstream_pid is None else {"start": _rss_mib(upstream_pid)}

        async def sample() -> None:
            await asyncio.sleep(min(20, self.seconds / 3))
            memory["20s"] = _rss_mib(pid)
            if upstream_pid is not None:
                upstream["20s"] = _rss_mib(upstream_pid)

        await asyncio.gather(sample(), *(self.client(number, stop) for number in range(self.clients)))
        memory["end"] = _rss_mib(pid)
        if upstream_pid is not None:
            upstream["end"] = _rss_mib(upstream_pid)
        elapsed = time.monotonic() - started
        ordered = sorted(self.latencies)
        separate = {"upstream_rss_mib": {name: round(value, 1) for name, value in upstream.items()}} if upstream else {}
        return {
            "clients": self.clients,
            "seconds": round(elapsed, 1),
            "requests": self.requests,
            "requests_per_second": round(self.requests / elapsed, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1),
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
            "rss_mib": {name: round(value, 1) for name, value in memory.items()},
            "rss_growth_20s_to_end_percent": round((memory["end"] / memory["20s"] - 1) * 100, 1),
            **separate,
        }


def _serve(command: list[str], port: int) -> subprocess.Popen[bytes]:
    """``command`` started (with the default settings), once it answers on ``port``."""
    LOGS.mkdir(parents=True, exist_ok=True)
    output = LOGS / f"soak-{command[1]}-{port}.log"
    with output.open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    wait_until_answering(server, port, f"gateway {command[1]}", f"its output is in {output}")
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=None, help="the gateway's port (default: a free one)")
    parser.add_argument("--separate-upstream", action="store_true", help="the built-in API in its own process")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    arguments = parser.parse_args()
    free, free_api = free_ports(2)
    port = arguments.port or free
    with tempfile.TemporaryDirectory() as folder:
        database = ["--database", f"{folder}/soak.sqlite3"]
        upstream = None
        command = [str(GATEWAY), "serve", "--port", str(port), *database]
        if arguments.separate_upstream:
            upstream = _serve([str(GATEWAY), "serve-api", "--port", str(free_api), *database], free_api)
            command = [str(GATEWAY), "serve", "--port", str(port), "--upstream-url"]
            command.append(f"http://127.0.0.1:{free_api}/v1")
        try:
            server = _serve(command, port)
            try:
                soak = Soak(f"http://127.0.0.1:{port}", arguments.clients, arguments.seconds)
                result = asyncio.run(soak.run(server.pid, None if upstream is None else upstream.pid))
            finally:
                server.terminate()
                server.wait(timeout=30)
        finally:
            if upstream is not None:
                upstream.terminate()
                upstream.wait(timeout=30)
    print(json.dumps(result, indent=2))
    if arguments.json is not None:
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        arguments.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
