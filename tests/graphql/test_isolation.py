"""Keys are per request: each request reaches the upstream with its own key and sees only its data."""

from __future__ import annotations

import asyncio
import json
import logging
from importlib import metadata
from typing import Any

import httpx
import pytest

from tests.conftest import Gateway
from tests.graphql.conftest import Seed, messages
from tests.graphql.harness import GraphQLClient, Recording

QUERY = (
    "query($a: ID!, $b: ID!) { a: conversation(id: $a) { conversationId } b: conversation(id: $b) { conversationId } }"
)


async def test_concurrent_requests_with_different_keys_see_only_their_own(
    seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    alice = await seed(*messages(2), key="sk-alice")
    bob = await seed(*messages(2), key="sk-bob")

    async def ask(key: str) -> tuple[str, dict[str, object]]:
        return key, await graphql.execute(QUERY, {"a": alice, "b": bob}, key=key)

    answers = await asyncio.gather(*(ask("sk-alice" if n % 2 else "sk-bob") for n in range(200)))
    for key, body in answers:
        data = body["data"]
        assert isinstance(data, dict)
        mine, theirs = ("a", "b") if key == "sk-alice" else ("b", "a")
        assert data[mine] == {"conversationId": alice if key == "sk-alice" else bob}, body
        assert data[theirs] is None
        errors = body["errors"]
        assert isinstance(errors, list)
        assert [error["extensions"]["code"] for error in errors] == ["NOT_FOUND"]
    keys = {request.headers.get("authorization") for request in upstream.requests}
    assert keys == {"Bearer sk-alice", "Bearer sk-bob"}


async def test_without_a_key_the_server_key_is_used(gateway: Gateway) -> None:
    client, upstream = await gateway(api_key="sk-server")
    created = await client.http.post("/v1/conversations", json={}, headers={"Authorization": "Bearer sk-server"})
    conversation_id = created.json()["id"]
    anonymous = await client.data(
        "query($id: ID!) { conversation(id: $id) { conversationId } }", {"id": conversation_id}, key=None
    )
    assert anonymous["conversation"]["conversationId"] == conversation_id
    assert upstream.requests[-1].headers["authorization"] == "Bearer sk-server"
    own = await client.execute(
        "query($id: ID!) { conversation(id: $id) { conversationId } }", {"id": conversation_id}, key="sk-own"
    )
    assert own["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert upstream.requests[-1].headers["authorization"] == "Bearer sk-own"


async def test_a_key_with_characters_no_key_has_is_refused_without_a_call(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    """A client sending its key as UTF-8 (the server reads header bytes as Latin-1): httpx cannot
    send that header on, and it was an INTERNAL_SERVER_ERROR."""
    response = await graphql.http.post(
        "/graphql",
        json={"query": '{ a: conversation(id: "conv_a") { id } b: conversation(id: "conv_b") { id } }'},
        headers=[(b"authorization", "Bearer sk-clé".encode())],
    )
    body = response.json()
    assert body["data"] == {"a": None, "b": None}
    assert {error["extensions"]["code"] for error in body["errors"]} == {"UNAUTHENTICATED"}
    assert body["errors"][0]["message"].startswith("The API key has characters no API key has")
    assert upstream.count == 0


ASK = "query($id: ID!) { __typename conversation(id: $id) { conversationId } }"


async def _ask(client: GraphQLClient, conversation_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.http.post(
        "/graphql", json={"query": ASK, "variables": {"id": conversation_id}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _scope_sent(upstream: Recording) -> tuple[str | None, str | None, str | None]:
    headers = upstream.requests[-1].headers
    return headers.get("authorization"), headers.get("openai-organization"), headers.get("openai-project")


async def test_an_organization_and_project_go_upstream_with_the_key_they_came_with(gateway: Gateway) -> None:
    """A key of several OpenAI organizations or projects names the one it acts in with
    `OpenAI-Organization` and `OpenAI-Project` (OpenAI's SDKs send them): they were dropped, and
    the conversations read or written were the key's default project's."""
    client, upstream = await gateway(api_key="sk-server", organization="org-server", project="proj_server")
    conversation_id = (await client.http.post("/v1/conversations", json={})).json()["id"]
    own = {"Authorization": "Bearer sk-own", "OpenAI-Organization": "org-own", "OpenAI-Project": "proj_own"}
    await _ask(client, conversation_id, own)
    assert _scope_sent(upstream) == ("Bearer sk-own", "org-own", "proj_own")
    await _ask(client, conversation_id, {"Authorization": "Bearer sk-own", "OpenAI-Project": " proj_own "})
    assert _scope_sent(upstream) == ("Bearer sk-own", None, "proj_own")  # the server's are not mixed in
    await _ask(client, conversation_id, {"Authorization": "Bearer sk-own"})
    assert _scope_sent(upstream) == ("Bearer sk-own", None, None)
    await _ask(client, conversation_id, {})
    assert _scope_sent(upstream) == ("Bearer sk-server", "org-server", "proj_server")


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"OpenAI-Project": "proj_other"}, "OpenAI-Project may be sent only"),
        (
            {"OpenAI-Organization": "org-other", "OpenAI-Project": "proj_other"},
            "OpenAI-Organization and OpenAI-Project",
        ),
    ],
)
async def test_without_a_key_the_server_keys_organization_and_project_are_not_the_clients_to_choose(
    gateway: Gateway, headers: dict[str, str], named: str
) -> None:
    """The server's key acts where its operator set it to: a client could otherwise take it to
    another of the key's projects. Refused before any call, the rest of the operation answered."""
    client, upstream = await gateway(api_key="sk-server", project="proj_server")
    body = await _ask(client, "conv_any", headers)
    assert body["data"] == {"__typename": "Query", "conversation": None}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["message"].startswith(named)
    assert "proj_server" not in error["message"]
    assert upstream.count == 0
    # A frontend that names the server's own project asks for what the server does anyway.
    same = await _ask(client, "conv_any", {"OpenAI-Project": "proj_server"})
    assert same["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert _scope_sent(upstream) == ("Bearer sk-server", None, "proj_server")


async def test_without_any_key_a_clients_project_goes_upstream_as_it_came(gateway: Gateway) -> None:
    """With no key of the server's (a machine of one's own), there is no key to keep in place."""
    client, upstream = await gateway()
    created = (await client.http.post("/v1/conversations", json={})).json()["id"]
    body = await _ask(client, created, {"OpenAI-Project": "proj_mine"})
    assert body["data"]["conversation"] == {"conversationId": created}  # the built-in API has no projects
    assert _scope_sent(upstream) == (None, None, "proj_mine")


async def test_an_organization_with_characters_no_id_has_is_refused_without_a_call(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    response = await graphql.http.post(
        "/graphql",
        json={"query": '{ conversation(id: "conv_a") { id } }'},
        headers=[(b"authorization", b"Bearer sk-test"), (b"openai-organization", "org-café".encode())],
    )
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"].startswith("The OpenAI-Organization header has characters no such id has")
    assert upstream.count == 0


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("mismatched_organization", "The upstream refused the OpenAI-Organization sent with the API key"),
        ("mismatched_project", "The upstream refused the OpenAI-Project sent with the API key"),
        ("invalid_api_key", "The upstream refused the API key."),
    ],
)
async def test_an_organization_or_project_the_upstream_refuses_is_named(
    graphql: GraphQLClient, upstream: Recording, code: str, message: str
) -> None:
    """OpenAI's 401 for an organization that is not the key's (`mismatched_organization`,
    "OpenAI-Organization header should match organization for API key") said "refused the API key"."""
    error_body = {
        "error": {"message": "upstream says no", "type": "invalid_request_error", "param": None, "code": code}
    }
    upstream.fault = lambda request: httpx.Response(401, json=error_body)
    body = await graphql.execute('{ conversation(id: "conv_a") { id } }')
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"].startswith(message)


async def test_each_upstream_call_carries_its_operations_request_id(
    seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    """`X-Client-Request-Id`, which OpenAI keeps in its logs for its support: an operator can then
    find every call of an operation the client reported by the id its answer carried."""
    conversation_id = await seed(*messages(2))
    query = "query($id: ID!) { conversation(id: $id) { createdAt items(first: 2) { nodes { __typename } } } }"
    answer = await graphql.http.post("/graphql", json={"query": query, "variables": {"id": conversation_id}})
    generated = answer.headers["x-request-id"]
    first = len(upstream.requests)
    assert first >= 2  # (a read retried on a socket closed meanwhile is a third)
    assert {request.headers["x-client-request-id"] for request in upstream.requests} == {generated}
    await graphql.execute(query, {"id": conversation_id}, request_id="checkout-42")  # the client's own id
    assert {request.headers["x-client-request-id"] for request in upstream.requests[first:]} == {"checkout-42"}
    assert {request.headers["user-agent"] for request in upstream.requests} == {
        f"conversations-graphql-gateway/{metadata.version('gateway')}"
    }


@pytest.mark.parametrize("authorization", ["sk-mine", "Basic c2stbWluZTo=", "Bearer", "Token sk-mine"])
async def test_an_authorization_that_is_not_bearer_is_refused_not_taken_for_no_key(
    gateway: Gateway, authorization: str
) -> None:
    """`Authorization: sk-...` (no `Bearer`) was taken for no key: the request then acted as the
    gateway's key, reading and writing its conversations, and the client never knew."""
    client, upstream = await gateway(api_key="sk-server")
    body = await _ask(client, "conv_any", {"Authorization": authorization})
    assert body["data"] == {"__typename": "Query", "conversation": None}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"].startswith("The Authorization header is not 'Bearer <key>'")
    assert upstream.count == 0
    await _ask(client, "conv_any", {"Authorization": ""})  # an empty header is no key: the server's
    assert _scope_sent(upstream) == ("Bearer sk-server", None, None)


async def test_the_operation_log_says_whose_key_and_which_scope_each_operation_acted_as(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    """An operator asked why a user saw other conversations, or none, could not tell from the log
    whether the request had used its own key or the gateway's, nor in which project."""
    caplog.set_level(logging.INFO, logger="gateway.operations")
    client, _ = await gateway(api_key="sk-server", organization="org-server", project="proj_server")
    own = {"Authorization": "Bearer sk-own", "OpenAI-Project": "proj_own"}
    for headers in (own, {}, {"Authorization": "Token sk-own"}, {"OpenAI-Project": "proj_other"}):
        await _ask(client, "conv_any", headers)
    unscoped, _ = await gateway()
    await _ask(unscoped, "conv_any", {})
    logged = [json.loads(record.getMessage()) for record in caplog.records if record.name == "gateway.operations"]
    assert [(line["key"], line.get("organization"), line.get("project"), line["errorCodes"]) for line in logged] == [
        ("client", None, "proj_own", ["NOT_FOUND"]),
        ("server", "org-server", "proj_server", ["NOT_FOUND"]),
        ("client", None, None, ["UNAUTHENTICATED"]),
        ("server", "org-server", "proj_server", ["FORBIDDEN"]),
        (None, None, None, ["NOT_FOUND"]),
    ]
    assert all("sk-" not in record.getMessage() for record in caplog.records)
