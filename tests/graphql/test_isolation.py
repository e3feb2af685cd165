"""Keys are per request: each request reaches the upstream with its own key and sees only its data."""

from __future__ import annotations

import asyncio

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
