"""Upstream faults become GraphQL errors with stable codes, field by field.

The faults are handler functions in the style of ``httpx.MockTransport``, plugged in front of
the real built-in API: requests for the faulty conversation get the fault, the sibling field's
requests reach the real upstream.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from gateway.schema import GatewayContext
from gateway.schema.ids import global_id
from gateway.upstream.reading import LINE_SECONDS, SHOWN_AS_UNKNOWN
from tests.graphql.conftest import Seed, messages
from tests.graphql.harness import GraphQLClient, Recording, nested

Fault = Callable[[httpx.Request], httpx.Response]


def _status(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Fault:
    def answer(request: httpx.Request) -> httpx.Response:
        payload = (
            body
            if body is not None
            else {"error": {"message": "upstream says no", "type": "x", "param": None, "code": None}}
        )
        return httpx.Response(status, json=payload, headers=headers)

    return answer


def _raise(error: type[httpx.TransportError]) -> Fault:
    def answer(request: httpx.Request) -> httpx.Response:
        raise error("injected", request=request)

    return answer


def _content(status: int, content: bytes) -> Fault:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers={"content-type": "application/json"})

    return answer


def _encoded(encoding: str) -> Fault:
    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-encoding": encoding}
        return httpx.Response(200, content=b'{"id": "conv_1"}', headers=headers)

    return answer


MESSAGE_GLOBAL_ID = global_id("Message", "conv_1:msg_1")
CONVERSATION_GLOBAL_ID = global_id("Conversation", "conv_1")

BAD_REQUEST = {
    "error": {"message": "Invalid 'after'.", "type": "invalid_request_error", "param": "after", "code": "invalid_value"}
}

CASES: dict[str, tuple[Fault, str, int]] = {
    # name: (fault, code, how many requests the faulty field makes)
    "400": (_status(400, BAD_REQUEST), "BAD_USER_INPUT", 1),
    "401": (
        _status(
            401,
            {
                "error": {
                    "message": "Incorrect API key provided: sk-tes*****",
                    "type": "x",
                    "param": None,
                    "code": "invalid_api_key",
                }
            },
        ),
        "UNAUTHENTICATED",
        1,
    ),
    "403": (_status(403), "FORBIDDEN", 1),
    "404": (_status(404), "NOT_FOUND", 1),
    "429 with a long Retry-After": (_status(429, headers={"Retry-After": "30"}), "RATE_LIMITED", 1),
    "429 without Retry-After": (_status(429), "RATE_LIMITED", 3),
    "500": (_status(500), "UPSTREAM_UNAVAILABLE", 3),
    "408": (_status(408), "UPSTREAM_UNAVAILABLE", 3),  # retried, as OpenAI's SDK retries it
    "409": (_status(409), "UPSTREAM_UNAVAILABLE", 3),
    "a redirect": (_content(302, b""), "UPSTREAM_UNAVAILABLE", 1),  # a status the API does not use: once
    "410": (_status(410), "UPSTREAM_UNAVAILABLE", 1),
    "502 with an HTML body": (_content(502, b"<html>Bad gateway</html>"), "UPSTREAM_UNAVAILABLE", 3),
    "503": (_status(503), "UPSTREAM_UNAVAILABLE", 3),
    "connection refused": (_raise(httpx.ConnectError), "UPSTREAM_UNAVAILABLE", 3),
    "connect timeout": (_raise(httpx.ConnectTimeout), "UPSTREAM_TIMEOUT", 3),
    "read timeout": (_raise(httpx.ReadTimeout), "UPSTREAM_TIMEOUT", 3),
    "truncated body": (_raise(httpx.RemoteProtocolError), "UPSTREAM_UNAVAILABLE", 3),
    "a body that is not JSON": (_content(200, b"<html>hello</html>"), "UPSTREAM_UNAVAILABLE", 1),
    "JSON of the wrong shape": (_content(200, b'{"id": 5, "object": "conversation"}'), "UPSTREAM_UNAVAILABLE", 1),
    "truncated JSON": (_content(200, b'{"id": "conv_1", "object": "conv'), "UPSTREAM_UNAVAILABLE", 1),
    "a body that is not the gzip it says": (_encoded("gzip"), "UPSTREAM_UNAVAILABLE", 1),
    "a body that is not the deflate it says": (_encoded("deflate"), "UPSTREAM_UNAVAILABLE", 1),
}

QUERY = """query($bad: ID!, $good: ID!) {
  bad: conversation(id: $bad) { conversationId }
  good: conversation(id: $good) { conversationId items(last: 2) { nodes { ... on Message { itemId } } } }
}"""


@pytest.mark.parametrize("case", sorted(CASES))
async def test_a_fault_fails_its_field_only(case: str, seed: Seed, graphql: GraphQLClient, upstream: Recording) -> None:
    fault, code, attempts = CASES[case]
    bad, good = await seed(), await seed(*messages(3))
    upstream.fault = lambda request: fault(request) if bad in request.url.path else None
    body = await graphql.execute(QUERY, {"bad": bad, "good": good})
    assert body["data"]["bad"] is None
    assert body["data"]["good"]["conversationId"] == good
    assert len(body["data"]["good"]["items"]["nodes"]) == 2
    (error,) = body["errors"]
    assert error["path"] == ["bad"]
    assert error["extensions"]["code"] == code, error
    assert "sk-test" not in str(error)
    assert "built-in" not in error["message"]
    assert sum(bad in request.path for request in upstream.requests) == attempts


@pytest.mark.parametrize("case", ["400", "404", "500", "connection refused", "JSON of the wrong shape"])
async def test_a_failed_page_leaves_the_conversation_to_its_record(
    case: str, seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    """The page alone would show the conversation exists; when it fails, the record is read instead.

    Only the page's field fails, as when both were asked at once; a page with a cursor that is
    not found (404) does not mean its conversation is missing.
    """
    fault, code, attempts = CASES[case]
    conversation_id = await seed(*messages(3))
    first = await graphql.data(
        "query($id: ID!) { conversation(id: $id) { items(first: 1) { edges { cursor } } } }", {"id": conversation_id}
    )
    upstream.clear()
    upstream.fault = lambda request: fault(request) if request.url.path.endswith("/items") else None
    query = """query($id: ID!, $after: String) { conversation(id: $id) { conversationId
      items(first: 2, after: $after) { nodes { __typename } } } }"""
    body = await graphql.execute(
        query, {"id": conversation_id, "after": first["conversation"]["items"]["edges"][0]["cursor"]}
    )
    assert body["data"] == {"conversation": {"conversationId": conversation_id, "items": None}}
    (error,) = body["errors"]
    assert error["path"] == ["conversation", "items"]
    assert error["extensions"]["code"] == code
    assert upstream.paths().count(f"GET /conversations/{conversation_id}/items") == attempts
    assert upstream.paths().count(f"GET /conversations/{conversation_id}") == 1


async def test_rate_limit_errors_carry_retry_after(seed: Seed, graphql: GraphQLClient, upstream: Recording) -> None:
    bad = await seed()
    upstream.fault = _status(429, headers={"Retry-After": "42"})
    body = await graphql.execute("query($id: ID!) { conversation(id: $id) { createdAt } }", {"id": bad})
    assert body["errors"][0]["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 42.0}


async def test_bad_requests_name_the_upstream_param(seed: Seed, graphql: GraphQLClient, upstream: Recording) -> None:
    bad = await seed()
    upstream.fault = _status(400, BAD_REQUEST)
    body = await graphql.execute("query($id: ID!) { conversation(id: $id) { createdAt } }", {"id": bad})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "upstreamParam": "after"}


async def test_a_read_that_fails_once_is_retried_and_succeeds(
    seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    conversation_id = await seed()
    failures = iter([_status(503), _status(429, headers={"Retry-After": "0.01"})])

    def twice(request: httpx.Request) -> httpx.Response | None:
        fault = next(failures, None)
        return None if fault is None else fault(request)

    upstream.fault = twice
    data = await graphql.data("query($id: ID!) { conversation(id: $id) { conversationId } }", {"id": conversation_id})
    assert data["conversation"]["conversationId"] == conversation_id
    assert upstream.count == 3


async def test_an_unexpected_error_is_masked_with_a_request_id(
    seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    conversation_id = await seed()

    def explode(request: httpx.Request) -> httpx.Response:
        raise ZeroDivisionError("a bug, not a fault")

    upstream.fault = explode
    body = await graphql.execute(
        "query($id: ID!) { conversation(id: $id) { conversationId } }", {"id": conversation_id}
    )
    error = body["errors"][0]
    assert error["message"] == "Unexpected error."
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert len(error["extensions"]["requestId"]) == 32
    assert "ZeroDivision" not in str(body)


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        ("first: 501", "first"),
        # Not OPERATION_TOO_EXPENSIVE for millions of calls: the argument is what is wrong.
        ("first: 1000000000", "first"),
        ("last: 2147483647", "last"),
        ("last: -1", "last"),
        ('after: "not-a-cursor"', "after"),
        ('before: "aXRlbTo="', "before"),
    ],
)
async def test_bad_connection_arguments_are_refused_without_a_page_call(
    arguments: str, argument: str, seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    conversation_id = await seed(*messages(2))
    query = (
        f"query($id: ID!) {{ conversation(id: $id) {{ createdAt items({arguments}) {{ nodes {{ __typename }} }} }} }}"
    )
    body = await graphql.execute(query, {"id": conversation_id})
    (error,) = body["errors"]
    assert error["path"] == ["conversation", "items"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert body["data"]["conversation"]["createdAt"]
    assert not any(request.path.endswith("/items") for request in upstream.requests)


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ('{ conversation(id: "") { conversationId } }', "id"),
        ('{ node(id: "msg_123") { id } }', "id"),
        ('{ conversationItem(conversationId: "conv_1", id: "") { __typename } }', "id"),
        ('{ conversationItem(conversationId: " ", id: "msg_1") { __typename } }', "conversationId"),
        # Item global ids with an empty part (`Message:conv_1:`, `Message::msg_1`): the gateway makes none.
        ('{ node(id: "TWVzc2FnZTpjb252XzE6") { id } }', "id"),
        ('{ node(id: "TWVzc2FnZTo6bXNnXzE=") { id } }', "id"),
        ("{ nodes(ids: [" + ", ".join(['"conv_1"'] * 101) + "]) { id } }", "ids"),
        # A global id of the wrong kind of node: an item's for a conversation, a conversation's for an item.
        (f'{{ conversation(id: "{MESSAGE_GLOBAL_ID}") {{ conversationId }} }}', "id"),
        (
            f'{{ conversationItem(conversationId: "{MESSAGE_GLOBAL_ID}", id: "msg_1") {{ __typename }} }}',
            "conversationId",
        ),
        (f'{{ conversationItem(conversationId: "conv_1", id: "{CONVERSATION_GLOBAL_ID}") {{ __typename }} }}', "id"),
    ],
)
async def test_bad_ids_are_refused_without_an_upstream_call(
    query: str, argument: str, graphql: GraphQLClient, upstream: Recording
) -> None:
    body = await graphql.execute(query)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert upstream.count == 0


@pytest.mark.parametrize("http", ["asgi"], indirect=True)
async def test_a_missing_conversation_leaves_no_unretrieved_error_in_the_log(
    graphql: GraphQLClient, request_contexts: list[weakref.ref[GatewayContext]]
) -> None:
    """Its page was prefetched and failed too; nobody awaits it, and asyncio must not report it."""
    reported: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: reported.append(context))
    try:
        query = '{ conversation(id: "conv_missing") { createdAt items(first: 2) { nodes { __typename } } } }'
        body = await graphql.execute(query)
        for _ in range(3):
            gc.collect()
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(handler)

    assert {error["extensions"]["code"] for error in body["errors"]} == {"NOT_FOUND"}
    assert request_contexts
    assert all(reference() is None for reference in request_contexts), "the request is still alive"
    assert [context.get("message") for context in reported] == []


_CALL = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"}
_MESSAGE = {"id": "msg_1", "type": "message", "role": "user", "status": "completed", "content": []}


@pytest.mark.parametrize(
    "case",
    [
        # Read by the models, then a value the schema's enum has no name for.
        (
            {**_CALL, "status": "completed", "caller": {"type": "a_future_caller"}},
            "The upstream sent 'a_future_caller', which is not a value of ToolCallerType.",
        ),
        # Refused by the models: a value their closed sets do not hold, or a part of no kind.
        ({**_CALL, "status": "completed", "caller": {"kind": "no type"}}, "caller.known type: Missing required"),
        ({**_MESSAGE, "role": "narrator"}, "role: Input should be 'unknown', 'user'"),
        ({**_MESSAGE, "status": "queued"}, "status: Input should be"),
        ({**_MESSAGE, "phase": "draft"}, "phase: Input should be"),
    ],
)
async def test_an_item_holding_a_value_the_schema_does_not_name_is_shown_whole_as_unknown(
    case: tuple[dict[str, Any], str], served: Served
) -> None:
    """As an item of a type the gateway does not know: the upstream adds values to its closed sets
    as it adds types. Such an item used to fail its whole page (the conversation's `items`, for
    every client reading it), and each read counted towards opening the circuit breaker. The rest
    of the page reads as usual, and the operator is told."""
    item, reason = case
    unknown = "... on UnknownConversationItem { itemId type raw }"
    data, lines = await served(item, unknown)
    shown = {"__typename": "UnknownConversationItem", "itemId": item["id"], "type": item["type"], "raw": item}
    assert data["conversation"]["items"]["nodes"] == [shown, {"__typename": "Message"}]
    assert data["conversationItem"] == shown
    assert f"a '{item['type']}' object ({item['id']}): {reason}" in lines[0], lines


_TEXT = {"type": "output_text", "text": "It rains.", "annotations": []}
_IMAGE = {"type": "input_image", "detail": "ultra", "image_url": "https://example.com/a.png"}
_CITATION = {"type": "url_citation", "url": "https://example.com", "title": "t", "start_index": "zero", "end_index": 2}


@pytest.mark.parametrize(
    "case",
    [
        (
            _IMAGE,
            {"__typename": "UnknownContent", "type": "input_image", "raw": _IMAGE},
            "a 'input_image' object: detail: Input should be",
        ),
        (
            {**_TEXT, "annotations": [_CITATION]},
            {
                "__typename": "OutputTextContent",
                "text": "It rains.",
                "annotations": [{"__typename": "UnknownAnnotation", "type": "url_citation", "raw": _CITATION}],
            },
            "a 'url_citation' object: start_index: Input should be a valid integer",
        ),
    ],
)
async def test_a_part_holding_a_value_the_schema_does_not_name_is_shown_whole_in_its_item(
    case: tuple[dict[str, Any], dict[str, Any], str], served: Served
) -> None:
    """The innermost open union takes it: the message keeps its other parts, and its own fields."""
    part, shown, reason = case
    item = {**_MESSAGE, "role": "assistant", "content": [_TEXT, part]}
    selection = """... on Message { role content { __typename
      ... on OutputTextContent { text annotations { __typename ... on UnknownAnnotation { type raw } } }
      ... on UnknownContent { type raw } } }"""
    data, lines = await served(item, selection)
    text = {"__typename": "OutputTextContent", "text": "It rains.", "annotations": []}
    message = {"__typename": "Message", "role": "ASSISTANT", "content": [text, shown]}
    assert data["conversation"]["items"]["nodes"] == [message, {"__typename": "Message", "role": "USER", "content": []}]
    assert data["conversationItem"] == message
    assert reason in lines[0], lines


Served = Callable[[dict[str, Any], str], Awaitable[tuple[dict[str, Any], list[str]]]]


@pytest.fixture
def served(seed: Seed, graphql: GraphQLClient, upstream: Recording, caplog: pytest.LogCaptureFixture) -> Served:
    """Reads an item six times (more than the failures that open the circuit, had they counted),
    served by the upstream in a page before another message, and alone, with a selection: the
    data and the upstream warnings."""

    async def read(item: dict[str, Any], selection: str) -> tuple[dict[str, Any], list[str]]:
        SHOWN_AS_UNKNOWN.tally.told_at = -LINE_SECONDS
        conversation_id = await seed()
        other = {"id": "msg_2", "type": "message", "role": "user", "status": "completed", "content": []}
        page = {"object": "list", "first_id": item["id"], "last_id": "msg_2", "has_more": False, "data": [item, other]}

        def answer(request: httpx.Request) -> httpx.Response | None:
            if request.url.path.endswith("/items"):
                return httpx.Response(200, json=page)
            if request.url.path.endswith(f"/items/{item['id']}"):
                return httpx.Response(200, json=item)
            return None

        upstream.fault = answer
        query = f"""query($id: ID!, $item: ID!) {{
          conversation(id: $id) {{ items(first: 2) {{ nodes {{ __typename {selection} }} }} }}
          conversationItem(conversationId: $id, id: $item) {{ __typename {selection} }}
        }}"""
        logger = logging.getLogger("gateway.upstream")
        logger.addHandler(caplog.handler)  # `gateway` may not propagate, once a test ran `gateway serve`'s set-up
        try:
            for _ in range(6):
                data: dict[str, Any] = await graphql.data(query, {"id": conversation_id, "item": item["id"]})
        finally:
            logger.removeHandler(caplog.handler)
        lines = [record.getMessage() for record in caplog.records if record.name == "gateway.upstream"]
        assert lines, "the operator was not told"
        assert lines[0].startswith("upstream objects the schema cannot show were answered as their union's Unknown")
        return data, lines

    return read


@pytest.mark.parametrize("arguments", ["first: 5", "last: 5", "first: 5, after: $after"])
async def test_pages_that_do_not_advance_are_a_contract_error_not_repeated_items(
    arguments: str, seed: Seed, graphql: GraphQLClient, upstream: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    """An upstream (or a cache in front of it) that ignores `after` answers every page alike: the
    connection must not fill with the same items again."""
    conversation_id = await seed(*messages(1))
    first = await graphql.data(
        "query($id: ID!) { conversation(id: $id) { items(first: 1) { edges { cursor } } } }", {"id": conversation_id}
    )
    message = {"type": "message", "status": "completed", "role": "user", "content": []}
    page = {
        "object": "list",
        "data": [{**message, "id": "msg_a"}, {**message, "id": "msg_b"}],
        "first_id": "msg_a",
        "last_id": "msg_b",
        "has_more": True,
    }
    upstream.clear()
    upstream.fault = lambda request: httpx.Response(200, json=page) if request.url.path.endswith("/items") else None
    variables: dict[str, Any] = {"id": conversation_id}
    declared = "$id: ID!"
    if "$after" in arguments:
        variables["after"] = first["conversation"]["items"]["edges"][0]["cursor"]
        declared += ", $after: String"
    nodes = "nodes { ... on Message { itemId } }"
    logger = logging.getLogger("gateway.upstream")
    logger.addHandler(caplog.handler)  # `gateway` may not propagate, once a test ran `gateway serve`'s set-up
    try:
        body = await graphql.execute(
            f"query({declared}) {{ conversation(id: $id) {{ items({arguments}) {{ {nodes} }} }} }}", variables
        )
    finally:
        logger.removeHandler(caplog.handler)
    assert body["data"] == {"conversation": {"items": None}}, body
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE"}
    assert "repeats the item msg_" in error["message"]
    assert "its pages do not advance" in error["message"]
    assert upstream.count == 2
    # The operator is told too, as the client is.
    records = {id(record): record for record in caplog.records if record.name == "gateway.upstream"}
    (line,) = [record.getMessage() for record in records.values()]
    assert line.endswith(f"the latest, the field conversation.items: {error['message']}"), line


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"created_at": 2**40}, "The upstream sent the time 1099511627776, which is not a date-time"),
        ({"created_at": -(2**40)}, "The upstream sent the time -1099511627776, which is not a date-time"),
        ({"created_at": "yesterday"}, "is not what the API defines"),
        ({"metadata": {"topic": 1}}, "is not what the API defines"),
        ({"id": None}, "is not what the API defines"),
    ],
)
async def test_a_conversation_record_the_schema_cannot_show_is_a_contract_error(
    change: dict[str, Any],
    message: str,
    *,
    seed: Seed,
    graphql: GraphQLClient,
    upstream: Recording,
    caplog: pytest.LogCaptureFixture,
) -> None:
    conversation_id = await seed()
    record = {"id": conversation_id, "object": "conversation", "created_at": 1_700_000_000, "metadata": {}, **change}
    upstream.fault = lambda request: None if request.url.path.endswith("/items") else httpx.Response(200, json=record)
    logger = logging.getLogger("gateway.upstream")
    logger.addHandler(caplog.handler)  # `gateway` may not propagate, once a test ran `gateway serve`'s set-up
    try:
        body = await graphql.execute(
            "query($id: ID!) { conversation(id: $id) { conversationId createdAt metadata { key value } } }",
            {"id": conversation_id},
            request_id="op-contract",
        )
    finally:
        logger.removeHandler(caplog.handler)
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE"}
    assert message in error["message"]
    records = {id(record): record for record in caplog.records if record.name == "gateway.upstream"}
    lines = [record.getMessage() for record in records.values()]
    if message == "is not what the API defines":
        # The operator is told where and why, not the value (which may be a client's data).
        (line,) = lines
        [key] = change
        assert line.startswith(
            "upstream answers the gateway could not read (not what the API defines): 1 since the last such line; "
            f"the latest, GET /conversations/{conversation_id} (request op-contract): {key}"
        ), line
        assert "yesterday" not in line
    else:  # read, and refused as a value GraphQL cannot hold: told as the client is
        (line,) = lines
        assert line.startswith(
            "upstream answers the gateway could not read (not what the API defines): 1 since the last such line; "
            f"the latest, the field conversation.createdAt: {message}"
        ), line


async def test_an_answer_nested_too_deep_says_so(seed: Seed, graphql: GraphQLClient, upstream: Recording) -> None:
    """A whole answer nesting deeper than the gateway reads is named as such, not as one the API does not define."""
    conversation_id = await seed()
    record = {"id": conversation_id, "object": "conversation", "created_at": 1_700_000_000, "metadata": {}}
    for levels, message in (
        (190, None),  # read: an unknown member is ignored
        (260, "The upstream's answer to GET conversations nests objects and arrays more than 200 levels deep"),
    ):
        deep = {**record, "annotations": nested(levels)}
        upstream.fault = lambda request, deep=deep: (
            None if request.url.path.endswith("/items") else httpx.Response(200, json=deep)
        )
        body = await graphql.execute("query($id: ID!) { conversation(id: $id) { createdAt } }", {"id": conversation_id})
        if message is None:
            assert "errors" not in body, body
            continue
        (error,) = body["errors"]
        assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE"}
        assert error["message"].startswith(message), error["message"]


async def test_a_number_json_cannot_hold_next_to_one_beyond_64_bits_is_still_answered_as_json(
    seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    """1e400 is valid JSON that no float holds (it reads as infinity), and an integer beyond 64 bits
    takes the answer off orjson's path: the answer is still JSON, the number null as orjson writes it."""
    conversation_id = await seed()
    search = (
        b'{"id": "tsc_1", "type": "tool_search_call", "execution": "client", "status": "completed", '
        b'"arguments": {"big": 1180591620717411303424, "huge": 1e400, "tiny": -1e400}}'
    )
    page = b'{"object": "list", "data": [' + search + b'], "first_id": "tsc_1", "last_id": "tsc_1", "has_more": false}'
    upstream.fault = lambda request: (
        httpx.Response(200, content=page, headers={"content-type": "application/json"})
        if request.url.path.endswith("/items")
        else None
    )
    data = await graphql.data(
        "query($id: ID!) { conversation(id: $id) { items { nodes { ... on ToolSearchCall { arguments } } } } }",
        {"id": conversation_id},
    )
    (node,) = data["conversation"]["items"]["nodes"]
    assert node["arguments"] == {"big": 2**70, "huge": None, "tiny": None}


async def test_an_upstream_message_repeating_a_long_value_is_passed_on_abridged(
    seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    bad = await seed()
    long = "x" * 300_000
    message = f"Unknown parameter: '{long}'."
    upstream.fault = _status(400, {"error": {"message": message, "type": "x", "param": long, "code": None}})
    body = await graphql.execute("query($id: ID!) { conversation(id: $id) { createdAt } }", {"id": bad})
    (error,) = body["errors"]
    assert error["message"].startswith("Unknown parameter: 'xxx")
    assert error["message"].endswith("xxx'.")
    assert f"[… {len(message) - 1000:,} characters left out …]" in error["message"]
    assert len(error["message"]) < 1100
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert len(error["extensions"]["upstreamParam"]) < 1100


@pytest.mark.parametrize(
    ("query", "code", "start"),
    [
        ("query($id: ID!) { conversation(id: $id) { conversationId } }", "NOT_FOUND", "Conversation with id 'conv_"),
        ("query($id: ID!) { nodes(ids: [$id]) { id } }", "NOT_FOUND", "Conversation with id 'conv_"),
        ("query($id: ID!) { node(id: $id) { id } }", "BAD_USER_INPUT", "'Qaaa"),
    ],
)
async def test_a_long_id_is_named_in_its_error_not_repeated_whole(
    query: str, code: str, start: str, graphql: GraphQLClient, upstream: Recording
) -> None:
    """A client's 10 KB id gets an error of about a kilobyte, not one holding the id again."""
    identifier = ("conv_" if code == "NOT_FOUND" else "Q") + "a" * 10_000
    body = await graphql.execute(query, {"id": identifier})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code
    assert error["message"].startswith(start)
    assert len(error["message"]) < 1100
    assert upstream.count == (1 if code == "NOT_FOUND" else 0)


def _url_length(message: str) -> int:
    """The length in "The request's URL would be 30,018 bytes long, ..."."""
    match = re.fullmatch(
        r"The request's URL would be ([\d,]+) bytes long, longer than the 16,384 the gateway sends: use shorter ids\.",
        message,
    )
    assert match is not None, message
    return int(match[1].replace(",", ""))


@pytest.mark.parametrize("length", [30_000, 70_000])
async def test_an_id_too_long_for_a_url_is_a_bad_input_saying_so_without_a_call(
    length: int, graphql: GraphQLClient, upstream: Recording
) -> None:
    """Refused before it is sent: servers and proxies refuse long URLs with bounds of their own, some
    with a page of their own (stock uvicorn, past 64 KiB, with a plain 400)."""
    body = await graphql.execute("query($id: ID!) { conversation(id: $id) { conversationId } }", {"id": "c" * length})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    # The upstream's path, /conversations/ and the id: 15 bytes more, 18 with a base of /v1.
    assert _url_length(error["message"]) - length in (15, 18)
    assert upstream.count == 0


async def test_the_longest_url_the_gateway_sends_reaches_the_upstream(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    """A URL of 16,384 bytes in all is sent (and read by the built-in API), one byte more is not."""
    query = "query($id: ID!) { conversation(id: $id) { conversationId } }"
    body = await graphql.execute(query, {"id": "c" * 20_000})
    prefix = _url_length(body["errors"][0]["message"]) - 20_000
    body = await graphql.execute(query, {"id": "c" * (16_384 - prefix)})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert upstream.count == 1
    body = await graphql.execute(query, {"id": "c" * (16_384 - prefix + 1)})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert upstream.count == 1


async def test_a_write_naming_an_id_too_long_for_a_url_is_refused_before_it_is_sent(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    body = await graphql.execute(
        "mutation($id: ID!) { deleteConversation(input: {id: $id}) { deleted } }", {"id": "c" * 20_000}
    )
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].endswith("longer than the 16,384 the gateway sends: use shorter ids.")
    assert upstream.count == 0


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($id: ID!) { conversation(id: $id) { conversationId } }", {"id": "conv_1/"}),
        ('query($id: ID!) { conversationItem(conversationId: $id, id: "msg_1") { __typename } }', {"id": "/"}),
        ('query($id: ID!) { conversationItem(conversationId: "conv_1", id: $id) { __typename } }', {"id": "a/b"}),
        ("mutation($id: ID!) { deleteConversation(input: {id: $id}) { deleted } }", {"id": "conv_1/"}),
    ],
)
async def test_an_id_with_a_slash_is_not_found_without_a_call_and_leaves_the_circuit_closed(
    query: str, variables: dict[str, str], seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    """Quoted, `conv_1/` is `conv_1%2F`, and servers decode that before they route: the built-in API
    answered it with a redirect to `conv_1`, which the gateway counted as the upstream failing, so
    five such requests opened the circuit for every client."""
    conversation_id = await seed(*messages(1))
    for _ in range(6):
        body = await graphql.execute(query, variables)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "NOT_FOUND", error
        assert error["message"] == f"No conversation or item has the id '{next(iter(variables.values()))}'."
    assert upstream.count == 0
    data = await graphql.data("query($id: ID!) { conversation(id: $id) { conversationId } }", {"id": conversation_id})
    assert data["conversation"]["conversationId"] == conversation_id
