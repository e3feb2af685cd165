"""Every upstream item type reads back through the `ConversationItem` union with all its fields."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.graphql.conftest import Seed
from tests.graphql.full_selection import check_rest_object, selection_for
from tests.graphql.harness import GraphQLClient
from tests.samples import ITEM_SAMPLES

TYPE_NAMES = {kind: "".join(part.title() for part in kind.split("_")) for kind in ITEM_SAMPLES}


def test_every_type_is_named_after_its_upstream_type() -> None:
    from tests.graphql.full_selection import schema

    members = {member.name for member in schema().type_map["ConversationItem"].types}  # type: ignore[attr-defined]
    assert members == {*TYPE_NAMES.values(), "UnknownConversationItem"}


@pytest.mark.parametrize("kind", sorted(ITEM_SAMPLES))
async def test_each_item_type_reads_back_with_every_field(
    kind: str, seed: Seed, graphql: GraphQLClient, http: httpx.AsyncClient
) -> None:
    conversation_id = await seed(ITEM_SAMPLES[kind])
    stored = await http.get(f"/v1/conversations/{conversation_id}/items", headers={"Authorization": "Bearer sk-test"})
    item_id = stored.json()["data"][0]["id"]
    selection = selection_for("ConversationItem")
    query = f"""query($c: ID!, $i: ID!) {{
      conversationItem(conversationId: $c, id: $i) {selection}
      conversation(id: $c) {{ items(first: 1) {{ nodes {selection} }} }}
    }}"""
    data = await graphql.data(query, {"c": conversation_id, "i": item_id})
    expected = {**ITEM_SAMPLES[kind], "id": item_id}
    for got in (data["conversationItem"], data["conversation"]["items"]["nodes"][0]):
        assert got["__typename"] == TYPE_NAMES[kind]
        check_rest_object(expected, got, "ConversationItem")
        prefix = TYPE_NAMES[kind]
        assert got[f"{prefix}__conversationId"] == conversation_id
        assert got[f"{prefix}__type"] == kind


async def test_an_item_of_an_unknown_type_reads_back_as_unknown(
    seed: Seed, graphql: GraphQLClient, make_settings: Any
) -> None:
    """An upstream that adds an item type tomorrow: stored as such a server would, read through the union."""
    import sqlite3

    import orjson

    conversation_id = await seed({"role": "user", "content": "before"})
    future = {"type": "hologram_call", "id": "holo_1", "status": "completed", "projection": {"fps": 60}}
    database = make_settings().database
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO items (conversation_id, item_id, document) VALUES (?, ?, ?)",
            (conversation_id, "holo_1", orjson.dumps(future)),
        )
    query = """query($c: ID!) { conversation(id: $c) { items(first: 5) { nodes {
      __typename ... on UnknownConversationItem { itemId type raw conversationId }
      ... on Message { role }
    } } } }"""
    data = await graphql.data(query, {"c": conversation_id})
    nodes = data["conversation"]["items"]["nodes"]
    assert nodes[0] == {"__typename": "Message", "role": "USER"}
    assert nodes[1] == {
        "__typename": "UnknownConversationItem",
        "itemId": "holo_1",
        "type": "hologram_call",
        "raw": future,
        "conversationId": conversation_id,
    }
