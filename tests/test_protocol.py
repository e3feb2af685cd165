"""The gateway's HTTP protocol writes an answer's head and body in one system call: fed requests
in-process (as `bench/protocol.py` feeds them), over a transport that records each write."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import uvicorn
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle
from uvicorn.server import ServerState

from bench.protocol import CountingTransport
from gateway.protocol import MAX_URL_BYTES, protocol_for
from gateway.settings import Settings

_BODY = b'{"data":{"__typename":"Query"}}'


class _Transport(CountingTransport):
    """Records what is written: each `write` as one entry, each `writelines` as one entry of its pieces."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[tuple[bytes, ...]] = []

    def write(self, data: bytes) -> None:
        self.written.append((data,))

    def writelines(self, pieces: Any) -> None:
        self.written.append(tuple(pieces))

    def can_write_eof(self) -> bool:  # a refusal's lingering close asks
        return False


async def _answer(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    if scope["path"] == "/stream":  # a body of unknown length, slow to start
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await asyncio.sleep(0.05)
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": _BODY})


async def _fed(
    *pieces: bytes, settle: float = 0.1, seen: list[int] | None = None, settings: Settings | None = None
) -> _Transport:
    """What the protocol wrote for ``pieces``, each fed ``settle`` seconds after the one before, and
    the connection closed ``settle`` seconds after the last; ``seen`` gets how many writes had come
    after each piece's ``settle``. The protocol is `gateway serve`'s with ``settings`` (the defaults)."""
    config = uvicorn.Config(_answer, log_level="critical", access_log=False)
    config.load()
    made = protocol_for(settings or Settings.model_construct())
    connection = made(config=config, server_state=ServerState(), app_state={})
    transport = _Transport()
    connection.connection_made(transport)  # type: ignore[arg-type]
    for piece in pieces:
        connection.data_received(piece)
        await asyncio.sleep(settle)
        if seen is not None:
            seen.append(len(transport.written))
    await asyncio.sleep(settle)
    connection.connection_lost(None)
    return transport


def _post(path: str = "/graphql", extra: bytes = b"") -> bytes:
    return b"POST " + path.encode() + b" HTTP/1.1\r\nHost: g\r\n" + extra + b"Content-Length: 2\r\n\r\n{}"


async def test_an_answer_of_known_length_is_written_with_its_head_in_one_call() -> None:
    """uvicorn wrote the status line and headers, then the body: two system calls and two TCP
    segments, about 7 µs more of the server's CPU per answer over loopback."""
    transport = await _fed(_post())
    assert len(transport.written) == 1
    head, body = transport.written[0]
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert head.endswith(b"\r\n\r\n")
    assert body == _BODY


async def test_pipelined_answers_are_written_in_order_one_call_each() -> None:
    transport = await _fed(_post() + _post())
    assert [len(pieces) for pieces in transport.written] == [2, 2]
    assert all(pieces[1] == _BODY for pieces in transport.written)


async def test_a_head_answer_is_written_at_once() -> None:
    transport = await _fed(b"HEAD /graphql HTTP/1.1\r\nHost: g\r\n\r\n")
    assert len(transport.written) == 1
    (head,) = transport.written[0]
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")


async def test_100_continue_goes_out_before_the_body_comes_and_the_answer_after_it_in_one_call() -> None:
    line_and_headers = b"POST /graphql HTTP/1.1\r\nHost: g\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
    transport = await _fed(line_and_headers, b"{}")
    assert transport.written[0] == (b"HTTP/1.1 100 Continue\r\n\r\n",)
    assert len(transport.written) == 2
    assert transport.written[1][1] == _BODY


async def test_a_body_of_unknown_length_has_its_head_written_before_it_starts() -> None:
    """A stream may be slow to start: its head is not held for it."""
    seen: list[int] = []
    transport = await _fed(_post("/stream"), settle=0.03, seen=seen)  # its first piece comes after 0.05 s
    assert seen == [1]  # the head alone, before the body's first piece
    (head,) = transport.written[0]
    assert b"transfer-encoding: chunked" in head
    assert [len(pieces) for pieces in transport.written] == [1, 1, 1]  # then each piece of the body


async def test_an_answered_request_leaves_nothing_for_the_cycle_collector() -> None:
    """Each request's objects (its cycle, scope, headers) are freed by reference counting once it is
    answered: a reference cycle among them left every request to the collector, which `gateway
    serve` runs seldom (10 MiB more resident after the bench's 6,000 operations, and its passes)."""
    gc.collect()
    gc.disable()
    try:
        transport = await _fed(_post() + _post(), b"HEAD /graphql HTTP/1.1\r\nHost: g\r\n\r\n")
        left = [kept for kept in gc.get_objects() if isinstance(kept, RequestResponseCycle)]
    finally:
        gc.enable()
    assert transport.written
    assert left == []


async def test_a_refusal_answers_the_graphql_endpoint_in_graphqls_shape_under_a_path_prefix() -> None:
    """The server's own refusals (here a URL past its bound) answer `/graphql` in GraphQL's error
    shape, and with `GATEWAY_PATH_PREFIX` the endpoint under the prefix too (tests/test_prefix.py)."""
    settings = Settings.model_construct(path_prefix="/gw")
    for path, graphql_shape in ((b"/gw/graphql", True), (b"/graphql", True), (b"/gw/v1/conversations", False)):
        request = b"GET " + path + b"?q=" + b"a" * MAX_URL_BYTES + b" HTTP/1.1\r\nHost: g\r\n\r\n"
        transport = await _fed(request, settings=settings)
        answer = b"".join(b"".join(entry) for entry in transport.written)
        assert answer.startswith(b"HTTP/1.1 414 "), path
        assert (b'"errors":[' in answer) == graphql_shape, path
