"""Every upstream item type reads back through the `ConversationItem` union with all its fields."""

from __future__ import annotations

import collections
import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError

from gateway.rest import ConversationItem
from gateway.rest.base import KNOWN_AS_OTHER
from tests.graphql.conftest import Seed
from tests.graphql.full_selection import check_rest_object, selection_for
from tests.graphql.harness import GraphQLClient, Recording
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


def _objects(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every JSON object inside ``value``, with its path."""
    if isinstance(value, dict):
        yield path, value
        for key, inner in value.items():
            yield from _objects(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _objects(inner, (*path, index))


def _variants(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``item`` changed in one place: an object of a kind added upstream, a member left out, null,
    an empty list or an empty string, or an integer beyond GraphQL's 32 bits."""
    for path, found in _objects(item):
        changes: list[tuple[str, Any]] = [("type", "a_future_kind")] if "type" in found else []
        changes += [(key, value) for key in found for value in (_ABSENT, None, [], "")]
        changes += [(key, 2**31) for key, value in found.items() if type(value) is int]
        for key, value in changes:
            changed = copy.deepcopy(item)
            target: Any = changed
            for step in path:
                target = target[step]
            if value is _ABSENT:
                del target[key]
            else:
                target[key] = value
            yield changed


_ABSENT = object()
_READABLE = TypeAdapter(ConversationItem)


def _readable(item: dict[str, Any]) -> bool:
    try:
        # As the gateway reads an answer: an object of a known kind its model refuses is read as
        # its union's Unknown member (gateway/upstream/reading.py), here without telling anyone.
        _READABLE.validate_json(json.dumps(item), context={KNOWN_AS_OTHER: lambda *_: None})
    except ValidationError:
        return False
    return True


async def test_an_item_the_rest_models_read_never_fails_as_an_unexpected_error(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    """Every item type's sample, changed in one place in every way the REST models still accept
    as the gateway reads (about 1,260 items of 1,380; about 500 before an object of a known kind
    holding a value its model refuses was read as its union's Unknown member), read with every
    field selected: each comes back, or fails as a contract error with its code (only a field
    past what the schema can hold now: an `Int` past 32 bits, a list for a string). None is an
    unexpected error (a tool caller of a new kind once was), or named a failure of the client's
    document (an integer too large for `Int` once was)."""
    items = [
        changed
        for kind in sorted(ITEM_SAMPLES)
        for changed in _variants({**ITEM_SAMPLES[kind], "id": f"{kind}_1"})
        if _readable(changed)
    ]
    assert len(items) > 1200, len(items)

    def page(request: httpx.Request) -> httpx.Response:
        number = int(request.url.path.split("/")[-2].removeprefix("conv_"))
        body = {"object": "list", "data": [items[number]], "first_id": None, "last_id": None, "has_more": False}
        return httpx.Response(200, json=body)

    upstream.fault = page
    selection = selection_for("ConversationItem")
    codes: collections.Counter[str] = collections.Counter()
    # One document for every batch (parsed and validated once), the conversations as variables.
    batch = 25
    fields = " ".join(
        f"i{n}: conversation(id: $c{n}) {{ items(first: 1) {{ nodes {{ ...Every }} }} }}" for n in range(batch)
    )
    variables = ", ".join(f"$c{n}: ID!" for n in range(batch))
    query = f"query({variables}) {{ {fields} }} fragment Every on ConversationItem {selection}"
    for start in range(0, len(items), batch):
        numbers = [min(start + n, len(items) - 1) for n in range(batch)]
        body = await graphql.execute(query, {f"c{n}": f"conv_{number}" for n, number in enumerate(numbers)})
        for error in body.get("errors", []):
            codes[error["extensions"]["code"]] += 1
            # Its path names the item: i<n> in this batch.
            assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE", (
                error,
                items[numbers[int(error["path"][0][1:])]],
            )
            # A field inside the item (i<n>, items, nodes, 0, the field, ...), never the page.
            assert len(error["path"]) > 4, (error, items[numbers[int(error["path"][0][1:])]])
        answered = [body["data"][f"i{n}"] for n in range(batch)]
        codes["answered"] += sum(answer is not None and answer["items"] is not None for answer in answered)
    assert codes["answered"] > 1200, codes
