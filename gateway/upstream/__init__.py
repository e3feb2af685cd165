"""The gateway's client of the Conversations REST API (the built-in one or OpenAI's)."""

from gateway.upstream.client import CircuitBreaker, Credentials, RetryPolicy, UpstreamClient, UpstreamSession
from gateway.upstream.errors import (
    UpstreamBadRequest,
    UpstreamError,
    UpstreamForbidden,
    UpstreamInvalidResponse,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamServerError,
    UpstreamStatusError,
    UpstreamTimeout,
    UpstreamUnauthenticated,
    UpstreamUnavailable,
    UpstreamUnexpectedStatus,
)

__all__ = [
    "CircuitBreaker",
    "Credentials",
    "RetryPolicy",
    "UpstreamBadRequest",
    "UpstreamClient",
    "UpstreamError",
    "UpstreamForbidden",
    "UpstreamInvalidResponse",
    "UpstreamNotFound",
    "UpstreamRateLimited",
    "UpstreamServerError",
    "UpstreamSession",
    "UpstreamStatusError",
    "UpstreamTimeout",
    "UpstreamUnauthenticated",
    "UpstreamUnavailable",
    "UpstreamUnexpectedStatus",
]
