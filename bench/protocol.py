"""What the gateway's HTTP protocol (`gateway/protocol.py`) costs per request over uvicorn's own.

Measured in-process, without sockets: one typical request at a time (the bench's headers and a
small GraphQL body) is fed to a protocol whose transport only counts writes, and answered by a
trivial app; the two protocols run in alternating rounds. Over sockets a difference of a few
microseconds is lost in the noise of this host (the same code in two places differs by 8%).

Run with ``make bench-protocol``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

import uvicorn
import uvloop
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from gateway.protocol import protocol_for
from gateway.settings import Settings

__all__ = ["REQUEST", "CountingTransport", "measure", "per_request"]

_BODY = (
    b'{"query": "query A($id: ID!) { conversation(id: $id) { id } }", '
    b'"variables": {"id": "conv_0123456789abcdef0123456789abcdef0123456789abcdef"}}'
)
REQUEST = (
    b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\n"
    b"Connection: keep-alive\r\nUser-Agent: python-httpx/0.28.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n" % len(_BODY)
) + _BODY
"""One request as the bench's load generator sends it."""

_ANSWER = b'{"data":{"conversation":{"id":"Q29udmVyc2F0aW9uOmNvbnZfMDEy"}}}'


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    await receive()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(_ANSWER)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": _ANSWER})


class CountingTransport:
    """A transport that counts what is written to it and reads nothing."""

    def __init__(self) -> None:
        self.writes = 0
        self.closing = False

    def write(self, data: bytes) -> None:
        self.writes += 1

    def writelines(self, pieces: Any) -> None:
        self.writes += len(pieces)  # the gateway's protocol writes an answer's head and body together

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


async def per_request(protocol: Callable[..., HttpToolsProtocol], requests: int) -> float:
    """Microseconds per request through ``protocol``, over ``requests`` on one kept-alive connection."""
    config = uvicorn.Config(_app, log_level="warning", access_log=False)
    config.load()
    connection = protocol(config=config, server_state=ServerState(), app_state={})
    transport = CountingTransport()
    connection.connection_made(transport)  # type: ignore[arg-type]
    started = time.perf_counter()
    for _ in range(requests):
        answered = transport.writes + 2  # the answer's head and its body (counted as two pieces)
        connection.data_received(REQUEST)
        for _ in range(1000):
            if transport.writes >= answered:
                break
            await asyncio.sleep(0)
        else:
            msg = f"{protocol} did not answer the request"
            raise RuntimeError(msg)
    elapsed = time.perf_counter() - started
    connection.connection_lost(None)
    return elapsed / requests * 1e6


async def measure(rounds: int, requests: int) -> dict[str, list[float]]:
    """Microseconds per request of uvicorn's protocol and the gateway's, in ``rounds`` alternating rounds."""
    gateways = protocol_for(Settings.model_construct())
    protocols: list[tuple[str, Callable[..., HttpToolsProtocol]]] = [
        ("uvicorn", HttpToolsProtocol),
        ("gateway", gateways),
    ]
    results: dict[str, list[float]] = {name: [] for name, _ in protocols}
    for round_number in range(rounds):
        for name, protocol in protocols if round_number % 2 == 0 else protocols[::-1]:
            results[name].append(await per_request(protocol, requests))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--requests", type=int, default=5000, help="requests per round")
    arguments = parser.parse_args()
    results = uvloop.run(measure(arguments.rounds, arguments.requests))
    uvicorns, gateways = statistics.median(results["uvicorn"]), statistics.median(results["gateway"])
    print(f"µs per request, median of {arguments.rounds} rounds of {arguments.requests:,} (best in brackets):")
    for name, figures in results.items():
        print(f"  {name:8} {statistics.median(figures):7.2f}  ({min(figures):.2f})")
    print(f"  the gateway's protocol costs {gateways - uvicorns:+.2f} µs a request over uvicorn's")


if __name__ == "__main__":
    main()
