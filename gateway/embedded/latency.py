"""A fixed delay on every request of the built-in API, for benchmarks only (`--bench-latency-ms`).

It makes the local upstream behave like a remote one, so that a benchmark measures what the
gateway adds to a real round trip. It also counts requests, at `GET /_bench/requests`.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.embedded.app import JSONResponse

__all__ = ["InjectedLatency"]


class InjectedLatency:
    def __init__(self, app: ASGIApp, *, milliseconds: float) -> None:
        self.app = app
        self.delay = milliseconds / 1000
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/_bench/requests":
            await JSONResponse({"requests": self.requests})(scope, receive, send)
            return
        if scope["path"].startswith("/v1/"):
            self.requests += 1
            await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)
