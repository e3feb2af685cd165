"""The view's short path for a plain JSON POST or GET of a query answers exactly as Strawberry's view does."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest
import strawberry
from graphql import parse
from strawberry.asgi import GraphQL

from gateway.graphql_view import GatewayGraphQL, GraphQLResponseMedia, _read_body, _streams
from tests.graphql.harness import Recording

JSON = "application/json"
KEY = {"Authorization": "Bearer sk-test", "X-Request-Id": "same-id"}
GET_MISSING = 'query Missing { conversation(id: "conv_missing") { conversationId } }'
BAD_MUTATION = "mutation { deleteConversation(id: 5) { deleted } }"
URQL_ACCEPT = (
    "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed"
)
HASH_ONLY = '{"persistedQuery": {"version": 1, "sha256Hash": "ab"}}'
HASHED = '{"persistedQuery": {"version": 1, "sha256Hash": "%s"}}' % ("ab" * 32)
"""A hash of no document the gateway keeps."""

# (what the request is, its content type, its Accept header, its body)
REQUESTS: list[tuple[str, str, str, bytes]] = [
    ("a query", JSON, "*/*", orjson.dumps({"query": "{ __typename }"})),
    ("a named query with an error", JSON, JSON, orjson.dumps({"query": GET_MISSING, "operationName": "Missing"})),
    ("variables and extensions", JSON, JSON, b'{"query":"{ __typename }","variables":{},"extensions":{"a":1}}'),
    ("null members", JSON, JSON, b'{"query":"{ __typename }","variables":null,"operationName":null}'),
    ("a charset", "application/json; charset=utf-8", JSON, orjson.dumps({"query": "{ __typename }"})),
    ("a mutation that does not validate", JSON, JSON, orjson.dumps({"query": BAD_MUTATION})),
    (
        "the same, for graphql-response",
        JSON,
        "application/graphql-response+json",
        orjson.dumps({"query": BAD_MUTATION}),
    ),
    ("a syntax error", JSON, JSON, orjson.dumps({"query": "{ conversation("})),
    ("an unknown operation name", JSON, JSON, orjson.dumps({"query": "{ __typename }", "operationName": "B"})),
    ("two operations, no name", JSON, JSON, orjson.dumps({"query": "query A { __typename } query B { __typename }"})),
    ("a subscription", JSON, JSON, orjson.dumps({"query": "subscription { x }"})),
    ("no query", JSON, JSON, orjson.dumps({"variables": {}})),
    ("a null query", JSON, JSON, orjson.dumps({"query": None})),
    ("a query that is a number", JSON, JSON, orjson.dumps({"query": 5})),
    ("variables that are a list", JSON, JSON, orjson.dumps({"query": "{ __typename }", "variables": []})),
    ("extensions that are a string", JSON, JSON, orjson.dumps({"query": "{ __typename }", "extensions": "x"})),
    ("an operation name that is a number", JSON, JSON, orjson.dumps({"query": "{ __typename }", "operationName": 5})),
    ("an unknown member", JSON, JSON, orjson.dumps({"query": "{ __typename }", "other": 1})),
    ("a list", JSON, JSON, orjson.dumps([{"query": "{ __typename }"}])),
    ("a list of a number", JSON, JSON, b"[5]"),
    ("invalid JSON", JSON, JSON, b'{"query": '),
    ("NaN", JSON, JSON, b'{"query":"{ __typename }","variables":{"a":NaN}}'),
    ("a persisted query's hash alone", JSON, JSON, orjson.dumps({"extensions": orjson.loads(HASHED)})),
    ("a hash of the wrong shape", JSON, JSON, orjson.dumps({"extensions": orjson.loads(HASH_ONLY)})),
    ("extensions, no query", JSON, JSON, orjson.dumps({"extensions": {}})),
    ("a stream asked for", JSON, "multipart/mixed", orjson.dumps({"query": "{ __typename }"})),
    ("events asked for", JSON, "text/event-stream", orjson.dumps({"query": "{ __typename }"})),
    ("urql's Accept", JSON, URQL_ACCEPT, orjson.dumps({"query": BAD_MUTATION})),
]
PLAIN = {
    "a query",
    "a named query with an error",
    "variables and extensions",
    "null members",
    "a charset",
    "a mutation that does not validate",
    "the same, for graphql-response",
    "a syntax error",
    "an unknown operation name",
    "two operations, no name",
    "a subscription",
    "a persisted query's hash alone",
    "a hash of the wrong shape",
    "extensions, no query",
    "a stream asked for",
    "events asked for",
    "urql's Accept",
}


def test_only_a_view_with_a_stream_protocol_sends_requests_that_accept_a_stream_its_own_way() -> None:
    """The short path takes a request that accepts a stream because the gateway's view streams
    nothing: Strawberry streams only over the protocols it is given (the gateway's are the
    WebSocket ones, unused), and otherwise answers such a request with one JSON answer."""
    schema = strawberry.Schema(query=_Query)
    assert not _streams(GatewayGraphQL(schema, lambda: None))  # type: ignore[arg-type, return-value]
    assert not _streams(GraphQL(schema))
    assert _streams(GraphQL(schema, subscription_protocols=("graphql-sse",)))
    assert _streams(GraphQL(schema, subscription_protocols=("multipart-subscription",)))


@strawberry.type
class _Query:
    @strawberry.field
    def hello(self) -> str:
        return "hello"


async def _answer(http: httpx.AsyncClient, content_type: str, accept: str, body: bytes) -> dict[str, Any]:
    headers = {**KEY, "Accept": accept}
    if content_type:
        headers["Content-Type"] = content_type
    response = await http.post("/graphql", content=body, headers=headers)
    kept = {name: value for name, value in response.headers.items() if name not in {"date", "server"}}
    return {"status": response.status_code, "headers": kept, "body": response.content}


async def _both_ways(
    monkeypatch: pytest.MonkeyPatch, ask: Callable[[], Awaitable[dict[str, Any]]]
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """How many times the gateway's view handed the request ``ask`` sends to Strawberry's view,
    the gateway's answer, and the answer of Strawberry's view alone (which must run it once)."""
    viewed = 0
    run = GatewayGraphQL.run

    async def counted(self: GatewayGraphQL, *arguments: Any, **options: Any) -> Any:
        nonlocal viewed
        viewed += 1
        return await run(self, *arguments, **options)

    monkeypatch.setattr(GatewayGraphQL, "run", counted)
    short = await ask()
    by_the_gateway, viewed = viewed, 0
    monkeypatch.setattr(GatewayGraphQL, "__call__", GraphQL.__call__)  # Strawberry's view, every time
    strawberrys = await ask()
    assert viewed == 1
    return by_the_gateway, short, strawberrys


@pytest.mark.parametrize("case", REQUESTS, ids=[case[0] for case in REQUESTS])
async def test_the_short_path_answers_as_strawberrys_view(
    case: tuple[str, str, str, bytes], http: httpx.AsyncClient, upstream: Recording, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, content_type, accept, body = case
    viewed, short, strawberrys = await _both_ways(monkeypatch, lambda: _answer(http, content_type, accept, body))
    assert viewed == (0 if name in PLAIN else 1)  # the short path answered exactly the plain requests
    assert short == strawberrys
    assert upstream.count == (2 if name == "a named query with an error" else 0)


VARIABLES_QUERY = "query Q($id: ID!) { conversation(id: $id) { conversationId } }"
# (what the request is, its Accept header, its URL's parameters, upstream calls it makes)
GET_REQUESTS: list[tuple[str, str, dict[str, str], int]] = [
    ("a query", "*/*", {"query": "{ __typename }"}, 0),
    ("a named query with an error", JSON, {"query": GET_MISSING, "operationName": "Missing"}, 1),
    ("variables", JSON, {"query": VARIABLES_QUERY, "variables": '{"id": "conv_missing"}'}, 1),
    ("null variables and extensions", JSON, {"query": "{ __typename }", "variables": "null", "extensions": "null"}, 0),
    ("extensions", JSON, {"query": "{ __typename }", "extensions": '{"a": 1}'}, 0),
    ("a validation error, for graphql-response", "application/graphql-response+json", {"query": "{ nope }"}, 0),
    ("a syntax error", JSON, {"query": "{ conversation("}, 0),
    ("an unknown operation name", JSON, {"query": "{ __typename }", "operationName": "B"}, 0),
    ("two operations, no name", JSON, {"query": "query A { __typename } query B { __typename }"}, 0),
    ("a subscription", JSON, {"query": "subscription { x }"}, 0),
    ("an empty query", JSON, {"query": ""}, 0),
    ("variables that are not JSON", JSON, {"query": "{ __typename }", "variables": "{"}, 0),
    ("variables that are a list", JSON, {"query": "{ __typename }", "variables": "[]"}, 0),
    ("empty variables", JSON, {"query": "{ __typename }", "variables": ""}, 0),
    ("an unknown parameter", JSON, {"query": "{ __typename }", "other": "1"}, 0),
    ("no query", JSON, {"variables": "{}"}, 0),
    ("a persisted query's hash alone", JSON, {"extensions": HASHED}, 0),
    ("a hash of the wrong shape", "application/graphql-response+json", {"extensions": HASH_ONLY}, 0),
    ("extensions, no query", JSON, {"extensions": "{}"}, 0),
    ("a stream asked for", "multipart/mixed", {"query": "{ __typename }"}, 0),
]
GET_PLAIN = {
    "a query",
    "a named query with an error",
    "variables",
    "null variables and extensions",
    "extensions",
    "a validation error, for graphql-response",
    "a syntax error",
    "an unknown operation name",
    "two operations, no name",
    "a subscription",
    "an empty query",
    "variables that are not JSON",
    "a persisted query's hash alone",
    "a hash of the wrong shape",
    "extensions, no query",
    "a stream asked for",
}


async def _got(http: httpx.AsyncClient, accept: str, params: dict[str, str]) -> dict[str, Any]:
    response = await http.get("/graphql", params=params, headers={**KEY, "Accept": accept})
    kept = {name: value for name, value in response.headers.items() if name not in {"date", "server"}}
    return {"status": response.status_code, "headers": kept, "body": response.content}


@pytest.mark.parametrize("case", GET_REQUESTS, ids=[case[0] for case in GET_REQUESTS])
async def test_the_short_path_answers_a_get_as_strawberrys_view(
    case: tuple[str, str, dict[str, str], int],
    http: httpx.AsyncClient,
    upstream: Recording,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """urql sends its queries by GET when the URL is short enough, and Apollo Client with
    `useGETForQueries`: those take the short way too."""
    name, accept, params, calls = case
    viewed, short, strawberrys = await _both_ways(monkeypatch, lambda: _got(http, accept, params))
    assert viewed == (0 if name in GET_PLAIN else 1)  # the short path answered exactly the plain requests
    assert short == strawberrys
    assert upstream.count == 2 * calls


@pytest.mark.parametrize("accept", [JSON, "application/graphql-response+json"])
@pytest.mark.parametrize(
    ("content_type", "said"),
    [
        ("text/plain", "has the Content-Type 'text/plain'"),
        ("application/x-www-form-urlencoded", "has the Content-Type 'application/x-www-form-urlencoded'"),
        ("multipart/form-data; boundary=x", "has the Content-Type 'multipart/form-data'"),
        ("application/graphql", "has the Content-Type 'application/graphql'"),
        ("", "has no Content-Type"),
        ("text/" + "x" * 5000, "has the Content-Type 'text/xxxxx"),
    ],
)
async def test_a_post_whose_body_is_not_json_is_refused_saying_what_to_send(
    content_type: str, said: str, accept: str, http: httpx.AsyncClient, upstream: Recording
) -> None:
    """Strawberry answered 400, "Unsupported content type", which says neither what was wrong nor
    what to send. Such requests (a form, or plain text) are also what a page on another origin can
    send without the browser asking first: refused, they run nothing."""
    headers = {**KEY, "Accept": accept} | ({"Content-Type": content_type} if content_type else {})
    response = await http.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 415
    assert response.headers["content-type"] == accept
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "UNSUPPORTED_MEDIA_TYPE"}
    assert error["message"].startswith(f"The request {said}")
    assert error["message"].endswith(
        "the gateway reads a POST's body as JSON: send it with `Content-Type: application/json`, as a JSON object "
        'such as {"query": "{ __typename }"} (with `variables` and `operationName` if you like).'
    )
    assert len(error["message"]) < 400  # a long Content-Type is named by its start and end
    assert upstream.count == 0


@pytest.mark.parametrize("content_type", ["Application/JSON", "APPLICATION/JSON; charset=UTF-8"])
async def test_a_json_media_type_is_read_whatever_its_case(
    content_type: str, http: httpx.AsyncClient, upstream: Recording
) -> None:
    """Media types are case-insensitive (RFC 9110); Strawberry's view refused these as unsupported."""
    response = await http.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers={**KEY, "Content-Type": content_type}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("body", [b'"{ __typename }"', b"5", b"null", b"true"])
async def test_a_body_that_is_json_but_not_an_object_is_a_bad_request(
    body: bytes, http: httpx.AsyncClient, upstream: Recording
) -> None:
    """Strawberry's own view fails on these (it calls `.get` on the body): that would be a 500."""
    response = await http.post("/graphql", content=body, headers={**KEY, "Content-Type": JSON})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error == {
        "message": 'The request body must be a JSON object, such as {"query": "{ __typename }"}.',
        "extensions": {"code": "BAD_REQUEST"},
    }
    assert upstream.count == 0


@pytest.mark.parametrize("accept", [JSON, "application/graphql-response+json"])
@pytest.mark.parametrize("body", [b'[{"query": "{ __typename }"}, {"query": "{ __typename }"}]', b"[5]", b"[]"])
async def test_a_batch_is_refused_with_what_to_send_instead(
    body: bytes, accept: str, http: httpx.AsyncClient, upstream: Recording
) -> None:
    """Strawberry says only "Batching is not enabled"."""
    response = await http.post("/graphql", content=body, headers={**KEY, "Content-Type": JSON, "Accept": accept})
    assert response.status_code == 400
    assert response.headers["content-type"] == accept
    assert response.json() == {
        "errors": [
            {
                "message": "The request body is a JSON array, a batch of operations; the gateway runs one operation "
                "per request: send each one in its own request, as a JSON object with a `query` member.",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }
    assert upstream.count == 0


async def test_a_body_read_ahead_is_given_again_whole_then_what_follows() -> None:
    """The overload check reads a request's body before the view: the view must get the same body,
    and a client that went away meanwhile gets no answer."""
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": b'{"query": ', "more_body": True},
        {"type": "http.request", "body": b'"{ __typename }"}', "more_body": False},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    replay = await _read_body(receive)
    assert replay is not None
    assert await replay() == {"type": "http.request", "body": b'{"query": "{ __typename }"}', "more_body": False}
    assert await replay() == {"type": "http.disconnect"}

    gone: list[dict[str, Any]] = [
        {"type": "http.request", "body": b"{", "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def leaving() -> dict[str, Any]:
        return gone.pop(0)

    assert await _read_body(leaving) is None


def test_refusals_are_warned_about_at_most_once_a_second(caplog: pytest.LogCaptureFixture) -> None:
    """Under overload a worker refuses many requests a second: one line each would cost the CPU it
    lacks. The refusals between two lines are counted in the second."""
    caplog.set_level(logging.WARNING, logger="gateway.overload")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    media = GraphQLResponseMedia(app, max_concurrent=4, parse_query=parse)
    media.under_way = 4
    for _ in range(5):
        media._note_refusal()
    media._warned_at = time.monotonic() - 1.0  # a second has passed
    media._note_refusal()
    media._note_refusal()
    assert [record.getMessage() for record in caplog.records] == [
        "overloaded: refused 1 request since the last such line, with 4 under way, "
        "the most GATEWAY_MAX_CONCURRENT_REQUESTS allows",
        "overloaded: refused 5 requests since the last such line, with 4 under way, "
        "the most GATEWAY_MAX_CONCURRENT_REQUESTS allows",
    ]
