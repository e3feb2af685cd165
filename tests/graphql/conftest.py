"""Fixtures for the GraphQL tests: the gateway over the built-in API, with upstream requests recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from tests.conftest import SettingsFactory
from tests.graphql.harness import GraphQLClient, Recording
from tests.live import serve

Seed = Callable[..., Awaitable[str]]


@pytest.fixture
def upstream() -> Recording:
    return Recording()


@pytest.fixture(params=["asgi", "socket"])
async def http(
    request: pytest.FixtureRequest, make_settings: SettingsFactory, upstream: Recording
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway: ``/v1`` is the built-in API, ``/graphql`` the gateway.

    Every GraphQL test runs twice: in-process over ASGI, and end to end through a real uvicorn
    socket on loopback.
    """
    # The round-trip tests select every field of every item type at once (about 900 aliases and 8,000
    # tokens): far past what a client sends, so these tests raise those two limits.
    app = create_app(make_settings(max_aliases=2_000, max_tokens=40_000), upstream_transport=upstream.wrap)
    if request.param == "asgi":
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
                yield client
    else:
        with serve(app) as url:
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                yield client


@pytest.fixture
def graphql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
def seed(http: httpx.AsyncClient, upstream: Recording) -> Seed:
    """Create a conversation through the REST API (not counted as gateway upstream calls)."""

    async def create(*items: dict[str, Any], key: str = "sk-test", metadata: dict[str, str] | None = None) -> str:
        headers = {"Authorization": f"Bearer {key}"}
        response = await http.post("/v1/conversations", json={"metadata": metadata}, headers=headers)
        conversation_id: str = response.json()["id"]
        for start in range(0, len(items), 20):
            batch = list(items[start : start + 20])
            added = await http.post(
                f"/v1/conversations/{conversation_id}/items", json={"items": batch}, headers=headers
            )
            assert added.status_code == 200, added.text
        upstream.clear()
        return conversation_id

    return create


def messages(count: int, prefix: str = "message") -> list[dict[str, Any]]:
    return [{"role": "user" if n % 2 == 0 else "assistant", "content": f"{prefix} {n}"} for n in range(count)]
