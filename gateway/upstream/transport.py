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
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

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


def as_httpx_error(error: BaseException, request: httpx.Request) -> httpx.TransportError | None:
    """The httpx transport error for an aiohttp (or socket) failure; None for anything else."""
    for aiohttp_class, httpx_class in _ERRORS:
        if isinstance(error, aiohttp_class):
            return httpx_class(f"{type(error).__name__}: {error}", request=request)
    return None


class _MappedStream(httpx.AsyncByteStream):
    """A response body whose read errors come out as httpx's."""

    def __init__(self, stream: httpx.AsyncByteStream, request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except httpx.TransportError as error:
            raise _remapped(error, self._request) from error.__cause__
        except (aiohttp.ClientError, OSError) as error:
            raise _remapped(error, self._request) from error

    async def aclose(self) -> None:
        await self._stream.aclose()


def _remapped(error: BaseException, request: httpx.Request) -> BaseException:
    """``error`` as the right httpx error; the library's own mapping is undone first."""
    cause = error.__cause__ if isinstance(error, httpx.TransportError) and error.__cause__ is not None else error
    return as_httpx_error(cause, request) or error


class UpstreamTransport(AiohttpTransport):
    """``httpx_aiohttp``'s transport with aiohttp's errors mapped precisely (see the module)."""

    def __init__(self, *, max_connections: int, keepalive_expiry: float) -> None:
        super().__init__(
            limits=httpx.Limits(max_connections=max_connections, keepalive_expiry=keepalive_expiry),
            trust_env=True,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except httpx.TransportError as error:
            raise _remapped(error, request) from error.__cause__
        except (aiohttp.ClientError, OSError) as error:
            raise _remapped(error, request) from error
        if isinstance(response.stream, httpx.AsyncByteStream):
            response.stream = _MappedStream(response.stream, request)
        return response

    async def aclose(self) -> None:
        await super().aclose()
        # aiohttp closes its sockets in the loop's next turns; let them go before the loop ends.
        await asyncio.sleep(0)
