"""The `/graphql` endpoint: Strawberry's ASGI view with a fresh context for every request."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from gateway.embedded.app import bearer_key
from gateway.loaders import Loaders
from gateway.schema import GatewayContext
from gateway.upstream import UpstreamClient

__all__ = ["GatewayGraphQL"]


class GatewayGraphQL(GraphQL[GatewayContext, None]):
    """Each request gets its own loaders and upstream session, carrying its own key."""

    def __init__(self, schema: strawberry.Schema, upstream: Callable[[], UpstreamClient]) -> None:
        super().__init__(schema)
        self._upstream = upstream

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> GatewayContext:
        key = bearer_key(request.headers.get("authorization"))
        return GatewayContext(loaders=Loaders(self._upstream().session(key)))
