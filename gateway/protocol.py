"""uvicorn's HTTP protocol (httptools), with a bound on the time a client takes to send a request's
line and headers.

uvicorn bounds a connection's idle time only between requests (`--timeout-keep-alive`): a new
connection that sends nothing, or a request whose headers come a byte at a time, holds its socket
and file descriptor for as long as the client likes (checked: still open after 12 s, against a
keep-alive of 5). A few thousand such connections use up the process's descriptors, and every
other client is refused. Here a request's line and headers must be complete within
``header_timeout`` seconds of the connection's opening (for its first request) or of the
request's first byte (for the next ones on a kept-alive connection); the connection is closed
otherwise, as nginx does past its `client_header_timeout`. The body is not bounded here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["BoundedHeadersProtocol"]


class BoundedHeadersProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol; see the module. Made with ``header_timeout`` (seconds) besides
    uvicorn's own arguments (pass it with `functools.partial`)."""

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._header_timer = self.loop.call_later(self._header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()
