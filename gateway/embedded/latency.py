"""A fixed delay on every request of the built-in API, for benchmarks only (`--bench-latency-ms`).

It makes the local upstream behave like a remote one, so that a benchmark measures what the
gateway adds to a real round trip. It also counts requests, at `GET /_bench/requests`, and shows
and changes the delay at `GET` and `PUT /_bench/latency` (``{"milliseconds": 80}``), so that a
benchmark can measure one gateway over several latencies. Each server process has its own.
"""

from __future__ import annotations

import asyncio

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.embedded.app import JSONResponse, read_body
from gateway.embedded.errors import ApiError

__all__ = ["InjectedLatency"]

MAX_BODY_BYTES = 1024
"""The most a `PUT /_bench/latency` body is read of: it holds one number."""
MAX_MILLISECONDS = 60_000
"""The longest delay `PUT /_bench/latency` sets: a minute is longer than any upstream's round trip."""


class InjectedLatency:
    def __init__(self, app: ASGIApp, *, milliseconds: float) -> None:
        self.app = app
        self.milliseconds = milliseconds
        self.delay = milliseconds / 1000
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/_bench/requests":
            await JSONResponse({"requests": self.requests})(scope, receive, send)
            return
        if scope["path"] == "/_bench/latency":
            response = await self._latency(Request(scope, receive))
            await response(scope, receive, send)
            return
        if scope["path"].startswith("/v1/"):
            self.requests += 1
            await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)

    async def _latency(self, request: Request) -> JSONResponse:
        try:
            if request.method == "PUT":
                self.milliseconds = await _milliseconds(request)
                self.delay = self.milliseconds / 1000
            elif request.method != "GET":
                raise ApiError(
                    405,
                    f"{request.method} is not allowed here: GET shows the delay, PUT changes it.",
                    headers={"Allow": "GET, PUT"},
                )
        except ApiError as error:
            return JSONResponse(error.body(), status_code=error.status, headers=error.headers)
        return JSONResponse({"milliseconds": self.milliseconds})


async def _milliseconds(request: Request) -> float:
    """The delay a `PUT /_bench/latency` asks for: ``{"milliseconds": <a number from 0 to 60,000>}``."""
    body = await read_body(request, MAX_BODY_BYTES)
    try:
        value = orjson.loads(body)["milliseconds"] if body else None
    except (orjson.JSONDecodeError, TypeError, KeyError):
        value = None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_MILLISECONDS:
        raise ApiError(
            400,
            f'Send {{"milliseconds": <a number from 0 to {MAX_MILLISECONDS}>}}: the delay every later request of '
            "the API waits.",
            param="milliseconds",
            code="invalid_value",
        )
    return float(value)
