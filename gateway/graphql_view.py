"""The `/graphql` endpoint: Strawberry's ASGI view, per-request context, GraphQL over HTTP.

Beyond Strawberry's stock view it follows the GraphQL-over-HTTP specification's
`application/graphql-response+json` rules: a client that accepts that media type gets it, and a
request that fails before execution (it does not parse, does not validate, or its variables do
not fit) is answered 400 with no `data` entry. Clients that only accept `application/json` keep
the legacy behaviour (200).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from gateway.embedded.app import bearer_key
from gateway.loaders import Loaders
from gateway.schema import GatewayContext
from gateway.upstream import UpstreamClient

__all__ = ["GRAPHQL_RESPONSE", "GatewayGraphQL", "GraphQLResponseMedia", "prefers_graphql_response"]

GRAPHQL_RESPONSE = "application/graphql-response+json"


def _quality(accept: str) -> dict[str, float]:
    qualities: dict[str, float] = {}
    for entry in accept.split(","):
        media, *parameters = (part.strip() for part in entry.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            qualities[media.lower()] = quality
    return qualities


def prefers_graphql_response(accept: str | None) -> bool:
    """Whether the `Accept` header asks for `application/graphql-response+json` over `application/json`."""
    qualities = _quality(accept or "")
    wanted = qualities.get(GRAPHQL_RESPONSE, 0.0)
    return wanted > 0 and wanted >= qualities.get("application/json", 0.0)


def _failed_before_execution(body: Any) -> bool:
    """No execution happened: errors, no data, and no error located in the response."""
    return (
        isinstance(body, dict)
        and bool(body.get("errors"))
        and body.get("data") is None
        and all("path" not in error for error in body["errors"])
    )


class GatewayGraphQL(GraphQL[GatewayContext, None]):
    """Each request gets its own loaders and upstream session, carrying its own key."""

    def __init__(self, schema: strawberry.Schema, upstream: Callable[[], UpstreamClient]) -> None:
        super().__init__(schema)
        self._upstream = upstream

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> GatewayContext:
        key = bearer_key(request.headers.get("authorization"))
        return GatewayContext(loaders=Loaders(self._upstream().session(key)))


def _is_mutation_over_get(request: Request) -> bool:
    query = request.query_params.get("query")
    if request.method != "GET" or not query:
        return False
    try:
        document = parse(query)
    except GraphQLError:
        return False  # the view reports the syntax error
    operation = get_operation_ast(document, request.query_params.get("operationName"))
    return operation is not None and operation.operation == OperationType.MUTATION


class GraphQLResponseMedia:
    """ASGI middleware for the GraphQL-over-HTTP rules Strawberry's view does not follow by itself.

    * A mutation sent with GET is refused with 405 (`Allow: POST`).
    * A client that prefers `application/graphql-response+json` gets that content type, and a
      request that failed before execution gets status 400 and no `data` entry.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        if scope["type"] == "http" and _is_mutation_over_get(request):
            error = {
                "message": "Mutations cannot be sent with GET; send them with POST.",
                "extensions": {"code": "METHOD_NOT_ALLOWED"},
            }
            response = Response(
                orjson.dumps({"errors": [error]}),
                status_code=405,
                headers={"Allow": "POST"},
                media_type="application/json",
            )
            await response(scope, receive, send)
            return
        if scope["type"] != "http" or not prefers_graphql_response(request.headers.get("accept")):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._send_rewritten(start, b"".join(chunks), send)

        await self.app(scope, receive, hold)

    @staticmethod
    async def _send_rewritten(start: Message, body: bytes, send: Send) -> None:
        headers = [(name, value) for name, value in start["headers"] if name.lower() != b"content-length"]
        status = start["status"]
        content_type = dict(headers).get(b"content-type", b"")
        if content_type.startswith(b"application/json"):
            decoded = orjson.loads(body)
            if _failed_before_execution(decoded):
                decoded.pop("data", None)
                status = 400
            body = orjson.dumps(decoded)
            headers = [(name, value) for name, value in headers if name.lower() != b"content-type"]
            headers.append((b"content-type", GRAPHQL_RESPONSE.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
