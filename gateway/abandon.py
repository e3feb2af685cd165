"""A query whose client goes away is stopped, and makes no further upstream call.

Frontends abandon requests all the time: a user navigates away, a typeahead sends its next query,
an `AbortController` fires, a client times out and asks again. A query whose client has gone used
to run to its end all the same, with every upstream call it still had to make (the second page
of a long connection, the retries of a failing call) and its place among the requests under way
(`GATEWAY_MAX_CONCURRENT_REQUESTS`): work for nobody, most of it when the gateway is busiest.

The gateway's HTTP protocol (:mod:`gateway.protocol`) puts a set under :data:`CONNECTION_LOST`
in each request's `scope["extensions"]`, and calls each callable in it when the connection is
lost before the request is answered. The GraphQL view adds the request's :class:`Abandonment`:
while a query executes, it stops the request's upstream fetches and cancels the request's task;
the view then ends the request quietly, and the operation's log line says
`CLIENT_CLOSED_REQUEST` (nginx's 499). A fetch waiting (for a retry, for a free slot) is
cancelled; one whose call is under way is let end and its answer dropped, with no retry: cut
off in the middle, the call would leave a connection that cannot be used again, and the next
call would pay for a new one (against OpenAI, a TLS handshake). nginx and Envoy cut it; the
upstream does the work either way. A mutation is not stopped: its writes finish, as a
server finishes a request whose client left, so that what was asked is done whole. Under
another server (none puts the set in the scope) nothing is stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

__all__ = ["ABANDONMENT", "CLIENT_CLOSED_REQUEST", "CONNECTION_LOST", "Abandonment"]

CONNECTION_LOST = "gateway.connection_lost"
"""The key, in a request's `scope["extensions"]`, of the set of callables (no argument) the
server calls when the request's connection is lost before its answer is complete."""

ABANDONMENT = "gateway.abandonment"
"""The key of the request's :class:`Abandonment` in its scope, where the view's context finds it."""

CLIENT_CLOSED_REQUEST = "CLIENT_CLOSED_REQUEST"
"""The code an abandoned operation's log line gives (its client is not there to read any)."""


class Abandonment:
    """One request's: when its connection is lost while a query executes, stops the request.

    Called by the server (see the module). :attr:`executing_query` is set while the operation,
    a query, executes; :attr:`stop_fetches` stops the request's upstream fetches
    (:meth:`gateway.loaders.Loaders.stop_fetches`).
    """

    __slots__ = ("_task", "abandoned", "executing_query", "stop_fetches")

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self._task = task
        self.executing_query = False
        self.abandoned = False
        """Whether the request was stopped because its client went away."""
        self.stop_fetches: Callable[[], None] | None = None

    def __call__(self) -> None:
        if not self.executing_query or self.abandoned:
            return
        self.abandoned = True
        if self.stop_fetches is not None:
            self.stop_fetches()
        self._task.cancel()

    def absorbs(self) -> bool:
        """Whether a cancellation that reached the request's view is this abandonment's alone:
        then it is taken back (the task goes on to end quietly). Another one (the server's, when
        it stops) goes on."""
        return self.abandoned and self._task.uncancel() == 0
