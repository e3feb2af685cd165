"""The gateway's ASGI application: ``create_app(settings)``.

With no ``upstream_url`` the built-in Conversations API is mounted at ``/v1`` on the same
host and port, backed by the SQLite file ``settings.database``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from gateway.embedded import ConversationStore, create_embedded_api
from gateway.embedded.app import JSONResponse
from gateway.settings import Settings

__all__ = ["create_api_app", "create_app"]


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _embedded(settings: Settings) -> tuple[ConversationStore, Mount]:
    store = ConversationStore(settings.database)
    api = create_embedded_api(store, api_keys=settings.api_keys or None, max_body_bytes=settings.max_body_bytes)
    return store, Mount("/v1", app=api)


def _with_store(routes: list[BaseRoute], store: ConversationStore | None) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if store is not None:
            await store.open()
        try:
            yield
        finally:
            if store is not None:
                await store.close()

    return Starlette(routes=routes, lifespan=lifespan)


def create_app(settings: Settings) -> Starlette:
    """The gateway: ``/healthz`` and, without an upstream URL, the built-in API at ``/v1``."""
    routes: list[BaseRoute] = [Route("/healthz", _healthz)]
    store: ConversationStore | None = None
    if settings.upstream_url is None:
        store, mount = _embedded(settings)
        routes.append(mount)
    return _with_store(routes, store)


def create_api_app(settings: Settings) -> Starlette:
    """The built-in REST API alone (``gateway serve-api``): ``/v1`` and ``/healthz``."""
    store, mount = _embedded(settings)
    return _with_store([Route("/healthz", _healthz), mount], store)
