"""Fixtures for the GraphQL tests: the gateway over the built-in API, with upstream requests recorded."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from gateway.app import create_api_app, create_app
from gateway.graphql_view import GatewayGraphQL
from gateway.schema import GatewayContext
from tests.conftest import SettingsFactory
from tests.graphql.harness import GraphQLClient, Recording
from tests.live import serving

Seed = Callable[..., Awaitable[str]]


@pytest.fixture
def upstream() -> Recording:
    return Recording()


class _ByPath(httpx.AsyncBaseTransport):
    """Sends ``/v1/...`` to the built-in API's socket and everything else to the gateway's."""

    def __init__(self, api: str, gateway: str) -> None:
        self._api = httpx.URL(api)
        self._gateway = httpx.URL(gateway)
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = self._api if request.url.path.startswith("/v1/") else self._gateway
        request.url = request.url.copy_with(host=target.host, port=target.port)
        request.headers["Host"] = f"{target.host}:{target.port}"
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture(params=["asgi", "network"])
async def http(
    request: pytest.FixtureRequest, make_settings: SettingsFactory, upstream: Recording
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway: ``/v1`` is the built-in API, ``/graphql`` the gateway.

    Every GraphQL test runs twice: in-process over ASGI (the gateway calling the built-in API in
    the same process, as `gateway serve` does by default), and end to end over loopback sockets:
    the gateway on a real uvicorn socket, calling the built-in API on another one through its
    network transport, as it calls OpenAI's.
    """
    # The round-trip tests select every field of every item type at once (about 900 aliases and 8,000
    # tokens): far past what a client sends, so these tests raise those two limits.
    limits: dict[str, Any] = {"max_aliases": 2_000, "max_tokens": 40_000}
    if request.param == "asgi":
        app = create_app(make_settings(**limits), upstream_transport=upstream.wrap)
        async with app.router.lifespan_context(app):
            in_process = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=in_process, base_url="http://gateway.test") as client:
                yield client
        return
    with serving() as start:
        api_url = start(create_api_app(make_settings()))
        gateway = create_app(make_settings(**limits, upstream_url=f"{api_url}/v1"), upstream_transport=upstream.wrap)
        gateway_url = start(gateway)
        transport = _ByPath(api_url, gateway_url)
        async with httpx.AsyncClient(transport=transport, base_url=gateway_url, timeout=30) as client:
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


@pytest.fixture
def request_contexts(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref[GatewayContext]]:
    """Weak references to the context of every GraphQL request from now on (to see them freed)."""
    contexts: list[weakref.ref[GatewayContext]] = []
    get_context = GatewayGraphQL.get_context

    async def remembered(self: GatewayGraphQL, request: Any, response: Any) -> Any:
        context = await get_context(self, request, response)
        contexts.append(weakref.ref(context))
        return context

    monkeypatch.setattr(GatewayGraphQL, "get_context", remembered)
    return contexts
