"""Errors at the GraphQL edge: every failure becomes a GraphQL error with a stable `extensions.code`.

Resolvers raise :class:`GatewayError` for what the gateway itself refuses, and let upstream
exceptions (:mod:`gateway.upstream.errors`) propagate. :class:`ErrorCodes`, a schema extension,
translates both in one place when the operation ends:

    UpstreamNotFound            NOT_FOUND
    UpstreamUnauthenticated     UNAUTHENTICATED
    UpstreamForbidden           FORBIDDEN
    UpstreamRateLimited         RATE_LIMITED (with retryAfter when the upstream said)
    UpstreamBadRequest          BAD_USER_INPUT (with the upstream's param)
    UpstreamTimeout             UPSTREAM_TIMEOUT
    other upstream failures     UPSTREAM_UNAVAILABLE
    GraphQL syntax/validation   GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED
    anything else               INTERNAL_SERVER_ERROR, masked, logged with the request id
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.schema.convert import UpstreamContractError
from gateway.upstream.errors import (
    UpstreamBadRequest,
    UpstreamError,
    UpstreamForbidden,
    UpstreamInvalidResponse,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamServerError,
    UpstreamTimeout,
    UpstreamUnauthenticated,
)

__all__ = ["ErrorCodes", "GatewayError", "bad_input"]

logger = logging.getLogger("gateway.errors")


class GatewayError(Exception):
    """A refusal by the gateway itself, with its code and extra `extensions` entries."""

    def __init__(self, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extensions = extensions


def bad_input(message: str, **extensions: Any) -> GatewayError:
    """A `BAD_USER_INPUT` error; name the offending argument or input path in ``extensions``."""
    return GatewayError(message, "BAD_USER_INPUT", **extensions)


def _upstream(error: UpstreamError) -> tuple[str, str, dict[str, Any]]:
    match error:
        case UpstreamNotFound():
            return "NOT_FOUND", error.message, {}
        case UpstreamUnauthenticated():
            # The upstream's message may quote part of the key: never pass it on.
            return "UNAUTHENTICATED", "The upstream refused the API key. Send a valid key as a Bearer token.", {}
        case UpstreamForbidden():
            return "FORBIDDEN", "The API key may not do this.", {}
        case UpstreamRateLimited(retry_after=retry_after):
            extra = {} if retry_after is None else {"retryAfter": retry_after}
            return "RATE_LIMITED", "The upstream is rate limiting this key; try again later.", extra
        case UpstreamBadRequest(param=param):
            return "BAD_USER_INPUT", error.message, {} if param is None else {"upstreamParam": param}
        case UpstreamTimeout():
            return "UPSTREAM_TIMEOUT", str(error), {}
        case UpstreamServerError(status=status):
            return "UPSTREAM_UNAVAILABLE", f"The upstream failed (HTTP {status}).", {}
        case UpstreamInvalidResponse():
            return "UPSTREAM_UNAVAILABLE", str(error), {}
    return "UPSTREAM_UNAVAILABLE", str(error), {}


def _coded(error: GraphQLError, request_id: str | None) -> GraphQLError:
    original = error.original_error
    extensions: dict[str, Any] = dict(error.extensions or {})
    message = error.message
    if original is None:
        if "code" not in extensions:
            syntax = message.startswith("Syntax Error")
            extensions["code"] = "GRAPHQL_PARSE_FAILED" if syntax else "GRAPHQL_VALIDATION_FAILED"
    elif isinstance(original, GatewayError):
        extensions.update(original.extensions, code=original.code)
        message = original.message
    elif isinstance(original, UpstreamError):
        code, message, extra = _upstream(original)
        extensions.update(extra, code=code)
    elif isinstance(original, UpstreamContractError):
        extensions["code"] = "UPSTREAM_UNAVAILABLE"
        message = str(original)
    elif "code" not in extensions:
        logger.error("unexpected error (request %s)", request_id, exc_info=original)
        extensions["code"] = "INTERNAL_SERVER_ERROR"
        message = "Unexpected error."
        if request_id is not None:
            extensions["requestId"] = request_id
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


class ErrorCodes(SchemaExtension):
    """Gives every error of an operation its `extensions.code` and masks unexpected ones."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            request_id = getattr(self.execution_context.context, "request_id", None)
            result.errors = [_coded(error, request_id) for error in errors]
