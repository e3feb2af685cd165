"""A GraphQL client over the gateway, with every upstream request it makes recorded.

The gateway runs with the built-in API as its upstream; ``Recording`` wraps the transport the
gateway reaches it through, so counts are real requests to the real API, not to a mock.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["GraphQLClient", "Recording", "UpstreamRequest", "nested"]


@dataclass(frozen=True)
class UpstreamRequest:
    method: str
    path: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    started: float
    ended: float


@dataclass
class Recording:
    """Wraps the gateway's upstream transport and keeps what went through it."""

    requests: list[UpstreamRequest] = field(default_factory=list)
    fault: Callable[[httpx.Request], httpx.Response | None] | None = None
    """Answer some requests without the real upstream: return a response, raise, or None to pass."""
    slow_fault: Callable[[httpx.Request], Awaitable[httpx.Response | None]] | None = None
    """The same, for faults that take time (a slow or dripping answer)."""

    def wrap(self, inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        recording = self

        class _Transport(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                started = time.perf_counter()
                # Any real upstream answers a turn of the loop later at the soonest; the built-in API
                # in-process reads without awaiting, and would answer each call before the next one
                # starts. The tests of which calls overlap are about the gateway, so every call
                # takes that turn here.
                await asyncio.sleep(0)
                try:
                    answer = recording.fault(request) if recording.fault is not None else None
                    if answer is None and recording.slow_fault is not None:
                        answer = await recording.slow_fault(request)
                    if answer is None:
                        answer = await inner.handle_async_request(request)
                        try:
                            await answer.aread()
                        except BaseException:
                            await answer.aclose()
                            raise
                    return answer
                finally:
                    recording.requests.append(
                        UpstreamRequest(
                            request.method,
                            # Relative to the API's base URL: `/v1` on a socket, nothing in-process.
                            request.url.path.removeprefix("/v1"),
                            list(request.url.params.multi_items()),
                            dict(request.headers),
                            started,
                            time.perf_counter(),
                        )
                    )

            async def aclose(self) -> None:
                await inner.aclose()

        return _Transport()

    def clear(self) -> None:
        self.requests.clear()

    @property
    def count(self) -> int:
        return len(self.requests)

    def paths(self) -> list[str]:
        return [f"{request.method} {request.path}" for request in self.requests]


def _not_json(constant: str) -> Any:
    """Python's parser takes `NaN` and `Infinity`; JSON has no such values, nor do clients' parsers."""
    msg = f"the answer is not JSON: it holds {constant}"
    raise AssertionError(msg)


class GraphQLClient:
    """Posts GraphQL operations to ``/graphql`` and returns the decoded JSON body."""

    def __init__(self, http: httpx.AsyncClient, path: str = "/graphql") -> None:
        self.http = http
        self.path = path

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        key: str | None = "sk-test",
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """``request_id``: the operation's `X-Request-Id`, which its log lines and upstream calls carry."""
        headers = {} if key is None else {"Authorization": f"Bearer {key}"}
        if request_id is not None:
            headers["X-Request-Id"] = request_id
        response = await self.http.post(self.path, json={"query": query, "variables": variables or {}}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = json.loads(response.content, parse_constant=_not_json)
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None, *, key: str | None = "sk-test") -> Any:
        """The `data` of an operation that must not fail."""
        body = await self.execute(query, variables, key=key)
        assert "errors" not in body, body["errors"]
        return body["data"]


def nested(levels: int) -> Any:
    """An array nesting ``levels`` levels deep (itself level 1): `[[...[]...]]`."""
    value: Any = []
    for _ in range(levels - 1):
        value = [value]
    return value
