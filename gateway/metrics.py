"""Prometheus metrics of the GraphQL operations at `/metrics` (`GATEWAY_METRICS=true`), written with
prometheus_client, the Prometheus project's own Python client.

Each operation is counted as its log line has it (:func:`gateway.schema.oplog.log_operation`): by
type and outcome, each of its error codes, its duration, its upstream calls, and how its document
came (and whether the manifests have it). Requests refused before an operation (a document the
gateway does not have or does not run, an overloaded worker) are counted too. The labels are the
gateway's own values, never the client's (no operation name: a client could make up any number of
them), so the series stay few.

With `gateway serve --workers N` each worker writes its values in files of a directory the
command makes (`PROMETHEUS_MULTIPROC_DIR`, prometheus_client's multiprocess mode) and `/metrics`,
whichever worker answers it, sums them all.
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response

from gateway.upstream.reading import SHOWN_AS_UNKNOWN

__all__ = ["DURATION_BUCKETS", "Metrics"]

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds: from an answer from caches to the operation timeout's default (30 s)."""
_TYPES = ("query", "mutation", "none")
_DOCUMENT_SOURCES = ("query", "documentId", "persistedQuery")


class Metrics:
    """The gateway's metrics, in their own registry (or, with ``multiprocess_dir``, in the files
    of every worker there)."""

    def __init__(self, multiprocess_dir: Path | None = None) -> None:
        # No `_created` series beside each counter and histogram: in the text format they are as
        # many series again, which Prometheus stores as any other (multiprocess mode has none).
        disable_created_metrics()  # type: ignore[no-untyped-call]
        if multiprocess_dir is None:
            self._registry = CollectorRegistry()
            owner: CollectorRegistry | None = self._registry
        else:
            # The values go to files (prometheus_client chose so at its import, from the same
            # variable); what is answered is read from every worker's files.
            self._registry = CollectorRegistry()
            MultiProcessCollector(self._registry, path=str(multiprocess_dir))  # type: ignore[no-untyped-call]
            owner = None
        self._operations = Counter(
            "gateway_operations",
            "GraphQL operations answered, by type (none: the document did not parse or was refused) and "
            "outcome (ok: no error)",
            ["operation_type", "outcome"],
            registry=owner,
        )
        self._errors = Counter(
            "gateway_operation_errors",
            "GraphQL operations with errors of each code (an operation counts once for each of its codes)",
            ["code"],
            registry=owner,
        )
        self._duration = Histogram(
            "gateway_operation_duration_seconds",
            "How long GraphQL operations took, from their parse to their answer",
            ["operation_type"],
            buckets=DURATION_BUCKETS,
            registry=owner,
        )
        self._upstream_calls = Counter(
            "gateway_upstream_calls", "Calls GraphQL operations made to the upstream API", registry=owner
        )
        self._overloaded = Counter(
            "gateway_requests_overloaded",
            "GraphQL requests refused with 503 as the worker ran the most GATEWAY_MAX_CONCURRENT_REQUESTS allows",
            registry=owner,
        )
        self._document = Counter(
            "gateway_operation_documents",
            "GraphQL operations by how their document came (document_from: query, its text; documentId; "
            "persistedQuery, a hash alone) and whether it is one of the manifests' (in_manifest: true or false, "
            "with manifests that are not a safelist; else unknown)",
            ["document_from", "in_manifest"],
            registry=owner,
        )
        self._deprecated = Counter(
            "gateway_deprecated_uses",
            "GraphQL operations whose document names a deprecated part of the schema, by its coordinate "
            "(Type.field, Type.field(argument:), Input.field, Enum.VALUE): what still uses what is to go",
            ["coordinate"],
            registry=owner,
        )
        self._unknown = Counter(
            "gateway_upstream_objects_unknown",
            "Objects in the upstream's answers of a known kind holding a value the schema has no name for yet "
            "(a new role, status, ...), answered as their union's Unknown member: the schema is behind the upstream",
            registry=owner,
        )
        SHOWN_AS_UNKNOWN.observers.add(self)
        # Made up front: a labelled child is a lookup under a lock each time.
        self._outcomes = {
            (kind, failed): self._operations.labels(kind, "error" if failed else "ok")
            for kind in _TYPES
            for failed in (False, True)
        }
        self._durations = {kind: self._duration.labels(kind) for kind in _TYPES}
        self._documents = {
            (source, known): self._document.labels(source, "unknown" if known is None else str(known).lower())
            for source in _DOCUMENT_SOURCES
            for known in (True, False, None)
        }

    def operation(
        self,
        operation_type: str | None,
        seconds: float | None,
        upstream_calls: int,
        codes: list[str],
        *,
        document_from: str = "query",
        in_manifest: bool | None = None,
        deprecated: tuple[str, ...] = (),
    ) -> None:
        """Counts one operation (``seconds`` None for a request refused before it was one). The
        coordinates in ``deprecated`` are the schema's, so their series are bounded by it."""
        kind = operation_type if operation_type in self._durations else "none"
        self._outcomes[kind, bool(codes)].inc()
        documents = self._documents.get((document_from, in_manifest))
        if documents is not None:
            documents.inc()
        for code in codes:
            self._errors.labels(code).inc()
        if seconds is not None:
            self._durations[kind].observe(seconds)
        if upstream_calls:
            self._upstream_calls.inc(upstream_calls)
        for coordinate in deprecated:
            self._deprecated.labels(coordinate).inc()

    def shown_as_unknown(self) -> None:
        """Counts an object of the upstream's answers shown as its union's Unknown member."""
        self._unknown.inc()

    def overloaded(self) -> None:
        """Counts a request refused for overload."""
        self._overloaded.inc()

    async def endpoint(self, request: Request) -> Response:
        """`GET /metrics`: the text format Prometheus reads (OpenMetrics for a scraper that asks for it)."""
        encode, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encode(self._registry), media_type=content_type)
