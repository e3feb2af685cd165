"""uvicorn's HTTP protocol (httptools), with bounds on the time a client takes to send a request's
line and headers, on the pauses in its body and in taking its answer, on the size of a request's
head and on the requests pipelined on a connection.

uvicorn bounds a connection's idle time only between requests (`--timeout-keep-alive`): a new
connection that sends nothing, or a request whose headers come a byte at a time, holds its socket
and file descriptor for as long as the client likes (checked: still open after 12 s, against a
keep-alive of 5). A few thousand such connections use up the process's descriptors, and every
other client is refused. Here a request's line and headers must be complete within
``header_timeout`` seconds of the connection's opening (for its first request) or of the
request's first byte (for the next ones on a kept-alive connection); the connection is closed
otherwise, as nginx does past its `client_header_timeout`. Then no more than ``body_timeout``
seconds may pass without a piece of the body while the app waits for it (as nginx's
`client_body_timeout`); a pause while uvicorn holds back reading, because the app has not yet
taken what came, does not count. And a client may go no longer than ``send_timeout`` seconds
without taking any of an answer waiting for it (as nginx's `send_timeout`): uvicorn writes an
answer whole into the connection's buffer, where it stays until the client reads it, and a client
that never reads kept it there for good (20 such clients, each sent an 8 MB answer, held 164 MiB
after 70 s). The connection is then dropped, the answer with it.

It also bounds the size of a request's line and headers. uvicorn (with httptools) reads them
whole, with no bound, and gathers them by concatenating each piece to what came before: a 64 MB
header took 6 s of CPU to read, and a 256 MB one held the process's core until the header timeout
closed it, 12 s later. A URL over 65,535 bytes, which httptools' URL parser cannot read (its
offsets are 16 bits), was a plain-text 400, "Invalid HTTP request received.". Here a URL over
`MAX_URL_BYTES` is answered 414 and a request's line and headers over `MAX_HEAD_BYTES` 431 (as
RFC 6585 names it), both in the error shape of the path asked for, and the connection is closed
once the client stops sending (see `_send_and_linger`). A refusal (these, and uvicorn's 400 for a
malformed request) waits for the answers to the requests before it on the connection (pipelined
ones): written at once, it came before them and ended the connection, and their answers were lost.
Pipelined requests are bounded too: httptools parses all that came in one read, and uvicorn queued
each request it found there, whatever their number (256 KB of small requests on each of 20
connections took the process from 65 to 431 MiB). Past `MAX_PIPELINED_REQUESTS` waiting, the next
is answered 429 in its turn, and the connection ends.
A chunked body's trailer fields are bounded alike: past `MAX_HEAD_BYTES` of them (of anything but
the body's own bytes) the connection is closed, as the app may be answering already; and so is a
body of more than `MAX_BODY_CHUNKS` chunks: each chunk costs the parser's callbacks whatever its
size, and a 2 MB body in chunks of one byte took 2.5 s of CPU (the built-in API reads up to 20 MiB).

Each request's `scope["extensions"]` holds a set under :data:`~gateway.abandon.CONNECTION_LOST`:
when the connection is lost before the request running is answered, each callable its app put
there is called (the GraphQL view stops a query whose client went away: :mod:`gateway.abandon`).
That request is also told the connection was lost, as uvicorn tells only the last one parsed,
perhaps pipelined behind it: the one running went on to write its answer to a closed connection.

Each refusal, and each request the parser cannot read, is logged with its status (uvicorn logged
"Invalid HTTP request received." for all), at most `REFUSAL_LINES_PER_SECOND` lines a second per
server; past that, one line at the second's end counts the rest.

An answer of known length goes out in one system call, its head with its body (:class:`_OneWrite`):
uvicorn wrote the head, then the body.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from collections.abc import Callable
from typing import Any

import httptools
import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle
from uvicorn.server import ServerState

from gateway.abandon import CONNECTION_LOST
from gateway.graphql_view import GRAPHQL_PATH
from gateway.settings import Settings

__all__ = [
    "MAX_HEAD_BYTES",
    "MAX_PIPELINED_REQUESTS",
    "MAX_URL_BYTES",
    "REFUSAL_LINES_PER_SECOND",
    "BoundedReadsProtocol",
    "protocol_for",
]

MAX_URL_BYTES = 65_535
"""The longest URL (request target) a request may have: httptools' URL parser cannot read a longer one."""

MAX_HEAD_BYTES = 131_072
"""The most bytes a request's line and headers may take together (room for a URL of `MAX_URL_BYTES`
and as much again of headers; nginx reads 32 KiB by default, Node.js 16 KiB)."""

MAX_BODY_CHUNKS = 65_536
"""The most chunks a request's body may come in (`Transfer-Encoding: chunked`): each costs its
parser callbacks, about 1.25 µs on a slow host, whatever its size."""

MAX_PIPELINED_REQUESTS = 16
"""The most requests that may wait on a connection behind the one being answered (pipelined): each
waits as a parsed request, about 2.4 KB. Browsers do not pipeline."""

LINGER_SECONDS = 30.0
"""How long a refused connection goes on reading (and dropping) what its client still sends, at
most (nginx's `lingering_time`)."""

LINGER_PAUSE = 5.0
"""How long a refused connection waits for more from its client before it closes (nginx's
`lingering_timeout`)."""

LINGER_BYTES = 32 * 1024 * 1024
"""How much a refused connection reads (and drops) before it closes all the same: more than a
body the built-in API reads (20 MiB by default), so that a client refused while it sends one
still reads the answer."""

REFUSAL_LINES_PER_SECOND = 10
"""The most lines a server writes in a second about the requests it refuses or cannot parse. Any
client can send such requests, as many as it likes: a line for each would crowd the log, and a
log's own bound (journald drops a service's lines past 10,000 in 30 s by default) would then drop
the operations' lines with them. Past the bound, one line a second counts the rest."""

_GRAPHQL_PATH = GRAPHQL_PATH.encode()


class _RefusalLines:
    """A server's warnings about refused and malformed requests, at most
    `REFUSAL_LINES_PER_SECOND` a second; past that, one line at the second's end counts the rest
    (or when the server stops: :func:`count_refusals_left_out`)."""

    def __init__(self) -> None:
        self._second_ends = 0.0
        self._written = 0
        self._left_out = 0
        self._counting: asyncio.TimerHandle | None = None
        self._logger: logging.Logger | None = None

    def warning(self, loop: asyncio.AbstractEventLoop, logger: logging.Logger, message: str, *args: object) -> None:
        now = loop.time()
        if now >= self._second_ends:
            self._second_ends, self._written = now + 1.0, 0
        if self._written < REFUSAL_LINES_PER_SECOND:
            self._written += 1
            logger.warning(message, *args)
            return
        if not self._left_out:
            self._counting = loop.call_at(self._second_ends, self.count_the_rest)
            self._logger = logger
        self._left_out += 1

    def count_the_rest(self) -> None:
        """The line that counts those left out, if any were."""
        if self._counting is not None:
            self._counting.cancel()
            self._counting = None
        left_out, self._left_out = self._left_out, 0
        if not left_out or self._logger is None:
            return
        self._logger.warning(
            "Refused or could not parse %d more requests in the last second "
            "(at most %d a second are logged one by one)",
            left_out,
            REFUSAL_LINES_PER_SECOND,
        )


_REFUSAL_LINES: weakref.WeakKeyDictionary[ServerState, _RefusalLines] = weakref.WeakKeyDictionary()
"""Each server's (its connections share its state)."""


def count_refusals_left_out(state: ServerState) -> None:
    """Writes now the line that counts the refusals the server with ``state`` has left out of its
    log this second, if any: a server that stops within that second would otherwise lose it."""
    lines = _REFUSAL_LINES.get(state)
    if lines is not None:
        lines.count_the_rest()


def protocol_for(settings: Settings) -> Callable[..., BoundedReadsProtocol]:
    """What uvicorn's `http` option takes to serve with :class:`BoundedReadsProtocol` and the
    timeouts of ``settings``."""
    return functools.partial(
        BoundedReadsProtocol,
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        send_timeout=settings.send_timeout,
        graphql_paths=frozenset({_GRAPHQL_PATH, (settings.path_prefix + GRAPHQL_PATH).encode()}),
    )


class _OneWrite:
    """The transport a request's answer is written to: its status line and headers, when a body of
    a known length follows (`Content-Length`, not a HEAD), are held until the body's first piece
    and go out with it, in one system call (uvicorn wrote them apart: two system calls and two TCP
    segments, 6.8-7.2 µs more of the server's CPU per answer on this host, measured over loopback
    with uvloop). A body of unknown length (a stream) may be slow to start: its head goes at once.

    It holds no reference to the request's cycle (which holds it): a reference cycle would leave
    every request's objects to the cycle collector.
    """

    __slots__ = ("_head_to_come", "_held", "_holds", "_transport")

    def __init__(self, transport: asyncio.Transport, method: str) -> None:
        self._transport = transport
        self._holds = method != "HEAD"
        self._head_to_come = True
        self._held: bytes | None = None
        """The head, until the body's first piece."""

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.writelines((held, data))  # one `writev`, neither copied
            return
        # The answer's first write is its head (after a `100 Continue`, written when the app first
        # reads the body); uvicorn names headers in lower case.
        if self._head_to_come and not data.startswith(b"HTTP/1.1 100 "):
            self._head_to_come = False
            if self._holds and b"\r\ncontent-length: " in data:
                self._held = data
                return
        self._transport.write(data)

    def close(self) -> None:
        """Writes the head held, if any (the answer ends without its body: uvicorn closes after an
        app's failure), then closes. An answer that completes has written its body, and the head with it."""
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held)
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()


class _Refused(Exception):
    """Raised in a parser callback to stop the parser: `_feed` then answers the refusal."""


class BoundedReadsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol; see the module. Made with ``header_timeout``, ``body_timeout``
    and ``send_timeout`` (seconds) besides uvicorn's own arguments (pass them with `functools.partial`)."""

    def __init__(
        self,
        *args: Any,
        header_timeout: float,
        body_timeout: float,
        send_timeout: float,
        graphql_paths: frozenset[bytes] = frozenset({_GRAPHQL_PATH}),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._graphql_paths = graphql_paths
        """The paths of the GraphQL endpoint (with `GATEWAY_PATH_PREFIX`, under it too): their
        refusals are in GraphQL's error shape."""
        self._send_timeout = send_timeout
        self._send_timer: asyncio.TimerHandle | None = None
        self._unsent = 0
        """What waited in the connection's buffer when the send timer was last set."""
        self._header_timeout = header_timeout
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timeout = body_timeout
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_seen = 0.0
        """When the last piece of the current request's body came (the loop's clock)."""
        self._in_head = True
        """Whether the next bytes are (or begin) a request's line and headers."""
        self._head_bytes = 0
        """Bytes received since the current request's line and headers began to come (at least
        their length: a piece may go on into the body)."""
        self._piece = 0
        """The length of the last piece received."""
        self._carried = 0
        """What was left of its piece when the last request ended (at most): it may begin this one's head."""
        self._bodiless_bytes = 0
        """Bytes received in the current request's body since a piece of the body itself (chunk framing, trailers)."""
        self._chunks = 0
        """The chunks of the current request's body so far."""
        self._refusal: tuple[int, str, str, int] | None = None
        """What the parser's stop answers in place of uvicorn's plain 400 (status, message, code, limit)."""
        self._deferred: bytes | None = None
        """The refusal to write once the requests before it on the connection are answered."""
        self._lingered: int | None = None
        """Bytes dropped since the connection's refusal (None until then)."""
        self._linger_timer: asyncio.TimerHandle | None = None
        self._linger_began = self._linger_seen = 0.0
        """When the refused connection began to drop what comes, and when something last came."""
        self._running: RequestResponseCycle | None = None
        """The request whose app runs now (uvicorn's `cycle` is the last one parsed, perhaps pipelined behind it)."""
        self._on_lost: set[Callable[[], None]] = set()
        """What the running request's app asked to be called if the connection is lost before its
        answer is complete (`scope["extensions"]`, :data:`~gateway.abandon.CONNECTION_LOST`)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_headers()

    def data_received(self, data: bytes) -> None:
        if self._lingered is not None:  # refused: what still comes is dropped
            self._lingered += len(data)
            self._linger_seen = self.loop.time()
            if self._lingered > LINGER_BYTES:
                self.transport.close()
            return
        self._piece = piece = len(data)
        if self._in_head:
            self._head_bytes += piece
        else:
            self._bodiless_bytes += piece
        self._feed(data)
        # httptools gathers a header by concatenation, out of sight until it is whole: so headers
        # still coming are counted here, by the piece. A piece that ends the headers and goes on
        # into the body does not count, as the headers are then complete and counted exactly.
        if self._lingered is not None or self.transport.is_closing():
            return
        if self._in_head:
            if self._head_bytes > MAX_HEAD_BYTES:
                self._refuse(*self._head_too_large())
        elif self._bodiless_bytes > MAX_HEAD_BYTES or self._chunks > MAX_BODY_CHUNKS:
            # A chunked body's trailer fields (or a chunk's extensions) are gathered the same way,
            # and a body in chunks of a byte costs the callbacks of a chunk for each byte. The app
            # may be answering already: the connection is closed with no answer of its own.
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:
            self._arm_headers()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_URL_BYTES:
            ask = ": send the query in a POST body" if self._asks_graphql() else ""
            message = f"The request's URL is longer than {MAX_URL_BYTES:,} bytes, the most the server reads{ask}."
            self._refusal = (414, message, "URL_TOO_LONG", MAX_URL_BYTES)
            raise _Refused  # the parser stops: see `_feed`

    def send_400_response(self, msg: str) -> None:
        """uvicorn's plain-text 400 for a malformed request: in its turn, and followed by a lingering
        close, when the request's line or headers are malformed. When its body is (a chunk's size),
        the app is reading it, and may be answering already: uvicorn's own, at once (the connection's
        end then tells the app)."""
        if not self._in_head:
            super().send_400_response(msg)
            return
        encoded = msg.encode("ascii")
        self._answer_and_end(self._head(400, b"text/plain; charset=utf-8", len(encoded)) + encoded)

    def _feed(self, data: bytes) -> None:
        """uvicorn's `data_received`, but a refusal of the server's own is logged as what it is:
        uvicorn logs "Invalid HTTP request received." for any stop of the parser."""
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._refusal is None:
                message = "Invalid HTTP request received."
                self._warn(message)
                self.send_400_response(message)
            else:
                self._refuse(*self._refusal)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def on_headers_complete(self) -> None:
        self._disarm_headers()
        # Counted exactly only when the pieces they came in could hold more than the bound.
        if self._head_bytes + self._carried > MAX_HEAD_BYTES and self._head_length() > MAX_HEAD_BYTES:
            self._refusal = self._head_too_large()
            raise _Refused  # before the app is called
        if len(self.pipeline) >= MAX_PIPELINED_REQUESTS and self._answering():
            message = (
                f"More than {MAX_PIPELINED_REQUESTS} requests were sent on this connection ahead of their "
                "answers, the most the server holds: send the rest once these are answered."
            )
            self._refusal = (429, message, "TOO_MANY_PIPELINED_REQUESTS", MAX_PIPELINED_REQUESTS)
            raise _Refused  # the requests before it are answered first
        self._in_head = False
        self._head_bytes = self._carried = 0
        self._bodiless_bytes = self._chunks = 0
        # ASGI's extensions are dicts of their own: uvicorn's annotation says so of every one.
        self.scope["extensions"] = {CONNECTION_LOST: self._on_lost}  # type: ignore[dict-item]
        parsed = self.cycle
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle is not parsed:  # a request (not an upgrade)
            cycle.transport = _OneWrite(self.transport, self.scope["method"])  # type: ignore[assignment]
        # Until the message is complete (at once, for a request without a body).
        self._body_seen = self.loop.time()
        self._body_timer = self.loop.call_later(self._body_timeout, self._body_too_slow)

    def on_chunk_header(self) -> None:
        self._chunks += 1

    def on_body(self, body: bytes) -> None:
        self._bodiless_bytes = 0
        super().on_body(body)
        self._body_seen = self.loop.time()  # one timer per request: it looks at this when it fires

    def on_message_complete(self) -> None:
        self._in_head = True
        self._carried = self._piece  # what is left of the piece may begin the next request
        self._bodiless_bytes = 0
        self._disarm_body()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self._on_lost.clear()  # answered: nothing is left to stop
        self._running = None
        super().on_response_complete()  # starts the next pipelined request, if any, and reads on
        if self._deferred is None or self.transport.is_closing():
            return
        if self._answering():
            self.flow.pause_reading()  # the waiting requests came whole: nothing more is read for them
        else:
            answer, self._deferred = self._deferred, None
            self._unset_keepalive_if_required()
            self._send_and_linger(answer)

    def pause_writing(self) -> None:
        """The connection's buffer is full: the client must take some of it within ``send_timeout``."""
        super().pause_writing()
        if self._send_timer is None:
            self._unsent = self.transport.get_write_buffer_size()
            self._send_timer = self.loop.call_later(self._send_timeout, self._sending_too_slow)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._disarm_send()

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        self._running = cycle
        super()._start_asgi_task(cycle, app)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_headers()
        self._disarm_body()
        self._disarm_send()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        super().connection_lost(exc)
        running = self._running
        if running is not None and not running.response_complete:
            # uvicorn tells only the last request parsed: one running ahead of pipelined ones would
            # go on writing its answer to the closed connection.
            running.disconnected = True
            running.message_event.set()
            on_lost, self._on_lost = self._on_lost, set()
            for call in on_lost:
                call()

    def _arm_headers(self) -> None:
        self._header_timer = self.loop.call_later(self._header_timeout, self._headers_too_slow)

    def _disarm_headers(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def _unsupported_upgrade_warning(self) -> None:
        """Nothing: the request goes to the app as plain HTTP, as RFC 9110 lets a server ignore
        `Upgrade` (`/graphql` answers a WebSocket handshake with a 400 that says why).

        uvicorn logged two warnings for each WebSocket upgrade request, the second advising to
        install a WebSocket library; the gateway serves no WebSocket (its schema has no
        subscriptions), so there is nothing to install and nothing wrong with the server."""

    def _warn(self, message: str, *args: object) -> None:
        """A line about a request refused or malformed, unless the server has written its share
        this second (`REFUSAL_LINES_PER_SECOND`)."""
        lines = _REFUSAL_LINES.get(self.server_state)
        if lines is None:
            lines = _REFUSAL_LINES[self.server_state] = _RefusalLines()
        lines.warning(self.loop, self.logger, message, *args)

    def _head_length(self) -> int:
        """The current request's target and header lines, in bytes."""
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)  # ": ", CRLF

    @staticmethod
    def _head_too_large() -> tuple[int, str, str, int]:
        message = f"The request's line and headers are longer than {MAX_HEAD_BYTES:,} bytes, the most the server reads."
        return (431, message, "HEADERS_TOO_LARGE", MAX_HEAD_BYTES)

    def _asks_graphql(self) -> bool:
        return self.url.partition(b"?")[0] in self._graphql_paths

    def _refuse(self, status: int, message: str, code: str, limit: int) -> None:
        """Answers ``status`` with an error in GraphQL's shape (for `/graphql`) or OpenAI's (the
        built-in API's, and every other path's), and ends the connection (:meth:`_answer_and_end`)."""
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        self._warn("Refused a request from %s with %d: %s", client, status, message)
        body: dict[str, Any]
        if self._asks_graphql():
            body = {"errors": [{"message": message, "extensions": {"code": code, "limit": limit}}]}
        else:
            body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code.lower()}}
        encoded = orjson.dumps(body)
        self._answer_and_end(self._head(status, b"application/json", len(encoded)) + encoded)

    def _head(self, status: int, content_type: bytes, length: int) -> bytes:
        """A refusal's status line and headers (as uvicorn writes its 400: it has no helper for others)."""
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head.extend([name, b": ", value, b"\r\n"])
        head.extend(
            [
                b"content-type: " + content_type + b"\r\n",
                b"content-length: " + str(length).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
            ]
        )
        return b"".join(head)

    def _answering(self) -> bool:
        """Whether a request before the current one on this connection is still to be answered."""
        return bool(self.pipeline) or (self.cycle is not None and not self.cycle.response_complete)

    def _answer_and_end(self, answer: bytes) -> None:
        """Writes the refusal of a request whose line or headers came, and ends the connection: at
        once, or after the answers to the requests before it on the connection (pipelined), still to
        come, and meanwhile nothing more is read. What comes after is dropped (:meth:`_send_and_linger`)."""
        self._disarm_headers()
        self._disarm_body()
        self._lingered = 0
        if self._answering():
            self._deferred = answer
            self.flow.pause_reading()
        else:
            self._send_and_linger(answer)

    def _send_and_linger(self, answer: bytes) -> None:
        """Writes ``answer``, then the connection's end of sending, and drops what the client still
        sends until it closes, pauses for `LINGER_PAUSE`, or has sent for `LINGER_SECONDS` or
        `LINGER_BYTES`, before closing (nginx's lingering close): closed at once, with the client's
        bytes unread, the connection is reset, and a client still sending (a long URL or header
        across a network, or the body after them) may lose the answer with it."""
        self.transport.write(answer)
        self._lingered = 0
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._linger_began = self._linger_seen = self.loop.time()
        self._linger_timer = self.loop.call_later(LINGER_PAUSE, self._lingered_enough)

    def _lingered_enough(self) -> None:
        now = self.loop.time()
        left = min(self._linger_seen + LINGER_PAUSE, self._linger_began + LINGER_SECONDS) - now
        if left > 0:  # the client sent more meanwhile: wait for it again
            self._linger_timer = self.loop.call_later(left, self._lingered_enough)
        else:
            self._linger_timer = None
            self.transport.close()

    def _disarm_body(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _disarm_send(self) -> None:
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _sending_too_slow(self) -> None:
        unsent = self.transport.get_write_buffer_size()
        if unsent < self._unsent:  # the client took some since the timer was set: look again later
            self._unsent = unsent
            self._send_timer = self.loop.call_later(self._send_timeout, self._sending_too_slow)
            return
        self._send_timer = None
        self.transport.abort()  # closing would wait for the buffer to be sent, and keep it

    def _body_too_slow(self) -> None:
        now = self.loop.time()
        if self.flow.read_paused:
            self._body_seen = now  # the pause is the app's, which has not taken what came
        waited = now - self._body_seen
        if waited < self._body_timeout:  # a piece came since the timer was set: look again
            self._body_timer = self.loop.call_later(self._body_timeout - waited, self._body_too_slow)
            return
        self._body_timer = None
        if not self.transport.is_closing():
            self.transport.close()  # the app's `receive` then gives it `http.disconnect`
