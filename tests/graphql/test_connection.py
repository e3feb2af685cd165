"""A page's cursors are encoded only when `edges` or `pageInfo` is selected, and then however it is selected."""

from __future__ import annotations

from typing import Any

import pytest

from tests.graphql.conftest import Seed
from tests.graphql.harness import GraphQLClient

EDGES = "edges { cursor node { ... on Message { itemId } } }"
PAGE_INFO = "pageInfo { startCursor endCursor }"
SELECTIONS = {
    "directly": f"{EDGES} {PAGE_INFO}",
    "in an inline fragment": f"... on ConversationItemConnection {{ {EDGES} }} ... {{ {PAGE_INFO} }}",
    "in a named fragment": "...Page",
    "under aliases": f"edges: nodes {{ __typename }} e: {EDGES} p: {PAGE_INFO}",
}


def _query(selection: str) -> str:
    query = f"query($c: ID!) {{ conversation(id: $c) {{ items(last: 2) {{ {selection} }} }} }}"
    if "...Page" in selection:
        query += f" fragment Page on ConversationItemConnection {{ {EDGES} {PAGE_INFO} }}"
    return query


AFTER = """query($c: ID!, $a: String) {
  conversation(id: $c) { items(after: $a) { nodes { ... on Message { itemId } } } } }"""


def _page(data: dict[str, Any]) -> dict[str, Any]:
    page: dict[str, Any] = data["conversation"]["items"]
    return {"edges": page.get("e", page.get("edges")), "pageInfo": page.get("p", page.get("pageInfo"))}


@pytest.mark.parametrize("how", sorted(SELECTIONS))
async def test_cursors_are_there_however_edges_and_page_info_are_selected(
    how: str, seed: Seed, graphql: GraphQLClient
) -> None:
    conversation_id = await seed(*({"role": "user", "content": f"m{n}"} for n in range(3)))
    page = _page(await graphql.data(_query(SELECTIONS[how]), {"c": conversation_id}))

    cursors = [edge["cursor"] for edge in page["edges"]]
    assert len(cursors) == 2
    assert all(cursors)
    assert page["pageInfo"] == {"startCursor": cursors[0], "endCursor": cursors[-1]}
    after = await graphql.data(AFTER, {"c": conversation_id, "a": cursors[0]})
    assert [node["itemId"] for node in after["conversation"]["items"]["nodes"]] == [
        edge["node"]["itemId"] for edge in page["edges"][1:]
    ]


async def test_a_page_selected_by_its_nodes_only_has_the_same_items(seed: Seed, graphql: GraphQLClient) -> None:
    conversation_id = await seed(*({"role": "user", "content": f"m{n}"} for n in range(3)))

    nodes = await graphql.data(_query("nodes { ... on Message { itemId } }"), {"c": conversation_id})
    edges = await graphql.data(_query(EDGES), {"c": conversation_id})

    assert nodes["conversation"]["items"]["nodes"] == [edge["node"] for edge in edges["conversation"]["items"]["edges"]]


async def test_page_info_alone_has_its_cursors(seed: Seed, graphql: GraphQLClient) -> None:
    conversation_id = await seed(*({"role": "user", "content": f"m{n}"} for n in range(3)))

    alone = await graphql.data(_query(f"nodes {{ __typename }} {PAGE_INFO}"), {"c": conversation_id})
    with_edges = await graphql.data(_query(f"{EDGES} {PAGE_INFO}"), {"c": conversation_id})

    page_info = alone["conversation"]["items"]["pageInfo"]
    assert page_info["startCursor"] is not None
    assert page_info == with_edges["conversation"]["items"]["pageInfo"]


@pytest.mark.parametrize(
    ("arguments", "argument"), [("first: 2, after: $cursor", "after"), ("last: 2, before: $cursor", "before")]
)
async def test_a_cursor_of_another_conversation_is_a_bad_input_naming_the_clients_argument(
    arguments: str, argument: str, seed: Seed, graphql: GraphQLClient
) -> None:
    """A backward page is the upstream's forward page from `before`, so the upstream's refusal names
    its own `after`: the error names the argument the client gave, and says what to use instead."""
    mine = await seed(*({"role": "user", "content": f"m{n}"} for n in range(3)))
    other = await seed(*({"role": "user", "content": f"o{n}"} for n in range(3)))
    page = _page(await graphql.data(_query(EDGES), {"c": other}))
    cursor = page["edges"][0]["cursor"]
    items = f"items({arguments}) {{ nodes {{ __typename }} }}"
    query = f"query($c: ID!, $cursor: String) {{ conversation(id: $c) {{ {items} }} }}"
    body = await graphql.execute(query, {"c": mine, "cursor": cursor})
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert error["message"].startswith(f"`{argument}` is not a cursor of this conversation's items"), error
    assert error["message"].endswith("Use a `cursor`, `startCursor` or `endCursor` of this connection.")
    assert body["data"] == {"conversation": {"items": None}}
