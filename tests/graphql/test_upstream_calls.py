"""The gateway makes no upstream call the data does not need (counted on the real built-in API)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.schema import query
from tests.conftest import Gateway
from tests.graphql.conftest import Seed, messages
from tests.graphql.harness import GraphQLClient, Recording

ITEMS = """
items(first: 20) {
  edges { cursor node { __typename ... on ConversationItemFields { itemId } } }
  pageInfo { hasNextPage endCursor }
}
"""


async def test_a_conversation_and_its_first_page_take_two_overlapping_calls(
    graphql: GraphQLClient, upstream: Recording, seed: Seed
) -> None:
    conversation_id = await seed(*messages(30))
    data = await graphql.data(
        f"query($id: ID!) {{ conversation(id: $id) {{ createdAt {ITEMS} }} }}", {"id": conversation_id}
    )
    assert len(data["conversation"]["items"]["edges"]) == 20
    assert data["conversation"]["items"]["pageInfo"]["hasNextPage"] is True
    assert upstream.count == 2
    conversation_call, page_call = sorted(upstream.requests, key=lambda request: request.path.count("/"))
    assert conversation_call.path.endswith(conversation_id)
    assert page_call.path.endswith("/items")
    # Concurrent, not one after the other: each started before the other ended.
    assert conversation_call.started < page_call.ended
    assert page_call.started < conversation_call.ended


async def test_the_same_document_with_other_variables_asks_for_other_pages(
    graphql: GraphQLClient, upstream: Recording, seed: Seed
) -> None:
    """Selections are kept per document and variable values: a new `$last` is a new page."""
    first, second = await seed(*messages(8)), await seed(*messages(8))
    query = """query($id: ID!, $last: Int!) { conversation(id: $id) {
      items(last: $last) { nodes { ... on Message { itemId } } } } }"""
    for conversation_id, last in ((first, 2), (second, 3), (first, 5), (first, 2)):
        upstream.clear()
        data = await graphql.data(query, {"id": conversation_id, "last": last})
        assert len(data["conversation"]["items"]["nodes"]) == last
        (page,) = [request for request in upstream.requests if request.path.endswith("/items")]
        assert page.path == f"/conversations/{conversation_id}/items"
        assert ("limit", str(last)) in page.params
        assert upstream.count == 1  # the page alone: it shows the conversation exists


async def test_variables_inside_fragments_spread_under_several_aliases_choose_the_pages(
    graphql: GraphQLClient, upstream: Recording, seed: Seed
) -> None:
    """The variables a selection uses are found through fragments, nested ones too, and are
    worked out once per fragment: each alias and each run of the same document gets its pages."""
    first, second = await seed(*messages(8)), await seed(*messages(8))
    query = """query($a: ID!, $b: ID!, $last: Int!) {
      one: conversation(id: $a) { ...Newest } two: conversation(id: $b) { ...Newest } }
      fragment Newest on Conversation { ...Inner }
      fragment Inner on Conversation { items(last: $last) { nodes { ... on Message { itemId } } } }"""
    for last in (2, 5, 2):
        upstream.clear()
        data = await graphql.data(query, {"a": first, "b": second, "last": last})
        assert [len(data[alias]["items"]["nodes"]) for alias in ("one", "two")] == [last, last]
        assert sorted(request.path for request in upstream.requests) == sorted(
            f"/conversations/{conversation_id}/items" for conversation_id in (first, second)
        )
        assert all(("limit", str(last)) in request.params for request in upstream.requests)


async def test_nodes_with_repeated_ids_fetch_each_conversation_once(
    graphql: GraphQLClient, upstream: Recording, seed: Seed
) -> None:
    conversation_ids = [await seed() for _ in range(6)]
    ids = conversation_ids + conversation_ids[:4]
    data = await graphql.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Conversation { conversationId } } }", {"ids": ids}
    )
    assert [node["conversationId"] for node in data["nodes"]] == ids
    assert upstream.count == 6
    upstream.clear()
    # A hundred ids, the most `nodes` takes, all the same: one call.
    data = await graphql.data("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids[:1] * 100})
    assert len(data["nodes"]) == 100
    assert upstream.count == 1


async def test_each_distinct_id_of_nodes_is_resolved_once_and_answered_at_each_of_its_places(
    graphql: GraphQLClient, upstream: Recording, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only fetched once: resolved once. Each place of `nodes` was resolved and awaited on its
    own, and 5,000 places of one id (50 aliases of 100) took 0.4-0.6 s of CPU on a slow host. A
    failing id fails each of its places, and only those."""
    first, second = await seed(), await seed()
    resolved: list[str] = []
    node = query._node

    async def counting(info: Any, value: str, selections: Any) -> Any:
        resolved.append(value)
        return await node(info, value, selections)

    monkeypatch.setattr(query, "_node", counting)
    ids = [first, "nonsense", second, first, "nonsense", first]
    body = await graphql.execute(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Conversation { conversationId } } }", {"ids": ids}
    )

    assert sorted(resolved) == sorted([first, "nonsense", second])
    assert upstream.count == 2
    assert body["data"]["nodes"] == [
        {"conversationId": first},
        None,
        {"conversationId": second},
        {"conversationId": first},
        None,
        {"conversationId": first},
    ]
    assert [(error["path"], error["extensions"]["code"]) for error in body["errors"]] == [
        (["nodes", 1], "BAD_USER_INPUT"),
        (["nodes", 4], "BAD_USER_INPUT"),
    ]


async def test_two_aliases_for_the_same_page_make_one_page_call(
    graphql: GraphQLClient, upstream: Recording, seed: Seed
) -> None:
    conversation_id = await seed(*messages(5))
    query = """query($id: ID!) { conversation(id: $id) {
      a: items(first: 3) { nodes { ... on Message { itemId } } }
      b: items(first: 3) { edges { node { ... on Message { itemId role } } } }
    } }"""
    data = await graphql.data(query, {"id": conversation_id})
    assert [node["itemId"] for node in data["conversation"]["a"]["nodes"]] == [
        edge["node"]["itemId"] for edge in data["conversation"]["b"]["edges"]
    ]
    assert upstream.paths() == [f"GET /conversations/{conversation_id}/items"]


async def test_refetching_an_item_a_page_returned_makes_no_call(
    graphql: GraphQLClient, upstream: Recording, seed: Seed
) -> None:
    conversation_id = await seed(*messages(3))
    listed = await graphql.data(
        "query($id: ID!) { conversation(id: $id) { items(first: 3) { nodes { ... on Message { id itemId } } } } }",
        {"id": conversation_id},
    )
    first = listed["conversation"]["items"]["nodes"][0]
    upstream.clear()
    query = """query($id: ID!, $conversationId: ID!, $itemId: ID!, $nodeId: ID!) {
      conversation(id: $id) { items(first: 3) { nodes { ... on Message { itemId } } } }
      byId: conversationItem(conversationId: $conversationId, id: $itemId) { ... on Message { itemId role } }
      byNode: node(id: $nodeId) { ... on Message { itemId content { ... on InputTextContent { text } } } }
    }"""
    variables = {
        "id": conversation_id,
        "conversationId": conversation_id,
        "itemId": first["itemId"],
        "nodeId": first["id"],
    }
    data = await graphql.data(query, variables)
    assert data["byId"]["itemId"] == data["byNode"]["itemId"] == first["itemId"]
    assert data["byNode"]["content"] == [{"text": "message 0"}]
    # The page (which shows the conversation exists); neither refetch costs a call.
    assert upstream.paths() == [f"GET /conversations/{conversation_id}/items"]


async def test_a_page_without_the_record_takes_one_call(
    graphql: GraphQLClient, upstream: Recording, seed: Seed
) -> None:
    """Only the page is asked for: the upstream lists the items of a conversation that exists."""
    conversation_id = await seed(*messages(5))
    items = "items(last: 3) { pageInfo { hasPreviousPage } nodes { __typename } }"
    expected = {"pageInfo": {"hasPreviousPage": True}, "nodes": [{"__typename": "Message"}] * 3}
    for selection, field in (
        (f"conversation(id: $id) {{ id conversationId {items} }}", "conversation"),
        (f"node(id: $id) {{ id ... on Conversation {{ {items} }} }}", "node"),
        (f"nodes(ids: [$id, $id]) {{ ... on Conversation {{ {items} }} }}", "nodes"),
    ):
        upstream.clear()
        data = await graphql.data(f"query($id: ID!) {{ {selection} }}", {"id": conversation_id})
        answers = data[field] if field == "nodes" else [data[field]]
        assert [answer["items"] for answer in answers] == [expected] * len(answers), selection
        assert upstream.paths() == [f"GET /conversations/{conversation_id}/items"], selection


async def test_a_missing_conversation_with_only_its_page_selected_takes_one_call(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    body = await graphql.execute(
        '{ conversation(id: "conv_missing") { conversationId items(first: 2) { nodes { __typename } } } }'
    )
    assert body["data"] == {"conversation": None}
    (error,) = body["errors"]
    assert error["path"] == ["conversation"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["message"] == "Conversation with id 'conv_missing' not found."
    assert upstream.paths() == ["GET /conversations/conv_missing/items"]


async def test_reading_the_record_in_a_fragment_fetches_it_with_the_page(
    graphql: GraphQLClient, upstream: Recording, seed: Seed
) -> None:
    conversation_id = await seed(*messages(2))
    query = """query($id: ID!) { node(id: $id) { ...Meta ... on Conversation { items { nodes { __typename } } } } }
      fragment Meta on Conversation { metadataValue(key: "topic") }"""
    data = await graphql.data(query, {"id": conversation_id})
    assert data["node"] == {"metadataValue": None, "items": {"nodes": [{"__typename": "Message"}] * 2}}
    record, page = sorted(upstream.requests, key=lambda request: request.path.count("/"))
    assert (record.path, page.path) == (f"/conversations/{conversation_id}", f"/conversations/{conversation_id}/items")
    # At once, as the selection reads the record: not read only when `metadataValue` resolves.
    assert record.started < page.ended
    assert page.started < record.ended


async def test_an_item_alone_takes_one_call(graphql: GraphQLClient, upstream: Recording, seed: Seed) -> None:
    conversation_id = await seed(*messages(2))
    page = await graphql.data(
        "query($id: ID!) { conversation(id: $id) { items(first: 1) { nodes { ... on Message { id } } } } }",
        {"id": conversation_id},
    )
    upstream.clear()
    node_id = page["conversation"]["items"]["nodes"][0]["id"]
    data = await graphql.data("query($id: ID!) { node(id: $id) { id } }", {"id": node_id})
    assert data["node"]["id"] == node_id
    assert upstream.count == 1


async def test_reading_only_the_id_of_a_conversation_still_checks_it_exists(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    body = await graphql.execute('{ conversation(id: "conv_missing") { conversationId } }')
    assert body["data"] == {"conversation": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert upstream.count == 1


async def test_distinct_keys_are_fetched_concurrently_within_the_configured_bound(gateway: Gateway) -> None:
    client, upstream = await gateway(upstream_concurrency=3)
    ids = [(await client.http.post("/v1/conversations", json={})).json()["id"] for _ in range(12)]
    upstream.clear()
    data = await client.data("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}, key=None)
    assert len(data["nodes"]) == 12
    events = sorted([(r.started, 1) for r in upstream.requests] + [(r.ended, -1) for r in upstream.requests])
    in_flight, peak = 0, 0
    for _, change in events:
        in_flight += change
        peak = max(peak, in_flight)
    assert 1 < peak <= 3


async def test_a_write_and_its_newest_items_take_two_calls(
    graphql: GraphQLClient, upstream: Recording, seed: Seed
) -> None:
    conversation_id = await seed(*messages(8))
    data = await graphql.data(
        """mutation($id: ID!) {
          addConversationItems(input: {conversationId: $id, items: [{message: {role: USER, text: "new"}}]}) {
            conversation { items(last: 5) { nodes { ... on Message { itemId } } } } } }""",
        {"id": conversation_id},
    )
    assert len(data["addConversationItems"]["conversation"]["items"]["nodes"]) == 5
    assert upstream.paths() == [
        f"POST /conversations/{conversation_id}/items",
        f"GET /conversations/{conversation_id}/items",
    ]


async def test_the_same_write_document_with_other_variables_writes_and_reads_what_each_asks(
    graphql: GraphQLClient, upstream: Recording, seed: Seed
) -> None:
    """A mutation's selections are kept per document too: each run writes its own text, and a new
    `$last` under the payload is a new page."""
    first, second = await seed(*messages(8)), await seed(*messages(8))
    document = """mutation($id: ID!, $text: String!, $last: Int!) {
      addConversationItems(input: {conversationId: $id, items: [{message: {role: USER, text: $text}}]}) {
        items { ...Text }
        conversation { items(last: $last) { nodes { ...Text } } }
      } }
      fragment Text on Message { content { ... on InputTextContent { text } } }"""
    for run, (conversation_id, last) in enumerate(((first, 2), (second, 3), (first, 5), (first, 2))):
        upstream.clear()
        text = f"run {run}"
        data = (await graphql.data(document, {"id": conversation_id, "text": text, "last": last}))[
            "addConversationItems"
        ]
        assert data["items"] == [{"content": [{"text": text}]}]
        nodes = data["conversation"]["items"]["nodes"]
        assert len(nodes) == last
        assert nodes[-1] == {"content": [{"text": text}]}
        (page,) = [request for request in upstream.requests if request.method == "GET"]
        assert page.path == f"/conversations/{conversation_id}/items"
        assert ("limit", str(last)) in page.params


async def test_an_id_that_would_name_another_upstream_path_costs_no_call(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    """`/conversations/../items` is `/items` once a URL's dot segments are resolved."""
    for identifier, code in (("..", "NOT_FOUND"), (".", "NOT_FOUND"), ("", "BAD_USER_INPUT")):
        body = await graphql.execute(
            "query($id: ID!) { conversation(id: $id) { createdAt items(first: 2) { nodes { __typename } } } }",
            {"id": identifier},
        )
        assert body["data"] == {"conversation": None}
        assert {error["extensions"]["code"] for error in body["errors"]} == {code}, body
    assert upstream.count == 0
