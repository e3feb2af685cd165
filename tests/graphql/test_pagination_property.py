"""Connections are proven against a direct implementation of the Relay Cursor Connections algorithm.

The reference works on the whole list of items; the gateway only has the upstream's forward
cursor pages. Conversations of 0 to 300 items (sizes around the upstream's 100-item page
boundary) are filled once per test; hypothesis draws the arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.schema.ids import encode_cursor
from gateway.schema.pagination import DEFAULT_FIRST
from tests.graphql.conftest import Seed, messages
from tests.graphql.harness import GraphQLClient

SIZES = (0, 1, 2, 3, 20, 99, 100, 101, 201, 300)

QUERY = """
query($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $order: ItemOrder!) {
  conversation(id: $id) {
    items(first: $first, after: $after, last: $last, before: $before, order: $order) {
      edges { cursor node { ... on Message { itemId } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""


@dataclass(frozen=True)
class Expected:
    ids: list[str]
    has_next: bool
    has_previous: bool


def relay_reference(
    full: list[str], first: int | None, after: str | None, last: int | None, before: str | None
) -> Expected:
    """The specification's algorithm over the whole list (no item was deleted, so cursors exist)."""
    if first is None and last is None:
        first = DEFAULT_FIRST  # the gateway's documented default
    edges = list(full)
    if after is not None and after in edges:
        edges = edges[edges.index(after) + 1 :]
    if before is not None and before in edges:
        edges = edges[: edges.index(before)]
    bounded = list(edges)
    if first is not None:
        edges = edges[:first]
    if last is not None:
        edges = edges[-last:] if last else []
    # Without `last`, an item lies at or before `after` (the cursor's own); likewise for `before`.
    has_previous = len(bounded) > last if last is not None else after is not None
    has_next = len(bounded) > first if first is not None else before is not None
    return Expected(edges, has_next, has_previous)


@st.composite
def page_arguments(draw: st.DrawFn) -> dict[str, Any]:
    size = draw(st.sampled_from(SIZES))
    counts = st.none() | st.integers(0, 320)
    positions = st.none() | st.integers(0, max(size - 1, 0))
    return {
        "size": size,
        "first": draw(counts),
        "last": draw(counts),
        "after": draw(positions) if size else None,
        "before": draw(positions) if size else None,
        "order": draw(st.sampled_from(["ASC", "DESC"])),
    }


class Conversations:
    """One conversation of each size, with its item ids oldest first."""

    def __init__(self) -> None:
        self.by_size: dict[int, tuple[str, list[str]]] = {}

    async def fill(self, seed: Seed, graphql: GraphQLClient) -> None:
        for size in SIZES:
            conversation_id = await seed(*messages(size))
            ids: list[str] = []
            after: str | None = None
            while len(ids) < size:
                data = await graphql.data(QUERY, {"id": conversation_id, "first": 100, "after": after, "order": "ASC"})
                page = data["conversation"]["items"]
                ids += [edge["node"]["itemId"] for edge in page["edges"]]
                after = page["pageInfo"]["endCursor"]
            self.by_size[size] = (conversation_id, ids)


@pytest.fixture
async def conversations(seed: Seed, graphql: GraphQLClient) -> Conversations:
    filled = Conversations()
    await filled.fill(seed, graphql)
    return filled


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arguments=page_arguments())
async def test_pages_match_the_relay_algorithm(
    conversations: Conversations, graphql: GraphQLClient, arguments: dict[str, Any]
) -> None:
    conversation_id, oldest_first = conversations.by_size[arguments["size"]]
    full = oldest_first if arguments["order"] == "ASC" else oldest_first[::-1]
    after = None if arguments["after"] is None else full[arguments["after"]]
    before = None if arguments["before"] is None else full[arguments["before"]]
    variables = {
        "id": conversation_id,
        "first": arguments["first"],
        "last": arguments["last"],
        "after": None if after is None else encode_cursor(after),
        "before": None if before is None else encode_cursor(before),
        "order": arguments["order"],
    }
    body = await graphql.execute(QUERY, variables)
    if any((arguments[name] or 0) > 500 for name in ("first", "last")):
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        return
    assert "errors" not in body, body
    connection = body["data"]["conversation"]["items"]
    expected = relay_reference(full, arguments["first"], after, arguments["last"], before)
    got = [edge["node"]["itemId"] for edge in connection["edges"]]
    assert got == expected.ids, (arguments, got, expected.ids)
    info = connection["pageInfo"]
    assert info["hasNextPage"] == expected.has_next, arguments
    assert info["hasPreviousPage"] == expected.has_previous, arguments
    cursors = [edge["cursor"] for edge in connection["edges"]]
    assert info["startCursor"] == (cursors[0] if cursors else None)
    assert info["endCursor"] == (cursors[-1] if cursors else None)


async def test_walking_both_ways_visits_every_item_once_in_order(seed: Seed, graphql: GraphQLClient) -> None:
    conversation_id = await seed(*messages(137))
    for order in ("ASC", "DESC"):
        for size in (1, 7, 50, 137, 500):
            forward: list[str] = []
            cursor: str | None = None
            while True:
                variables = {"id": conversation_id, "first": size, "after": cursor, "order": order}
                page = (await graphql.data(QUERY, variables))["conversation"]["items"]
                forward += [edge["node"]["itemId"] for edge in page["edges"]]
                if not page["pageInfo"]["hasNextPage"]:
                    break
                cursor = page["pageInfo"]["endCursor"]
            backward: list[str] = []
            cursor = None
            while True:
                variables = {"id": conversation_id, "last": size, "before": cursor, "order": order}
                page = (await graphql.data(QUERY, variables))["conversation"]["items"]
                backward = [edge["node"]["itemId"] for edge in page["edges"]] + backward
                if not page["pageInfo"]["hasPreviousPage"]:
                    break
                cursor = page["pageInfo"]["startCursor"]
            assert len(forward) == len(set(forward)) == 137
            assert backward == forward
            texts_in_order = [int(text.split()[-1]) for text in await _texts(graphql, conversation_id, order)]
            assert texts_in_order == (
                sorted(texts_in_order) if order == "ASC" else sorted(texts_in_order, reverse=True)
            )


async def _texts(graphql: GraphQLClient, conversation_id: str, order: str) -> list[str]:
    query = """query($id: ID!, $order: ItemOrder!) { conversation(id: $id) { items(first: 500, order: $order) {
      nodes { ... on Message { content { ... on InputTextContent { text } ... on OutputTextContent { text } } } }
    } } }"""
    data = await graphql.data(query, {"id": conversation_id, "order": order})
    return [node["content"][0]["text"] for node in data["conversation"]["items"]["nodes"]]
