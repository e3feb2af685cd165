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

__all__ = ["GatewayContext", "GatewayInfo", "random_request_id"]


def random_request_id() -> str:
    # 128 random bits, as in uuid4().hex, without its system call: a request id is unique, not secret.
    return f"{random.getrandbits(128):032x}"


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


GatewayInfo = Info[GatewayContext, None]
"""The `info` every resolver of this schema receives."""
