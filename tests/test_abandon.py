"""A query whose client goes away is stopped (gateway/abandon.py): over a real socket, served by
the gateway's HTTP protocol, with the built-in API in-process and its calls recorded."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from gateway.app import create_api_app, create_app
from gateway.upstream.client import RetryPolicy
from tests.conftest import SettingsFactory
from tests.graphql.harness import Recording
from tests.live import serving

LATENCY = 0.3
"""Seconds each upstream call takes here."""

_LONG = "query Long($id: ID!) { conversation(id: $id) { items(first: 150) { edges { cursor } } } }"
"""Two upstream calls, one after the other: a page of 100 items, then one of 51."""


class _Server:
    def __init__(self, url: str, recording: Recording, conversation: str, began: list[str]) -> None:
        self.address = ("127.0.0.1", httpx.URL(url).port or 80)
        self.url = url
        self.recording = recording
        self.conversation = conversation
        self.began = began
        """The upstream calls begun, as `METHOD path` (those in `calls` have ended)."""

    def calls(self) -> list[str]:
        return [f"{request.method} {request.path}" for request in self.recording.requests]

    def request(self, document: str, variables: dict[str, Any], method: str = "POST") -> bytes:
        if method == "GET":
            query = httpx.QueryParams({"query": document, "variables": json.dumps(variables)})
            return f"GET /graphql?{query} HTTP/1.1\r\nHost: gateway\r\n\r\n".encode()
        body = json.dumps({"query": document, "variables": variables}).encode()
        head = "POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body

    def leave_once(self, made: Callable[[], bool], *requests: bytes) -> None:
        """Sends ``requests`` on one connection (pipelined, if several), and closes it once ``made()``."""
        with socket.create_connection(self.address, timeout=10) as connection:
            connection.sendall(b"".join(requests))
            deadline = time.monotonic() + 10
            while not made():
                assert time.monotonic() < deadline, "the gateway did not get that far"
                time.sleep(0.005)


def _conversation_of_160_items(client: httpx.Client) -> str:
    """A new conversation of 160 messages, through the built-in API ``client`` reaches; its id."""
    created: str = client.post("/v1/conversations", json={}).json()["id"]
    for batch in range(8):
        items = [{"type": "message", "role": "user", "content": f"m{batch}.{n}"} for n in range(20)]
        assert client.post(f"/v1/conversations/{created}/items", json={"items": items}).status_code == 200
    return created


@pytest.fixture
def server(make_settings: SettingsFactory) -> Iterator[_Server]:
    """A gateway over a socket that runs one GraphQL request at a time, whose upstream calls take
    `LATENCY` each, and a conversation of 160 items."""
    recording = Recording()
    began: list[str] = []

    async def slow(request: httpx.Request) -> None:
        began.append(f"{request.method} {request.url.path}")
        await asyncio.sleep(LATENCY)

    app = create_app(make_settings(max_concurrent_requests=1), upstream_transport=recording.wrap)
    with serving() as start:
        url = start(app)
        with httpx.Client(base_url=url, timeout=30) as client:
            created = _conversation_of_160_items(client)
        recording.slow_fault = slow
        yield _Server(url, recording, created, began)


@pytest.fixture
def operations(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The operation log lines so far, and any ERROR uvicorn logged (it raises)."""
    caplog.set_level(logging.INFO, logger="gateway.operations")
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addHandler(caplog.handler)

    def lines() -> list[dict[str, Any]]:
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
        return [json.loads(r.getMessage()) for r in caplog.records if r.name == "gateway.operations"]

    yield lines
    uvicorn_errors.removeHandler(caplog.handler)


def _next_line(operations: Callable[[], list[dict[str, Any]]], number: int) -> dict[str, Any]:
    """The operation log's line ``number`` (from 1), once it is written (the server is another thread)."""
    deadline = time.monotonic() + 5
    while len(lines := operations()) < number:
        assert time.monotonic() < deadline, "no such line"
        time.sleep(0.005)
    return lines[number - 1]


@pytest.mark.parametrize("method", ["POST", "GET"])  # the view's short path, and Strawberry's
def test_a_query_whose_client_goes_away_makes_no_further_upstream_call(
    method: str, server: _Server, operations: Callable[[], list[dict[str, Any]]]
) -> None:
    conversation = server.conversation
    with httpx.Client(base_url=server.url, timeout=30) as client:
        whole = client.post("/graphql", json={"query": _LONG, "variables": {"id": conversation}}).json()
    assert len(whole["data"]["conversation"]["items"]["edges"]) == 150
    assert len(server.calls()) == 2  # the first page, then the second
    server.recording.requests.clear()
    server.began.clear()

    server.leave_once(lambda: bool(server.began), server.request(_LONG, {"id": conversation}, method))
    line = _next_line(operations, 2)
    assert (line["operationName"], line["upstreamCalls"], line["errorCodes"]) == ("Long", 1, ["CLIENT_CLOSED_REQUEST"])
    assert line["durationMs"] < 1000 * LATENCY  # ended when the client left, in the first call

    # Its place is free at once (one request at a time here: it would be refused as OVERLOADED).
    with httpx.Client(base_url=server.url, timeout=30) as client:
        again = client.post("/graphql", json={"query": _LONG, "variables": {"id": conversation}}).json()
    assert again == whole
    time.sleep(LATENCY)
    page = f"GET /conversations/{conversation}/items"
    assert server.began == [page, page, page]  # the abandoned query's first page, then the next query's two
    assert server.calls() == server.began  # the call under way when the client left was let end


def test_a_query_pipelined_ahead_of_another_is_stopped_with_it_and_the_server_logs_no_error(
    server: _Server, operations: Callable[[], list[dict[str, Any]]]
) -> None:
    """uvicorn tells only the last request parsed that its connection was lost: the first one,
    stopped, would have been answered 500 ("ASGI callable returned without starting response")."""
    conversation = server.conversation
    request = server.request(_LONG, {"id": conversation})
    server.leave_once(lambda: bool(server.began), request, request)
    assert _next_line(operations, 1)["errorCodes"] == ["CLIENT_CLOSED_REQUEST"]
    time.sleep(2 * LATENCY)
    assert server.began == [f"GET /conversations/{conversation}/items"]  # the second request never ran
    assert len(operations()) == 1


def test_a_query_whose_client_goes_away_sends_no_retry(
    server: _Server, operations: Callable[[], list[dict[str, Any]]]
) -> None:
    """The retry waits in the upstream fetch's own task, which goes on when the request's task stops."""
    conversation = server.conversation
    server.recording.slow_fault = None
    server.recording.fault = lambda request: (
        httpx.Response(429, headers={"Retry-After": "1"}, json={"error": {"message": "Slow down."}})
        if request.method == "GET"
        else None
    )
    assert RetryPolicy().attempts == 3
    server.leave_once(lambda: bool(server.calls()), server.request(_LONG, {"id": conversation}))
    assert _next_line(operations, 1)["errorCodes"] == ["CLIENT_CLOSED_REQUEST"]
    time.sleep(2.5)  # the fetch waits 1 s before each of its two retries
    assert server.calls() == [f"GET /conversations/{conversation}/items"]


def test_a_call_under_way_when_the_client_left_is_not_retried_when_it_fails(
    server: _Server, operations: Callable[[], list[dict[str, Any]]]
) -> None:
    """It is let end (to keep its connection), but what it brings is dropped: a retryable failure too."""
    conversation = server.conversation

    async def failing_slowly(request: httpx.Request) -> httpx.Response:
        server.began.append(f"{request.method} {request.url.path}")
        await asyncio.sleep(LATENCY)
        return httpx.Response(503, json={"error": {"message": "Busy."}})

    server.recording.slow_fault = failing_slowly
    server.leave_once(lambda: bool(server.began), server.request(_LONG, {"id": conversation}))
    assert _next_line(operations, 1)["errorCodes"] == ["CLIENT_CLOSED_REQUEST"]
    time.sleep(LATENCY + 0.5)  # a retry comes 0.05-0.1 s after the failure
    assert server.calls() == [f"GET /conversations/{conversation}/items"]


def test_a_mutation_whose_client_goes_away_is_carried_out_whole(
    server: _Server, operations: Callable[[], list[dict[str, Any]]]
) -> None:
    """Its writes are what was asked for: they are made, and the payload's reads with them."""
    conversation = server.conversation
    mutation = """mutation Add($id: ID!) {
      addConversationItems(input: {conversationId: $id, items: [{message: {role: USER, text: "late"}}]}) {
        conversation { items(last: 1) { edges { cursor } } }
      }
    }"""
    server.leave_once(lambda: bool(server.began), server.request(mutation, {"id": conversation}))
    line = _next_line(operations, 1)  # written when the mutation ends
    assert (line["operationType"], line["errorCodes"]) == ("mutation", [])
    path = f"/conversations/{conversation}/items"
    assert server.calls() == [f"POST {path}", f"GET {path}"]  # the write, then the payload's page
    with httpx.Client(base_url=server.url, timeout=30) as client:
        newest = client.get(f"/v1/conversations/{conversation}/items", params={"limit": 1}).json()["data"][0]
    assert newest["content"][0]["text"] == "late"


def test_a_query_over_a_networked_upstream_whose_client_goes_away_lets_its_call_end_and_keeps_the_connection(
    make_settings: SettingsFactory, operations: Callable[[], list[dict[str, Any]]]
) -> None:
    """Over aiohttp (the networked upstream's transport) the call under way when the client left is
    let end, and its answer dropped: cut off, its connection could not be used again, and the next
    call would pay for a new one (against OpenAI, a TLS handshake). No further call is made,
    nothing is logged or left unclosed (the suite's warnings are errors), and the next query is
    answered whole, on the same connection."""
    api = create_api_app(make_settings(bench_latency_ms=1))
    ports: list[int] = []

    async def noting_ports(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1/") and scope["client"]:
            ports.append(scope["client"][1])
        await api(scope, receive, send)

    with serving() as start:
        upstream = start(noting_ports)
        with httpx.Client(base_url=upstream, timeout=30) as client:
            conversation = _conversation_of_160_items(client)
            client.put("/_bench/latency", json={"milliseconds": 1000 * LATENCY}).raise_for_status()
        ports.clear()
        url = start(create_app(make_settings(upstream_url=f"{upstream}/v1")))
        server = _Server(url, Recording(), conversation, [])
        server.leave_once(lambda: bool(ports), server.request(_LONG, {"id": conversation}))
        line = _next_line(operations, 1)
        assert (line["upstreamCalls"], line["errorCodes"]) == (1, ["CLIENT_CLOSED_REQUEST"])
        time.sleep(2 * LATENCY)  # the call under way ends meanwhile; the second page's would have begun
        assert len(ports) == 1
        with httpx.Client(base_url=url, timeout=30) as gateway:
            answer = gateway.post("/graphql", json={"query": _LONG, "variables": {"id": conversation}}).json()
        assert len(answer["data"]["conversation"]["items"]["edges"]) == 150
        assert len(ports) == 3
        assert ports[1] == ports[0]  # the next query's first call came on the abandoned call's connection
