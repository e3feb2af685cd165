"""The transport the gateway reaches a networked upstream with: httpx over aiohttp.

httpx's own transport (httpcore on anyio) spends about 0.4 ms of CPU per request on this
machine; aiohttp's C-accelerated HTTP/1.1 client about a third of that, and the gateway makes
one upstream request per page or record. ``httpx_aiohttp`` adapts aiohttp to httpx's transport
interface, so the client code, the tests' fault injection (``httpx.MockTransport``) and the
in-process built-in API (``httpx.ASGITransport``) keep speaking httpx.

Its exception mapping is too coarse for the gateway, which tells a refused connection from a
timeout and a connection lost mid-answer (``ServerDisconnectedError`` would come out as a
``ConnectTimeout``), so :class:`UpstreamTransport` maps aiohttp's errors itself, also for errors
raised while the body is read.

The transport sends each request once: aiohttp's own immediate resend of idempotent requests on
a failed reused connection is off, retries are the client's (reads only). The session keeps no
cookies: the upstream's cookies (a CDN's, say) would otherwise be sent with
every client's requests, one tenant's with another's. Proxies come from the environment
(``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``), as for httpx and curl; they are
looked up once per upstream origin (aiohttp's own ``trust_env`` looks them up in a thread for
every request).
"""

from __future__ import annotations

import asyncio

import aiohttp
import httpx
import yarl
from aiohttp import hdrs
from aiohttp.helpers import get_env_proxy_for_url
from aiohttp.http_exceptions import ContentEncodingError, HttpProcessingError
from httpx_aiohttp import AiohttpTransport

from gateway.upstream.budget import ANSWER_BYTES, COUNTED, AnswerBytes, count_answer
from gateway.upstream.errors import UpstreamAnswerTooLarge

__all__ = ["UpstreamTransport", "as_httpx_error"]

_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    # Most specific first: several of aiohttp's classes derive from one another.
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.ClientConnectionError, httpx.ReadError),
    (TimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientError, httpx.NetworkError),
    (OSError, httpx.NetworkError),
)


def as_httpx_error(error: BaseException, request: httpx.Request) -> httpx.RequestError | None:
    """The httpx error for an aiohttp (or socket) failure; None for anything else. A body that
    its ``Content-Encoding`` does not decode is httpx's ``DecodingError``, not a transport failure."""
    if isinstance(error, aiohttp.ClientPayloadError | aiohttp.ClientResponseError) and isinstance(
        error.__cause__, HttpProcessingError
    ):
        # aiohttp's parser raises ContentEncodingError for a body it cannot decompress, and a plain
        # HttpProcessingError (400) for an encoding it cannot decode at all (br without Brotli).
        problem = error.__cause__.message
        if isinstance(error.__cause__, ContentEncodingError) or "content-encoding" in problem.lower():
            return httpx.DecodingError(str(problem).split(". ")[0], request=request)
    for aiohttp_class, httpx_class in _ERRORS:
        if isinstance(error, aiohttp_class):
            return httpx_class(f"{type(error).__name__}: {error}", request=request)
    return None


async def _body(answer: aiohttp.ClientResponse, limit: int | None, counted: AnswerBytes | None) -> bytes:
    """The answer's body, decoded, if it is at most ``limit`` bytes long and fits what is left of
    the operation's budget (``counted``, which it is taken from)."""
    if limit is None and counted is None:
        return await answer.read()
    length = answer.content_length
    if length is not None and hdrs.CONTENT_ENCODING not in answer.headers:
        # The whole answer's length, before a byte of it is read; aiohttp reads no more than that.
        count_answer(length, limit, counted)
        return await answer.read()
    chunks: list[bytes] = []
    size = 0
    async for chunk in answer.content.iter_any():
        size += len(chunk)
        if limit is not None and size > limit:
            raise UpstreamAnswerTooLarge(limit)
        if counted is not None:
            counted.take(len(chunk))
        chunks.append(chunk)
    return b"".join(chunks)


def _remapped(error: BaseException, request: httpx.Request) -> BaseException:
    """``error`` as the right httpx error; the library's own mapping is undone first."""
    cause = error.__cause__ if isinstance(error, httpx.TransportError) and error.__cause__ is not None else error
    return as_httpx_error(cause, request) or error


class UpstreamTransport(AiohttpTransport):
    """``httpx_aiohttp``'s transport with aiohttp's errors mapped precisely (see the module).

    It sends a request as the library does (no redirects, no compression of the body), but reads
    the whole answer before it returns, as the gateway's client always does: the answer is one
    JSON document. That spares the library's body stream and its wrappers, and the body's read
    errors are mapped where they happen. The answer is handed to httpx as the response's content,
    decoded: aiohttp asks for gzip and deflate, and decompresses a piece at a time as it reads.

    It reads at most ``max_answer_bytes`` of an answer, counted after decompression, and raises
    :class:`UpstreamAnswerTooLarge` past them, closing the connection: an answer that says it is
    longer is refused before its body is read, and a compressed one stops once its decompressed
    bytes pass the bound (a small body can decompress to gigabytes). The same way, it takes what it
    reads from the operation's budget of answer bytes (:mod:`gateway.upstream.budget`), when the
    request carries one, and marks the response as counted.
    """

    def __init__(self, *, max_connections: int, keepalive_expiry: float, max_answer_bytes: int | None = None) -> None:
        super().__init__(
            limits=httpx.Limits(max_connections=max_connections, keepalive_expiry=keepalive_expiry),
            trust_env=True,
        )
        self.max_answer_bytes = max_answer_bytes
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}
        self._proxies: dict[tuple[str, str | None, int | None], tuple[yarl.URL | None, aiohttp.BasicAuth | None]] = {}

    def _timeout(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        given = request.extensions.get("timeout", {})
        key = (given.get("connect"), given.get("read"), given.get("pool"))
        timeout = self._timeouts.get(key)
        if timeout is None:
            # httpx's connect, read and pool timeouts, as httpx_aiohttp maps them.
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(sock_connect=key[0], sock_read=key[1], connect=key[2])
        return timeout

    def _proxy(self, url: yarl.URL) -> tuple[yarl.URL | None, aiohttp.BasicAuth | None]:
        origin = (url.scheme, url.host, url.port)
        proxy = self._proxies.get(origin)
        if proxy is None:
            try:
                proxy = self._proxies[origin] = get_env_proxy_for_url(url)
            except LookupError:  # no proxy for this origin
                proxy = self._proxies[origin] = (None, None)
        return proxy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self.client if isinstance(self.client, aiohttp.ClientSession) else self._session()
        content = await request.aread()
        url = yarl.URL(str(request.url), encoded=True)  # httpx has already encoded it
        proxy, proxy_auth = self._proxy(url)
        try:
            async with session.request(
                request.method,
                url,
                proxy=proxy,
                proxy_auth=proxy_auth,
                headers=request.headers.multi_items(),
                data=content or None,
                allow_redirects=False,
                compress=False,
                timeout=self._timeout(request),
                server_hostname=request.extensions.get("sni_hostname"),
            ) as answer:
                body = await _body(answer, self.max_answer_bytes, request.extensions.get(ANSWER_BYTES))
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise _remapped(error, request) from error
        extensions = {"http_version": b"HTTP/1.1", COUNTED: True}
        if answer.reason:
            extensions["reason_phrase"] = answer.reason.encode()
        response = httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            stream=httpx.ByteStream(body),
            request=request,
            extensions=extensions,
        )
        # The body is the content, decoded: the state ``read()`` would leave after passing it
        # through httpx's decoder machinery (about 14 us a response), which must not decode it again.
        response._content = body
        response.is_stream_consumed = response.is_closed = True
        return response

    def _session(self) -> aiohttp.ClientSession:
        limits = self.limits
        connector = aiohttp.TCPConnector(
            keepalive_timeout=limits.keepalive_expiry, ssl=self.ssl_context, limit=limits.max_connections or 0
        )
        session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
        # aiohttp sends GET, PUT and DELETE again, at once, when a reused connection fails, though the
        # upstream may have applied them (a DELETE would then come back 404). Whether to retry is the
        # client's decision: reads only, with backoff, within the budget. There is no public switch;
        # aiohttp's own test client sets this one, and a test here fails if a release stops honouring it.
        session._retry_connection = False
        self.client = session
        return session

    async def aclose(self) -> None:
        await super().aclose()
        # aiohttp closes its sockets in the loop's next turns; let them go before the loop ends.
        await asyncio.sleep(0)
