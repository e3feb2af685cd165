"""The `/graphql` endpoint: Strawberry's ASGI view, per-request context, GraphQL over HTTP.

Beyond Strawberry's stock view it follows the GraphQL-over-HTTP specification's
`application/graphql-response+json` rules: a client that accepts that media type gets it, and a
request that fails before execution (it does not parse, does not validate, or its variables do
not fit) is answered 400 with no `data` entry. Clients that only accept `application/json` keep
the legacy behaviour (200).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import posixpath
import re
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
import strawberry
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import DocumentNode, GraphQLError, OperationType, get_operation_ast
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.types import ExecutionResult

from gateway.abandon import ABANDONMENT, CONNECTION_LOST, Abandonment
from gateway.embedded.app import NO_STORE, bearer_key, not_bearer
from gateway.embedded.demo import WEATHER
from gateway.jsoncodec import PARSED_NESTING, dumps, loads, parse_too_deep
from gateway.loaders import Loaders
from gateway.negotiation import content_codings, qualities
from gateway.persisted import PersistedDocuments, PersistedQueries, requested_hash, sha256_hex
from gateway.quoting import quoted, shorten_quoted
from gateway.schema import GatewayContext
from gateway.schema.context import client_identity, random_request_id
from gateway.schema.oplog import OperationObserver, log_refusal
from gateway.schema.pages import read_item_page
from gateway.upstream import UpstreamClient
from gateway.upstream.client import ORGANIZATION_HEADER, PROJECT_HEADER

if TYPE_CHECKING:  # OpenTelemetry is imported only when tracing is on
    from gateway.tracing import Tracing

logger = logging.getLogger("gateway.overload")

__all__ = [
    "EXAMPLE_QUERY",
    "GRAPHIQL_ASSETS",
    "GRAPHQL_RESPONSE",
    "REQUEST_ID_HEADER",
    "GatewayGraphQL",
    "GraphQLResponseMedia",
    "prefers_graphql_response",
]

GRAPHQL_RESPONSE = "application/graphql-response+json"
REQUEST_ID_HEADER = "X-Request-Id"
"""Every answer carries one; a client's own (letters, digits, `._-`, up to 64) is kept."""
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
GRAPHQL_PATH = "/graphql"
"""Where the GraphQL endpoint (and the GraphiQL page) is served."""
GRAPHIQL_ASSETS = "/static/graphiql"
"""Where the GraphiQL page's scripts and styles are served from (the gateway itself)."""
_ASSETS_FROM_PAGE = posixpath.relpath(GRAPHIQL_ASSETS, posixpath.dirname(GRAPHQL_PATH)) + "/"
"""The same place as the page names it: relative to the page, so that it holds wherever the
gateway's paths are served from. Behind a proxy that serves it under a prefix of its own
(`/gw/graphql` forwarded as `/graphql`), an absolute `/static/graphiql/...` missed the prefix and
the page stayed blank."""

_CDN = "https://unpkg.com/"
_STRAWBERRY_TITLE = "<title>Strawberry GraphiQL</title>"
_IDE_TITLE = "GraphiQL · Conversations gateway"
"""The GraphiQL page's title: the browser tab says what it is connected to, not what built it."""
_DEFAULT_HEADERS = "const defaultHeaders = {};"
"""Where Strawberry's page starts the headers of each request GraphiQL sends. The gateway's page
names GraphiQL there as the client (`apollographql-client-name`, and its version), so that the
operation log tells a person exploring from a frontend; a header of the same name in GraphiQL's
Headers tab wins."""
_GRAPHIQL_VERSION = re.compile(r"unpkg\.com/graphiql@([0-9][\w.-]*)/")
_EDITS_FED_BACK = ("setQuery(newQuery);", "setVariables(newVariables);", "setHeaders(newHeaders);")
"""Statements of Strawberry's page that hand each edit GraphiQL reports back to it as a prop.
GraphiQL sets an editor to its prop, in an effect after the next paint, when the two differ: a
key typed between the paint and the effect had the editor set back and forward, the cursor at the
start, and the rest of the typing went in at the front (2 of 3 tries with Chromium's CPU slowed
tenfold). Without them the props keep their first values, which GraphiQL opens with; the page
still writes each edit into its URL."""
EXAMPLE_QUERY = """# The gateway over the Conversations API. Press the play button (Ctrl-Enter) to run this
# query; "make serve" writes the demo conversations it reads into an empty database.
# The Docs pane (top left) describes every type and field; the Explorer builds queries.
# To use your own key, set it in the Headers tab below: {"Authorization": "Bearer sk-..."}

query DemoConversation {
  conversation(id: "conv_demo_weather") {
    conversationId
    createdAt
    metadata { key value }
    items(last: 10) {
      pageInfo { hasPreviousPage startCursor }
      nodes {
        __typename
        ... on Message {
          role
          content {
            ... on InputTextContent { text }
            ... on OutputTextContent { text }
          }
        }
        ... on Reasoning { summary { text } }
        ... on FunctionCall { name arguments callId }
        ... on FunctionCallOutput { callId output }
      }
    }
  }
}
"""


def _offline_graphiql(page: str, example_conversation: str = WEATHER) -> str:
    """Strawberry's GraphiQL page with its CDN files served by the gateway, our example query (over
    ``example_conversation``) and title, GraphiQL named as the client of its requests (see
    `_DEFAULT_HEADERS`), and its editors no longer fed their own edits back (see `_EDITS_FED_BACK`).

    The `integrity` attributes stay: the browser checks the served files against them.
    """
    example = EXAMPLE_QUERY.replace(f'"{WEATHER}"', orjson.dumps(example_conversation).decode())
    if page.count(_CDN) != 7:
        msg = "Strawberry's GraphiQL page changed: update gateway/static/graphiql to the files it names"
        raise RuntimeError(msg)
    if "`" in example or "${" in example or "\\" in example:
        msg = "EXAMPLE_QUERY goes into a JavaScript template literal: no backticks, no ${, no backslash"
        raise RuntimeError(msg)
    if page.count(_STRAWBERRY_TITLE) != 1:
        msg = "Strawberry's GraphiQL page changed: its <title> is not where the gateway names itself"
        raise RuntimeError(msg)
    version = _GRAPHIQL_VERSION.search(page)
    if page.count(_DEFAULT_HEADERS) != 1 or version is None:
        msg = "Strawberry's GraphiQL page changed: it no longer starts its requests' headers as the gateway expects"
        raise RuntimeError(msg)
    named = orjson.dumps({"apollographql-client-name": "graphiql", "apollographql-client-version": version[1]})
    page = page.replace(_DEFAULT_HEADERS, f"const defaultHeaders = {named.decode()};")
    for statement in _EDITS_FED_BACK:
        if page.count(statement) != 1:
            msg = f"Strawberry's GraphiQL page changed: it no longer has {statement!r} once"
            raise RuntimeError(msg)
        page = page.replace(statement, "")
    start = page.index("const EXAMPLE_QUERY = `") + len("const EXAMPLE_QUERY = `")
    end = page.index("`;", start)
    page = page[:start] + example + page[end:]
    return page.replace(_STRAWBERRY_TITLE, f"<title>{_IDE_TITLE}</title>").replace(_CDN, _ASSETS_FROM_PAGE)


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _page_headers(page: str) -> dict[str, str]:
    """The GraphiQL page's security headers: it runs only its own scripts (its files, and its
    inline script by hash), talks only to the gateway, and cannot be framed.

    The page keeps the key a user gives it (its Headers tab, persisted in the browser): framed by
    another site, a click there could have run an operation with it (clickjacking), and nothing
    kept a script injected into it from sending the key elsewhere. Styles may be inline, as
    GraphiQL and CodeMirror set them so; images and fonts may be `data:` URLs (the page's icon)."""
    scripts = _INLINE_SCRIPT.findall(page)
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'" for script in scripts
    )
    policy = (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def prefers_graphql_response(accept: str | None) -> bool:
    """Whether the `Accept` header asks for `application/graphql-response+json` over `application/json`."""
    listed = qualities(accept or "")
    wanted = listed.get(GRAPHQL_RESPONSE, 0.0)
    return wanted > 0 and wanted >= listed.get("application/json", 0.0)


def _result_failed_before_execution(result: ExecutionResult) -> bool:
    """The operation did not run: it did not parse or validate, or the gateway's limits refused it."""
    return result.data is None and bool(result.errors) and all(error.path is None for error in result.errors or ())


def _persisted_query_not_found() -> GraphQLError:
    """The error on which Apollo Client and urql send the hash again with its document."""
    return GraphQLError(PERSISTED_QUERY_NOT_FOUND, extensions={"code": "PERSISTED_QUERY_NOT_FOUND"})


_NOT_TO_BE_CACHED = "private, no-cache, must-revalidate"
"""The `Cache-Control` of an answer that says a document is unknown: the gateway may know it on the
next request (the client sends it; a restart with a newer manifest), and no cache may keep the refusal."""


@dataclass
class _DocumentRequest(GraphQLRequestData):
    """A persisted document request of the GraphQL-over-HTTP specification's appendix: a document
    named by its id (`documentId`) instead of sent as `query`."""

    document_id: str = ""


def _document_request(
    document_id: object, query: object, variables: object, name: object, extensions: object
) -> _DocumentRequest:
    """The persisted document request of these members, or an `HTTPException` (400) saying what is wrong."""
    if not isinstance(document_id, str) or not document_id:
        raise HTTPException(400, "The `documentId` must be a persisted document's id: a string, not empty.")
    if query is not None:
        raise HTTPException(
            400, "Send a document's text in `query` or its id in `documentId`, not both: the gateway runs one document."
        )
    if isinstance(extensions, dict) and "persistedQuery" in extensions:
        raise HTTPException(
            400, "Name the document by `documentId` or by a persisted query's hash in `extensions`, not both."
        )
    if not isinstance(variables, dict | None) or not isinstance(extensions, dict | None):
        raise HTTPException(400, "The `variables` and `extensions` of a GraphQL request must be JSON objects.")
    if not isinstance(name, str | None):
        raise HTTPException(400, "The `operationName` of a GraphQL request must be a string.")
    # The appendix: an empty operation name is one left out.
    return _DocumentRequest(None, variables, name or None, extensions, document_id=document_id)


def _failed_before_execution(body: Any) -> bool:
    """No execution happened: errors, no data, and no error located in the response."""
    return (
        isinstance(body, dict)
        and bool(body.get("errors"))
        and body.get("data") is None
        and all("path" not in error for error in body["errors"])
    )


_MEMBERS_IN_ORDER = ("query", "variables", "operationName", "extensions")
_DOCUMENT_ID = "documentId"
_MEMBERS = frozenset((*_MEMBERS_IN_ORDER, _DOCUMENT_ID))
_SHORT_METHODS = frozenset({"GET", "POST"})


def _asks_a_stream(request: Request) -> bool:
    """Whether the client accepts a stream transport (multipart or server-sent events)."""
    accept = request.headers.get("accept", "")
    return "multipart" in accept or "event-stream" in accept


def _streams(view: GraphQL[Any, Any]) -> bool:
    """Whether Strawberry's ``view`` answers some requests with a stream: only if one of its
    protocols is a stream transport's (multipart subscriptions, server-sent events). Otherwise it
    answers a client that accepts a stream (urql's `Accept` lists `multipart/mixed` and
    `text/event-stream`) as any other, with one JSON answer."""
    return any(protocol in view.stream_transport_classes_by_protocol for protocol in view.protocols)


class GatewayGraphQL(GraphQL[GatewayContext, None]):
    """Each request gets its own loaders and upstream session, carrying its own key."""

    def __init__(
        self,
        schema: strawberry.Schema,
        upstream: Callable[[], UpstreamClient],
        *,
        graphiql: bool = True,
        persisted: PersistedQueries | None = None,
        documents: PersistedDocuments | None = None,
        documents_only: bool = False,
        metrics: OperationObserver | None = None,
        tracing: Tracing | None = None,
        example: Callable[[], str] | None = None,
    ) -> None:
        """``example`` gives the conversation GraphiQL's example query reads (the demo's copy that
        the server's key can see); None reads the usual demo conversation."""
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)
        self._upstream = upstream
        self._example = example
        self._ide_pages: dict[str, tuple[str, dict[str, str]]] = {}
        """The GraphiQL page and its headers, by the conversation its example query reads."""
        if graphiql:
            self._ide_page(WEATHER)  # Strawberry's page is checked as the app is made
        self.persisted = persisted
        """The documents kept by hash (automatic persisted queries); None refuses a hash alone
        with `PersistedQueryNotSupported` (or, with `documents_only`, `PERSISTED_QUERY_NOT_IN_LIST`)."""
        self.documents = documents
        """The manifest's documents (`GATEWAY_PERSISTED_DOCUMENTS`), found by id or by hash."""
        self.documents_only = documents_only
        """Whether the manifest's documents are the only ones that run (a safelist)."""
        self.metrics = metrics
        """What counts each operation besides its log line (`GATEWAY_METRICS`)."""
        self.tracing = tracing
        """What traces each operation and its upstream calls (`GATEWAY_TRACING`)."""
        self._streams = _streams(self)
        """Whether a request that accepts a stream must go to Strawberry's view (it never does
        with the gateway's protocols: no subscriptions)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serves the request (:meth:`_serve`); a query whose client goes away meanwhile is stopped
        (:mod:`gateway.abandon`), and the request ends quietly."""
        on_lost = (scope.get("extensions") or {}).get(CONNECTION_LOST) if scope["type"] == "http" else None
        task = asyncio.current_task()
        if on_lost is None or task is None:  # another server, or a WebSocket
            await self._serve(scope, receive, send)
            return
        abandonment = Abandonment(task)
        scope[ABANDONMENT] = abandonment
        on_lost.add(abandonment)
        try:
            await self._serve(scope, receive, send)
        except asyncio.CancelledError:
            if not abandonment.absorbs():
                raise
        finally:
            on_lost.discard(abandonment)
            # The server keeps the scope until the connection's next request: through the
            # abandonment it would keep this request's loaders, and every item they fetched.
            del scope[ABANDONMENT]

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A POST of a JSON GraphQL request (:meth:`_plain`), or a GET of a query in its URL
        (:meth:`_plain_get`), goes the short way; the rest to Strawberry."""
        if scope["type"] != "http" or scope["method"] not in _SHORT_METHODS:
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        try:
            response = await self._short(request)
        except HTTPException as error:  # as Strawberry's view answers it
            response = PlainTextResponse(error.reason, status_code=error.status_code)
        await response(scope, receive, send)

    async def _short(self, request: Request) -> Response:
        """What Strawberry's view answers a POST or a GET, by a shorter way for a plain request.

        Strawberry's view finds out what kind of request it has (a WebSocket? which content type,
        parsed by the standard library's e-mail parser? a stream transport asked for? a streamed or
        incremental result, by `isinstance` against protocols?) on every request: about 4% of the
        gateway's CPU for a conversation with 20 items. A POST whose body is a JSON object with
        the usual members, or a GET with a `query` (or a persisted query's hash) and only the
        usual other parameters, can only be one thing: it is executed and answered as the view
        would, through the same hooks. That holds for a client that accepts a stream too (urql
        lists `multipart/mixed` and `text/event-stream`), as the gateway's view streams nothing
        (:func:`_streams`). Anything else, a malformed request included, goes to the view (a
        POST's body already read). urql sends its queries by GET (when the URL is short enough),
        as Apollo Client does with `useGETForQueries`, and its mutations by POST.
        """
        data = await self._plain(request) if request.method == "POST" else self._plain_get(request)
        if data is None:
            return await self.run(request)
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        result = await self.execute_single(
            request=request,
            request_adapter=self.request_adapter_class(request),
            sub_response=sub_response,
            context=context,
            root_value=None,  # as get_root_value gives
            request_data=data,
        )
        response_data = await self.process_result(request=request, result=result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data=response_data, sub_response=sub_response)

    async def _plain(self, request: Request) -> GraphQLRequestData | None:
        """The request's data if it is a plain JSON GraphQL request, else None (for the view).

        A body that is JSON but neither an object nor a list is refused here (400): the view would fail on it.
        """
        headers = request.headers
        if headers.get("content-type", "").partition(";")[0].strip() != "application/json":
            return None
        if self._streams and _asks_a_stream(request):
            return None
        try:
            body = self.decode_json(await request.body())
        except ValueError:  # invalid JSON (orjson's error is a ValueError): the view reports it
            return None
        if not isinstance(body, dict | list):
            # Strawberry's view would fail on it (it calls `.get` on the body): a 500.
            raise HTTPException(400, 'The request body must be a JSON object, such as {"query": "{ __typename }"}.')
        if not isinstance(body, dict) or not body.keys() <= _MEMBERS:
            return None
        query, variables, name, extensions = (body.get(member) for member in _MEMBERS_IN_ORDER)
        if _DOCUMENT_ID in body:
            return _document_request(body[_DOCUMENT_ID], query, variables, name, extensions)
        if (
            (isinstance(query, str) or (query is None and isinstance(extensions, dict)))  # or a hash alone
            and isinstance(variables, dict | None)
            and isinstance(name, str | None)
            and isinstance(extensions, dict | None)
        ):
            return GraphQLRequestData(query=query, variables=variables, operation_name=name, extensions=extensions)
        return None

    async def execute_single(  # noqa: PLR0917  (Strawberry's signature)
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: GatewayContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Runs the request; one with a persisted query's hash as :mod:`gateway.persisted` says (or,
        with no documents kept by hash, a hash alone is refused as a server without persisted
        queries refuses it, :data:`PERSISTED_QUERY_NOT_SUPPORTED`); one with a `documentId`, the
        document of that id. With `documents_only`, a document that is not the manifest's is refused."""
        if isinstance(request_data, _DocumentRequest):
            context.document_from = _DOCUMENT_ID
            return await self._persisted_document(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        extensions = request_data.extensions
        if isinstance(extensions, dict) and "persistedQuery" in extensions:
            if not request_data.query:
                context.document_from = "persistedQuery"
            return await self._persisted_query(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        query = request_data.query
        if self.documents_only and isinstance(query, str) and not self._trusts(query):
            return _refused(sub_response, context, request_data, _not_in_safelist())
        return await super().execute_single(request, request_adapter, sub_response, context, root_value, request_data)

    def _trusts(self, query: str) -> bool:
        return self.documents is not None and self.documents.trusts(query)

    def document_by_id(self, document_id: str) -> str | None:
        """The document of ``document_id``: the manifest's, or (by its `sha256:` id) one kept by hash."""
        if self.documents is not None:
            found = self.documents.get(document_id)
            if found is not None:
                return found
        if self.persisted is not None and document_id.startswith("sha256:"):
            return self.persisted.get(document_id.removeprefix("sha256:").lower())
        return None

    def document_by_hash(self, persisted_query: object) -> str | None:
        """The document a persisted query's extension names (the manifest's first, by its id or the
        hash of its text; then the one kept under the hash), or None; an `HTTPException` (400) for
        an extension of the wrong shape when documents are kept by hash."""
        if self.documents is not None and isinstance(persisted_query, dict):
            named = persisted_query.get("sha256Hash")
            found = self.documents.get_by_hash(named) if isinstance(named, str) and named else None
            if found is not None:
                return found
        if self.persisted is None:
            return None
        return self.persisted.get(requested_hash(persisted_query))

    def get_document(self, params: Mapping[str, str]) -> str | None:
        """The document a GET's parameters would run: its `query` (with `documents_only`, only if it
        is the manifest's: another is refused before the view parses it), or the document it names by
        `documentId` or by a persisted query's hash in `extensions`, if the gateway has it (the view
        reports what is wrong with a parameter or an id)."""
        query = params.get("query")
        if query:
            return query if not self.documents_only or self._trusts(query) else None
        document_id = params.get(_DOCUMENT_ID)
        if document_id:
            return self.document_by_id(document_id)
        extensions = params.get("extensions")
        if not extensions or (self.persisted is None and self.documents is None):
            return None
        try:
            return self.document_by_hash(loads(extensions)["persistedQuery"])
        except (ValueError, TypeError, KeyError, HTTPException):  # orjson's error is a ValueError
            return None

    async def _persisted_document(  # noqa: PLR0917  (execute_single's arguments)
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: GatewayContext,
        root_value: None,
        request_data: _DocumentRequest,
    ) -> ExecutionResult:
        """A persisted document request: the document of its id run, or `PERSISTED_DOCUMENT_NOT_FOUND`."""
        document = self.document_by_id(request_data.document_id)
        if document is None:
            return _refused(sub_response, context, request_data, self._document_not_found(request_data.document_id))
        run = _with_document(request_data, document)
        return await super().execute_single(request, request_adapter, sub_response, context, root_value, run)

    def _document_not_found(self, document_id: str) -> GraphQLError:
        said = f"No persisted document has the id {quoted(document_id)}"
        if self.documents is not None:
            said += (
                ": it is not in the gateway's manifest (GATEWAY_PERSISTED_DOCUMENTS). Restart the gateway "
                "with a manifest generated from the client's operations"
            )
            if not self.documents_only:
                said += ", or send the document's text in `query`"
        elif self.persisted is not None:
            said += (
                ": without a manifest, the gateway knows only the documents it has kept for automatic "
                "persisted queries, by `sha256:` and the SHA-256 of their text. Send the document's text in `query`"
            )
        else:
            said += ": the gateway keeps no documents. Send the document's text in `query`"
        return GraphQLError(f"{said}.", extensions={"code": "PERSISTED_DOCUMENT_NOT_FOUND"})

    async def _persisted_query(  # noqa: PLR0917  (execute_single's arguments)
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: GatewayContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """A request with a persisted query's hash: the document kept under it run, or
        `PersistedQueryNotFound`; or its document, checked against it, run, then kept under it.
        The manifest's documents are found by their ids and hashes first."""
        persisted = self.persisted
        query = request_data.query
        named = (request_data.extensions or {})["persistedQuery"]
        if not query:
            document = self.document_by_hash(named)
            if document is not None:
                run = _with_document(request_data, document)
                return await super().execute_single(request, request_adapter, sub_response, context, root_value, run)
        if self.documents_only:
            return await self._safelisted_query(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        if persisted is None:
            if not query:
                raise HTTPException(400, PERSISTED_QUERY_NOT_SUPPORTED)
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        if not query:  # no document under the hash: the client sends it next, and then this request finds it
            return _refused(sub_response, context, request_data, _persisted_query_not_found())
        digest = requested_hash(named)
        if sha256_hex(query) != digest:
            raise HTTPException(400, _HASH_NOT_THE_DOCUMENTS)
        result = await super().execute_single(request, request_adapter, sub_response, context, root_value, request_data)
        if not _result_failed_before_execution(result):  # a document that parses and validates
            persisted.keep(digest, query)
        return result

    async def _safelisted_query(  # noqa: PLR0917  (execute_single's arguments)
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: GatewayContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """A persisted query's hash that no document of a safelist has: `PERSISTED_QUERY_NOT_IN_LIST`
        (nothing is kept by hash); or its document, checked against it, run if it is the manifest's."""
        named = (request_data.extensions or {})["persistedQuery"]
        query = request_data.query
        if not query:
            # The manifest's ids need not be SHA-256 hashes (Apollo's may be anything): any id is
            # one the manifest lacks.
            given = named.get("sha256Hash") if isinstance(named, dict) else None
            if not isinstance(given, str) or not given:
                requested_hash(named)  # raises, saying what the extension lacks
            return _refused(sub_response, context, request_data, _not_in_list(str(given)))
        if sha256_hex(query) != requested_hash(named):
            raise HTTPException(400, _HASH_NOT_THE_DOCUMENTS)
        if not self._trusts(query):
            return _refused(sub_response, context, request_data, _not_in_safelist())
        return await super().execute_single(request, request_adapter, sub_response, context, root_value, request_data)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """GraphiQL's page for a browser's GET, not for a GET that carries a GraphQL request's
        `extensions` (a persisted query's hash, sent without its document) or a `documentId`."""
        params = request.query_params
        return super().should_render_graphql_ide(request) and "extensions" not in params and _DOCUMENT_ID not in params

    def _plain_get(self, request: Request) -> GraphQLRequestData | None:
        """A GET's request data if it is a plain query in the URL, else None (for the view). Its
        parameters are read as the view reads them (:meth:`parse_query_params`, whose refusals
        are the view's)."""
        params = request.query_params
        if not ("query" in params or "extensions" in params or _DOCUMENT_ID in params) or not params.keys() <= _MEMBERS:
            return None
        if self._streams and _asks_a_stream(request):
            return None
        parsed = self._query_params(params)
        query, variables, name, extensions = (parsed.get(member) for member in _MEMBERS_IN_ORDER)
        if _DOCUMENT_ID in parsed:
            return _document_request(parsed[_DOCUMENT_ID], query, variables, name, extensions)
        if isinstance(variables, dict | None) and isinstance(extensions, dict | None):
            return GraphQLRequestData(query=query, variables=variables, operation_name=name, extensions=extensions)
        return None

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        """A GET's parameters for Strawberry's view (:meth:`_query_params`). A `documentId` among
        them is refused: a persisted document request the short path did not take has a parameter
        too many, or one of the wrong type (Strawberry would look for a `query`)."""
        parsed = self._query_params(params)
        if _DOCUMENT_ID in parsed:
            raise HTTPException(400, _DOCUMENT_REQUEST_SHAPE)
        return parsed

    def parse_json(self, data: str | bytes) -> object:
        """A POST's body for Strawberry's view; a `documentId` in it is refused, as in :meth:`parse_query_params`."""
        body = super().parse_json(data)
        if isinstance(body, dict) and _DOCUMENT_ID in body:
            raise HTTPException(400, _DOCUMENT_REQUEST_SHAPE)
        return body

    def _query_params(self, params: Any) -> dict[str, Any]:
        """A GET's parameters, read as Strawberry's view reads them, but an invalid `variables` or
        `extensions` parameter is named as such (Strawberry's message speaks of a request body)."""
        parsed = dict(params)
        for name in ("variables", "extensions"):
            value = parsed.get(name)
            if value:
                try:
                    parsed[name] = self.decode_json(value)
                except ValueError as error:  # orjson's error is a ValueError
                    raise HTTPException(400, f"The `{name}` query parameter is not valid JSON.") from error
        return parsed

    def decode_json(self, data: str | bytes) -> object:
        """The request body: standard JSON only (`NaN` and `Infinity` are refused, as invalid JSON)."""
        try:
            return loads(data)
        except orjson.JSONDecodeError as error:
            if parse_too_deep(error):
                msg = (
                    f"The JSON sent nests objects and arrays more than {PARSED_NESTING} levels deep; "
                    f"the gateway reads up to {PARSED_NESTING}."
                )
                raise HTTPException(400, msg) from None
            raise

    def encode_json(self, data: object) -> bytes:
        """The response body, written by orjson (several times faster than the standard library)."""
        return dumps(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        page, headers = self._ide_page(WEATHER if self._example is None else self._example())
        return HTMLResponse(page, headers=headers)

    def _ide_page(self, example_conversation: str) -> tuple[str, dict[str, str]]:
        """The GraphiQL page whose example reads ``example_conversation``, and its headers (its
        policy holds the hash of its inline script, which holds the query)."""
        made = self._ide_pages.get(example_conversation)
        if made is None:
            page = _offline_graphiql(self.graphql_ide_html, example_conversation)
            made = self._ide_pages[example_conversation] = page, _page_headers(page)
        return made

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> GatewayContext:
        headers = request.headers
        given = headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _REQUEST_ID.fullmatch(given) else random_request_id()
        authorization = headers.get("authorization")
        key = bearer_key(authorization)
        session = self._upstream().session(
            key,
            not_bearer=not_bearer(authorization, key),
            organization=headers.get(ORGANIZATION_HEADER, "").strip() or None,
            project=headers.get(PROJECT_HEADER, "").strip() or None,
            request_id=request_id,
        )
        context = GatewayContext(loaders=Loaders(session, read_item_page), request_id=request_id, metrics=self.metrics)
        context.client_name, context.client_version = client_identity(request.scope["headers"])
        abandonment: Abandonment | None = request.scope.get(ABANDONMENT)
        if abandonment is not None:
            abandonment.stop_fetches = context.loaders.stop_fetches
            context.abandonment = abandonment
        if isinstance(response, Response):
            answer_headers = response.headers
            answer_headers[REQUEST_ID_HEADER] = context.request_id
            answer_headers.raw.append(NO_STORE)  # `_refused` makes it `_NOT_TO_BE_CACHED`, as Apollo's
        if self.documents is not None and not self.documents_only:
            context.manifest = self.documents
        if self.tracing is not None:
            context.tracing = self.tracing
            context.trace_parent = self.tracing.parent(request.headers)
        return context


def _with_content_type(scope: Scope, content_type: str) -> Scope:
    """``scope`` with its `Content-Type` header replaced by ``content_type``."""
    headers = [(name, value) for name, value in scope["headers"] if name.lower() != b"content-type"]
    return {**scope, "headers": [*headers, (b"content-type", content_type.encode("latin-1"))]}


def _is_mutation_over_get(
    request: Request,
    parse_query: Callable[[str], DocumentNode],
    get_document: Callable[[Mapping[str, str]], str | None] | None,
) -> bool:
    if request.method != "GET":
        return False
    params = request.query_params
    query = params.get("query") if get_document is None else get_document(params)
    if not query:
        return False
    try:
        document = parse_query(query)
    except GraphQLError:
        return False  # the view reports the syntax error, or the token limit
    operation = get_operation_ast(document, request.query_params.get("operationName"))
    return operation is not None and operation.operation == OperationType.MUTATION


def _with_document(request_data: GraphQLRequestData, document: str) -> GraphQLRequestData:
    """``request_data`` with ``document`` to run, found by the id or hash it named."""
    return GraphQLRequestData(
        document, request_data.variables, request_data.operation_name, request_data.extensions, request_data.protocol
    )


def _refused(
    sub_response: Response, context: GatewayContext, request_data: GraphQLRequestData, error: GraphQLError
) -> ExecutionResult:
    """An operation refused before it runs, for a document the gateway does not have or does not
    run: nothing ran, and no cache may keep the answer (:data:`_NOT_TO_BE_CACHED`). The operation
    log has a line for it, as for an operation that ran."""
    sub_response.headers["cache-control"] = _NOT_TO_BE_CACHED
    operation_name = request_data.operation_name if isinstance(request_data.operation_name, str) else None
    code = str((error.extensions or {})["code"])
    session = context.loaders.session
    log_refusal(
        context.request_id,
        operation_name,
        code,
        context.metrics,
        context.document_from,
        session=session,
        client=context,
    )
    return ExecutionResult(data=None, errors=[error])


def _not_in_safelist() -> GraphQLError:
    return GraphQLError(
        "The gateway runs only the documents of its manifest (GATEWAY_PERSISTED_DOCUMENTS_ONLY), and this "
        "document is not one of them: send one of the manifest's documents (spacing, comments and the order of "
        "its definitions may differ, not its fields), or its id (`documentId`). A new operation needs a new "
        "manifest, generated from the client's operations.",
        extensions={"code": "QUERY_NOT_IN_SAFELIST"},
    )


def _not_in_list(digest: str) -> GraphQLError:
    return GraphQLError(
        f"The persisted query's hash {quoted(digest)} names no document of the gateway's manifest, and the "
        "gateway runs only those (GATEWAY_PERSISTED_DOCUMENTS_ONLY): the client's operation is not in the "
        "manifest the gateway was started with.",
        extensions={"code": "PERSISTED_QUERY_NOT_IN_LIST"},
    )


_HASH_NOT_THE_DOCUMENTS = (
    "The persisted query's `sha256Hash` is not the SHA-256 of the document sent with it: hash the "
    "document's exact text (as UTF-8), or send the document without a hash."
)
_DOCUMENT_REQUEST_SHAPE = (
    "A persisted document request has a `documentId` (a string) and may have `operationName` (a string), "
    "`variables` and `extensions` (JSON objects), and nothing else."
)


_OVERLOADED_RETRY_AFTER = 1
"""Seconds an overloaded gateway asks a client to wait (the `Retry-After` header and `retryAfter`)."""
_OVERLOAD_WARNING_SECONDS = 1.0
"""The least time between two warnings about refused requests (one worker's)."""


class _BodyTooLarge(Exception):
    """The request body passed the limit while it was being read (or decompressed)."""


_ALLOWED_METHODS = frozenset({"GET", "HEAD", "POST"})
PERSISTED_QUERY_NOT_SUPPORTED = "PersistedQueryNotSupported"
"""The message (and, as `PERSISTED_QUERY_NOT_SUPPORTED`, the code) of the error that answers a
request sending a persisted query's hash without its document (Apollo's automatic persisted
queries) when the gateway keeps no documents by hash (`GATEWAY_PERSISTED_QUERIES=false`). Apollo
Client and urql know this message: they send the document again, and hash no more. Any other
answer (Strawberry's "No GraphQL query found in the request") reached the application as an error,
every time: Apollo Client 4 and urql retry only on this message or code."""

PERSISTED_QUERY_NOT_FOUND = "PersistedQueryNotFound"
"""The message (and, as `PERSISTED_QUERY_NOT_FOUND`, the code) of the error that answers a persisted
query's hash sent alone when the gateway keeps no document under it; the client sends it again
with the document. As any request that does not run, status 200 for `application/json`, 400 for
`application/graphql-response+json`."""

_REFUSAL_CODES = {PERSISTED_QUERY_NOT_SUPPORTED: "PERSISTED_QUERY_NOT_SUPPORTED"}
"""The codes of refusals other than `BAD_REQUEST`, by their message."""

_CLEARER_REFUSALS = {
    "No GraphQL query found in the request": (
        "The request has no GraphQL document: send it as the `query` member of a JSON body (POST), or as "
        "the `query` parameter (GET)."
    ),
    "Batching is not enabled": (
        "The request body is a JSON array, a batch of operations; the gateway runs one operation per request: "
        "send each one in its own request, as a JSON object with a `query` member."
    ),
}
"""Strawberry's plain-text refusals that do not say what to do instead, reworded."""
_READ_CODINGS = {"gzip": 31, "x-gzip": 31, "deflate": 15}
"""The request body codings the gateway reads, with zlib's `wbits` for each (HTTP's `deflate` is
the zlib format)."""
MAX_BODY_CODINGS = 4
"""The most codings a request body's `Content-Encoding` may list. Each layer is decompressed whole,
so the work grows with the square of their number: 10,000 layers of gzip's stored blocks (330 KB)
took 0.46 s of CPU to unwrap, with the event loop held. Clients compress once."""


def _decompressed(body: bytes, coding: str, limit: int) -> bytes:
    """``body`` decoded from ``coding``, or :class:`_BodyTooLarge` as soon as it passes ``limit``
    bytes (a few KB of gzip can hold gigabytes), or ValueError if it is not that coding's data.
    Members of a gzip stream written one after another are read one after another."""
    pieces: list[bytes] = []
    size = 0
    remaining = body
    while True:
        decoder = zlib.decompressobj(_READ_CODINGS[coding])
        try:
            piece = decoder.decompress(remaining, limit - size + 1)
        except zlib.error as error:
            raise ValueError(str(error)) from None
        size += len(piece)
        if size > limit:
            raise _BodyTooLarge
        if not decoder.eof:
            raise ValueError("it ends early")
        pieces.append(piece)
        remaining = decoder.unused_data
        if not remaining:
            return b"".join(pieces)
        if coding == "deflate":
            raise ValueError("more bytes follow its end")


async def _whole_body(receive: Receive) -> bytes | None:
    """The whole request body from ``receive`` (None if the client disconnected meanwhile)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _read_body(receive: Receive) -> Receive | None:
    """Read the whole request body from ``receive``; a ``receive`` that gives it again, in one
    message, and then whatever comes next (None if the client disconnected meanwhile)."""
    body = await _whole_body(receive)
    return None if body is None else _replaying(body, receive)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` in one message, then whatever ``receive`` gives next."""
    whole: Message | None = {"type": "http.request", "body": body, "more_body": False}

    async def replay() -> Message:
        nonlocal whole
        if whole is None:
            return await receive()
        message, whole = whole, None
        return message

    return replay


class GraphQLResponseMedia:
    """ASGI middleware for the GraphQL-over-HTTP rules Strawberry's view does not follow by itself.

    * A body over `max_body_bytes` is refused with 413, `REQUEST_TOO_LARGE`, before it is read.
    * A body sent with `Content-Encoding: gzip` or `deflate` is decompressed, bounded by the same
      limit; another coding is refused with 415, a body that is not what its header says with 400.
    * A method other than GET, HEAD and POST is refused with 405, as a GraphQL error.
    * A WebSocket handshake (a GET with `Upgrade: websocket`) is refused with 400, saying that the
      gateway serves no WebSocket.
    * A POST whose body is not JSON by its `Content-Type` (none, `text/plain`, a form,
      `application/graphql`, ...) is refused with 415, `UNSUPPORTED_MEDIA_TYPE`, saying what to
      send; Strawberry answered 400, "Unsupported content type". Media types are read without
      regard to case, as RFC 9110 has them (Strawberry refused `Application/JSON`).
    * With `max_concurrent` requests already under way, one more is refused with 503,
      `OVERLOADED` and `Retry-After` as soon as its body has arrived: past what the worker can
      serve, requests would otherwise queue, every one of them slower, and hold their memory
      meanwhile. Counting from the body's arrival, a client slow to send one holds no place.
    * A mutation sent with GET is refused with 405 (`Allow: POST`), by its document, or by the id
      or hash of a persisted document.
    * A request Strawberry refuses with a plain-text 4xx (a body that is not JSON, an unknown
      operation name, ...) gets a GraphQL error body instead, `extensions.code` `BAD_REQUEST`.
    * A client that prefers `application/graphql-response+json` gets that content type, and a
      request that failed before execution gets status 400 and no `data` entry.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = 1024 * 1024,
        max_concurrent: int | None = None,
        parse_query: Callable[[str], DocumentNode],
        get_document: Callable[[Mapping[str, str]], str | None] | None = None,
        on_overload: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.parse_query = parse_query
        """How a GET's query is parsed to find a mutation: as the schema's operations are
        (:meth:`~gateway.schema.hooks.OperationHooks.document`, with the token limit, into the
        cache the operation then reads). Unbounded, a 64 KB query of 32,000 tokens took 0.6 s."""
        self.get_document = get_document
        """The document a GET would run (:meth:`GatewayGraphQL.get_document`): a GET of a
        mutation's id or hash is a mutation over GET too."""
        self.on_overload = on_overload
        """Called for each request refused for overload (the metrics' count)."""
        self.max_body_bytes = max_body_bytes
        self.max_concurrent = max_concurrent
        self.under_way = 0
        """Requests this middleware is running now (those refused at once are not counted)."""
        self._refused = 0
        """Requests refused since the last warning about them."""
        self._warned_at = -_OVERLOAD_WARNING_SECONDS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        graphql_response = prefers_graphql_response(request.headers.get("accept"))
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(send, graphql_response)
            return
        if request.method not in _ALLOWED_METHODS:
            error = {
                "message": f"{request.method} is not a method of the GraphQL endpoint: send queries with GET or POST, "
                "mutations with POST.",
                "extensions": {"code": "METHOD_NOT_ALLOWED"},
            }
            await self._respond(send, 405, {"errors": [error]}, graphql_response, [(b"allow", b"GET, HEAD, POST")])
            return
        if request.method != "POST" and "websocket" in request.headers.get("upgrade", "").lower():
            # A GraphQL-over-WebSocket client (graphql-ws, Apollo's and urql's subscription links)
            # answered as plain HTTP got GraphiQL's page with 200, and reported "Unexpected server
            # response: 200" with nothing in the log to say why.
            error = {
                "message": "The gateway serves GraphQL over HTTP only, not over WebSocket: its schema has no "
                "subscriptions. Send queries and mutations with POST, or queries with GET, without `Upgrade`.",
                "extensions": {"code": "BAD_REQUEST"},
            }
            await self._respond(send, 400, {"errors": [error]}, graphql_response, [])
            return
        receive = self._counted(receive)
        if request.method == "POST":  # a GET's body is not read
            posted = await self._posted(scope, receive, send, request, graphql_response)
            if posted is None:
                return
            scope, receive = posted
        if _is_mutation_over_get(request, self.parse_query, self.get_document):
            error = {
                "message": "Mutations cannot be sent with GET; send them with POST.",
                "extensions": {"code": "METHOD_NOT_ALLOWED"},
            }
            await self._respond(send, 405, {"errors": [error]}, graphql_response, [(b"allow", b"POST")])
            return
        if self.max_concurrent is not None:
            # A request counts once its body has arrived: a client slow to send one holds no place.
            try:
                read = await _read_body(receive)
            except _BodyTooLarge:
                await self._too_large(send, graphql_response)
                return
            if read is None:  # the client went away
                return
            receive = read
            if self.under_way >= self.max_concurrent:
                await self._overloaded(send, graphql_response)
                return
        self.under_way += 1
        try:
            await self._run(scope, receive, send, graphql_response)
        finally:
            self.under_way -= 1

    async def _run(self, scope: Scope, receive: Receive, send: Send, graphql_response: bool) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if self._rewrites(message, graphql_response):
                    start = message
                else:
                    await send(message)
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._rewrite(start, b"".join(chunks), graphql_response, send)

        try:
            await self.app(scope, receive, hold)
        except _BodyTooLarge:
            await self._too_large(send, graphql_response)

    async def _decoded(
        self, scope: Scope, receive: Receive, send: Send, codings: list[str], graphql_response: bool
    ) -> tuple[Scope, Receive] | None:
        """The request with its body decompressed (gzip or deflate, up to `MAX_BODY_CODINGS` layers) and
        its headers saying so, or None once the request has been answered: 415 for a coding the
        gateway does not read, 413 past the body limit (compressed or not), 400 for a body that
        is not what its header says."""
        unread = [coding for coding in codings if coding not in _READ_CODINGS]
        if unread:
            error = {
                "message": f"The request body's Content-Encoding '{unread[0]}' is not one the gateway reads: "
                "send the body with gzip, deflate or no Content-Encoding.",
                "extensions": {"code": "UNSUPPORTED_MEDIA_TYPE"},
            }
            await self._respond(
                send, 415, {"errors": [error]}, graphql_response, [(b"accept-encoding", b"gzip, deflate")]
            )
            return None
        if len(codings) > MAX_BODY_CODINGS:
            error = {
                "message": f"The request body's Content-Encoding lists {len(codings):,} codings; the gateway "
                f"reads at most {MAX_BODY_CODINGS}: compress the body once.",
                "extensions": {"code": "UNSUPPORTED_MEDIA_TYPE", "limit": MAX_BODY_CODINGS},
            }
            await self._respond(send, 415, {"errors": [error]}, graphql_response, [])
            return None
        try:
            body = await _whole_body(receive)
        except _BodyTooLarge:
            await self._too_large(send, graphql_response)
            return None
        if body is None:  # the client went away
            return None
        try:
            for coding in reversed(codings):
                body = _decompressed(body, coding, self.max_body_bytes)
        except _BodyTooLarge:
            await self._too_large(send, graphql_response)
            return None
        except ValueError as problem:
            error = {
                "message": f"The request body is not the {coding} data its Content-Encoding announces: {problem}.",
                "extensions": {"code": "BAD_REQUEST"},
            }
            await self._respond(send, 400, {"errors": [error]}, graphql_response, [])
            return None
        headers = [
            (name, value) for name, value in scope["headers"] if name not in (b"content-encoding", b"content-length")
        ]
        headers.append((b"content-length", str(len(body)).encode()))
        return {**scope, "headers": headers}, _replaying(body, receive)

    def _counted(self, receive: Receive) -> Receive:
        """A body sent without a length is cut off, unread, once it passes the limit."""
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge
            return message

        return counted

    def _note_refusal(self) -> None:
        """A warning for the operator, at most one a second: a refusal after a quiet second is
        logged at once, with the count of those refused since the previous warning."""
        self._refused += 1
        now = time.monotonic()
        if now - self._warned_at >= _OVERLOAD_WARNING_SECONDS:
            logger.warning(
                "overloaded: refused %d request%s since the last such line, with %d under way, "
                "the most GATEWAY_MAX_CONCURRENT_REQUESTS allows",
                self._refused,
                "" if self._refused == 1 else "s",
                self.under_way,
            )
            self._refused = 0
            self._warned_at = now

    async def _overloaded(self, send: Send, graphql_response: bool) -> None:
        self._note_refusal()
        if self.on_overload is not None:
            self.on_overload()
        error = {
            "message": (
                f"The gateway is running {self.max_concurrent} request{'' if self.max_concurrent == 1 else 's'}, "
                f"the most it runs at once; try again in {_OVERLOADED_RETRY_AFTER} second."
            ),
            "extensions": {
                "code": "OVERLOADED",
                "limit": self.max_concurrent,
                "retryAfter": _OVERLOADED_RETRY_AFTER,
            },
        }
        retry_after = [(b"retry-after", str(_OVERLOADED_RETRY_AFTER).encode())]
        await self._respond(send, 503, {"errors": [error]}, graphql_response, retry_after)

    async def _posted(
        self, scope: Scope, receive: Receive, send: Send, request: Request, graphql_response: bool
    ) -> tuple[Scope, Receive] | None:
        """A POST as the view reads it: its `Content-Type` in lower case (for Strawberry's view), its
        body decompressed (:meth:`_decoded`); or None once it has been refused."""
        media_type, _, parameters = request.headers.get("content-type", "").partition(";")
        media_type = media_type.strip()
        if media_type != "application/json":  # as nearly every client sends it
            lowered = media_type.lower()
            if "application/json" not in lowered:  # what Strawberry's view reads as JSON
                await self._unsupported_media_type(send, media_type, graphql_response)
                return None
            scope = _with_content_type(scope, f"{lowered};{parameters}" if parameters else lowered)
        codings = content_codings(request.headers.get("content-encoding"))
        if codings:
            return await self._decoded(scope, receive, send, codings, graphql_response)
        return scope, receive

    async def _unsupported_media_type(self, send: Send, media_type: str, graphql_response: bool) -> None:
        said = f"has the Content-Type {quoted(media_type)}" if media_type else "has no Content-Type"
        error = {
            "message": f"The request {said}; the gateway reads a POST's body as JSON: send it with "
            '`Content-Type: application/json`, as a JSON object such as {"query": "{ __typename }"} '
            "(with `variables` and `operationName` if you like).",
            "extensions": {"code": "UNSUPPORTED_MEDIA_TYPE"},
        }
        await self._respond(send, 415, {"errors": [error]}, graphql_response, [])

    async def _too_large(self, send: Send, graphql_response: bool) -> None:
        error = {
            "message": f"The request body is larger than {self.max_body_bytes} bytes.",
            "extensions": {"code": "REQUEST_TOO_LARGE", "limit": self.max_body_bytes},
        }
        await self._respond(send, 413, {"errors": [error]}, graphql_response, [])

    @staticmethod
    def _content_type(start: Message) -> bytes:
        content_type: bytes = dict(start["headers"]).get(b"content-type", b"")
        return content_type

    def _rewrites(self, start: Message, graphql_response: bool) -> bool:
        content_type = self._content_type(start)
        plain_error = start["status"] >= 400 and content_type.startswith(b"text/plain")
        return plain_error or (graphql_response and content_type.startswith(b"application/json"))

    async def _rewrite(self, start: Message, body: bytes, graphql_response: bool, send: Send) -> None:
        status = start["status"]
        if self._content_type(start).startswith(b"text/plain"):
            message = body.decode(errors="replace").strip() or "Bad request."
            # Strawberry names an unknown `operationName` whole.
            message = shorten_quoted(_CLEARER_REFUSALS.get(message, message))
            code = _REFUSAL_CODES.get(message, "BAD_REQUEST")
            decoded: Any = {"errors": [{"message": message, "extensions": {"code": code}}]}
        else:
            decoded = orjson.loads(body)
        if graphql_response and _failed_before_execution(decoded):
            decoded.pop("data", None)
            status = 400
        kept = [
            (name, value)
            for name, value in start["headers"]
            if name.lower() not in {b"content-type", b"content-length"}
        ]
        await self._respond(send, status, decoded, graphql_response, kept)

    @staticmethod
    async def _respond(
        send: Send, status: int, body: Any, graphql_response: bool, headers: list[tuple[bytes, bytes]]
    ) -> None:
        encoded = orjson.dumps(body)
        media_type = GRAPHQL_RESPONSE if graphql_response else "application/json"
        headers = [*headers, (b"content-type", media_type.encode()), (b"content-length", str(len(encoded)).encode())]
        if all(name != NO_STORE[0] for name, _ in headers):  # an answer rewritten keeps its own
            headers.append(NO_STORE)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": encoded})
