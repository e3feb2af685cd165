"""uvicorn's HTTP protocol (httptools), with bounds on the time a client takes to send a request's
line and headers, and on the pauses in its body.

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
taken what came, does not count.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["BoundedReadsProtocol"]


class BoundedReadsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol; see the module. Made with ``header_timeout`` and
    ``body_timeout`` (seconds) besides uvicorn's own arguments (pass them with `functools.partial`)."""

    def __init__(self, *args: Any, header_timeout: float, body_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timeout = body_timeout
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_seen = 0.0
        """When the last piece of the current request's body came (the loop's clock)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_headers()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:
            self._arm_headers()

    def on_headers_complete(self) -> None:
        self._disarm_headers()
        super().on_headers_complete()
        # Until the message is complete (at once, for a request without a body).
        self._body_seen = self.loop.time()
        self._body_timer = self.loop.call_later(self._body_timeout, self._body_too_slow)

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._body_seen = self.loop.time()  # one timer per request: it looks at this when it fires

    def on_message_complete(self) -> None:
        self._disarm_body()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_headers()
        self._disarm_body()
        super().connection_lost(exc)

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

    def _disarm_body(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

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
