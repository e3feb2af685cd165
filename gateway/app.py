"""The gateway's ASGI application: ``create_app(settings)``.

``/graphql`` serves the GraphQL API over the upstream. With no ``upstream_url`` the built-in
Conversations API is that upstream: it is mounted at ``/v1`` for REST clients, and the gateway
calls it in-process through httpx's ASGI transport (no socket, the same HTTP semantics).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from gateway.compression import ResponseCompression
from gateway.disconnect import QuietDisconnects
from gateway.embedded import ConversationStore, create_embedded_api
from gateway.embedded.app import JSONResponse, http_error, tenant_of
from gateway.embedded.demo import WEATHER, seed_demo
from gateway.embedded.latency import InjectedLatency
from gateway.graphql_view import (
    GRAPHIQL_ASSETS,
    GRAPHQL_PATH,
    REQUEST_ID_HEADER,
    GatewayGraphQL,
    GraphQLResponseMedia,
)
from gateway.head import HeadAsGet
from gateway.persisted import PersistedQueries, load_persisted_documents
from gateway.prefix import PathPrefix, route_path
from gateway.quoting import quoted
from gateway.schema import GatewaySchema, Limits, build_schema
from gateway.settings import Settings
from gateway.upstream import (
    CircuitBreaker,
    Credentials,
    RetryPolicy,
    UpstreamClient,
    UpstreamError,
    UpstreamForbidden,
    UpstreamNotFound,
    UpstreamUnauthenticated,
)

if TYPE_CHECKING:  # OpenTelemetry is imported only when tracing is on
    from opentelemetry.sdk.trace.export import SpanExporter

    from gateway.tracing import Tracing

__all__ = [
    "BUILT_IN_UPSTREAM",
    "YOUNG_COLLECTION_THRESHOLD",
    "TransportWrapper",
    "api_from_environment",
    "app_from_environment",
    "create_api_app",
    "create_app",
    "long_lived",
]

BUILT_IN_UPSTREAM = "http://built-in.invalid/"
"""The base URL the gateway uses for the built-in API; requests to it never leave the process."""

TransportWrapper = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]
logger = logging.getLogger("gateway")


_STATIC = Path(__file__).resolve().parent / "static"
_PROBE_ID = "conv_readiness_probe"


class _PinnedFiles(StaticFiles):
    """GraphiQL's files. Each one's path names its package's version and the page pins its bytes
    with an `integrity` hash (a new version is a new folder), so a browser may keep them a year
    without asking again, as the CDN they come from lets it: the page opens without 304 rounds."""

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = "public, max-age=31536000, immutable"
        return response


async def _healthz(request: Request) -> Response:
    """The process is alive."""
    return JSONResponse({"status": "ok"})


async def _to_graphiql(request: Request) -> Response:
    """The server's address opened in a browser: GraphiQL is at `/graphql`. The redirect names it
    relative to `/` (`graphql`), so that it holds behind a proxy serving the gateway under a
    prefix of its own (`/gw/` leads to `/gw/graphql`; an absolute `/graphql` missed the prefix)."""
    return RedirectResponse(GRAPHQL_PATH.removeprefix("/"), status_code=307)


def _without_trailing_slash(request: Request) -> str | None:
    """Where a path with a slash too many (`/graphql/`) is served, relative to it (`../graphql`,
    with the query), when one of the gateway's routes serves it; None otherwise.

    Starlette's own redirect named the whole address (`http://host/graphql`), built from the
    request as the gateway received it: behind a proxy serving the gateway under a prefix, it lost
    the prefix, and with it the page. Two slashes or more are no route's and stay a 404."""
    path: str = request.scope["path"]
    if not path.endswith("/") or path.endswith("//"):
        return None
    slashless = {**request.scope, "path": path[:-1]}
    if not any(
        isinstance(route, Route) and route.matches(slashless)[0] is not Match.NONE for route in request.app.routes
    ):
        return None
    query = request.url.query
    return f"../{quote(path[:-1].rpartition('/')[2])}" + (f"?{query}" if query else "")


def _readyz(runtime: _Runtime) -> Callable[[Request], Awaitable[Response]]:
    async def readyz(request: Request) -> Response:
        """The upstream answers, and accepts the configured key: reading a conversation that does
        not exist must give 404 (any other answer says what is wrong)."""
        try:
            await runtime.upstream().session(None).get_conversation(_PROBE_ID)
        except UpstreamNotFound:
            return JSONResponse({"status": "ready"})
        except (UpstreamUnauthenticated, UpstreamForbidden):
            settings = runtime.settings
            reason = "the upstream refused the configured key" + (
                ", or the organization or project set with it" if settings.organization or settings.project else ""
            )
        except UpstreamError as error:
            reason = f"the upstream is not usable: {error}"
        else:
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)

    return readyz


def _built_in(settings: Settings) -> tuple[ConversationStore, Starlette]:
    """The built-in API and its store (not yet open), as both `serve` and `serve-api` run it."""
    store = ConversationStore(settings.database)
    api = create_embedded_api(store, api_keys=settings.api_keys or None, max_body_bytes=settings.max_body_bytes)
    return store, api


class _Runtime:
    """What the lifespan opens and closes: the store and the one upstream client of the process."""

    def __init__(self, settings: Settings, wrap: TransportWrapper | None, tracing: Tracing | None = None) -> None:
        self.settings = settings
        self.wrap = wrap
        self.tracing = tracing
        self.store: ConversationStore | None = None
        self.embedded: Starlette | None = None
        self._upstream: UpstreamClient | None = None
        self.example_conversation = WEATHER
        """The demo conversation GraphiQL's example query reads: the copy the server's key sees."""
        self._transport: Callable[[], httpx.AsyncBaseTransport]
        """Makes the transport to the upstream, once per lifespan."""
        if settings.upstream_url is None:
            self.store, embedded = _built_in(settings)
            self.embedded = embedded
            self._transport = functools.partial(httpx.ASGITransport, app=embedded, raise_app_exceptions=False)
        else:
            # aiohttp, a tenth of a second of start-up, only for a networked upstream; imported
            # here, not at the first request, so that a server process freezes it with the rest.
            from gateway.upstream.transport import UpstreamTransport  # noqa: PLC0415

            self._transport = functools.partial(
                UpstreamTransport,
                max_connections=settings.upstream_connections,
                keepalive_expiry=settings.upstream_keepalive,
                max_answer_bytes=settings.upstream_max_answer_bytes,
            )

    def upstream(self) -> UpstreamClient:
        if self._upstream is None:
            msg = "the gateway's lifespan has not started; run the app under an ASGI server"
            raise RuntimeError(msg)
        return self._upstream

    def _upstream_client(self) -> UpstreamClient:
        settings = self.settings
        transport = self._transport()
        if self.wrap is not None:
            transport = self.wrap(transport)
        return UpstreamClient(
            transport,
            base_url=settings.upstream_url or BUILT_IN_UPSTREAM,
            timeout=httpx.Timeout(settings.upstream_read_timeout, connect=settings.upstream_connect_timeout),
            server=Credentials(settings.api_key, settings.organization, settings.project),
            retry=RetryPolicy(attempts=settings.upstream_attempts),
            concurrency=settings.upstream_concurrency,
            operation_timeout=settings.operation_timeout,
            retry_budget=settings.retry_budget,
            breaker=CircuitBreaker(settings.circuit_breaker_failures, settings.circuit_breaker_seconds),
            max_answer_bytes=settings.upstream_max_answer_bytes,
            bytes_budget=settings.upstream_bytes_budget,
            tracing=self.tracing,
        )

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        if self.store is not None:
            await self.store.open()
            if self.settings.demo:
                ids, written = await seed_demo(self.store, tenant_of(self.settings.api_key))
                self.example_conversation = ids[0]
                if written:
                    logger.info("wrote the demo conversations %s", ", ".join(ids))
        try:
            async with contextlib.aclosing(self._upstream_client()) as upstream:
                self._upstream = upstream
                yield
        finally:
            self._upstream = None
            if self.store is not None:
                await self.store.close()
            if self.tracing is not None:
                # The spans still waiting are sent; a thread, as the exporter's requests block.
                await asyncio.to_thread(self.tracing.shutdown)


def schema_for(settings: Settings) -> GatewaySchema:
    """The schema the gateway serves with these settings: their limits, and introspection or not."""
    limits = Limits(
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        upstream_budget=settings.upstream_budget,
        max_selections=settings.max_selections,
        max_validation_work=settings.max_validation_work,
        max_answer_bytes=settings.max_answer_bytes,
    )
    return build_schema(limits, introspection=settings.introspection)


def create_app(
    settings: Settings,
    *,
    upstream_transport: TransportWrapper | None = None,
    span_exporter: SpanExporter | None = None,
) -> Starlette:
    """The gateway: ``/graphql`` (GraphiQL in a browser), ``/healthz``, ``/readyz`` and, without an
    upstream URL, the built-in API at ``/v1``.

    ``upstream_transport`` wraps the transport the gateway reaches its upstream with: tests count
    or fault the upstream's requests through it. ``span_exporter``, with tracing on, takes each
    span as it ends, instead of OTLP's batches (tests read them).
    """
    tracing = None
    if settings.tracing:
        from gateway.tracing import Tracing  # noqa: PLC0415  (OpenTelemetry only when asked for)

        tracing = Tracing(span_exporter, batch=span_exporter is None)
    runtime = _Runtime(settings, upstream_transport, tracing)
    schema = schema_for(settings)
    documents = load_persisted_documents(*settings.persisted_documents) if settings.persisted_documents else None
    only = settings.persisted_documents_only
    # A safelist keeps no documents at run time: clients could add to it.
    persisted = PersistedQueries() if settings.persisted_queries and not only else None
    metrics = None
    if settings.metrics:
        from gateway.metrics import Metrics  # noqa: PLC0415  (prometheus_client only when asked for)

        metrics = Metrics(settings.prometheus_multiproc_dir)
    graphql = GatewayGraphQL(
        schema,
        runtime.upstream,
        graphiql=settings.introspection,
        persisted=persisted,
        documents=documents,
        documents_only=only,
        metrics=metrics,
        tracing=tracing,
        example=lambda: runtime.example_conversation,
    )
    routes: list[BaseRoute] = [
        Route("/healthz", _healthz),
        Route("/readyz", _readyz(runtime)),
        Route(
            GRAPHQL_PATH,
            GraphQLResponseMedia(
                graphql,
                max_body_bytes=settings.max_request_bytes,
                max_concurrent=settings.max_concurrent_requests,
                parse_query=schema.hooks.document,
                get_document=graphql.get_document,
                on_overload=None if metrics is None else metrics.overloaded,
            ),
            methods=None,  # the middleware answers other methods with 405 in GraphQL's error shape
        ),
        Mount(GRAPHIQL_ASSETS, app=_PinnedFiles(directory=_STATIC / "graphiql")),
    ]
    if metrics is not None:
        routes.append(Route("/metrics", metrics.endpoint, methods=["GET"]))
    if settings.introspection:  # GraphiQL is served
        routes.append(Route("/", _to_graphiql, methods=["GET"]))
    if runtime.embedded is not None:
        routes.append(Mount("/v1", app=runtime.embedded))
    middleware = []
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=sorted(settings.cors_origins),
                allow_methods=["GET", "POST"],
                # Any header the page's client sends (Apollo Client's `apollographql-client-name`,
                # a request id of its own, ...): the origins are the bound, as in the `cors`
                # package Apollo Server and GraphQL Yoga use. The answer's request id is readable.
                allow_headers=["*"],
                expose_headers=[REQUEST_ID_HEADER],
                max_age=600,
            )
        )
    if settings.compress_responses:
        middleware.append(Middleware(ResponseCompression))
    middleware.insert(0, Middleware(HeadAsGet))
    middleware.insert(0, Middleware(QuietDisconnects))
    if settings.path_prefix:
        middleware.insert(0, Middleware(PathPrefix, prefix=settings.path_prefix))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=runtime.lifespan,
        exception_handlers=_path_errors(introspection=settings.introspection, api_mounted=runtime.embedded is not None),
    )
    app.router.redirect_slashes = False  # the 404 redirects, relative to the path (`_without_trailing_slash`)
    return app


def _path_errors(
    *, introspection: bool, api_mounted: bool
) -> dict[Any, Callable[[Request, Exception], Awaitable[Response]]]:
    """The outer app's answers to a path it does not serve (404) and to a method a path does not
    take (405), in GraphQL's error shape, where Starlette answered in plain text: the 404 says what
    the gateway serves (a client set up with `/graphq` saw nothing more).

    A path under `/v1`, where the built-in API is mounted, is answered in OpenAI's shape, as the
    API answers its own: Starlette's mount does not match every path the API would (a path holding
    a newline, `%0A`, reaches no mount), and a client of the API reads OpenAI's errors."""
    served = f"GraphQL at {GRAPHQL_PATH}" + (" (GraphiQL there in a browser)" if introspection else "")
    if api_mounted:
        served += " and the built-in Conversations API at /v1"

    async def answer(request: Request, exc: Exception) -> Response:
        path = request.url.path
        routed = route_path(request.scope)  # the path without a proxy's prefix (gateway/prefix.py)
        if api_mounted and (routed == "/v1" or routed.startswith("/v1/")):
            return await http_error(request, exc)
        if getattr(exc, "status_code", None) == 405:
            return _not_allowed(request, exc)
        relocated = _without_trailing_slash(request)
        if relocated is not None:
            return RedirectResponse(relocated, status_code=307)
        message = f"There is nothing at {quoted(path)}: this gateway serves {served}."
        return JSONResponse({"errors": [{"message": message, "extensions": {"code": "NOT_FOUND"}}]}, status_code=404)

    return {404: answer, 405: answer}


def _not_allowed(request: Request, exc: Exception) -> Response:
    """A 405 naming the methods the path takes, its `Allow` header kept (sorted: Starlette's comes from a set)."""
    given = (getattr(exc, "headers", None) or {}).get("Allow", "GET")
    allowed = ", ".join(sorted(method.strip() for method in given.split(",")))
    message = f"{request.method} is not allowed at {quoted(request.url.path)}: use {allowed}."
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "METHOD_NOT_ALLOWED"}}]},
        status_code=405,
        headers={"Allow": allowed},
    )


def create_api_app(settings: Settings) -> Starlette:
    """The built-in REST API alone (``gateway serve-api``): ``/v1`` and ``/healthz``."""
    store, api = _built_in(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await store.open()
        try:
            yield
        finally:
            await store.close()

    # Every path it does not serve is answered in OpenAI's shape, as OpenAI answers its own.
    app = Starlette(
        routes=[Route("/healthz", _healthz), Mount("/v1", app=api)],
        lifespan=lifespan,
        exception_handlers={404: http_error, 405: http_error},
    )
    if settings.compress_responses:
        app.add_middleware(ResponseCompression)
    if settings.bench_latency_ms:
        app.add_middleware(InjectedLatency, milliseconds=settings.bench_latency_ms)
    app.add_middleware(HeadAsGet)
    app.add_middleware(QuietDisconnects)
    return app


YOUNG_COLLECTION_THRESHOLD = 50_000
"""Tracked objects allocated (less those freed) between two collections of the youngest generation."""


def long_lived(app: Starlette) -> Starlette:
    """``app`` for a server process, whose objects built so far stay out of the cycle collector's way.

    Those objects (the imported modules, the schema, the models' validators: about 95,000) live as
    long as the process. Left in the collector's generations, each full collection scanned them all
    again, 45 ms every couple of hundred requests: 0.3 ms of CPU per operation a, a sixth of it.
    ``gc.freeze()`` moves them to a generation the collector never scans.

    A request's objects are freed by reference counting when it ends (they make no cycles), but
    Python's default collects the youngest generation every 700 allocations: it scanned the
    objects of the requests in flight again and again, and moved them to older generations to be
    scanned there too. Collecting it every 50,000 leaves them alone: measured in-process with
    `gc.callbacks`, 16 requests at a time, the collector's time per operation a went from 0.10-0.24
    ms to none and per operation b (250 items) from 2.1-5.4 ms to 0.15-0.19 ms, its longest pause
    from 22 ms to 11 (at 64 at a time: b 6.5 ms to 0.55, the longest pause 109 ms to 38). Tests,
    which build many apps in one process, do not call this.
    """
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
    return app


def app_from_environment() -> Starlette:
    """`gateway serve --workers N`: each worker process builds the app from the GATEWAY_* variables."""
    return long_lived(create_app(Settings()))


def api_from_environment() -> Starlette:
    """`gateway serve-api --workers N`: the same for the built-in API alone."""
    return long_lived(create_api_app(Settings()))
