"""OpenTelemetry traces of the GraphQL operations and of their upstream calls (`GATEWAY_TRACING=true`),
written with the OpenTelemetry project's own SDK and sent over OTLP/HTTP.

Each operation is a span of kind SERVER, named and described as OpenTelemetry's semantic conventions
for GraphQL have it (`query ConversationWithItems`, `graphql.operation.type`, `graphql.operation.name`),
with the gateway's request id, its upstream calls and its error codes. Its parent is the client's, when
the request brings a W3C `traceparent` (or what `OTEL_PROPAGATORS` names), so the gateway's spans join
the frontend's trace. Each upstream call the operation makes is a CLIENT span under it, as the HTTP
conventions have it (`GET /conversations/{conversation_id}/items`, `http.response.status_code`, a
retry's `http.request.resend_count`), and carries its `traceparent` to the upstream. Calls made outside
an operation (`/readyz`'s probe) are not traced.

The SDK reads its own standard variables: where to send (`OTEL_EXPORTER_OTLP_ENDPOINT`,
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `..._HEADERS`, `..._TIMEOUT`, ...), what to sample
(`OTEL_TRACES_SAMPLER`, by default the client's decision, else every trace), how to batch
(`OTEL_BSP_*`), and the service's name (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`; by default
`conversations-gateway`). Spans are sent in batches from a thread of the SDK; the ones still waiting
are sent when the server stops.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, MutableMapping
from importlib import metadata
from typing import Any

import httpx
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.propagate import get_global_textmap
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from strawberry.types import ExecutionContext

from gateway.schema.oplog import client_of, scope_of, session_of, shown_name

__all__ = ["DEFAULT_SERVICE_NAME", "OperationSpan", "Tracing", "UpstreamCallSpan", "url_template"]

DEFAULT_SERVICE_NAME = "conversations-gateway"
"""The service's name in its spans when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` names it."""


def _resource() -> Resource:
    resource = Resource.create({SERVICE_VERSION: metadata.version("gateway")})
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):  # the SDK's own default
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    return resource


def url_template(path: str) -> str:
    """The low-cardinality form of an upstream URL's path, its ids taken out:
    `/v1/conversations/{conversation_id}/items`."""
    start = path.find("/conversations")
    if start < 0:
        return path
    parts = path[start + 1 :].split("/")
    names = ("conversations", "{conversation_id}", "items", "{item_id}")
    return path[:start] + "/" + "/".join(names[: len(parts)])


class OperationSpan:
    """One operation's span, current (so that its upstream calls are its children) until it ends."""

    __slots__ = ("_span", "_token", "trace_id")

    def __init__(self, span: Span) -> None:
        self._span = span
        self._token = otel_context.attach(trace.set_span_in_context(span))
        context = span.get_span_context()
        self.trace_id = format(context.trace_id, "032x") if context.is_valid else None
        """The trace's id, as 32 hex digits (the operation's log line has it)."""

    def end(
        self,
        context: ExecutionContext,
        facts: tuple[str | None, int, list[str]],
        request_id: str | None,
        in_manifest: bool | None = None,
        deprecated: tuple[str, ...] = (),
    ) -> None:
        """Names the span after the operation, describes it, and ends it; ``facts`` are the
        operation's type, upstream calls and error codes (:func:`gateway.schema.oplog.operation_facts`)."""
        span = self._span
        if span.is_recording():
            kind, upstream_calls, codes = facts
            name = shown_name(context.operation_name)
            span.update_name(f"{kind} {name}" if kind and name else kind or "GraphQL Operation")
            attributes: dict[str, Any] = {
                "gateway.upstream_calls": upstream_calls,
                "gateway.document_from": getattr(context.context, "document_from", "query"),
            }
            if kind is not None:
                attributes["graphql.operation.type"] = kind
            if name is not None:
                attributes["graphql.operation.name"] = name
            if request_id is not None:
                attributes["gateway.request_id"] = request_id
            if in_manifest is not None:
                attributes["gateway.in_manifest"] = in_manifest
            session = session_of(context)
            key_from = getattr(session, "key_from", None)
            if key_from is not None:
                attributes["gateway.key"] = key_from
            attributes.update({f"gateway.{name}": value for name, value in scope_of(session).items()})
            client = client_of(context.context)
            if "clientName" in client:
                attributes["gateway.client_name"] = client["clientName"]
            if "clientVersion" in client:
                attributes["gateway.client_version"] = client["clientVersion"]
            if deprecated:
                attributes["gateway.deprecated"] = list(deprecated)
            if codes:
                attributes["gateway.error_codes"] = codes
                span.set_status(Status(StatusCode.ERROR, ", ".join(codes)))
            span.set_attributes(attributes)
        self._close()

    def cancel(self) -> None:
        """Ends the span of an operation cancelled for another reason than its client leaving (the
        server stopping)."""
        self._span.set_status(Status(StatusCode.ERROR, "cancelled"))
        self._close()

    def _close(self) -> None:
        self._span.end()
        otel_context.detach(self._token)


class UpstreamCallSpan:
    """The span of one upstream call, until its answer (or its failure) ends it."""

    __slots__ = ("_span",)

    def __init__(self, span: Span) -> None:
        self._span = span

    def answered(self, status: int) -> None:
        """Ends the span with the upstream's status (4xx and 5xx are errors, as the HTTP conventions
        have it for a client)."""
        span = self._span
        span.set_attribute("http.response.status_code", status)
        if status >= 400:
            span.set_attribute("error.type", str(status))
            span.set_status(Status(StatusCode.ERROR))
        span.end()

    def failed(self, error: BaseException) -> None:
        """Ends the span of a call that got no answer (a transport error, a timeout, a stop)."""
        span = self._span
        span.set_attribute("error.type", type(error).__name__)
        span.set_status(Status(StatusCode.ERROR, str(error) or type(error).__name__))
        span.end()


class Tracing:
    """The process's tracer: its spans go to ``exporter`` (by default OTLP/HTTP, configured by the
    `OTEL_*` variables) in batches, or one by one with ``batch`` false (tests read them at once)."""

    def __init__(self, exporter: SpanExporter | None = None, *, batch: bool = True) -> None:
        if exporter is None:
            # Only here: the exporter pulls in protobuf and requests.
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415

            exporter = OTLPSpanExporter()
        self._provider = TracerProvider(resource=_resource())
        self._provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
        self._tracer = self._provider.get_tracer("gateway", metadata.version("gateway"))
        self._propagator = get_global_textmap()

    def parent(self, headers: Mapping[str, str]) -> Context:
        """The client's trace context, from a request's headers (empty when it brings none)."""
        return self._propagator.extract(headers)

    def operation(self, parent: Context | None) -> OperationSpan:
        """Starts an operation's span under ``parent`` and makes it the current one."""
        return OperationSpan(self._tracer.start_span("GraphQL Operation", parent, SpanKind.SERVER))

    def upstream_call(self, request: httpx.Request, attempt: int) -> UpstreamCallSpan | None:
        """Starts the span of an upstream call within an operation (None outside one), and writes its
        trace context into ``request``'s headers."""
        if not trace.get_current_span().get_span_context().is_valid:
            return None
        method = request.method
        template = url_template(request.url.path)
        attributes: dict[str, Any] = {
            "http.request.method": method,
            "url.full": str(request.url),
            "url.template": template,
            "server.address": request.url.host,
        }
        if request.url.port is not None:
            attributes["server.port"] = request.url.port
        if attempt > 1:
            attributes["http.request.resend_count"] = attempt - 1
        span = self._tracer.start_span(f"{method} {template}", kind=SpanKind.CLIENT, attributes=attributes)
        headers: MutableMapping[str, str] = request.headers
        self._propagator.inject(headers, trace.set_span_in_context(span))
        return UpstreamCallSpan(span)

    def shutdown(self) -> None:
        """Sends the spans still waiting, and stops the exporter's thread."""
        with contextlib.suppress(Exception):  # the SDK logs what it could not send
            self._provider.shutdown()
