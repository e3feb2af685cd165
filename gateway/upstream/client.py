"""The Conversations API client: one async method per REST endpoint of the contract.

:class:`UpstreamClient` is process-wide: it holds the one shared httpx transport (and with it the
connection pool; owned by the app's lifespan) and the configuration. It sends ``httpx.Request``s
straight to the transport: the gateway needs none of ``httpx.AsyncClient``'s cookies, auth flows,
redirects or URL merging, which cost about as much CPU per call as the transport itself.

Each GraphQL request gets an :class:`UpstreamSession` from the client, carrying that request's
key (with the OpenAI organization and project it acts in), its concurrency bound and its count of
upstream calls; nothing in a session outlives its request or is shared with another.

Reads (GET) are retried with jittered exponential backoff on 429, 5xx, timeouts and lost
connections, honouring ``Retry-After``, within the operation's deadline and retry budget; writes
are never retried, since the upstream's writes are not idempotent. A session refuses calls past
its budget and past its deadline (cancelling the call under way, so nothing outlives the
operation). The process-wide :class:`CircuitBreaker` stops calling an upstream that failed
several times in a row, for a while, so that requests fail fast instead of piling up.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlencode

import httpx
from pydantic import TypeAdapter, ValidationError

from gateway.jsoncodec import ANSWER_NESTING, dumps
from gateway.quoting import quoted, shortened
from gateway.rest import MAX_URL_BYTES, Conversation, ConversationDeleted, ConversationItem, ConversationItemList
from gateway.upstream.budget import ANSWER_BYTES, COUNTED, AnswerBytes, byte_size, count_answer
from gateway.upstream.errors import (
    CircuitOpen,
    MalformedKey,
    NotBearer,
    OperationDeadline,
    ScopeWithoutKey,
    UpstreamAnswerTooLarge,
    UpstreamBadRequest,
    UpstreamBudgetExhausted,
    UpstreamError,
    UpstreamInvalidResponse,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamServerError,
    UpstreamStatusError,
    UpstreamTimeout,
    UpstreamUnavailable,
    UpstreamUnexpectedStatus,
    error_for_status,
    error_for_transport,
)
from gateway.upstream.reading import LATEST_CHARACTERS, READING, Tally

if TYPE_CHECKING:  # OpenTelemetry is imported only when tracing is on
    from gateway.tracing import Tracing

__all__ = [
    "CLIENT_REQUEST_ID_HEADER",
    "ORGANIZATION_HEADER",
    "PROJECT_HEADER",
    "CircuitBreaker",
    "Credentials",
    "RetryPolicy",
    "UpstreamClient",
    "UpstreamSession",
]

T = TypeVar("T")
P = TypeVar("P")

USER_AGENT = f"conversations-graphql-gateway/{metadata.version('gateway')}"
"""Names the gateway and its release to the upstream (OpenAI's logs keep it, as they keep its SDKs')."""

logger = logging.getLogger("gateway.upstream")

_CONVERSATION: TypeAdapter[Conversation] = TypeAdapter(Conversation)
_DELETED: TypeAdapter[ConversationDeleted] = TypeAdapter(ConversationDeleted)
_ITEM: TypeAdapter[ConversationItem] = TypeAdapter(ConversationItem)
_ITEM_LIST: TypeAdapter[ConversationItemList] = TypeAdapter(ConversationItemList)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How reads are retried. ``attempts`` counts the first try."""

    attempts: int = 3
    base_delay: float = 0.1
    max_delay: float = 2.0
    max_retry_after: float = 5.0
    """A longer ``Retry-After`` is not waited for: the rate-limit error goes to the client."""

    def delay(self, attempt: int, error: UpstreamError) -> float | None:
        """Seconds to wait before try ``attempt + 1``, or None to give up now."""
        if attempt >= self.attempts or not error.retryable:
            return None
        if isinstance(error, UpstreamRateLimited) and error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_retry_after else None
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not cryptography


class CircuitBreaker:
    """Opens after ``failures`` upstream failures in a row, for ``seconds``; one success closes it.

    Only the upstream's own failures count (5xx, timeouts, lost connections, garbled answers),
    not a client's bad request or key, nor an answer too long to read (what was asked for is
    large). After the pause, calls go through again; the next failure opens it at once, as the
    count is still at the threshold.

    It also tells the operator, on the `gateway.upstream` logger: each failure that counts, at most
    a line a second (the count since the last line, and the latest one's call and cause, as the
    transport or the upstream said it), and each opening. A client's error names no host and no
    cause beyond its kind; without these lines an upstream that failed left nothing but
    `UPSTREAM_UNAVAILABLE` in the operations' log.
    """

    def __init__(self, failures: int = 5, seconds: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = failures
        self.seconds = seconds
        self._clock = clock
        self._in_a_row = 0
        self._open_until = 0.0
        self._failed = Tally("upstream calls failed", clock)
        self._latest = ""
        """The latest failure, as a client may read it (no host, no key)."""

    def check(self) -> None:
        wait = self._open_until - self._clock()
        if wait > 0:
            message = (
                f"The upstream failed {self._in_a_row} times in a row; the gateway stops calling it for "
                f"{wait:.1f} more seconds. The latest failure: {self._latest}"
            )
            raise CircuitOpen(message)

    def record(self, error: UpstreamError | None, cause: str | None = None) -> None:
        """A call's outcome: None for an answer, else its error, and ``cause``, which says the
        call and what went wrong in full, for the log."""
        if error is None:
            self._in_a_row = 0
            return
        counts = isinstance(
            error,
            UpstreamServerError
            | UpstreamUnexpectedStatus
            | UpstreamUnavailable
            | UpstreamInvalidResponse
            | UpstreamTimeout,
        )
        if counts and not isinstance(error, OperationDeadline | CircuitOpen):
            self._in_a_row += 1
            self._latest = f"HTTP {error.status}." if isinstance(error, UpstreamStatusError) else str(error)
            said = shortened(cause or str(error), LATEST_CHARACTERS)
            self._failed.tell(said)
            if self._in_a_row >= self.failures and self.seconds > 0:  # 0 s: the breaker never opens
                self._open_until = self._clock() + self.seconds
                logger.warning(
                    "the upstream failed %d times in a row: the gateway stops calling it for %g s "
                    "(GATEWAY_CIRCUIT_BREAKER_SECONDS) and answers UPSTREAM_UNAVAILABLE meanwhile; the latest, %s",
                    self._in_a_row,
                    self.seconds,
                    said,
                )


def _transport_cause(error: httpx.TransportError) -> str:
    """What the transport said of a failed call, host and all (for the log, not the client)."""
    return f"{type(error).__name__}: {error}".removesuffix(": ")


def _status_cause(response: httpx.Response, error: UpstreamStatusError) -> str:
    """An error answer as the log tells it: its status, the upstream's message, and its request id
    (OpenAI's `x-request-id`, which its support asks for)."""
    request_id = response.headers.get("x-request-id")
    said = f"HTTP {response.status_code}: {error.message}"
    if request_id:
        said += f" (x-request-id {shortened(request_id)})"
    return said


def _segment(identifier: str) -> str:
    """``identifier`` as one path segment. An empty id, `.` or `..` would name another path (URLs
    drop dot segments), and so would an id with a `/`: servers decode `%2F` before they route
    (Starlette, uvicorn, nginx by default), and the built-in API then answered a trailing one with
    a redirect, which the gateway counted as the upstream failing. No conversation or item has such
    an id (the built-in API refuses it for an item): it is not sent."""
    if identifier in _NOT_IDS or "/" in identifier:
        message = f"No conversation or item has the id {quoted(identifier)}."
        raise UpstreamNotFound(404, message)
    return quote(identifier, safe="")


_NOT_IDS = frozenset({"", ".", ".."})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _include(include: Collection[str]) -> list[tuple[str, str]]:
    return [("include[]", value) for value in sorted(include)]


def _items_request(
    conversation_id: str, after: str | None, limit: int, order: str, include: Collection[str]
) -> tuple[str, list[tuple[str, str]]]:
    """The path and query of a page of a conversation's items."""
    params = [("limit", str(limit)), ("order", order), *_include(include)]
    if after is not None:
        params.append(("after", after))
    return f"/conversations/{_segment(conversation_id)}/items", params


def _validated(
    adapter: TypeAdapter[T], response: httpx.Response, method: str, path: str, unreadable: Tally, *, told_for: str = ""
) -> T:
    """The answer read by ``adapter``; an answer it refuses is told to ``unreadable`` (the call,
    ``told_for`` its request, and where and why pydantic refused it, not the value) and raised as
    the client reads it."""
    try:
        # An object of a known type holding a value its model does not know is read whole as
        # unknown, not lost with its answer: gateway/upstream/reading.py.
        return adapter.validate_json(response.content, context=READING)
    except ValidationError as error:
        problems = error.errors(include_url=False, include_input=False)
        where = ".".join(str(step) for step in problems[0]["loc"]) or "the answer"
        more = f" (and {len(problems) - 1:,} more)" if len(problems) > 1 else ""
        unreadable.tell(f"{method} {path}{told_for}: {where}: {problems[0]['msg']}{more}")
        answer = f"The upstream's answer to {method} {path.split('/')[1]}"  # "... GET conversations"
        if _nested_too_deep(error):
            # Complete and perhaps valid JSON: saying it is not what the API defines would mislead.
            message = (
                f"{answer} nests objects and arrays more than {ANSWER_NESTING} levels deep, "
                "deeper than the gateway reads."
            )
        else:
            message = f"{answer} is not what the API defines."
        raise UpstreamInvalidResponse(message) from error


def _too_large(method: str, path: str, limit: int) -> str:
    """What a client reads when an answer is longer than the gateway reads (``limit`` bytes)."""
    message = (
        f"The upstream's answer to {method} {path.split('/')[1]} is longer than {byte_size(limit)}, "
        "the most the gateway reads."
    )
    if method == "GET" and path.endswith("/items"):
        message += " Ask for fewer items at a time."
    return message


def _nested_too_deep(error: ValidationError) -> bool:
    """Whether pydantic refused the JSON only for nesting past :data:`ANSWER_NESTING`."""
    return any(
        problem["type"] == "json_invalid" and "recursion limit exceeded" in problem["msg"] for problem in error.errors()
    )


def _url(base: httpx.URL, path: str, query: str | None) -> httpx.URL:
    """``base`` with ``path`` and ``query``, which the client has percent-encoded itself.

    httpx would parse the whole URL again, checking it character by character in Python (about
    15 us a request). The parts the client builds are valid as they are (ids quoted with no safe
    characters, the query by ``urlencode``), so the URL is made from the base's parsed parts.
    tests/upstream/test_client_urls.py checks that it equals httpx's own parse.
    """
    url = httpx.URL.__new__(httpx.URL)
    url._uri_reference = base._uri_reference._replace(path=path, query=query)
    return url


ORGANIZATION_HEADER = "OpenAI-Organization"
PROJECT_HEADER = "OpenAI-Project"
CLIENT_REQUEST_ID_HEADER = "X-Client-Request-Id"
"""The caller's own id of a request, which OpenAI keeps in its logs for its support: each call of
an operation carries the operation's request id (at most 64 ASCII characters; OpenAI takes 512)."""


@dataclass(frozen=True)
class Credentials:
    """What a call acts as: an API key, and the OpenAI organization and project it acts in (sent
    as `OpenAI-Organization` and `OpenAI-Project`, as OpenAI's SDKs send them; either may be left
    to the key's default)."""

    key: str | None = None
    organization: str | None = None
    project: str | None = None

    def headers(self) -> dict[str, str]:
        """The request headers that say them."""
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        if self.organization:
            headers[ORGANIZATION_HEADER] = self.organization
        if self.project:
            headers[PROJECT_HEADER] = self.project
        return headers

    def malformed(self) -> str | None:
        """The header of the first value that no key, organization or project id can be (only
        printable ASCII goes in a header: a value sent as UTF-8 arrives decoded as Latin-1)."""
        for header, value in (
            ("Authorization", self.key),
            (ORGANIZATION_HEADER, self.organization),
            (PROJECT_HEADER, self.project),
        ):
            if value is not None and not (value.isascii() and value.isprintable()):
                return header
        return None


_NO_CREDENTIALS = Credentials()


class UpstreamClient:
    """The process-wide client; hand out one :meth:`session` per GraphQL request."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport,
        *,
        base_url: str,
        timeout: httpx.Timeout | None = None,
        server: Credentials | None = None,
        retry: RetryPolicy | None = None,
        concurrency: int = 16,
        operation_timeout: float | None = None,
        retry_budget: int = 10,
        breaker: CircuitBreaker | None = None,
        max_answer_bytes: int | None = None,
        bytes_budget: int | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        self.transport = transport
        self.base_url = base_url.rstrip("/") + "/"
        self._base = httpx.URL(self.base_url)
        self._host = self._base.netloc.decode("ascii")
        self._base_path = self._base.raw_path.decode("ascii")
        self.extensions = {"timeout": (timeout or httpx.Timeout(30.0)).as_dict()}
        """What every request carries for the transport: its connect, read, write and pool timeouts."""
        self.retry = retry or RetryPolicy()
        self.concurrency = concurrency
        self.operation_timeout = operation_timeout
        self.retry_budget = retry_budget
        self.breaker = breaker or CircuitBreaker()
        self.unreadable = Tally("upstream answers the gateway could not read (not what the API defines)")
        """Told of each answer the REST models refuse (gateway/upstream/reading.py shows most
        values the schema has no name for as unknown; these are the rest)."""
        self.max_answer_bytes = max_answer_bytes
        """The longest answer the client reads, decompressed; None for no bound. The network
        transport stops reading at it; :meth:`send` checks what any other transport hands over."""
        self.bytes_budget = bytes_budget
        """The most bytes of answers one session (one operation) reads, all its calls together;
        None for no bound. Counted the same way."""
        self.tracing = tracing
        """What traces each call an operation makes (`GATEWAY_TRACING`); None traces nothing."""
        self._server = server or _NO_CREDENTIALS
        """What requests that bring no key of their own act as (`GATEWAY_API_KEY`,
        `GATEWAY_ORGANIZATION`, `GATEWAY_PROJECT`)."""

    def session(
        self,
        api_key: str | None = None,
        *,
        not_bearer: bool = False,
        organization: str | None = None,
        project: str | None = None,
        request_id: str | None = None,
    ) -> UpstreamSession:
        """A session for one request: the client's own key, organization and project if it sent a
        key, else the server's. Each call carries ``request_id`` (`X-Client-Request-Id`), and the
        gateway's log lines about a call name it.

        An organization or project sent without a key is refused (:class:`ScopeWithoutKey`) when
        the server has credentials of its own, unless it is the server's own: its key acts in the
        organization and project its operator set, not in one a client picks. A server with none
        (a machine of one's own) sends them on as they came.

        ``not_bearer``: the request sent an `Authorization` header that is not `Bearer <key>`; its
        calls are refused (:class:`NotBearer`), as acting as the server would act as someone else."""
        if not_bearer:
            return UpstreamSession(self, _NO_CREDENTIALS, request_id=request_id, refused=NotBearer, key_from="client")
        if api_key or self._server == _NO_CREDENTIALS:
            credentials = Credentials(api_key or None, organization, project)
            return UpstreamSession(self, credentials, request_id=request_id, key_from="client" if api_key else None)
        server = self._server
        sent = [  # naming the server's own organization or project asks for what it does anyway
            header
            for header, value, its in (
                (ORGANIZATION_HEADER, organization, server.organization),
                (PROJECT_HEADER, project, server.project),
            )
            if value and value != its
        ]
        refused = functools.partial(ScopeWithoutKey, sent) if sent else None
        return UpstreamSession(self, server, request_id=request_id, refused=refused, key_from="server")

    def request(
        self,
        method: str,
        path: str,
        params: list[tuple[str, str]] | None,
        body: Any,
        headers: dict[str, str],
        *,
        counted: AnswerBytes | None = None,
    ) -> httpx.Request:
        full_path = self._base_path + path.lstrip("/")
        query = urlencode(params) if params else None
        length = len(full_path) + (len(query) if query else 0)
        if length > MAX_URL_BYTES:
            message = (
                f"The request's URL would be {length:,} bytes long, longer than the {MAX_URL_BYTES:,} "
                "the gateway sends: use shorter ids."
            )
            raise UpstreamBadRequest(414, message, code="url_too_long")
        url = _url(self._base, full_path, query)
        # The headers httpx would add itself (Host first, Content-Length last), set here: given a
        # stream, httpx skips its content-type lookups and body encoding, most of a request's cost.
        content = b"" if body is None else dumps(body)
        complete = {"Host": self._host, **headers}
        if body is not None:
            complete["Content-Type"] = "application/json"
        if content or method in _BODY_METHODS:
            complete["Content-Length"] = str(len(content))
        extensions = self.extensions if counted is None else {**self.extensions, ANSWER_BYTES: counted}
        request = httpx.Request(method, url, headers=complete, stream=httpx.ByteStream(content), extensions=extensions)
        request.read()
        return request

    async def send(self, request: httpx.Request) -> httpx.Response:
        """The transport's response to ``request``, its body read and the connection released."""
        response = await self.transport.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        if not response.extensions.get(COUNTED):
            # Counted here when the transport did not count it as it read (the in-process API).
            count_answer(len(response.content), self.max_answer_bytes, request.extensions.get(ANSWER_BYTES))
        return response

    async def aclose(self) -> None:
        await self.transport.aclose()


class UpstreamSession:
    """One request's access to the upstream: its key, a concurrency bound and a call count."""

    def __init__(
        self,
        client: UpstreamClient,
        credentials: Credentials,
        *,
        request_id: str | None = None,
        refused: Callable[[], UpstreamError] | None = None,
        key_from: str | None = None,
    ) -> None:
        self._client = client
        self.key_from = key_from
        """Whose key the session's calls carry: `client` (the request's own), `server` (the
        gateway's), or None (no key): the operation's log line says it, never the key."""
        self.organization = credentials.organization
        self.project = credentials.project
        """The OpenAI organization and project the calls name, if any (the log line says them)."""
        self._headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **credentials.headers()}
        if request_id:
            self._headers[CLIENT_REQUEST_ID_HEADER] = request_id
        self._for = f" (request {request_id})" if request_id else ""
        """What the log lines about a call add to the call, to tie them to the operation's line."""
        malformed = credentials.malformed()
        self._refused = refused if malformed is None else functools.partial(MalformedKey, malformed)
        """Makes the error each call raises instead of being sent, if calls are not sent (httpx
        could not send a header that is not ASCII, and no id has one)."""
        self._slots = asyncio.Semaphore(client.concurrency)
        self.calls = 0
        """Upstream requests this session has sent, retries included."""
        self.budget: int | None = None
        """The most upstream requests the session may send (set by the schema's budget check)."""
        self.retries_left = client.retry_budget
        self.answer_bytes = None if client.bytes_budget is None else AnswerBytes(client.bytes_budget)
        """What is left of the operation's budget of answer bytes, shared by its calls."""
        timeout = client.operation_timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.stopped = False
        """Whether the request was stopped (its client went away): no further call is sent."""
        self._exchanging: set[asyncio.Task[Any] | None] = set()
        """The tasks whose call is under way: sent, its answer not yet read whole."""

    @property
    def unreadable(self) -> Tally:
        """What tells the operator of answers the gateway could not read (:class:`UpstreamClient`)."""
        return self._client.unreadable

    def stop(self) -> frozenset[asyncio.Task[Any] | None]:
        """Sends no further call, and gives the tasks whose call is under way. Those are best let end:
        a call cut off in the middle leaves a connection that cannot be used again, and the next call
        pays for a new one (against OpenAI, a TLS handshake). Their answers are read and dropped:
        each such task then ends as cancelled, with no retry, its answer not validated."""
        self.stopped = True
        return frozenset(self._exchanging)

    # Conversations

    async def create_conversation(
        self, *, items: Sequence[Mapping[str, Any]] | None, metadata: Mapping[str, str] | None
    ) -> Conversation:
        body: dict[str, Any] = {"metadata": metadata}
        if items is not None:
            body["items"] = list(items)
        return await self._call("POST", "/conversations", _CONVERSATION, json=body)

    async def get_conversation(self, conversation_id: str) -> Conversation:
        return await self._call("GET", f"/conversations/{_segment(conversation_id)}", _CONVERSATION)

    async def update_conversation(self, conversation_id: str, metadata: Mapping[str, str] | None) -> Conversation:
        path = f"/conversations/{_segment(conversation_id)}"
        return await self._call("POST", path, _CONVERSATION, json={"metadata": metadata})

    async def delete_conversation(self, conversation_id: str) -> ConversationDeleted:
        return await self._call("DELETE", f"/conversations/{_segment(conversation_id)}", _DELETED)

    # Items

    async def create_items(
        self, conversation_id: str, items: Sequence[Mapping[str, Any]], include: Collection[str] = ()
    ) -> ConversationItemList:
        path = f"/conversations/{_segment(conversation_id)}/items"
        return await self._call("POST", path, _ITEM_LIST, json={"items": list(items)}, params=_include(include))

    async def list_items(
        self,
        conversation_id: str,
        *,
        after: str | None = None,
        limit: int = 20,
        order: str = "desc",
        include: Collection[str] = (),
    ) -> ConversationItemList:
        path, params = _items_request(conversation_id, after, limit, order, include)
        return await self._call("GET", path, _ITEM_LIST, params=params)

    async def list_items_read(
        self,
        read: Callable[[bytes], P | None],
        conversation_id: str,
        *,
        after: str | None = None,
        limit: int = 20,
        order: str = "desc",
        include: Collection[str] = (),
    ) -> P | ConversationItemList:
        """:meth:`list_items`, the answer first offered to ``read``: what it makes of the body, or,
        when it gives None, the page as the REST models (the same errors as :meth:`list_items`)."""
        path, params = _items_request(conversation_id, after, limit, order, include)
        response = await self._send("GET", path, params=params, json=None)
        made = read(response.content)
        return (
            made
            if made is not None
            else _validated(_ITEM_LIST, response, "GET", path, self._client.unreadable, told_for=self._for)
        )

    async def get_item(self, conversation_id: str, item_id: str, include: Collection[str] = ()) -> ConversationItem:
        path = f"/conversations/{_segment(conversation_id)}/items/{_segment(item_id)}"
        return await self._call("GET", path, _ITEM, params=_include(include))

    async def delete_item(self, conversation_id: str, item_id: str) -> Conversation:
        path = f"/conversations/{_segment(conversation_id)}/items/{_segment(item_id)}"
        return await self._call("DELETE", path, _CONVERSATION)

    # Transport

    async def _call(
        self,
        method: str,
        path: str,
        adapter: TypeAdapter[T],
        *,
        params: list[tuple[str, str]] | None = None,
        json: Any = None,
    ) -> T:
        response = await self._send(method, path, params=params, json=json)
        return _validated(adapter, response, method, path, self._client.unreadable, told_for=self._for)

    def _remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    async def _send(self, method: str, path: str, *, params: list[tuple[str, str]] | None, json: Any) -> httpx.Response:
        retry = self._client.retry
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._send_once(method, path, params=params, json=json, attempt=attempt)
            except UpstreamError as error:
                if self.stopped:
                    raise asyncio.CancelledError from None
                delay = retry.delay(attempt, error) if method == "GET" and self.retries_left > 0 else None
                remaining = self._remaining()
                if delay is None or (remaining is not None and delay >= remaining):
                    raise
            else:
                if self.stopped:
                    raise asyncio.CancelledError
                return response
            self.retries_left -= 1
            await asyncio.sleep(delay)

    async def _send_once(
        self, method: str, path: str, *, params: list[tuple[str, str]] | None, json: Any, attempt: int = 1
    ) -> httpx.Response:
        if self.stopped:
            raise asyncio.CancelledError
        if self._refused is not None:
            raise self._refused()
        if self.budget is not None and self.calls >= self.budget:
            message = f"This operation used its budget of {self.budget} upstream calls; the rest is not fetched."
            raise UpstreamBudgetExhausted(message)
        if self.answer_bytes is not None:
            self.answer_bytes.check()
        remaining = self._remaining()
        if remaining is not None and remaining <= 0:
            raise OperationDeadline("The operation ran out of time before this call.", sent=False)
        breaker = self._client.breaker
        breaker.check()
        try:
            async with asyncio.timeout(remaining), self._slots:
                request = self._client.request(method, path, params, json, self._headers, counted=self.answer_bytes)
                self.calls += 1
                response = await self._exchange(request, attempt)
        except TimeoutError:
            raise OperationDeadline("The operation ran out of time while this call was under way.", sent=True) from None
        except httpx.TransportError as transport_error:
            error = error_for_transport(transport_error)
            breaker.record(error, f"{method} {path}{self._for}: {_transport_cause(transport_error)}")
            raise error from None
        except UpstreamAnswerTooLarge as too_large:
            # Not held against the upstream: it answered, and the answer is long because of what was asked.
            raise UpstreamAnswerTooLarge(too_large.limit, _too_large(method, path, too_large.limit)) from None
        except httpx.DecodingError as decoding_error:
            # A body its Content-Encoding does not decode ("gzip" that is not): garbled, as an
            # answer that is not JSON is, and not sent again.
            error = UpstreamInvalidResponse(f"The upstream's answer could not be decoded ({decoding_error}).")
            breaker.record(error, f"{method} {path}{self._for}: {error}")
            raise error from None
        if not response.is_success:
            failure = error_for_status(response, path)
            breaker.record(failure, f"{method} {path}{self._for}: {_status_cause(response, failure)}")
            raise failure
        breaker.record(None)
        return response

    async def _exchange(self, request: httpx.Request, attempt: int) -> httpx.Response:
        """Sends ``request``: the task is marked as exchanging meanwhile (:meth:`stop`), and the call
        traced when tracing is on."""
        tracing = self._client.tracing
        span = None if tracing is None else tracing.upstream_call(request, attempt)
        exchanging = asyncio.current_task()
        self._exchanging.add(exchanging)
        try:
            response = await self._client.send(request)
        except BaseException as failure:
            if span is not None:
                span.failed(failure)
            raise
        finally:
            self._exchanging.discard(exchanging)
        if span is not None:
            span.answered(response.status_code)
        return response
