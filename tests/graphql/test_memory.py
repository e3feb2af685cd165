"""A request's objects are freed when it ends, by reference counting alone.

A reference cycle anywhere in a request (its context, loaders, execution) keeps everything the
request reached, every item it fetched included, until Python's cycle collector runs: memory
grows between collections and each collection costs CPU in proportion. These tests run a
request with the collector off and check that nothing of it is left.

Requests that end with field errors are among them: an error's traceback holds the frames of
the execution that holds the error, so the gateway lets go of the tracebacks once the errors
are coded and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import FieldNode

import gateway.app
from gateway.app import create_app
from gateway.graphql_view import GatewayGraphQL
from gateway.loaders import Loaders
from gateway.schema import GatewayContext, build_schema, hooks, selection
from tests.conftest import Gateway, SettingsFactory
from tests.graphql.conftest import Seed, messages
from tests.graphql.harness import GraphQLClient, Recording

QUERY = """query($c: ID!) {
  conversation(id: $c) { createdAt metadata { key value }
    items(last: 5) { pageInfo { hasPreviousPage } edges { cursor node { __typename ... on Message { role
      content { ... on InputTextContent { text } ... on OutputTextContent { text } } } } } } }
}"""
"""Reads: a conversation and a page of its items."""

MUTATION = """mutation($c: ID!) { addConversationItems(input: {conversationId: $c,
  items: [{message: {role: USER, text: "hello"}}]}) { conversation { items(last: 2) { nodes { __typename } } } } }"""


@pytest.mark.parametrize("http", ["asgi"], indirect=True)
@pytest.mark.parametrize("operation", [QUERY, MUTATION])
async def test_a_request_leaves_nothing_for_the_cycle_collector(
    seed: Seed, graphql: GraphQLClient, request_contexts: list[weakref.ref[GatewayContext]], operation: str
) -> None:
    conversation_id = await seed(*messages(6))
    contexts = request_contexts
    await graphql.execute(QUERY, {"c": conversation_id})  # warm: caches filled, lazy imports done
    gc.collect()
    contexts.clear()

    gc.disable()
    try:
        answer = await graphql.execute(operation, {"c": conversation_id})
        for _ in range(5):  # callbacks of finished tasks run on the next turns of the loop
            await asyncio.sleep(0)
        left = [reference() for reference in contexts]
    finally:
        gc.enable()

    assert answer.get("data"), answer
    assert len(left) == 1
    assert left[0] is None, "the request's context is still alive: a reference cycle holds it"


@pytest.mark.parametrize("http", ["network"], indirect=True)
async def test_a_request_over_a_socket_leaves_nothing_for_the_cycle_collector(
    seed: Seed,
    graphql: GraphQLClient,
    request_contexts: list[weakref.ref[GatewayContext]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Served by the gateway's HTTP protocol, a request also has what stops it if its client goes
    away (gateway/abandon.py) and a transport that writes its answer in one call: none of it may
    hold the request. Nor may the connection, kept open for the next request, hold the last one's
    loaders (and every item they fetched). The server runs in another thread, which may end the
    request just after its answer has come: they are looked at until they are freed, for up to 2 s."""
    conversation_id = await seed(*messages(6))
    await graphql.execute(QUERY, {"c": conversation_id})
    gc.collect()
    request_contexts.clear()

    loaders: list[weakref.ref[Loaders]] = []
    get_context = GatewayGraphQL.get_context  # request_contexts' own

    async def remembered(self: GatewayGraphQL, request: Any, response: Any) -> Any:
        context = await get_context(self, request, response)
        loaders.append(weakref.ref(context.loaders))
        return context

    monkeypatch.setattr(GatewayGraphQL, "get_context", remembered)

    gc.disable()
    try:
        answer = await graphql.execute(QUERY, {"c": conversation_id})
        (context,) = request_contexts
        (loader,) = loaders
        for _ in range(200):
            if context() is None and loader() is None:
                break
            await asyncio.sleep(0.01)
        left = (context(), loader())
    finally:
        gc.enable()

    assert answer.get("data"), answer
    assert left == (None, None), "the request's context or loaders are still alive"


ERRORS = {
    "not found": (
        '{ conversation(id: "conv_missing") { createdAt items(first: 2) { nodes { __typename } } } }',
        "NOT_FOUND",
    ),
    "bad argument": (
        "query($c: ID!) { conversation(id: $c) { items(first: -1) { nodes { __typename } } } }",
        "BAD_USER_INPUT",
    ),
    "upstream error": (
        "query($c: ID!) { conversation(id: $c) { createdAt items(first: 2) { nodes { __typename } } } }",
        "UPSTREAM_UNAVAILABLE",
    ),
}
"""Operations that end with a field error, and its code."""


@pytest.mark.parametrize("http", ["asgi"], indirect=True)
@pytest.mark.parametrize("case", ERRORS)
async def test_a_request_with_a_field_error_leaves_nothing_for_the_cycle_collector(
    seed: Seed,
    graphql: GraphQLClient,
    upstream: Recording,
    request_contexts: list[weakref.ref[GatewayContext]],
    case: str,
) -> None:
    """The errors' tracebacks would hold the execution that holds the errors."""
    query, code = ERRORS[case]
    conversation_id = await seed(*messages(3))
    if case == "upstream error":
        upstream.fault = lambda request: httpx.Response(500) if request.url.path.endswith("/items") else None
    await graphql.execute(query, {"c": conversation_id})
    gc.collect()
    request_contexts.clear()

    gc.disable()
    try:
        answer = await graphql.execute(query, {"c": conversation_id})
        for _ in range(5):
            await asyncio.sleep(0)
        left = [reference() for reference in request_contexts]
    finally:
        gc.enable()

    assert [error["extensions"]["code"] for error in answer["errors"]] == [code]
    assert len(left) == 1
    assert left[0] is None, "the request's context is still alive: a reference cycle holds it"


async def test_a_failed_page_past_the_budget_leaves_nothing_for_the_cycle_collector(
    gateway: Gateway, request_contexts: list[weakref.ref[GatewayContext]]
) -> None:
    """The page's error, raised again as its conversation's, would hold the frame that raises it."""
    client, upstream = await gateway(upstream_budget=1)
    created = await client.http.post("/v1/conversations", json={}, headers={"Authorization": "Bearer sk-test"})
    upstream.fault = lambda request: httpx.Response(403) if request.url.path.endswith("/items") else None
    query = "query($c: ID!) { conversation(id: $c) { items(first: 2) { nodes { __typename } } } }"
    await client.execute(query, {"c": created.json()["id"]})
    gc.collect()
    request_contexts.clear()

    gc.disable()
    try:
        answer = await client.execute(query, {"c": created.json()["id"]})
        for _ in range(5):
            await asyncio.sleep(0)
        left = [reference() for reference in request_contexts]
    finally:
        gc.enable()

    assert answer["data"] == {"conversation": None}
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["FORBIDDEN"]
    assert len(left) == 1
    assert left[0] is None, "the request's context is still alive: a reference cycle holds it"


@contextlib.asynccontextmanager
async def _gateway_of_its_own(make_settings: SettingsFactory) -> AsyncIterator[GraphQLClient]:
    """A gateway built for the test alone (the fixtures' gateways outlive it), over ASGI."""
    app = create_app(make_settings())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as http,
    ):
        yield GraphQLClient(http)


async def _write_and_read(graphql: GraphQLClient) -> None:
    """A conversation created, then read with a page of its items."""
    created = await graphql.data(
        'mutation { createConversation(input: {items: [{message: {role: USER, text: "hello"}}]}) '
        "{ conversation { conversationId } } }"
    )
    conversation_id = created["createConversation"]["conversation"]["conversationId"]
    read = await graphql.data(QUERY, {"c": conversation_id})
    assert read["conversation"]["items"]["edges"][0]["node"]["role"] == "USER"


async def test_a_closed_gateway_leaves_its_schema_to_be_freed(
    make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A schema's execution plans are dropped by a finalizer on each parsed operation; the
    finalizer's arguments stay in weakref's global registry until the operation goes, and the
    operation is in the schema's own parse cache. Held strongly, they kept every schema built in
    the process, and all it reached, alive for good (the test suite grew to 7.5 million objects)."""
    built: list[weakref.ref[Any]] = []

    def recorded(*arguments: Any, **keywords: Any) -> Any:
        schema = build_schema(*arguments, **keywords)
        built.append(weakref.ref(schema))
        return schema

    monkeypatch.setattr(gateway.app, "build_schema", recorded)
    async with _gateway_of_its_own(make_settings) as graphql:
        await _write_and_read(graphql)
    del graphql
    gc.collect()

    assert len(built) == 1
    assert built[0]() is None, "the schema is still alive after its gateway closed"


async def test_a_document_the_parse_cache_let_go_is_freed_though_it_ran(
    make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The selections kept per field node (and the variables used under each) knew their nodes by
    strong references: each of their 1,024 entries kept a whole document, every token and node
    of it, after the parse cache had let it go. Now by weak references."""
    built: list[Any] = []

    def recorded(*arguments: Any, **keywords: Any) -> Any:
        schema = build_schema(*arguments, **keywords)
        schema.hooks = hooks.OperationHooks(schema.hooks.limits, cache_size=1)
        built.append(schema)
        return schema

    monkeypatch.setattr(gateway.app, "build_schema", recorded)
    async with _gateway_of_its_own(make_settings) as graphql:
        await _write_and_read(graphql)
        (kept,) = built[0].hooks._documents.values()
        operation = kept.document.definitions[0]
        field = weakref.ref(operation.selection_set.selections[0])  # `conversation`, whose selections were kept
        named = field()
        assert isinstance(named, FieldNode)
        assert named.name.value == "conversation"
        del kept, operation, named
        await graphql.data("{ __typename }")  # the cache, of one document, lets the first go
        gc.collect()
        assert field() is None, "a document the parse cache let go is still alive"


async def test_the_kept_selections_are_bounded_by_what_they_weigh(
    seed: Seed, graphql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A variable used under a field makes a new entry for each of its values, and one field's
    selections can be 20,000 objects: the entries are bounded by their weight, not only their number."""
    conversation_id = await seed(*messages(3))
    monkeypatch.setattr(selection, "_SELECTIONS", OrderedDict())
    monkeypatch.setattr(selection, "_selections_bytes", 0)
    query = "query($c: ID!, $n: Int) { conversation(id: $c) { items(first: $n) { nodes { __typename } } } }"
    await graphql.data(query, {"c": conversation_id, "n": 1})
    one = selection._selections_bytes
    assert one > 0
    monkeypatch.setattr(selection, "_SELECTIONS_BYTES", 3 * one)

    for n in range(2, 12):
        data = await graphql.data(query, {"c": conversation_id, "n": n})
        assert len(data["conversation"]["items"]["nodes"]) == min(n, 3)
    # Eleven values of `$n` were eleven entries for `conversation`; the oldest went.
    assert len(selection._SELECTIONS) < 11
    assert selection._selections_bytes <= 3 * one
    assert selection._selections_bytes == sum(entry[2] for entry in selection._SELECTIONS.values())
