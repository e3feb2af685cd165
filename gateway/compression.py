"""Compressed answers: gzip for clients that accept it, from Starlette's `GZipMiddleware`."""

from starlette.middleware.gzip import GZipMiddleware, GZipResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.negotiation import qualities

__all__ = ["COMPRESSION_LEVEL", "MINIMUM_COMPRESSED_BYTES", "ResponseCompression", "accepts_gzip"]

MINIMUM_COMPRESSED_BYTES = 1024
"""Smaller answers go as they are: a few hundred bytes fit in one packet either way."""
COMPRESSION_LEVEL = 1
"""zlib's fastest level, nginx's default: a 150 KB page of 500 items shrinks 5 times, in a third
of the time level 6 takes and an eighth of level 9's (Starlette's default)."""


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether `Accept-Encoding` allows gzip: listed (or `x-gzip`, or `*`) with a quality above 0."""
    if not accept_encoding:
        return False
    listed = qualities(accept_encoding)
    for coding in ("gzip", "x-gzip", "*"):
        if coding in listed:
            return listed[coding] > 0
    return False


class ResponseCompression(GZipMiddleware):
    """Starlette's `GZipMiddleware` (streamed bodies, excluded media types, large bodies compressed
    in a worker thread, `Vary: Accept-Encoding`) for clients that accept gzip, `Accept-Encoding`
    read by its quality values: Starlette's own compresses whenever the header contains "gzip",
    `gzip;q=0` included.

    The answers of other clients go straight through, without the `Vary` Starlette would add to
    them too: its identity responder cost 22 µs a request on a slow host (headers parsed twice
    and rewritten), and a cache that stores an uncompressed answer with no `Vary` still serves
    every client right, since any client reads it (a compressed one carries `Vary`).

    So do the answers to HTTP/1.0 requests, as nginx's `gzip_http_version 1.1` has it: a file is
    compressed as it is sent, a body of unknown length, which uvicorn sends chunked, and
    HTTP/1.0 has no chunks (RFC 9112 forbids `Transfer-Encoding` in an answer to it; `ab` and
    other HTTP/1.0 clients read the chunks' sizes as the file's bytes). Uncompressed, every
    answer has its `Content-Length`.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, minimum_size=MINIMUM_COMPRESSED_BYTES, compresslevel=COMPRESSION_LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not accepts_gzip(_accept_encoding(scope)) or scope.get("http_version") == "1.0":
            await self.app(scope, receive, send)
            return
        responder = GZipResponder(
            self.app,
            self.minimum_size,
            compresslevel=self.compresslevel,
            thread_minimum_size=self.thread_minimum_size,
            exclude_content_types=self.exclude_content_types,
        )
        await responder(scope, receive, _weakening_etags(send))


def _weakening_etags(send: Send) -> Send:
    """A compressed answer's strong `ETag` made weak, as nginx does: a strong one promises the same
    bytes as the uncompressed answer's, and a range asked `If-Range` with it would be cut from
    the uncompressed file. `If-None-Match` compares weakly, so revalidation still gets its 304."""

    async def weakened(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers: list[tuple[bytes, bytes]] = message["headers"]
            names = [name for name, _ in headers]
            if b"etag" in names and b"content-encoding" in names:
                at = names.index(b"etag")
                if not headers[at][1].startswith(b"W/"):
                    headers[at] = (b"etag", b"W/" + headers[at][1])
        await send(message)

    return weakened


def _accept_encoding(scope: Scope) -> str | None:
    """`Accept-Encoding`, its lines joined as one list, as RFC 9110 reads a field sent on several lines."""
    lines = [value.decode("latin-1") for name, value in scope["headers"] if name == b"accept-encoding"]
    return ", ".join(lines) if lines else None
