"""HEAD answered with the headers GET would have, and no body (RFC 9110, 9.3.2)."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadAsGet"]


class HeadAsGet:
    """Runs a HEAD request as its GET and sends the answer's status and headers alone.

    Every route of the gateway that answers GET answers HEAD alike, headers included: the
    coding, length, `Vary` and `ETag` a compressed answer has (answered by their own HEAD, files
    went uncompressed, with the length and strong `ETag` of the plain file), and `/graphql`, whose
    405 for other methods names HEAD in `Allow`, no longer refuses it. The GET is run whole: a
    query is executed, a file read and compressed, as a GET of it would be.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
