"""The network transport's failures, from real sockets that misbehave.

``httpx.MockTransport`` faults (tests/graphql/test_faults.py) raise httpx's exceptions directly;
these tests make a real server misbehave, so that what reaches the gateway is whatever the
production transport (httpx over aiohttp) makes of it. Each failure must come out as the httpx
error that names it, and then as the GraphQL error a client can act on: a refused connection is
not a timeout, and a write whose connection broke may have been applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import socket
import ssl
import struct
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import trustme

from gateway.app import create_api_app
from gateway.upstream import UpstreamClient
from gateway.upstream.errors import UpstreamAnswerTooLarge, UpstreamInvalidResponse
from gateway.upstream.transport import UpstreamTransport
from tests.conftest import Gateway, SettingsFactory
from tests.live import free_port, serve

Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def _reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _short_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id": "conv_')
    await writer.drain()
    writer.close()


async def _not_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    await writer.drain()
    writer.close()


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(3)
    writer.close()


BEHAVIOURS: dict[str, tuple[Behaviour | None, type[httpx.TransportError]]] = {
    "nothing listens": (None, httpx.ConnectError),
    "closes without answering": (_hang_up, httpx.RemoteProtocolError),
    "resets the connection": (_reset, httpx.ReadError),
    "sends half the body": (_short_body, httpx.RemoteProtocolError),
    "does not speak HTTP": (_not_http, httpx.RemoteProtocolError),
    "never answers": (_silent, httpx.ReadTimeout),
}


@contextlib.asynccontextmanager
async def _serving(handle: Behaviour) -> AsyncIterator[int]:
    """A loopback server running ``handle`` for each connection; its port. On exit every
    connection is closed and every handler has ended."""
    handlers: set[asyncio.Task[None]] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                await handle(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(tracked, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for handler in handlers:
            handler.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()


@contextlib.asynccontextmanager
async def _server(behaviour: Behaviour | None) -> AsyncIterator[str]:
    """A loopback server that reads one request head and then does ``behaviour``; its base URL."""
    if behaviour is None:
        yield f"http://127.0.0.1:{free_port()}/v1"
        return

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await behaviour(reader, writer)

    async with _serving(handle) as port:
        yield f"http://127.0.0.1:{port}/v1"


@dataclass
class _Recorded:
    """What a recording server saw: its port, each request's head, the connections opened."""

    port: int = 0
    heads: list[bytes] = field(default_factory=list)
    connections: int = 0


@contextlib.asynccontextmanager
async def _answering(head: bytes, body: bytes) -> AsyncIterator[_Recorded]:
    """A loopback server answering every request it records with ``head`` (status line and headers)
    and ``body``."""
    recorded = _Recorded()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        recorded.connections += 1
        while True:
            recorded.heads.append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(head + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()

    async with _serving(answer) as recorded.port:
        yield recorded


def _recording_server(answer_headers: bytes = b"") -> contextlib.AbstractAsyncContextManager[_Recorded]:
    """A loopback server answering `{}` (with ``answer_headers``) to every request it records."""
    return _answering(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + answer_headers, b"{}")


async def _get(transport: UpstreamTransport, url: str) -> httpx.Response:
    request = httpx.Request("GET", url, extensions={"timeout": httpx.Timeout(2).as_dict()})
    response = await transport.handle_async_request(request)
    await response.aread()
    await response.aclose()
    return response


async def _post(transport: UpstreamTransport, url: str) -> None:
    request = httpx.Request("POST", url, content=b"{}", extensions={"timeout": httpx.Timeout(0.5).as_dict()})
    response = await transport.handle_async_request(request)
    try:
        await response.aread()
    finally:
        await response.aclose()


@pytest.mark.parametrize("case", sorted(BEHAVIOURS))
async def test_each_failure_is_the_httpx_error_that_names_it(case: str) -> None:
    behaviour, expected = BEHAVIOURS[case]
    transport = UpstreamTransport(max_connections=4, keepalive_expiry=5)
    async with _server(behaviour) as url:
        with pytest.raises(httpx.TransportError) as raised:
            await _post(transport, f"{url}/conversations")
    await transport.aclose()
    assert type(raised.value) is expected


READ = "query($id: ID!) { conversation(id: $id) { conversationId } }"
WRITE = """mutation($id: ID!) { addConversationItems(input: {conversationId: $id,
  items: [{message: {role: USER, text: "hello"}}]}) { items { __typename } } }"""

# case: (code, message for a read, message for a write)
EXPECTED: dict[str, tuple[str, str, str]] = {
    "nothing listens": (
        "UPSTREAM_UNAVAILABLE",
        "could not be reached: the connection was refused",
        "could not be reached: the connection was refused",
    ),
    "closes without answering": ("UPSTREAM_UNAVAILABLE", "closed the connection", "may or may not have been applied"),
    "resets the connection": ("UPSTREAM_UNAVAILABLE", "was lost during the call", "may or may not have been applied"),
    "sends half the body": ("UPSTREAM_UNAVAILABLE", "closed the connection", "may or may not have been applied"),
    "does not speak HTTP": ("UPSTREAM_UNAVAILABLE", "closed the connection", "may or may not have been applied"),
    "never answers": ("UPSTREAM_TIMEOUT", "did not answer in time", "may or may not have been applied"),
}


@pytest.mark.parametrize("case", sorted(BEHAVIOURS))
async def test_each_failure_reaches_the_client_with_its_code(case: str, gateway: Gateway) -> None:
    behaviour, _ = BEHAVIOURS[case]
    code, read_message, write_message = EXPECTED[case]
    async with _server(behaviour) as url:
        graphql, upstream = await gateway(upstream_url=url, upstream_attempts=2, upstream_read_timeout=0.5)
        for operation, message in ((READ, read_message), (WRITE, write_message)):
            body = await graphql.execute(operation, {"id": "conv_1"})
            (error,) = body["errors"]
            assert error["extensions"]["code"] == code, error
            assert message in error["message"], error
            assert "127.0.0.1" not in error["message"]
        # The read was tried twice (every one of these may pass on a second try, and a read is safe
        # to repeat); the write once.
        assert [request.method for request in upstream.requests] == ["GET", "GET", "POST"]


@contextlib.asynccontextmanager
async def _tls_server(authority: trustme.CA) -> AsyncIterator[int]:
    """A loopback TLS server with a certificate of ``authority`` for 127.0.0.1, answering `{}`."""
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(served)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass  # the untrusting client hangs up during the handshake
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=served)
    async with server:
        yield server.sockets[0].getsockname()[1]


def _upstream_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The `gateway.upstream` lines logged, each once (the handler added to the logger and the
    root's may both have taken a record)."""
    records = {id(record): record for record in caplog.records if record.name == "gateway.upstream"}
    return [record.getMessage() for record in records.values()]


async def test_why_the_upstream_could_not_be_reached_is_said_without_its_host(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    """A certificate the gateway does not trust, or http spoken where https is expected, said only
    "could not be reached", and nothing in the log said more: the operator had no cause to go on."""

    async def plain_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)  # the TLS handshake's first bytes, which an HTTP server refuses
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()

    async with _tls_server(trustme.CA()) as tls_port, _serving(plain_http) as plain_port:
        cases = {
            f"https://127.0.0.1:{tls_port}/v1": "its TLS certificate was not accepted",
            f"https://127.0.0.1:{plain_port}/v1": "the TLS handshake failed",
        }
        for url, why in cases.items():
            graphql, _ = await gateway(upstream_url=url, upstream_attempts=1)
            logger = logging.getLogger("gateway.upstream")
            logger.addHandler(caplog.handler)  # `gateway` may not propagate, once a test ran `gateway serve`'s set-up
            try:
                body = await graphql.execute(READ, {"id": "conv_1"}, request_id="op-tls")
            finally:
                logger.removeHandler(caplog.handler)
            (error,) = body["errors"]
            assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
            assert error["message"].startswith(f"The upstream could not be reached: {why}"), error
            assert "127.0.0.1" not in error["message"]
            # The operator's line has the call and the transport's own words, host and all.
            lines = _upstream_lines(caplog)
            assert lines[-1].startswith("upstream calls failed: 1 since the last such line; the latest, ")
            assert "GET /conversations/conv_1 (request op-tls): ConnectError: " in lines[-1]
            assert f"127.0.0.1:{url.split(':')[2].split('/')[0]}" in lines[-1]


async def test_failed_calls_are_logged_once_a_second_and_the_breaker_opening_with_its_cause(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    async with _answering(b"HTTP/1.1 503 Service Unavailable\r\nx-request-id: req_123\r\n", b"{}") as failing:
        graphql, _ = await gateway(
            upstream_url=f"http://127.0.0.1:{failing.port}/v1", upstream_attempts=1, circuit_breaker_failures=3
        )
        logger = logging.getLogger("gateway.upstream")
        logger.addHandler(caplog.handler)
        try:
            answers = [
                await graphql.execute(READ, {"id": f"conv_{number}"}, request_id=f"op-{number}") for number in range(4)
            ]
        finally:
            logger.removeHandler(caplog.handler)
    assert len(failing.heads) == 3  # the fourth was not sent: the breaker was open
    assert [answer["errors"][0]["message"] for answer in answers[:3]] == ["The upstream failed (HTTP 503)."] * 3
    assert answers[3]["errors"][0]["message"].startswith("The upstream failed 3 times in a row; the gateway stops")
    assert answers[3]["errors"][0]["message"].endswith("The latest failure: HTTP 503.")
    lines = _upstream_lines(caplog)
    # A line for the first failure (the next ones, within its second, are counted for the next
    # line: tests/upstream/test_client_failures.py), and the breaker's opening at the third.
    assert lines[0] == (
        "upstream calls failed: 1 since the last such line; the latest, GET /conversations/conv_0 (request op-0): "
        "HTTP 503: The upstream answered 503. (x-request-id req_123)"
    )
    assert lines[-1] == (
        "the upstream failed 3 times in a row: the gateway stops calling it for 5 s "
        "(GATEWAY_CIRCUIT_BREAKER_SECONDS) and answers UPSTREAM_UNAVAILABLE meanwhile; the latest, "
        "GET /conversations/conv_2 (request op-2): HTTP 503: The upstream answered 503. (x-request-id req_123)"
    )


@pytest.mark.parametrize("base", ["", "/v1/conversations-api"])
async def test_an_upstream_url_that_is_not_the_apis_base_is_said_so_not_taken_for_missing_conversations(
    base: str, gateway: Gateway, make_settings: SettingsFactory
) -> None:
    """`--upstream-url http://host:port` without its `/v1` (the API's bare 404s), or with a path
    too many (its "Invalid URL" 404s): every read was a missing conversation (NOT_FOUND), every
    write NOT_FOUND, and /readyz ready."""
    with serve(create_api_app(make_settings())) as url:
        graphql, _ = await gateway(upstream_url=f"{url}{base}")
        read = await graphql.execute(READ, {"id": "conv_1"})
        created = await graphql.execute("mutation { createConversation(input: {}) { conversation { id } } }")
        ready = await graphql.http.get("/readyz")
    said = (
        "The upstream does not serve the API's paths (it answered 404 to a path the API has): its URL should be "
        "the API's base, such as https://api.openai.com/v1."
    )
    for body in (read, created):
        (error,) = body["errors"]
        assert (error["extensions"]["code"], error["message"]) == ("UPSTREAM_UNAVAILABLE", said)
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "reason": f"the upstream is not usable: {said}"}


async def test_an_id_that_reaches_no_route_is_not_found_not_a_wrong_upstream_url(
    gateway: Gateway, make_settings: SettingsFactory
) -> None:
    """An id holding a newline (`%0A`, decoded before routing) reaches no route of a server whose
    patterns stop at a newline, as Starlette's mount does: its 404 is not the API's. Taken for a
    wrong upstream URL, it was UPSTREAM_UNAVAILABLE, and any client could open the circuit breaker
    for every client with a few such requests (found by tests/graphql/test_never_internal.py)."""
    with serve(create_api_app(make_settings())) as url:
        graphql, _ = await gateway(upstream_url=f"{url}/v1", circuit_breaker_failures=1)
        for _ in range(3):
            body = await graphql.execute(
                "mutation($id: ID!) { deleteConversation(input: {id: $id}) { deleted } }", {"id": "0\n"}
            )
            (error,) = body["errors"]
            assert error["extensions"]["code"] == "NOT_FOUND", error
        created = await graphql.execute("mutation { createConversation(input: {}) { conversation { id } } }")
    assert "errors" not in created, created  # the breaker stayed closed


async def test_an_idle_connection_is_not_reused_past_the_keepalive() -> None:
    """A connection idle for longer than `upstream_keepalive` is replaced, not reused: servers close
    idle connections (uvicorn and Node after 5 s), and a request sent on one they are closing fails."""
    transport = UpstreamTransport(max_connections=4, keepalive_expiry=0.3)
    async with _recording_server() as recorded:
        url = f"http://127.0.0.1:{recorded.port}/v1/conversations/conv_1"
        try:
            await _get(transport, url)
            await _get(transport, url)
            assert recorded.connections == 1  # reused while fresh
            await asyncio.sleep(0.5)
            await _get(transport, url)
            assert recorded.connections == 2  # replaced once idle past the keep-alive
        finally:
            await transport.aclose()


async def _fetched(head: bytes, body: bytes, path: str) -> tuple[httpx.Response, _Recorded]:
    """The transport's response to a GET of ``path`` from a server answering ``head`` and ``body``."""
    transport = UpstreamTransport(max_connections=4, keepalive_expiry=5)
    try:
        async with _answering(head, body) as recorded:
            return await _get(transport, f"http://127.0.0.1:{recorded.port}{path}"), recorded
    finally:
        await transport.aclose()


async def test_an_answer_is_its_body_with_its_status_and_headers() -> None:
    """The transport builds the response itself from aiohttp's answer: it must be what httpx would make."""
    body = b'{"error": {"message": "No conversation found with id \'conv_1\'.", "type": "invalid_request_error"}}'
    head = b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nX-Request-Id: req_1\r\n"
    response, _ = await _fetched(head, body, "/v1/conversations/conv_1")

    expected = httpx.Response(404, headers=[(b"X-Request-Id", b"req_1")], content=body)
    assert (response.is_stream_consumed, response.is_closed) == (expected.is_stream_consumed, expected.is_closed)
    assert (response.status_code, response.reason_phrase, response.http_version) == (404, "Not Found", "HTTP/1.1")
    assert response.content == body
    assert response.json() == expected.json()
    assert response.text == expected.text
    assert response.headers["x-request-id"] == "req_1"
    assert response.headers["content-length"] == str(len(body))
    assert response.is_closed
    assert not response.is_success


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_compressed_answer_is_decoded(encoding: str) -> None:
    """aiohttp asks for compressed answers (as the OpenAI API sends them) and decodes them: the
    response's content is the document, not decoded a second time by httpx."""
    document = {"object": "list", "data": [{"id": f"msg_{n}", "text": "hello " * 20} for n in range(20)]}
    plain = json.dumps(document).encode()
    compressed = gzip.compress(plain) if encoding == "gzip" else zlib.compress(plain)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: " + encoding.encode() + b"\r\n"
    response, recorded = await _fetched(head, compressed, "/v1/conversations/conv_1/items")

    asked = next(line for line in recorded.heads[0].lower().split(b"\r\n") if line.startswith(b"accept-encoding:"))
    assert encoding.encode() in asked
    assert response.content == plain
    assert response.json() == document


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
async def test_a_body_that_is_not_the_compression_it_names_is_an_invalid_answer(encoding: str) -> None:
    """Over a real socket, through the client: an upstream error, sent once, not an unexpected one
    (nor a lost connection). The transport asks for gzip and deflate only; an answer in another
    encoding cannot be read either."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: " + encoding.encode() + b"\r\n"
    transport = UpstreamTransport(max_connections=4, keepalive_expiry=5)
    try:
        async with _answering(head, b'{"id": "conv_1"}') as recorded:
            client = UpstreamClient(transport, base_url=f"http://127.0.0.1:{recorded.port}/v1")
            with pytest.raises(UpstreamInvalidResponse, match=r"^The upstream's answer could not be decoded \("):
                await client.session("sk-test").get_conversation("conv_1")
    finally:
        await transport.aclose()
    assert len(recorded.heads) == 1


async def test_the_upstreams_cookies_are_not_kept() -> None:
    """One client's request must not carry cookies the upstream set in answer to another's."""
    transport = UpstreamTransport(max_connections=4, keepalive_expiry=5)
    async with _recording_server(b"Set-Cookie: __cf_bm=tenant-a; Path=/; HttpOnly\r\n") as recorded:
        for _ in range(2):  # a host name: aiohttp's cookie jar ignores cookies of IP addresses
            await _get(transport, f"http://localhost:{recorded.port}/v1/conversations/conv_1")
    await transport.aclose()

    assert len(recorded.heads) == 2
    assert b"cookie:" not in recorded.heads[1].lower()


async def test_requests_go_through_the_proxy_the_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    async with _recording_server() as recorded:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{recorded.port}")
        transport = UpstreamTransport(max_connections=4, keepalive_expiry=5)
        response = await _get(transport, "http://upstream.invalid/v1/conversations/conv_1")
        await transport.aclose()

        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        direct = UpstreamTransport(max_connections=4, keepalive_expiry=5)
        await _get(direct, f"http://127.0.0.1:{recorded.port}/v1/conversations/conv_2")
        await direct.aclose()

    assert response.status_code == 200
    assert recorded.heads[0].startswith(b"GET http://upstream.invalid/v1/conversations/conv_1 HTTP/1.1\r\n")
    assert recorded.heads[1].startswith(b"GET /v1/conversations/conv_2 HTTP/1.1\r\n")


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT"])
async def test_a_request_lost_on_a_reused_connection_is_sent_once(method: str) -> None:
    """aiohttp would send an idempotent request again, at once, when a reused connection fails: a
    DELETE the upstream has already applied would then come back 404. Whether to retry is the
    client's decision (reads only, with backoff); the transport sends each request once."""
    heads: list[bytes] = []

    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()
        heads.append(await reader.readuntil(b"\r\n\r\n"))  # read, maybe applied; then the connection drops

    transport = UpstreamTransport(max_connections=1, keepalive_expiry=5)
    async with _serving(answer_once) as port:
        url = f"http://127.0.0.1:{port}/v1/conversations/conv_1/items/msg_1"
        await _get(transport, url)
        request = httpx.Request(method, url, extensions={"timeout": httpx.Timeout(2).as_dict()})
        with pytest.raises(httpx.TransportError):
            await transport.handle_async_request(request)
    await transport.aclose()
    assert [head.split(b" ", 1)[0].decode() for head in heads] == ["GET", method]


async def test_an_https_upstream_is_reached_through_the_proxy_the_environment_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """OpenAI's API is HTTPS: behind a proxy, the transport opens a CONNECT tunnel through it and
    speaks TLS to the upstream inside, verifying its certificate against the trusted CAs."""
    authority = trustme.CA()
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(served)
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    tunnels: list[bytes] = []

    async def upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()
            await reader.read()  # until the client closes
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass  # the untrusting client hangs up during the handshake
        finally:
            writer.close()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
        writer.close()

    tls = await asyncio.start_server(upstream, "127.0.0.1", 0, ssl=served)
    tls_port = tls.sockets[0].getsockname()[1]

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tunnels.append((await reader.readuntil(b"\r\n\r\n")).split(b"\r\n", 1)[0])
        inner_reader, inner_writer = await asyncio.open_connection("127.0.0.1", tls_port)
        try:
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await asyncio.gather(pipe(reader, inner_writer), pipe(inner_reader, writer))
        finally:
            inner_writer.close()

    async with tls, _serving(proxy) as proxy_port:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy_port}")
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
        transport = UpstreamTransport(max_connections=4, keepalive_expiry=5)
        try:
            response = await _get(transport, f"https://localhost:{tls_port}/v1/conversations/conv_1")
        finally:
            await transport.aclose()
        # The same upstream with only the usual CAs trusted: its certificate is refused.
        monkeypatch.delenv("SSL_CERT_FILE")
        untrusting = UpstreamTransport(max_connections=4, keepalive_expiry=5)
        try:
            with pytest.raises(httpx.ConnectError, match="certificate"):
                await _get(untrusting, f"https://localhost:{tls_port}/v1/conversations/conv_2")
        finally:
            await untrusting.aclose()

    assert response.status_code == 200
    assert response.json() == {}
    assert tunnels == [f"CONNECT localhost:{tls_port} HTTP/1.1".encode()] * 2


LIMIT = 64 * 1024


def _json_of_length(length: int) -> bytes:
    """A JSON document of exactly ``length`` bytes."""
    body = b'{"text": "' + b"x" * (length - 12) + b'"}'
    assert len(body) == length
    return body


async def _read_bounded(head: bytes, body: bytes) -> httpx.Response | UpstreamAnswerTooLarge:
    """A GET through a transport that reads at most :data:`LIMIT` bytes of an answer, from a server
    answering ``head`` and ``body``: the response, or the refusal."""
    transport = UpstreamTransport(max_connections=1, keepalive_expiry=5, max_answer_bytes=LIMIT)
    try:
        async with _answering(head, body) as recorded:
            return await _get(transport, f"http://127.0.0.1:{recorded.port}/v1/conversations/conv_1/items")
    except UpstreamAnswerTooLarge as refused:
        return refused
    finally:
        await transport.aclose()


@pytest.mark.parametrize("encoding", ["identity", "gzip", "deflate"])
@pytest.mark.parametrize("length", [LIMIT, LIMIT + 1])
async def test_an_answer_is_read_up_to_the_bound_and_no_further(encoding: str, length: int) -> None:
    """The bound counts the decoded bytes: an answer of exactly ``max_answer_bytes`` is read, one
    byte more is refused, however it was compressed."""
    plain = _json_of_length(length)
    body = {"identity": plain, "gzip": gzip.compress(plain), "deflate": zlib.compress(plain)}[encoding]
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: " + encoding.encode() + b"\r\n"
    outcome = await _read_bounded(head, body)
    if length <= LIMIT:
        assert isinstance(outcome, httpx.Response)
        assert outcome.content == plain
    else:
        assert isinstance(outcome, UpstreamAnswerTooLarge)
        assert outcome.limit == LIMIT


async def test_an_answer_that_says_it_is_too_long_is_refused_before_its_body_is_read() -> None:
    """The server announces a gigabyte and sends a byte: the refusal comes from the length alone
    (reading on would wait for the rest until the read timeout), and the connection, with the body
    still coming, is not used again."""
    recorded = _Recorded()

    async def announce(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        recorded.connections += 1
        while True:
            recorded.heads.append(await reader.readuntil(b"\r\n\r\n"))
            if len(recorded.heads) == 1:
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{"
                )
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()

    transport = UpstreamTransport(max_connections=1, keepalive_expiry=5, max_answer_bytes=LIMIT)
    try:
        async with _serving(announce) as recorded.port:
            url = f"http://127.0.0.1:{recorded.port}/v1/conversations/conv_1/items"
            # Reading on would end in the read timeout of _get (2 s), a ReadTimeout.
            with pytest.raises(UpstreamAnswerTooLarge, match=f"longer than {LIMIT} bytes"):
                await _get(transport, url)
            second = await _get(transport, url)
    finally:
        await transport.aclose()
    assert second.json() == {}
    assert recorded.connections == 2


async def test_an_endless_answer_is_read_only_up_to_the_bound() -> None:
    """An answer in chunks, with no length: the transport stops reading once the bound is passed,
    instead of reading until memory runs out."""
    sent = [0]

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 16384
        while True:
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
            sent[0] += len(chunk)

    transport = UpstreamTransport(max_connections=1, keepalive_expiry=5, max_answer_bytes=LIMIT)
    try:
        async with _serving(endless) as port:
            with pytest.raises(UpstreamAnswerTooLarge):
                # A guard against reading forever, not a measure of speed.
                await asyncio.wait_for(_get(transport, f"http://127.0.0.1:{port}/v1/conversations/c/items"), 60)
    finally:
        await transport.aclose()
    assert sent[0] >= LIMIT


async def test_a_compressed_answer_is_not_decompressed_past_the_bound() -> None:
    """100 MB of zeros gzip to 100 KB: decompressing the whole answer at once, as httpx's decoder
    would, holds the 100 MB in memory before anything could count them. The transport
    decompresses a piece at a time and stops at the bound."""
    plain = b'{"text": "' + b"0" * 100_000_000 + b'"}'
    body = gzip.compress(plain, compresslevel=9)
    del plain
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
    tracemalloc.start()
    try:
        outcome = await _read_bounded(head, body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(outcome, UpstreamAnswerTooLarge)
    assert peak < 20_000_000, peak


async def test_an_answer_too_long_reaches_the_client_as_what_to_do(gateway: Gateway) -> None:
    """Through the production transport: a page longer than the bound fails its field with the bound
    and what to ask for instead; it is asked for once. The conversation's record, short, reads."""
    record = b'{"id": "conv_1", "object": "conversation", "created_at": 1, "metadata": {}}'
    page = gzip.compress(_json_of_length(LIMIT + 1))
    paths: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            path = (await reader.readuntil(b"\r\n\r\n")).split(b" ")[1].split(b"?")[0]
            paths.append(path)
            body, encoding = (page, b"Content-Encoding: gzip\r\n") if path.endswith(b"/items") else (record, b"")
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + encoding
            writer.write(head + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()

    async with _serving(answer) as port:
        graphql, _ = await gateway(
            upstream_url=f"http://127.0.0.1:{port}/v1", upstream_max_answer_bytes=LIMIT, upstream_attempts=3
        )
        body = await graphql.execute('{ conversation(id: "conv_1") { conversationId items { edges { cursor } } } }')
    assert body["data"] == {"conversation": {"conversationId": "conv_1", "items": None}}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["message"] == (
        "The upstream's answer to GET conversations is longer than 64 KiB, the most the gateway reads. "
        "Ask for fewer items at a time."
    )
    assert sorted(paths) == [b"/v1/conversations/conv_1", b"/v1/conversations/conv_1/items"]


def _page(text: str) -> bytes:
    item = {"id": "msg_1", "type": "message", "status": "completed", "role": "user"}
    item["content"] = [{"type": "input_text", "text": text}]  # type: ignore[assignment]
    return json.dumps(
        {"object": "list", "data": [item], "first_id": "msg_1", "last_id": "msg_1", "has_more": False}
    ).encode()


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
async def test_an_operations_answers_are_counted_against_its_budget_as_they_are_read(
    gateway: Gateway, encoding: str
) -> None:
    """Through the production transport, three pages of 40 KB read at once against a budget of
    64 KiB: a sized answer is counted before its body is read, a compressed one chunk by chunk as
    it is decompressed. At most one page is read; the others fail with OPERATION_TOO_EXPENSIVE."""
    plain = _page("z" * 40_000)
    body = plain if encoding == "identity" else gzip.compress(plain)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: " + encoding.encode() + b"\r\n"
    async with _answering(head, body) as recorded:
        graphql, _ = await gateway(upstream_url=f"http://127.0.0.1:{recorded.port}/v1", upstream_bytes_budget=LIMIT)
        answer = await graphql.execute(
            'query { nodes(ids: ["conv_1", "conv_2", "conv_3"]) { ... on Conversation { conversationId '
            "items(first: 1) { edges { cursor } } } } }"
        )
    read = [node for node in answer["data"]["nodes"] if node is not None and node["items"] is not None]
    assert len(read) <= 1
    assert len(answer["errors"]) == 3 - len(read)
    for error in answer["errors"]:
        assert error["extensions"]["code"] == "OPERATION_TOO_EXPENSIVE"
        assert error["message"].startswith(
            "The upstream's answers to this operation came to more than its budget of 64 KiB"
        )
    assert len(recorded.heads) == 3  # the pages, sent at once; no record read after the budget was passed
