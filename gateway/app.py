"""The gateway's ASGI application: ``create_app(settings)``.

``/graphql`` serves the GraphQL API over the upstream. With no ``upstream_url`` the built-in
Conversations API is that upstream: it is mounted at ``/v1`` for REST clients, and the gateway
calls it in-process through httpx's ASGI transport (no socket, the same HTTP semantics).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from gateway.embedded import ConversationStore, create_embedded_api
from gateway.embedded.app import JSONResponse
from gateway.graphql_view import GatewayGraphQL, GraphQLResponseMedia
from gateway.schema import build_schema
from gateway.settings import Settings
from gateway.upstream import RetryPolicy, UpstreamClient

__all__ = ["BUILT_IN_UPSTREAM", "TransportWrapper", "create_api_app", "create_app"]

BUILT_IN_UPSTREAM = "http://built-in.invalid/"
"""The base URL the gateway uses for the built-in API; requests to it never leave the process."""

TransportWrapper = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


class _Runtime:
    """What the lifespan opens and closes: the store and the one upstream client of the process."""

    def __init__(self, settings: Settings, wrap: TransportWrapper | None) -> None:
        self.settings = settings
        self.wrap = wrap
        self.store: ConversationStore | None = None
        self.embedded: Starlette | None = None
        self._upstream: UpstreamClient | None = None
        if settings.upstream_url is None:
            self.store = ConversationStore(settings.database)
            self.embedded = create_embedded_api(
                self.store, api_keys=settings.api_keys or None, max_body_bytes=settings.max_body_bytes
            )

    def upstream(self) -> UpstreamClient:
        if self._upstream is None:
            msg = "the gateway's lifespan has not started; run the app under an ASGI server"
            raise RuntimeError(msg)
        return self._upstream

    def _http_client(self) -> httpx.AsyncClient:
        settings = self.settings
        transport: httpx.AsyncBaseTransport
        if self.embedded is not None:
            transport = httpx.ASGITransport(app=self.embedded, raise_app_exceptions=False)
        else:
            transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=200, max_keepalive_connections=50))
        if self.wrap is not None:
            transport = self.wrap(transport)
        timeout = httpx.Timeout(settings.upstream_read_timeout, connect=settings.upstream_connect_timeout)
        base_url = settings.upstream_url or BUILT_IN_UPSTREAM
        return httpx.AsyncClient(transport=transport, base_url=base_url.rstrip("/") + "/", timeout=timeout)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        if self.store is not None:
            await self.store.open()
        try:
            async with self._http_client() as http:
                self._upstream = UpstreamClient(
                    http,
                    server_key=self.settings.api_key,
                    retry=RetryPolicy(attempts=self.settings.upstream_attempts),
                    concurrency=self.settings.upstream_concurrency,
                )
                yield
        finally:
            self._upstream = None
            if self.store is not None:
                await self.store.close()


def create_app(settings: Settings, *, upstream_transport: TransportWrapper | None = None) -> Starlette:
    """The gateway: ``/graphql``, ``/healthz`` and, without an upstream URL, the built-in API at ``/v1``.

    ``upstream_transport`` wraps the transport the gateway reaches its upstream with: tests count
    or fault the upstream's requests through it.
    """
    runtime = _Runtime(settings, upstream_transport)
    graphql = GatewayGraphQL(build_schema(), runtime.upstream)
    routes: list[BaseRoute] = [
        Route("/healthz", _healthz),
        Route("/graphql", GraphQLResponseMedia(graphql), methods=["GET", "POST"]),
    ]
    if runtime.embedded is not None:
        routes.append(Mount("/v1", app=runtime.embedded))
    return Starlette(routes=routes, lifespan=runtime.lifespan)


def create_api_app(settings: Settings) -> Starlette:
    """The built-in REST API alone (``gateway serve-api``): ``/v1`` and ``/healthz``."""
    store = ConversationStore(settings.database)
    api = create_embedded_api(store, api_keys=settings.api_keys or None, max_body_bytes=settings.max_body_bytes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await store.open()
        try:
            yield
        finally:
            await store.close()

    return Starlette(routes=[Route("/healthz", _healthz), Mount("/v1", app=api)], lifespan=lifespan)
