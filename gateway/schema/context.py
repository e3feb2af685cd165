"""The context of one GraphQL request."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from strawberry.types import Info

from gateway.abandon import Abandonment
from gateway.loaders import Loaders
from gateway.persisted import PersistedDocuments
from gateway.schema.oplog import OperationObserver

if TYPE_CHECKING:  # OpenTelemetry is imported only when tracing is on
    from opentelemetry.context import Context

    from gateway.tracing import Tracing

__all__ = ["CLIENT_HEADERS", "GatewayContext", "GatewayInfo", "client_identity", "random_request_id"]

CLIENT_HEADERS: dict[bytes, tuple[int, int]] = {
    b"apollographql-client-name": (0, 0),
    b"apollographql-client-version": (1, 0),
    b"x-graphql-client-name": (0, 1),
    b"x-graphql-client-version": (1, 1),
    b"graphql-client-name": (0, 2),
    b"graphql-client-version": (1, 2),
}
"""The headers that name a request's client and its version, each as (what it names: 0 the name, 1
the version; its rank: 0 first). Apollo Client sends the first two given its `clientAwareness`
option, and Apollo's router and GraphOS read them; GraphQL Hive's usage reporting for Yoga, Apollo
Server and Envelop reads the next two, and Hive Router the last two, each from what a team has its
frontends send."""


def random_request_id() -> str:
    # 128 random bits, as in uuid4().hex, without its system call: a request id is unique, not secret.
    return f"{random.getrandbits(128):032x}"


def client_identity(headers: list[tuple[bytes, bytes]]) -> tuple[str | None, str | None]:
    """The client's name and version a request's raw headers (its ASGI scope's) give, by
    :data:`CLIENT_HEADERS` (Apollo's first), stripped; None for what none of them gives.
    One pass over the headers: a request has about ten, and this runs for each."""
    best: list[tuple[int, str] | None] = [None, None]  # the name's and the version's: (rank, value)
    for name, value in headers:
        place = CLIENT_HEADERS.get(name.lower())
        if place is None:
            continue
        what, rank = place
        held = best[what]
        if held is None or rank < held[0]:
            given = value.decode("latin-1").strip()
            if given:
                best[what] = rank, given
    name_given, version_given = best
    return (name_given and name_given[1]), (version_given and version_given[1])


@dataclass
class GatewayContext:
    """Everything a resolver may use, made anew for each request and never shared."""

    loaders: Loaders
    request_id: str = field(default_factory=random_request_id)
    """32 hex digits, unless the client sent its own `X-Request-Id`."""
    abandonment: Abandonment | None = None
    """What stops the request if its client goes away while a query executes (none under
    another server than the gateway's: :mod:`gateway.abandon`)."""
    metrics: OperationObserver | None = None
    """What counts the operation besides its log line (`GATEWAY_METRICS`: :mod:`gateway.metrics`)."""
    document_from: str = "query"
    """The request's member the document came in: `query` (its text), `documentId` or
    `persistedQuery` (a hash alone); the operation's log line says it."""
    manifest: PersistedDocuments | None = None
    """The manifests' documents, when they are given but are not a safelist: the operation's log
    line says whether its document is one of them (`inManifest`), for a safelist's roll-out."""
    tracing: Tracing | None = None
    """What traces each operation and its upstream calls (`GATEWAY_TRACING`: :mod:`gateway.tracing`)."""
    trace_parent: Context | None = None
    """The client's trace context, from the request's headers, when tracing is on."""
    client_name: str | None = None
    """The name the client gives itself (:func:`client_identity`); its log line and span say it."""
    client_version: str | None = None
    """The version the client gives (:func:`client_identity`); its log line and span say it."""


GatewayInfo = Info[GatewayContext, None]
"""The `info` every resolver of this schema receives."""
