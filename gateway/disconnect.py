"""A client that goes away while its request's body is being read ends the request quietly."""

import contextlib

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["QuietDisconnects"]


class QuietDisconnects:
    """Ends a request quietly when its client went away before sending the whole body.

    Starlette's `Request.body()` and `stream()` raise `ClientDisconnect` when the server reports the
    connection lost (the client closed it, or the gateway did, past `GATEWAY_BODY_TIMEOUT`). Left
    alone it reached uvicorn, which logged "Exception in ASGI application" and its traceback at
    ERROR for each such request, in the GraphQL view and the built-in API alike. Nobody is left to
    answer; there is nothing wrong with the server to report.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with contextlib.suppress(ClientDisconnect):
            await self.app(scope, receive, send)
