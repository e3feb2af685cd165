"""Limits, budget, deadline, circuit breaker and logs: each refusal has its code and costs no upstream call."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query, parse

from gateway.schema.ids import encode_cursor
from gateway.schema.limits import estimate_upstream_calls
from tests.conftest import Gateway
from tests.graphql.conftest import Seed, messages
from tests.graphql.harness import GraphQLClient, Recording


async def _conversation(client: GraphQLClient, items: int = 0) -> str:
    http = client.http
    created = (await http.post("/v1/conversations", json={}, headers={"Authorization": "Bearer sk-test"})).json()
    for start in range(0, items, 20):
        batch = messages(items)[start : start + 20]
        await http.post(
            f"/v1/conversations/{created['id']}/items",
            json={"items": batch},
            headers={"Authorization": "Bearer sk-test"},
        )
    conversation_id: str = created["id"]
    return conversation_id


def _only_error(body: dict[str, Any]) -> dict[str, Any]:
    (error,) = body["errors"]
    assert isinstance(error, dict)
    return error


@pytest.mark.parametrize(
    ("settings", "query", "code"),
    [
        (
            {"max_depth": 3},
            '{ conversation(id: "conv_1") { items { nodes { ... on Message { content { __typename } } } } } }',
            "OPERATION_TOO_DEEP",
        ),
        (
            {"max_aliases": 2},
            '{ a: conversation(id: "1") { id } b: conversation(id: "2") { id } c: node(id: "3") { id } }',
            "TOO_MANY_ALIASES",
        ),
        (
            {"max_tokens": 10},
            '{ conversation(id: "conv_1") { id conversationId createdAt metadata { key value } } }',
            "TOO_MANY_TOKENS",
        ),
        (
            # 13 once the fragment is spread three times.
            {"max_selections": 10},
            '{ conversation(id: "conv_1") { ...F ...F ...F } }'
            " fragment F on Conversation { id conversationId createdAt }",
            "OPERATION_TOO_COMPLEX",
        ),
        (
            {"max_validation_work": 100},
            "{ " + 'conversation(id: "conv_1") { conversationId } ' * 10 + "}",
            "OPERATION_TOO_COMPLEX",
        ),
    ],
)
async def test_each_document_limit_is_refused_before_any_upstream_call(
    gateway: Gateway, settings: dict[str, Any], query: str, code: str
) -> None:
    client, upstream = await gateway(**settings)
    body = await client.execute(query)
    error = _only_error(body)
    assert error["extensions"]["code"] == code
    limit = next(iter(settings.values()))
    assert error["extensions"]["limit"] == limit
    assert str(limit) in error["message"]
    assert upstream.count == 0


async def test_a_large_request_body_is_refused(gateway: Gateway) -> None:
    client, upstream = await gateway(max_request_bytes=2048)
    padding = " " * 3000
    sized = await client.http.post("/graphql", json={"query": "{ __typename }" + padding})

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }'
        for _ in range(10):
            yield b" " * 512
        yield b'"}'

    streamed = await client.http.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
    for answer in (sized, streamed):
        assert answer.status_code == 413
        assert answer.json()["errors"][0]["extensions"] == {"code": "REQUEST_TOO_LARGE", "limit": 2048}
    assert upstream.count == 0


async def test_an_operation_over_the_upstream_budget_is_refused_before_any_call(gateway: Gateway) -> None:
    client, upstream = await gateway(upstream_budget=50)
    ids = [f"conv_{n}" for n in range(51)]
    body = await client.execute("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    error = _only_error(body)
    assert error["extensions"] == {"code": "OPERATION_TOO_EXPENSIVE", "estimate": 51, "limit": 50}
    assert "51" in error["message"]
    assert "50" in error["message"]
    assert "data" not in body or body["data"] is None

    # 250 items and the check for a next one: 3 pages of 100 each, and the pages show the conversation exists.
    aliased = " ".join(
        f'c{n}: conversation(id: "conv_{n}") {{ items(first: 250) {{ nodes {{ __typename }} }} }}' for n in range(17)
    )
    refused = _only_error(await client.execute(f"{{ {aliased} }}"))
    assert refused["extensions"] == {"code": "OPERATION_TOO_EXPENSIVE", "estimate": 51, "limit": 50}
    assert upstream.count == 0


async def test_what_skip_and_include_leave_out_is_not_counted_against_the_budget(gateway: Gateway) -> None:
    """A client's optional part (`@include(if: $expanded)`) costs nothing when it is left out, by
    the variable's value or by its default."""
    client, upstream = await gateway(upstream_budget=50)
    aliased = " ".join(f'c{n}: conversation(id: "conv_{n}") {{ createdAt }}' for n in range(60))
    optional = f"query($more: Boolean!) {{ ... @include(if: $more) {{ {aliased} }} }}"
    assert await client.data(optional, {"more": False}) == {}
    assert upstream.count == 0
    refused = _only_error(await client.execute(optional, {"more": True}))
    assert refused["extensions"] == {"code": "OPERATION_TOO_EXPENSIVE", "estimate": 60, "limit": 50}
    by_default = optional.replace("$more: Boolean!", "$more: Boolean! = false")
    assert await client.data(by_default) == {}
    assert _only_error(await client.execute(by_default, {"more": True}))["extensions"]["estimate"] == 60
    assert upstream.count == 0


async def test_conversations_read_by_their_pages_alone_fit_the_budget_call_for_call(gateway: Gateway) -> None:
    """A page shows its conversation exists, so the estimate counts no record: 50 pages fit a budget of 50."""
    client, upstream = await gateway()
    ids = [await _conversation(client, 2) for _ in range(51)]
    upstream.clear()
    pages = (
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Conversation { items(first: 10) { nodes { __typename } } } } }"
    )
    # A repeated id is fetched once, and estimated once.
    data = await client.data(pages, {"ids": [*ids[:50], ids[0]]})
    assert [len(node["items"]["nodes"]) for node in data["nodes"]] == [2] * 51
    assert upstream.count == 50

    more = _only_error(await client.execute(pages, {"ids": ids}))
    assert more["extensions"] == {"code": "OPERATION_TOO_EXPENSIVE", "estimate": 51, "limit": 50}
    with_record = pages.replace("... on Conversation {", "... on Conversation { createdAt")
    refused = _only_error(await client.execute(with_record, {"ids": ids[:26]}))
    assert refused["extensions"] == {"code": "OPERATION_TOO_EXPENSIVE", "estimate": 52, "limit": 50}
    assert upstream.count == 50


PAGE = "items(first: 2) { edges { node { __typename } } pageInfo { hasNextPage } }"
EXACT = {
    "the record": ("query($a: ID!) { conversation(id: $a) { createdAt metadata { key } } }", 1),
    "only the id": ("query($a: ID!) { conversation(id: $a) { id conversationId } }", 1),
    "a page": (f"query($a: ID!) {{ conversation(id: $a) {{ conversationId {PAGE} }} }}", 1),
    "the record and a page": (f"query($a: ID!) {{ conversation(id: $a) {{ createdAt {PAGE} }} }}", 2),
    "the record in a fragment": (
        f"query($a: ID!) {{ conversation(id: $a) {{ ...R {PAGE} }} }} "
        'fragment R on Conversation { metadataValue(key: "k") }',
        2,
    ),
    "two pages": (
        f"query($a: ID!) {{ conversation(id: $a) {{ newest: items(last: 1) {{ nodes {{ __typename }} }} {PAGE} }} }}",
        2,
    ),
    "a node's page": (f"query($a: ID!) {{ node(id: $a) {{ id ... on Conversation {{ {PAGE} }} }} }}", 1),
    "a node read as an item": ("query($a: ID!) { node(id: $a) { id ... on Message { role } } }", 1),
    "a repeated id": ("query($a: ID!, $b: ID!) { nodes(ids: [$a, $b, $a]) { id } }", 2),
    "a conversation by both its ids": (
        f"query($a: ID!, $g: ID!) {{ nodes(ids: [$a, $g]) {{ ... on Conversation {{ createdAt {PAGE} }} }} }}",
        2,
    ),
    "nodes' pages": (f"query($a: ID!, $b: ID!) {{ nodes(ids: [$a, $b]) {{ ... on Conversation {{ {PAGE} }} }} }}", 2),
    "nodes' records and pages": (
        "query($a: ID!, $b: ID!) { nodes(ids: [$a, $b]) { "
        f"... on Node {{ ... on Conversation {{ createdAt {PAGE} }} }} }} }}",
        4,
    ),
    "a write and its newest items": (
        "mutation($a: ID!) { addConversationItems(input: {conversationId: $a, items: [{message: {role: USER, "
        'text: "hi"}}]}) { conversation { items(last: 5) { nodes { __typename } } } } }',
        2,
    ),
    "a write, the record and the newest items": (
        "mutation($a: ID!) { addConversationItems(input: {conversationId: $a, items: [{message: {role: USER, "
        'text: "hi"}}]}) { conversation { createdAt items(last: 5) { nodes { __typename } } } } }',
        3,
    ),
    "a new conversation, its record and its first page": (
        'mutation { createConversation(input: {metadata: [{key: "k", value: "v"}]}) { '
        "conversation { createdAt metadata { key } items(first: 2) { nodes { __typename } } } } }",
        2,
    ),
    "new metadata and the record": (
        'mutation($a: ID!) { updateConversation(input: {id: $a, metadata: [{key: "k", value: "v"}]}) { '
        "conversation { createdAt metadata { key value } } } }",
        1,
    ),
    "an item deleted, the record and the rest": (
        "mutation($a: ID!, $b: ID!) { deleteConversationItem(input: {conversationId: $a, itemId: $b}) { "
        f"deletedItemId conversation {{ createdAt {PAGE} }} }} }}",
        2,
    ),
    # What @skip and @include leave out is not counted, as it is not executed.
    "a page left out by @skip": (
        "query($a: ID!, $s: Boolean!) { conversation(id: $a) { createdAt "
        "items(first: 2) @skip(if: $s) { edges { node { __typename } } } } }",
        1,
    ),
    "the record left out by @include": (
        f"query($a: ID!) {{ conversation(id: $a) {{ createdAt @include(if: false) {PAGE} }} }}",
        1,
    ),
    "a conversation in a fragment left out by @skip": (
        "query($a: ID!, $b: ID!, $s: Boolean!) { ... @skip(if: $s) { conversation(id: $a) { createdAt } } "
        "other: conversation(id: $b) { createdAt } }",
        1,
    ),
}
"""Operations whose estimate is the calls they make when the upstream answers, exactly."""


@pytest.mark.parametrize("http", ["asgi"], indirect=True)
@pytest.mark.parametrize("case", EXACT)
async def test_the_estimate_is_the_calls_made_when_the_upstream_answers(
    case: str, seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    document, calls = EXACT[case]
    a, b = await seed(*messages(3)), await seed(*messages(3))
    if case in ("a node read as an item", "an item deleted, the record and the rest"):
        listed = await graphql.data(
            "query($a: ID!) { conversation(id: $a) { items(first: 1) { nodes { ... on Message { id itemId } } } } }",
            {"a": a},
        )
        item = listed["conversation"]["items"]["nodes"][0]
        a, b = (item["id"], b) if case == "a node read as an item" else (a, item["itemId"])
        upstream.clear()
    variables = {"a": a, "b": b, "g": base64.b64encode(f"Conversation:{a}".encode()).decode(), "s": True}
    variables = {name: value for name, value in variables.items() if f"${name}" in document}
    assert estimate_upstream_calls(parse(document), None, variables) == calls
    await graphql.data(document, variables)
    assert upstream.count == calls


async def test_a_failed_page_past_the_budget_fails_its_conversation_with_the_page_error(gateway: Gateway) -> None:
    """The record a failed page makes the gateway read is not estimated; past the budget, the page's error stands."""
    for budget, expected in ((1, {"conversation": None}), (2, None)):
        client, upstream = await gateway(upstream_budget=budget)
        conversation_id = await _conversation(client, 2)
        upstream.clear()
        upstream.fault = lambda request: (
            httpx.Response(403, json={"error": {"message": "no", "type": "x", "param": None, "code": None}})
            if request.url.path.endswith("/items")
            else None
        )
        query = "query($id: ID!) { conversation(id: $id) { conversationId items(first: 2) { nodes { __typename } } } }"
        body = await client.execute(query, {"id": conversation_id})
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        if expected is None:  # within the budget the record is read: only the page's field fails
            assert body["data"] == {"conversation": {"conversationId": conversation_id, "items": None}}
            assert error["path"] == ["conversation", "items"]
        else:
            assert body["data"] == expected
            assert error["path"] == ["conversation"]
        assert upstream.count == budget


async def test_the_budget_is_also_counted_during_execution(gateway: Gateway) -> None:
    """A backward page with both cursors scans until it meets `after`: more calls than estimated."""
    client, upstream = await gateway(upstream_budget=5)  # the estimate's (a page, its neighbours, its stop)
    conversation_id = await _conversation(client, 560)
    listed = (
        await client.http.get(
            f"/v1/conversations/{conversation_id}/items",
            params={"order": "asc", "limit": 1},
            headers={"Authorization": "Bearer sk-test"},
        )
    ).json()
    oldest = listed["data"][0]["id"]
    newest = (
        await client.http.get(
            f"/v1/conversations/{conversation_id}/items",
            params={"order": "desc", "limit": 1},
            headers={"Authorization": "Bearer sk-test"},
        )
    ).json()["data"][0]["id"]
    upstream.clear()
    query = """query($id: ID!, $after: String!, $before: String!) { conversation(id: $id) {
      conversationId items(last: 1, after: $after, before: $before) { nodes { __typename } } } }"""
    body = await client.execute(
        query, {"id": conversation_id, "after": encode_cursor(oldest), "before": encode_cursor(newest)}
    )
    assert body["data"]["conversation"]["conversationId"] == conversation_id
    assert body["data"]["conversation"]["items"] is None
    assert _only_error(body)["extensions"]["code"] == "OPERATION_TOO_EXPENSIVE"
    assert upstream.count == 5


async def test_the_deadline_fails_slow_fields_returns_finished_ones_and_stops_the_rest(gateway: Gateway) -> None:
    client, upstream = await gateway(operation_timeout=0.5, upstream_attempts=1)
    fast = await _conversation(client)
    dripping = {"stopped": False}

    async def drip() -> AsyncIterator[bytes]:
        try:
            for byte in b'{"id": "conv_slow", "object": "conversation", "created_at": 1, "metadata": null}':
                await asyncio.sleep(0.2)
                yield bytes([byte])
        finally:
            dripping["stopped"] = True

    async def slow(request: httpx.Request) -> httpx.Response | None:
        if "conv_slow" not in request.url.path:
            return None
        return httpx.Response(200, content=drip(), headers={"content-type": "application/json"})

    upstream.slow_fault = slow
    body = await asyncio.wait_for(
        client.execute(
            'query($id: ID!) { slow: conversation(id: "conv_slow") { createdAt } '
            "fast: conversation(id: $id) { conversationId } }",
            {"id": fast},
        ),
        timeout=10,
    )
    assert body["data"] == {"slow": None, "fast": {"conversationId": fast}}
    assert _only_error(body)["extensions"]["code"] == "UPSTREAM_TIMEOUT"
    await asyncio.sleep(0.3)
    assert dripping["stopped"] is True  # the dripping answer was abandoned, not read on in the background


async def test_the_circuit_opens_after_repeated_failures_and_closes_again(gateway: Gateway) -> None:
    client, upstream = await gateway(circuit_breaker_failures=3, circuit_breaker_seconds=0.5, upstream_attempts=3)
    conversation_id = await _conversation(client)
    upstream.fault = lambda request: httpx.Response(503, json={"error": {"message": "down"}})
    query = "query($id: ID!) { conversation(id: $id) { conversationId } }"
    first = _only_error(await client.execute(query, {"id": conversation_id}))
    assert first["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert upstream.count == 3
    second = _only_error(await client.execute(query, {"id": conversation_id}))
    assert second["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert "stops calling it" in second["message"]
    assert upstream.count == 3  # failed fast, no call
    upstream.fault = None
    await asyncio.sleep(0.6)
    assert (await client.data(query, {"id": conversation_id}))["conversation"]["conversationId"] == conversation_id


async def test_statuses_the_api_does_not_use_open_the_circuit_without_retries(gateway: Gateway) -> None:
    """A wrong upstream URL (or a proxy in between) answering redirects is a failing upstream, but
    asking again gets the same answer: each read is sent once, and the circuit opens all the same."""
    client, upstream = await gateway(circuit_breaker_failures=3, circuit_breaker_seconds=30, upstream_attempts=3)
    upstream.fault = lambda request: httpx.Response(301, headers={"Location": "https://example.com/"})
    query = '{ conversation(id: "conv_a") { conversationId } }'
    messages = [_only_error(await client.execute(query))["message"] for _ in range(4)]
    assert messages[0] == (
        "The upstream answered HTTP 301, which the API does not answer with (is the upstream URL right?)."
    )
    assert messages[1:3] == messages[:2]
    assert "stops calling it" in messages[3]
    assert upstream.count == 3


@pytest.mark.parametrize("status", [414, 431])
async def test_a_request_too_long_for_the_upstream_is_the_clients_and_keeps_the_circuit_closed(
    gateway: Gateway, status: int
) -> None:
    """An id of 10,000 characters makes a URL that a proxy with a bound of 8 KiB (nginx's, say)
    refuses as too long; the gateway sends URLs up to 16 KiB. Counted as the upstream failing, five
    such requests from one client would open the circuit for everyone."""
    client, upstream = await gateway(circuit_breaker_failures=3, circuit_breaker_seconds=30, upstream_attempts=3)
    conversation_id = await _conversation(client)
    long_id = "conv_" + "x" * 10_000
    upstream.fault = lambda request: httpx.Response(status, text="Too long") if long_id in request.url.path else None
    query = "query($id: ID!) { conversation(id: $id) { conversationId } }"
    for _ in range(4):
        error = _only_error(await client.execute(query, {"id": long_id}))
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["message"].startswith(
            f"The upstream refused the request's {'URL' if status == 414 else 'headers'}"
        )
    assert upstream.count == 4  # each sent once
    assert (await client.data(query, {"id": conversation_id}))["conversation"]["conversationId"] == conversation_id


async def test_the_retry_budget_bounds_retries_in_one_operation(gateway: Gateway) -> None:
    client, upstream = await gateway(retry_budget=2, upstream_attempts=3, circuit_breaker_failures=100)
    upstream.fault = lambda request: httpx.Response(503, json={"error": {"message": "down"}})
    body = await client.execute('{ a: conversation(id: "conv_a") { id } b: conversation(id: "conv_b") { id } }')
    assert [error["extensions"]["code"] for error in body["errors"]] == ["UPSTREAM_UNAVAILABLE"] * 2
    assert upstream.count == 4  # two first tries and two retries, not six tries


async def test_introspection_and_graphiql_can_be_switched_off(gateway: Gateway) -> None:
    client, _ = await gateway(introspection=False)
    body = await client.execute("{ __schema { types { name } } }")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    page = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert "GraphiQL" not in page.text


_FULL_TYPE = (
    "fragment FullType on __Type { name kind fields(includeDeprecated: true) { name args { name type { name } } "
    "type { name kind ofType { name kind } } } inputFields { name } interfaces { name } possibleTypes { name } "
    "enumValues(includeDeprecated: true) { name } }"
)


async def test_the_standard_introspection_query_is_answered(graphql: GraphQLClient, upstream: Recording) -> None:
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
        one_of=True,
    )
    data = await graphql.data(query)
    names = {kind["name"] for kind in data["__schema"]["types"]}
    assert {"Conversation", "ConversationItem", "Message", "UnknownConversationItem"} <= names
    # The same with one type's own introspection beside it: `__schema` and `__type` once each.
    both = await graphql.data(
        '{ __schema { queryType { name } } __type(name: "Message") { ...FullType } } ' + _FULL_TYPE
    )
    assert both["__type"]["name"] == "Message"
    assert upstream.count == 0


async def test_a_depth_limit_under_the_introspection_querys_leaves_introspection_to_good_faith(
    gateway: Gateway,
) -> None:
    """The standard introspection query nests 15 levels: with `GATEWAY_MAX_DEPTH` under that,
    GraphiQL and every codegen tool were refused (`OPERATION_TOO_DEEP`). Good faith bounds it."""
    graphql, _ = await gateway(max_depth=4)
    query = get_introspection_query(descriptions=True, input_value_deprecation=True, one_of=True)
    data = await graphql.data(query)
    assert "Conversation" in {kind["name"] for kind in data["__schema"]["types"]}
    deep = "{ conversation(id: 1) { items { edges { node { __typename } } } } }"
    refused = await graphql.execute(deep)
    assert refused["errors"][0]["extensions"]["code"] == "OPERATION_TOO_DEEP"
    # Only a field named `__schema` or `__type` is left out: not an operation, a fragment or an
    # alias of that name (the ways round GraphQL Armor's depth limit, GHSA-hmfr-rx46-4jx2).
    for named in (
        "query __schema { conversation(id: 1) { items { edges { node { __typename } } } } }",
        "{ __schema: conversation(id: 1) { items { edges { node { __typename } } } } }",
        "{ ...__type } fragment __type on Query { conversation(id: 1) { items { edges { node { __typename } } } } }",
    ):
        named_refusal = await graphql.execute(named)
        assert named_refusal["errors"][0]["extensions"]["code"] == "OPERATION_TOO_DEEP", named
    # Introspection in bad faith is still refused: `fields` within `fields` walks the schema again.
    again = await graphql.execute("{ __schema { types { fields { type { fields { name } } } } } }")
    assert again["errors"][0]["extensions"]["code"] == "OPERATION_TOO_COMPLEX"


@pytest.mark.parametrize(
    ("query", "limit", "message"),
    [
        # 250 aliases of the whole schema, a request of 3 KB: was a 38 MB answer and 28 s of CPU on a slow host.
        (
            "{ " + " ".join(f"a{n}: __schema {{ types {{ ...FullType }} }}" for n in range(250)) + " } " + _FULL_TYPE,
            1,
            "The operation selects `__schema` 250 times",
        ),
        # A fragment on Query spread twice counts twice.
        (
            '{ ...Q ...Q } fragment Q on Query { __type(name: "Message") { name } }',
            1,
            "The operation selects `__type` 2 times",
        ),
        # Through `fields` and `type` a type leads back to types: each level walks the schema again.
        (
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
            1,
            "The operation's introspection selects `fields` 3 times",
        ),
        (
            '{ __type(name: "ConversationItem") { possibleTypes { ...T } } }'
            " fragment T on __Type { possibleTypes { name } }",
            1,
            "The operation's introspection selects `possibleTypes` 2 times",
        ),
        # Aliases of a list with none of those fields: bounded by the introspection fields it selects.
        (
            "{ __schema { " + " ".join(f"t{n}: types {{ name description }}" for n in range(200)) + " } }",
            500,
            "The operation's introspection selects 601 fields once its fragments are spread; the limit is 500",
        ),
    ],
)
async def test_introspection_not_in_good_faith_is_refused_before_it_runs(
    graphql: GraphQLClient, upstream: Recording, query: str, limit: int, message: str
) -> None:
    body = await graphql.execute(query)
    assert body.get("data") is None
    first = body["errors"][0]
    assert first["extensions"] == {"code": "OPERATION_TOO_COMPLEX", "limit": limit}
    assert first["message"].startswith(message)
    assert upstream.count == 0


async def test_data_fields_and_typenames_do_not_count_as_introspection(graphql: GraphQLClient, seed: Seed) -> None:
    """Only what `__schema` and `__type` select counts: `__typename` (240 of them here), and those
    names in a string, are not introspection."""
    conversation_id = await seed(*messages(1))
    typenames = " ".join(f"t{n}: __typename" for n in range(240))
    query = (
        f"query($id: ID!) {{ {typenames} c: conversation(id: $id) {{ items {{ nodes {{ __typename }} }} "
        'metadataValue(key: "__schema __type fields") } }'
    )
    data = await graphql.data(query, {"id": conversation_id})
    assert data["t239"] == "Query"
    assert data["c"]["items"]["nodes"] == [{"__typename": "Message"}]


async def test_each_operation_logs_one_json_line_without_keys(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = await gateway()
    conversation_id = await _conversation(client, 2)
    caplog.set_level(logging.INFO, logger="gateway.operations")
    answer = await client.http.post(
        "/graphql",
        json={
            "query": "query Chat($id: ID!) { conversation(id: $id) { items { nodes { __typename } } } "
            'missing: conversation(id: "conv_x") { id } }',
            "variables": {"id": conversation_id},
            "operationName": "Chat",
        },
        headers={"Authorization": "Bearer sk-very-secret", "X-Request-Id": "trace-42"},
    )
    assert answer.headers["x-request-id"] == "trace-42"
    (line,) = [record.getMessage() for record in caplog.records if record.name == "gateway.operations"]
    logged = json.loads(line)
    assert logged["requestId"] == "trace-42"
    assert logged["operationName"] == "Chat"
    assert logged["operationType"] == "query"
    assert logged["upstreamCalls"] == 2  # the page, and the missing conversation
    assert logged["errorCodes"] == ["NOT_FOUND"]
    assert logged["durationMs"] > 0
    assert "sk-very-secret" not in caplog.text
    assert conversation_id not in line  # variables are not logged


async def test_a_long_operation_name_is_logged_by_its_start_and_end(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    """The name is the client's, as long as its document: 200 KB of it was a log line of 200 KB,
    which log shippers split or drop (Docker's lines end at 16 KB, journald's at 48 KB)."""
    client, _ = await gateway()
    name = "Load" + "x" * 200_000 + "Conversation"
    caplog.set_level(logging.INFO, logger="gateway.operations")
    answer = await client.http.post("/graphql", json={"query": f"query {name} {{ __typename }}", "operationName": name})
    assert answer.json() == {"data": {"__typename": "Query"}}
    (line,) = [record.getMessage() for record in caplog.records if record.name == "gateway.operations"]
    logged = json.loads(line)["operationName"]
    assert logged == f"{name[:160]}…{name[-40:]}"
    assert len(line) < 600


async def test_a_request_id_is_made_when_the_client_sends_none_or_a_bad_one(gateway: Gateway) -> None:
    client, _ = await gateway()
    plain = await client.http.post("/graphql", json={"query": "{ __typename }"})
    bad = await client.http.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-Id": "x" * 65})
    assert len(plain.headers["x-request-id"]) == 32
    assert len(bad.headers["x-request-id"]) == 32


def _doubling(levels: int) -> str:
    """A document of a few hundred characters per level whose fragments each spread the next twice."""
    fragments = " ".join(
        f"fragment F{level} on Conversation {{ conversationId ...F{level + 1} ...F{level + 1} }}"
        for level in range(levels)
    )
    return (
        f"query($id: ID!) {{ conversation(id: $id) {{ ...F0 }} }} {fragments} "
        f"fragment F{levels} on Conversation {{ items {{ nodes {{ __typename }} }} }}"
    )


async def test_fragments_that_double_at_each_level_are_refused_by_their_expanded_size(
    graphql: GraphQLClient, upstream: Recording, seed: Seed
) -> None:
    """Walked spread by spread, 20 levels are a million fragments: the gateway's depth check, its
    upstream estimate and Strawberry's selections each took minutes, the event loop serving nobody."""
    conversation_id = await seed(*messages(1))
    upstream.clear()
    body = await graphql.execute(_doubling(20), {"id": conversation_id})
    error = _only_error(body)
    assert error["extensions"] == {"code": "OPERATION_TOO_COMPLEX", "limit": 20_000}
    # F20 selects 3; each level below it 1 + 2 * (1 + the next): F0 3 * (2**21 - 1); the operation's field and spread 2.
    assert error["message"].startswith(f"The operation selects {2 + 3 * (2**21 - 1)} fields and fragments")
    assert upstream.count == 0
    # Two levels fit, and are answered.
    data = await graphql.data(_doubling(2), {"id": conversation_id})
    assert data["conversation"]["items"]["nodes"] == [{"__typename": "Message"}]


async def test_same_named_fields_too_many_to_check_are_refused_with_the_gateway_limit(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    """graphql-core compares same-named fields in pairs; its own budget let one document of 15,000
    tokens take a second of CPU. The gateway's default budget is a tenth of it."""
    query = "query($id: ID!) { conversation(id: $id) { " + "items { nodes { __typename } } " * 2000 + "} }"
    error = _only_error(await graphql.execute(query, {"id": "conv_1"}))
    assert error["extensions"] == {"code": "OPERATION_TOO_COMPLEX", "limit": 50_000}
    assert "fields of the same name" in error["message"]
    assert upstream.count == 0


async def test_fragments_nested_past_what_validation_follows_are_refused_clearly(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    fragments = " ".join(f"fragment F{n} on Conversation {{ ...F{n + 1} }}" for n in range(400))
    query = (
        f"query($id: ID!) {{ conversation(id: $id) {{ ...F0 }} }} {fragments} fragment F400 on Conversation {{ id }}"
    )
    error = _only_error(await graphql.execute(query, {"id": "conv_1"}))
    assert error["extensions"] == {"code": "OPERATION_TOO_COMPLEX"}
    assert error["message"].startswith("The document is too complex to validate: its fragments are spread, or nested")
    assert upstream.count == 0


async def _long_message_conversation(client: GraphQLClient, text: str) -> str:
    conversation_id = await _conversation(client)
    message = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    created = await client.http.post(
        f"/v1/conversations/{conversation_id}/items",
        json={"items": [message]},
        headers={"Authorization": "Bearer sk-test"},
    )
    assert created.status_code == 200
    return conversation_id


WRITE_TEXT = """mutation($id: ID!, $text: String!) { addConversationItems(input: {conversationId: $id,
  items: [{message: {role: USER, text: $text}}]}) { items { __typename } } }"""
"""Appends one user message of `$text`."""


async def test_an_answer_longer_than_the_gateway_reads_fails_its_field_once_and_keeps_the_circuit_closed(
    gateway: Gateway,
) -> None:
    """A page of items longer than `upstream_max_answer_bytes` fails the field that asked for it,
    with what to do instead. Asking again would get the same answer: it is not retried, and it is
    not the upstream failing, so the circuit stays closed for everyone else."""
    client, upstream = await gateway(upstream_max_answer_bytes=4096, circuit_breaker_failures=2, upstream_attempts=3)
    conversation_id = await _long_message_conversation(client, "x" * 5000)
    query = """query($id: ID!) { conversation(id: $id) { conversationId
      items(last: 5) { edges { node { __typename } } } } }"""
    for _ in range(3):
        body = await client.execute(query, {"id": conversation_id})
        assert body["data"] == {"conversation": {"conversationId": conversation_id, "items": None}}
        error = _only_error(body)
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert error["message"] == (
            "The upstream's answer to GET conversations is longer than 4 KiB, the most the gateway reads. "
            "Ask for fewer items at a time."
        )
        assert error["path"] == ["conversation", "items"]
    assert upstream.count == 6  # the record and the page, each once a time

    error = _only_error(await client.execute(WRITE_TEXT, {"id": conversation_id, "text": "y" * 5000}))
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["message"] == (
        "The upstream's answer to POST conversations is longer than 4 KiB, the most the gateway reads. "
        "The write may or may not have been applied: read the conversation before trying again."
    )
    assert upstream.count == 7

    # The circuit is still closed: the conversation's record (short) reads.
    record = "query($id: ID!) { conversation(id: $id) { conversationId } }"
    assert (await client.data(record, {"id": conversation_id}))["conversation"] == {"conversationId": conversation_id}
    assert upstream.count == 8
    # The write was applied, as the message allows.
    listed = await client.http.get(
        f"/v1/conversations/{conversation_id}/items", headers={"Authorization": "Bearer sk-test"}
    )
    assert [item["content"][0]["text"][0] for item in listed.json()["data"]] == ["y", "x"]


async def test_a_request_past_the_concurrent_bound_is_refused_at_once_until_one_ends(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    """With `max_concurrent_requests` under way, one more is answered 503 at once, with no upstream
    call and a GraphQL error saying when to try again; once one ends, the next is served. The
    operator gets a warning, at most one a second."""
    caplog.set_level(logging.WARNING, logger="gateway.overload")
    client, upstream = await gateway(max_concurrent_requests=2)
    conversation_id = await _conversation(client)
    release, both_held = asyncio.Event(), asyncio.Event()
    held: list[str] = []

    async def hold(request: httpx.Request) -> httpx.Response | None:
        held.append(request.url.path)
        if len(held) == 2:
            both_held.set()
        await release.wait()
        return None

    upstream.slow_fault = hold
    query = "query($id: ID!) { conversation(id: $id) { conversationId createdAt } }"
    running = [asyncio.create_task(client.data(query, {"id": conversation_id})) for _ in range(2)]
    await asyncio.wait_for(both_held.wait(), timeout=10)

    headers = {"Authorization": "Bearer sk-test"}
    for accept, media_type in (
        ("application/json", "application/json"),
        ("application/graphql-response+json", "application/graphql-response+json"),
    ):
        refused = await client.http.post(
            "/graphql",
            json={"query": query, "variables": {"id": conversation_id}},
            headers={**headers, "Accept": accept},
        )
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["content-type"] == media_type
        assert refused.json() == {
            "errors": [
                {
                    "message": "The gateway is running 2 requests, the most it runs at once; try again in 1 second.",
                    "extensions": {"code": "OVERLOADED", "limit": 2, "retryAfter": 1},
                }
            ]
        }
    assert len(held) == 2  # no upstream call for the refused requests
    # The first refusal is logged at once; the second, within the second, waits for the next line.
    assert [record.getMessage() for record in caplog.records if record.name == "gateway.overload"] == [
        "overloaded: refused 1 request since the last such line, with 2 under way, "
        "the most GATEWAY_MAX_CONCURRENT_REQUESTS allows"
    ]

    release.set()
    for answer in await asyncio.gather(*running):
        assert answer["conversation"]["conversationId"] == conversation_id
    upstream.slow_fault = None
    # Served again, as many at once as the bound allows.
    answers = await asyncio.gather(*(client.data(query, {"id": conversation_id}) for _ in range(2)))
    assert [answer["conversation"]["conversationId"] for answer in answers] == [conversation_id] * 2


async def test_a_failed_request_frees_its_place(gateway: Gateway) -> None:
    """A request that fails (here an upstream that answers 500, or a body sent without a length
    that passes the limit while it is read) ends, and no longer counts toward
    `max_concurrent_requests`."""
    client, upstream = await gateway(max_concurrent_requests=1, upstream_attempts=1)
    upstream.fault = lambda request: httpx.Response(500, json={"error": {"message": "down"}})
    query = '{ conversation(id: "conv_a") { conversationId } }'
    for _ in range(3):
        body = await client.execute(query)
        assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"

    async def unsized() -> AsyncIterator[bytes]:
        yield b'{"query": "'
        for _ in range(3):
            yield b" " * 600_000
        yield b'{ __typename }"}'

    for _ in range(2):
        too_large = await client.http.post("/graphql", content=unsized(), headers={"Content-Type": "application/json"})
        assert too_large.status_code == 413
        assert too_large.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert (await client.data("{ __typename }")) == {"__typename": "Query"}


BUDGET_MESSAGE = (
    "The upstream's answers to this operation came to more than its budget of 8 KiB: the rest is not read. "
    "Ask for fewer items at a time."
)


async def test_an_operations_answers_share_a_budget_of_bytes(gateway: Gateway) -> None:
    """Each page is under the bound on one answer, but together they pass the operation's budget:
    the pages read past it fail with OPERATION_TOO_EXPENSIVE, the calls after it are not sent, and
    the next operation has a budget of its own."""
    client, upstream = await gateway(upstream_bytes_budget=8192)
    ids = [await _long_message_conversation(client, letter * 5000) for letter in "abc"]
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Conversation { conversationId
      items(first: 1) { nodes { ... on Message { content { ... on InputTextContent { text } } } } } } } }"""
    body = await client.execute(query, {"ids": ids})
    read = [node for node in body["data"]["nodes"] if node is not None and node["items"] is not None]
    assert len(read) == 1  # 5 KB read; the next 5 KB passes the budget of 8 KB
    letter = "abc"[ids.index(read[0]["conversationId"])]
    assert read[0]["items"]["nodes"][0]["content"][0]["text"] == letter * 5000
    assert {error["extensions"]["code"] for error in body["errors"]} == {"OPERATION_TOO_EXPENSIVE"}
    assert {error["message"] for error in body["errors"]} == {BUDGET_MESSAGE}
    assert len(body["errors"]) == 2
    # The three pages were sent at once; the records that would tell whether the failed pages'
    # conversations exist were not: the budget was passed.
    assert sorted(upstream.paths()) == sorted(f"GET /conversations/{id_}/items" for id_ in ids)

    one = await client.data(query, {"ids": ids[2:]})
    assert one["nodes"][0]["items"]["nodes"][0]["content"][0]["text"] == "c" * 5000


async def test_a_write_whose_answer_passes_the_budget_may_have_been_applied(gateway: Gateway) -> None:
    client, _ = await gateway(upstream_bytes_budget=8192)
    conversation_id = await _conversation(client)
    error = _only_error(await client.execute(WRITE_TEXT, {"id": conversation_id, "text": "y" * 9000}))
    assert error["extensions"]["code"] == "OPERATION_TOO_EXPENSIVE"
    assert error["message"] == (
        "The upstream's answers to this operation came to more than its budget of 8 KiB: the write's answer "
        "was not read, and the write may or may not have been applied. Read the conversation before trying again."
    )
    listed = await client.http.get(
        f"/v1/conversations/{conversation_id}/items", headers={"Authorization": "Bearer sk-test"}
    )
    assert len(listed.json()["data"]) == 1  # it was


async def test_a_client_slow_to_send_its_body_holds_no_place(gateway: Gateway) -> None:
    """A request counts toward `max_concurrent_requests` once its body has arrived: clients that
    trickle their bodies (or never finish them) cannot take every place and shut the others out."""
    client, _ = await gateway(max_concurrent_requests=1)
    reading, finish = asyncio.Event(), asyncio.Event()

    async def trickled() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename'
        reading.set()  # the gateway asks for the rest: the request has reached it
        await finish.wait()
        yield b' }"}'

    slow = asyncio.create_task(
        client.http.post(
            "/graphql",
            content=trickled(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer sk-test"},
        )
    )
    await asyncio.wait_for(reading.wait(), timeout=30)
    for _ in range(3):
        assert await client.data("{ __typename }") == {"__typename": "Query"}
    finish.set()
    answer = await asyncio.wait_for(slow, timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"data": {"__typename": "Query"}}
