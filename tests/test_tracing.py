"""OpenTelemetry traces (`GATEWAY_TRACING`): spans read with the SDK's own in-memory exporter, and, end to
end, as an OTLP/HTTP collector receives them from `gateway serve`, decoded with OpenTelemetry's protobuf types."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway import cli
from gateway.app import create_app
from gateway.cli import _traces_destination
from gateway.settings import Settings
from gateway.tracing import DEFAULT_SERVICE_NAME, url_template
from tests.conftest import SettingsFactory
from tests.graphql.harness import GraphQLClient, Recording
from tests.live import gateway_process, imported_by_create_app, serve

KEY = {"Authorization": "Bearer sk-tracing"}
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
READ = """query Read($id: ID!) {
  conversation(id: $id) { conversationId createdAt items(last: 5) { edges { node { __typename } } } }
}"""

Traced = tuple[GraphQLClient, Recording, InMemorySpanExporter]


@pytest.fixture
async def traced(make_settings: SettingsFactory) -> AsyncIterator[Callable[..., Any]]:
    """Starts gateways with tracing on, over the built-in API (its calls recorded), each span kept as it ends."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**settings: Any) -> Traced:
            upstream, exporter = Recording(), InMemorySpanExporter()
            app = create_app(
                make_settings(tracing=True, **settings), upstream_transport=upstream.wrap, span_exporter=exporter
            )
            await stack.enter_async_context(app.router.lifespan_context(app))
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")
            )
            return GraphQLClient(http), upstream, exporter

        yield start


async def _conversation(graphql: GraphQLClient) -> str:
    created = await graphql.http.post(
        "/v1/conversations", json={"items": [{"type": "message", "role": "user", "content": "hi"}]}, headers=KEY
    )
    conversation_id: str = created.json()["id"]
    return conversation_id


async def _read(graphql: GraphQLClient, conversation_id: str, **headers: str) -> httpx.Response:
    return await graphql.http.post(
        "/graphql", json={"query": READ, "variables": {"id": conversation_id}}, headers={**KEY, **headers}
    )


def _hex(number: int, digits: int) -> str:
    return format(number, f"0{digits}x")


def _server_span(exporter: InMemorySpanExporter) -> ReadableSpan:
    (span,) = [span for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER]
    return span


def _client_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if span.kind is SpanKind.CLIENT]


async def test_a_long_operation_name_names_the_span_by_its_start_and_end(traced: Callable[..., Any]) -> None:
    graphql, _, exporter = await traced()
    name = "Load" + "x" * 100_000
    answer = await graphql.http.post("/graphql", json={"query": f"query {name} {{ __typename }}"})
    assert answer.json() == {"data": {"__typename": "Query"}}
    server = _server_span(exporter)
    assert server.name == f"query {name[:160]}…{name[-40:]}"
    assert server.attributes is not None
    assert server.attributes["graphql.operation.name"] == f"{name[:160]}…{name[-40:]}"


async def test_the_span_names_the_client_that_sent_the_operation(traced: Callable[..., Any]) -> None:
    graphql, _, exporter = await traced()
    client = {"apollographql-client-name": "web-chat", "apollographql-client-version": "4.2.0"}
    answer = await graphql.http.post("/graphql", json={"query": "{ __typename }"}, headers=client)
    assert answer.json() == {"data": {"__typename": "Query"}}
    attributes = _server_span(exporter).attributes
    assert attributes is not None
    assert (attributes["gateway.client_name"], attributes["gateway.client_version"]) == ("web-chat", "4.2.0")
    exporter.clear()
    await graphql.http.post("/graphql", json={"query": "{ __typename }"})
    attributes = _server_span(exporter).attributes
    assert attributes is not None
    assert "gateway.client_name" not in attributes


@pytest.mark.usefixtures("deprecating")
async def test_the_span_names_the_deprecated_parts_the_operation_used(traced: Callable[..., Any]) -> None:
    graphql, _, exporter = await traced()
    conversation_id = await _conversation(graphql)
    exporter.clear()
    assert (await _read(graphql, conversation_id)).json()["data"]["conversation"]["conversationId"] == conversation_id
    attributes = _server_span(exporter).attributes
    assert attributes is not None
    assert attributes["gateway.deprecated"] == ("Conversation.createdAt",)


async def test_an_operation_and_its_upstream_calls_join_the_clients_trace(traced: Callable[..., Any]) -> None:
    graphql, upstream, exporter = await traced()
    conversation_id = await _conversation(graphql)
    upstream.clear()

    scope = {"OpenAI-Project": "proj_own"}  # the built-in API keeps conversations by key alone
    answer = await _read(graphql, conversation_id, traceparent=f"00-{TRACE_ID}-{PARENT_ID}-01", **scope)

    assert answer.json()["data"]["conversation"]["conversationId"] == conversation_id
    server = _server_span(exporter)
    assert server.name == "query Read"
    assert server.parent is not None
    assert server.parent.is_remote
    assert (_hex(server.context.trace_id, 32), _hex(server.parent.span_id, 16)) == (TRACE_ID, PARENT_ID)
    assert dict(server.attributes or {}) == {
        "graphql.operation.type": "query",
        "graphql.operation.name": "Read",
        "gateway.request_id": answer.headers["x-request-id"],
        "gateway.upstream_calls": 2,
        "gateway.document_from": "query",
        "gateway.key": "client",  # whose key, never the key
        "gateway.project": "proj_own",
    }
    assert server.status.status_code is StatusCode.UNSET
    # One span per upstream call, each a child of the operation's, and each call carries its own as parent.
    calls = _client_spans(exporter)
    assert sorted(span.name for span in calls) == [
        "GET /conversations/{conversation_id}",
        "GET /conversations/{conversation_id}/items",
    ]
    sent = {request.path: request.headers["traceparent"] for request in upstream.requests}
    for span in calls:
        assert span.parent is not None
        assert span.parent.span_id == server.context.span_id
        assert span.context.trace_id == server.context.trace_id
        attributes = dict(span.attributes or {})
        path = str(attributes["url.full"]).removeprefix("http://built-in.invalid").split("?")[0]
        assert sent[path] == f"00-{TRACE_ID}-{_hex(span.context.span_id, 16)}-01"
        assert attributes["http.request.method"] == "GET"
        assert attributes["http.response.status_code"] == 200
        assert attributes["server.address"] == "built-in.invalid"
        assert span.status.status_code is StatusCode.UNSET
    # The operation's span ends after its calls' spans.
    assert all(span.end_time is not None and span.end_time <= (server.end_time or 0) for span in calls)


@pytest.mark.parametrize(
    "headers",
    [{}, {"traceparent": "00-not-a-trace-01"}, {"traceparent": f"00-{'0' * 32}-{PARENT_ID}-01"}],
    ids=["none", "malformed", "invalid trace id"],
)
async def test_a_request_without_a_usable_trace_context_starts_a_trace(
    headers: dict[str, str], traced: Callable[..., Any]
) -> None:
    graphql, upstream, exporter = await traced()
    conversation_id = await _conversation(graphql)
    upstream.clear()

    answer = await _read(graphql, conversation_id, **headers)

    assert "errors" not in answer.json()

    server = _server_span(exporter)
    assert server.parent is None
    trace_id = _hex(server.context.trace_id, 32)
    assert {request.headers["traceparent"].split("-")[1] for request in upstream.requests} == {trace_id}


async def test_the_clients_tracestate_goes_upstream_and_its_baggage_does_not(traced: Callable[..., Any]) -> None:
    """`tracestate` belongs to the trace; `baggage` is whatever the client put in it, and the upstream
    (OpenAI) is another party: it is read (for the parent's context) and not passed on."""
    graphql, upstream, _ = await traced()
    conversation_id = await _conversation(graphql)
    upstream.clear()
    headers = {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "tracestate": "vendor=abc", "baggage": "user=alice"}
    await _read(graphql, conversation_id, **headers)
    assert len(upstream.requests) == 2
    for request in upstream.requests:
        assert request.headers["tracestate"] == "vendor=abc"
        assert "baggage" not in request.headers


async def test_a_trace_the_client_does_not_sample_is_not_recorded_but_passed_on(traced: Callable[..., Any]) -> None:
    """The client's decision holds (OpenTelemetry's default sampler): the upstream gets the same trace, unsampled."""
    graphql, upstream, exporter = await traced()
    conversation_id = await _conversation(graphql)
    upstream.clear()

    answer = await _read(graphql, conversation_id, traceparent=f"00-{TRACE_ID}-{PARENT_ID}-00")

    assert "errors" not in answer.json()
    assert exporter.get_finished_spans() == ()
    assert len(upstream.requests) == 2
    for request in upstream.requests:
        version, trace_id, _, flags = request.headers["traceparent"].split("-")
        assert (version, trace_id, flags) == ("00", TRACE_ID, "00")


async def test_errors_mark_the_operations_span_and_the_failed_calls_span(traced: Callable[..., Any]) -> None:
    graphql, _, exporter = await traced()

    missing = await _read(graphql, "conv_missing")
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    server = _server_span(exporter)
    assert server.status.status_code is StatusCode.ERROR
    assert server.status.description == "NOT_FOUND"
    assert (server.attributes or {})["gateway.error_codes"] == ("NOT_FOUND",)
    failed = [span for span in _client_spans(exporter) if (span.attributes or {})["http.response.status_code"] == 404]
    assert failed
    for span in failed:
        assert span.status.status_code is StatusCode.ERROR
        assert (span.attributes or {})["error.type"] == "404"

    exporter.clear()
    unparsed = await graphql.http.post("/graphql", json={"query": "{ conversation("}, headers=KEY)
    assert unparsed.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    (span,) = exporter.get_finished_spans()
    assert span.name == "GraphQL Operation"
    assert (span.attributes or {})["gateway.error_codes"] == ("GRAPHQL_PARSE_FAILED",)
    assert "graphql.operation.type" not in (span.attributes or {})


async def test_each_attempt_of_a_retried_read_is_a_span(traced: Callable[..., Any]) -> None:
    graphql, upstream, exporter = await traced()
    conversation_id = await _conversation(graphql)
    failures = iter([True])

    def once_unavailable(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/items") and next(failures, False):
            return httpx.Response(503, json={"error": {"message": "try again", "type": "server_error"}})
        return None

    upstream.fault = once_unavailable
    answer = await _read(graphql, conversation_id)

    assert "errors" not in answer.json()
    pages = [span for span in _client_spans(exporter) if span.name.endswith("/items")]
    first, second = sorted(pages, key=lambda span: span.start_time or 0)
    assert (first.attributes or {})["http.response.status_code"] == 503
    assert first.status.status_code is StatusCode.ERROR
    assert "http.request.resend_count" not in (first.attributes or {})
    assert (second.attributes or {})["http.request.resend_count"] == 1
    assert second.status.status_code is StatusCode.UNSET


async def test_an_operation_cancelled_under_way_ends_its_span_as_cancelled(traced: Callable[..., Any]) -> None:
    """A server stopping cancels the requests it still has: their spans end, marked, and are sent."""
    graphql, upstream, exporter = await traced()
    conversation_id = await _conversation(graphql)
    waiting, release = asyncio.Event(), asyncio.Event()

    async def held(request: httpx.Request) -> httpx.Response | None:
        waiting.set()
        await release.wait()
        return None

    upstream.slow_fault = held
    request = asyncio.create_task(_read(graphql, conversation_id))
    await waiting.wait()
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request

    server = _server_span(exporter)
    assert server.status.status_code is StatusCode.ERROR
    assert server.status.description == "cancelled"
    # The fetches under way are the DataLoaders' own tasks, not the request's: they end as they would
    # (stopping them is the abandonment's work, under the gateway's server), and their spans then.
    release.set()
    for _ in range(100):
        if len(_client_spans(exporter)) == 2:
            break
        await asyncio.sleep(0.01)
    assert len(_client_spans(exporter)) == 2
    assert {span.parent.span_id for span in _client_spans(exporter) if span.parent} == {server.context.span_id}


async def test_with_a_manifest_that_is_not_a_safelist_the_span_says_whether_the_document_is_in_it(
    traced: Callable[..., Any], tmp_path: Path
) -> None:
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({"sha256:read": READ}))
    graphql, _, exporter = await traced(persisted_documents=manifest)
    conversation_id = await _conversation(graphql)
    await _read(graphql, conversation_id)
    await graphql.http.post("/graphql", json={"query": "query Other { __typename }"}, headers=KEY)
    servers = sorted(
        (span for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER), key=lambda span: span.name
    )
    assert [(span.name, (span.attributes or {})["gateway.in_manifest"]) for span in servers] == [
        ("query Other", False),
        ("query Read", True),
    ]


async def test_calls_outside_an_operation_are_not_traced(traced: Callable[..., Any]) -> None:
    graphql, upstream, exporter = await traced()
    ready = await graphql.http.get("/readyz")
    assert ready.json() == {"status": "ready"}
    assert upstream.count == 1
    assert "traceparent" not in upstream.requests[0].headers
    assert exporter.get_finished_spans() == ()


async def test_the_operations_log_line_names_its_trace(
    traced: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.operations")
    graphql, _, exporter = await traced()
    conversation_id = await _conversation(graphql)

    await _read(graphql, conversation_id, traceparent=f"00-{TRACE_ID}-{PARENT_ID}-01")

    (line,) = [json.loads(record.getMessage()) for record in caplog.records if record.name == "gateway.operations"]
    assert line["traceId"] == TRACE_ID == _hex(_server_span(exporter).context.trace_id, 32)


async def test_with_tracing_off_no_trace_context_goes_upstream(make_settings: SettingsFactory) -> None:
    upstream = Recording()
    app = create_app(make_settings(), upstream_transport=upstream.wrap)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
            graphql = GraphQLClient(http)
            conversation_id = await _conversation(graphql)
            await _read(graphql, conversation_id, traceparent=f"00-{TRACE_ID}-{PARENT_ID}-01")
    assert upstream.count == 2  # the conversation and its page (the conversation was made at /v1 directly)
    assert not any("traceparent" in request.headers for request in upstream.requests)


@pytest.mark.parametrize(("tracing", "imported"), [(False, False), (True, True)])
def test_opentelemetry_is_imported_only_with_tracing_on(tracing: bool, imported: bool, tmp_path: Path) -> None:
    database = str(tmp_path / "x.sqlite3")
    assert imported_by_create_app("opentelemetry.sdk.trace", database=database, tracing=tracing) is imported


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ("OTEL_PROPAGATORS", "tracecontext, baggage"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://collector.example:4318/v1/traces"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2.5"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_BSP_SCHEDULE_DELAY", "500"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "2048"),
    ],
)
def test_the_opentelemetry_variables_the_sdk_takes_are_taken(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    assert Settings(tracing=True).tracing


@pytest.mark.parametrize(
    ("variables", "said"),
    [
        ({}, "OTLP/HTTP to http://localhost:4318/v1/traces (sampler parentbased_always_on)"),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example/", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio"},
            "OTLP/HTTP to https://otel.example/v1/traces (sampler parentbased_traceidratio 1.0)",
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://traces.example/in",
                "OTEL_TRACES_SAMPLER": "TraceIdRatio",
                "OTEL_TRACES_SAMPLER_ARG": "0.1",
            },
            "OTLP/HTTP to https://traces.example/in (sampler traceidratio 0.1)",
        ),
    ],
)
def test_the_banner_says_where_the_traces_go_as_the_exporter_reads_it(
    variables: dict[str, str], said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_SAMPLER"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in variables.items():
        monkeypatch.setenv(variable, value)
    assert _traces_destination() == said
    assert said.split()[2] == OTLPSpanExporter()._endpoint  # the exporter's own reading


def test_opentelemetry_variables_are_not_looked_at_with_tracing_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other processes of the same environment may have their own (an agent speaking gRPC, say)."""
    for variable, value in {
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_TRACES_EXPORTER": "zipkin",
        "OTEL_TRACES_SAMPLER": "jaeger_remote",
        "OTEL_PROPAGATORS": "b3",
    }.items():
        monkeypatch.setenv(variable, value)
    assert not Settings().tracing


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/conversations", "/conversations"),
        ("/v1/conversations/conv_1", "/v1/conversations/{conversation_id}"),
        ("/v1/conversations/conv_1/items", "/v1/conversations/{conversation_id}/items"),
        ("/conversations/conv_1/items/msg_2", "/conversations/{conversation_id}/items/{item_id}"),
        ("/healthz", "/healthz"),
    ],
)
def test_an_upstream_paths_template_takes_its_ids_out(path: str, template: str) -> None:
    assert url_template(path) == template


class _Collector:
    """An OTLP/HTTP trace receiver: each export request decoded as the protocol defines it."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/v1/traces", self._export, methods=["POST"])])

    async def _export(self, request: Request) -> Response:
        body = await request.body()
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        assert request.headers["content-type"] == "application/x-protobuf"
        with self._lock:
            self.requests.append(ExportTraceServiceRequest.FromString(body))
        return Response(b"", media_type="application/x-protobuf")

    def spans(self) -> Iterator[tuple[dict[str, str], Any]]:
        """Each span received, with its resource's attributes."""
        for exported in self.requests:
            for resource_spans in exported.resource_spans:
                resource = {kv.key: kv.value.string_value for kv in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        yield resource, span


def test_gateway_serve_sends_its_spans_over_otlp_and_the_last_ones_as_it_stops(tmp_path: Path) -> None:
    """Batches are sent a minute apart here: only the stop's flush can have sent them."""
    collector = _Collector()
    with serve(collector.app) as collector_url:
        environment = {
            "GATEWAY_TRACING": "true",
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector_url,
            "OTEL_BSP_SCHEDULE_DELAY": "60000",
        }
        printed: list[str] = []
        database = str(tmp_path / "db.sqlite3")
        with gateway_process("serve", "--database", database, env=environment, output=printed) as url:
            graphql = GraphQLClient(httpx.AsyncClient(base_url=url))

            async def run() -> httpx.Response:
                async with graphql.http:
                    conversation_id = await _conversation(graphql)
                    return await _read(graphql, conversation_id, traceparent=f"00-{TRACE_ID}-{PARENT_ID}-01")

            answer = asyncio.run(run())
            assert "errors" not in answer.json()
        spans = list(collector.spans())
    assert f"Traces: OTLP/HTTP to {collector_url}/v1/traces (sampler parentbased_always_on)\n" in printed[0]
    assert {resource["service.name"] for resource, _ in spans} == {DEFAULT_SERVICE_NAME}
    assert {span.trace_id.hex() for _, span in spans} == {TRACE_ID}
    names = sorted(span.name for _, span in spans)
    assert names == ["GET /conversations/{conversation_id}", "GET /conversations/{conversation_id}/items", "query Read"]
    (server,) = [span for _, span in spans if span.name == "query Read"]
    assert server.parent_span_id.hex() == PARENT_ID
    assert {span.parent_span_id for _, span in spans if span.name.startswith("GET")} == {server.span_id}


def test_the_sdks_warnings_of_what_a_client_sent_are_shortened_and_at_most_ten_a_second() -> None:
    """OpenTelemetry's baggage propagator warns of an oversized header with the header whole, once
    per request: a client's own text, as much as it likes, in the operator's log."""
    now = [100.0]
    lines = cli._LibraryLines(clock=lambda: now[0])
    header = ",".join(f"k{number}=v{number}" for number in range(3000))

    def record() -> logging.LogRecord:
        return logging.makeLogRecord({"msg": "Baggage header `%s` exceeded the maximum", "args": (header,)})

    passed = [made for made in (record() for _ in range(25)) if lines.filter(made)]
    assert len(passed) == 10
    assert all(len(made.getMessage()) <= lines.longest + 1 for made in passed)  # and the ellipsis
    assert passed[0].getMessage().startswith("Baggage header `k0=v0,k1=v1,")
    assert passed[0].getMessage().endswith("v2999` exceeded the maximum")
    now[0] += 1
    assert lines.filter(record())


def test_gateway_serve_writes_the_sdks_warnings_shortened_and_prefixed(tmp_path: Path) -> None:
    header = ",".join(f"k{number}=v{number}" for number in range(3000))
    environment = {"GATEWAY_TRACING": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
    printed: list[str] = []
    database = str(tmp_path / "db.sqlite3")
    with gateway_process("serve", "--database", database, env=environment, output=printed) as url:
        answer = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, headers={"baggage": header})
        assert answer.json() == {"data": {"__typename": "Query"}}
    (warned,) = [line for line in printed[0].splitlines() if "Baggage header" in line]
    assert warned.startswith("OpenTelemetry: Baggage header `k0=v0,")
    assert len(warned) < 400
