"""uvicorn's server, woken only by the requests it serves and by being told to stop.

uvicorn's main loop wakes ten times a second, whatever the traffic: to look at ``should_exit``,
and once a second to write the date its answers carry in their `Date` header. Each wake-up of an
idle process is a cold one: an idle gateway spent 2.2 ms of CPU a second on them (0.2 ms with a
tick of 1 s instead; `/proc`'s count of the process's CPU time over 20 s, 2026-12-04). At
concurrency 1, where the process is idle between each operation's bursts of work, they cost the
gateway 1.5-3% of operation a's CPU, about 50 µs an operation (`make bench`'s upstream at 20 ms,
the code before and after in alternating rounds of 150 operations on one upstream, the means of
two runs of 30 and 40 rounds: 2.809 against 2.728 ms and 2.895 against 2.853).

Here the main loop waits until ``should_exit`` is set: setting it (from uvicorn's signal handler,
or from another thread) wakes the loop. The `Date` header is written when an answer asks for it,
at most once a second (:class:`_DatedState`), and is the second the answer is made in (uvicorn's
could be up to a second old). An idle gateway now wakes for nothing.

With ``limit_max_requests`` or ``callback_notify`` set (the gateway sets neither), uvicorn's own
loop runs, as both need its tick. `gateway serve --workers N` runs uvicorn's supervisor, whose
worker processes each make uvicorn's own server; :func:`serve_workers` has them make this one
instead (:class:`_Worker`). The supervisor still asks each worker twice a second whether it lives,
which a thread of the worker's own answers; the worker's event loop sleeps through.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.server import ServerState
from uvicorn.supervisors import multiprocess

if TYPE_CHECKING:
    from starlette.types import ASGIApp

__all__ = ["Server", "serve", "serve_workers"]

STARTUP_FAILURE = 3
"""The exit status of a server that did not start (uvicorn's own, `uvicorn.main.STARTUP_FAILURE`)."""


class _DatedState(ServerState):
    """The state uvicorn's protocols share, whose default headers (the `Date` header, then the
    configured ones: uvicorn's `Server` header) are made when a request asks for them, anew each
    second."""

    def __init__(self, config: uvicorn.Config) -> None:
        self._config = config
        self._second = -1
        self._configured: list[tuple[bytes, bytes]] = []
        self._headers: list[tuple[bytes, bytes]] = []
        super().__init__()

    @property
    def default_headers(self) -> list[tuple[bytes, bytes]]:
        # The configured headers are encoded when the server loads its configuration, after this.
        configured = self._config.encoded_headers
        if not self._config.date_header:
            return configured
        second = int(time.time())
        if second != self._second or configured is not self._configured:
            self._second, self._configured = second, configured
            self._headers = [(b"date", formatdate(second, usegmt=True).encode()), *configured]
        return self._headers

    @default_headers.setter
    def default_headers(self, value: list[tuple[bytes, bytes]]) -> None:
        """uvicorn's `ServerState.__init__` sets an empty list, which the headers above replace."""


class Server(uvicorn.Server):
    """uvicorn's server, whose main loop sleeps until it is told to stop (see the module)."""

    def __init__(self, config: uvicorn.Config) -> None:
        self._wake: Callable[[], object] | None = None
        self._should_exit = False
        super().__init__(config)
        self._ticking = config.limit_max_requests is not None or config.callback_notify is not None
        if not self._ticking:
            self.server_state = _DatedState(config)

    @property
    def should_exit(self) -> bool:
        """Whether the server is to stop; setting it, from any thread, wakes the main loop."""
        return self._should_exit

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self._should_exit = value
        wake = self._wake
        if value and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed already
                wake()

    async def main_loop(self) -> None:
        if self._ticking:
            await super().main_loop()
            return
        loop, stopping = asyncio.get_running_loop(), asyncio.Event()
        self._wake = lambda: loop.call_soon_threadsafe(stopping.set)
        try:
            if not self.should_exit:
                await stopping.wait()
        finally:
            self._wake = None

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's shutdown, then the count of the refusals left out of the log in the last second."""
        # Imported here: a `--workers` process imports this module to make its server, before its
        # app (gateway.launch imports the gateway with the cycle collector paused).
        from gateway.protocol import count_refusals_left_out  # noqa: PLC0415

        try:
            await super().shutdown(sockets)
        finally:
            count_refusals_left_out(self.server_state)


def serve(app: ASGIApp, **options: Any) -> None:
    """Serve ``app`` in this process with :class:`Server`, as `uvicorn.run` does with one worker
    (``options`` are `uvicorn.Config`'s); exits with uvicorn's status if the server did not start."""
    config = uvicorn.Config(app, **options)
    server = Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class _Worker(multiprocess.Process):
    """A worker process of uvicorn's supervisor, whose server is the gateway's. It reaches the
    process by pickling (each worker is spawned), by this class's name."""

    @property
    def server(self) -> uvicorn.Server:
        if self._server is None:
            self._server = Server(self.config)
        return self._server


def serve_workers(app: str, workers: int, **options: Any) -> None:
    """`uvicorn.run` with ``workers`` processes, each serving ``app`` (an import string) with
    :class:`Server`. uvicorn's supervisor makes its workers from its module's `Process`, which is
    :class:`_Worker` while it runs (uvicorn is pinned to 0.55.x, whose supervisor this is tested on)."""
    made = multiprocess.Process
    multiprocess.Process = _Worker  # type: ignore[misc]
    try:
        uvicorn.run(app, workers=workers, **options)
    finally:
        multiprocess.Process = made  # type: ignore[misc]
