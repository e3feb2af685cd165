"""The write side through GraphQL only, against the built-in API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.graphql.harness import GraphQLClient, Recording, nested

CREATE = """mutation($input: CreateConversationInput!) { createConversation(input: $input) {
  clientMutationId conversation { id conversationId metadata { key value } items(first: 20) { nodes { __typename } } }
} }"""
ADD = """mutation($input: AddConversationItemsInput!) { addConversationItems(input: $input) {
  clientMutationId
  items { __typename ... on ConversationItemFields { itemId } ... on Message { role content {
    ... on InputTextContent { text } ... on OutputTextContent { text }
    ... on InputImageContent { imageUrl detail } } } }
  conversation { items(last: 5) { nodes { ... on ConversationItemFields { itemId } } } }
} }"""
LIST = """query($id: ID!, $order: ItemOrder!) { conversation(id: $id) { metadata { key value }
  items(first: 50, order: $order) { nodes { __typename ... on ConversationItemFields { itemId }
    ... on Message { role content { ... on InputTextContent { text } ... on OutputTextContent { text } } } } }
} }"""


def _user(text: str) -> dict[str, Any]:
    return {"message": {"role": "USER", "text": text}}


async def test_the_seed_workflow_through_graphql_only(graphql: GraphQLClient) -> None:
    created = await graphql.data(
        CREATE,
        {
            "input": {
                "items": [_user("Hi")],
                "metadata": [{"key": "user_id", "value": "user_123"}],
                "clientMutationId": "c1",
            }
        },
    )
    payload = created["createConversation"]
    assert payload["clientMutationId"] == "c1"
    conversation = payload["conversation"]
    assert conversation["metadata"] == [{"key": "user_id", "value": "user_123"}]
    assert conversation["items"]["nodes"] == [{"__typename": "Message"}]
    conversation_id = conversation["conversationId"]

    system_and_user = await graphql.data(
        ADD,
        {
            "input": {
                "conversationId": conversation["id"],  # the global id works as well
                "items": [
                    {
                        "message": {
                            "role": "SYSTEM",
                            "content": [{"inputText": {"text": "You are a helpful Python tutor."}}],
                        }
                    },
                    {
                        "message": {
                            "role": "USER",
                            "content": [{"inputText": {"text": "How do I read a file in Python?"}}],
                        }
                    },
                ],
            }
        },
    )
    added = system_and_user["addConversationItems"]
    assert [item["role"] for item in added["items"]] == ["SYSTEM", "USER"]
    user_item = added["items"][1]["itemId"]
    # The payload's conversation shows the state after the write.
    assert [node["itemId"] for node in added["conversation"]["items"]["nodes"]][-2:] == [
        item["itemId"] for item in added["items"]
    ]

    listed = await graphql.data(LIST, {"id": conversation_id, "order": "ASC"})
    roles = [node["role"] for node in listed["conversation"]["items"]["nodes"]]
    assert roles == ["USER", "SYSTEM", "USER"]

    reply = await graphql.data(
        ADD,
        {
            "input": {
                "conversationId": conversation_id,
                "items": [{"message": {"role": "ASSISTANT", "text": "Use open()."}}],
            }
        },
    )
    assert reply["addConversationItems"]["items"][0]["content"] == [{"text": "Use open()."}]

    updated = await graphql.data(
        """mutation($input: UpdateConversationInput!) { updateConversation(input: $input) {
          conversation { metadata { key value } metadataValue(key: "status") } } }""",
        {
            "input": {
                "id": conversation_id,
                "metadata": [
                    {"key": "user_id", "value": "user_123"},
                    {"key": "status", "value": "resolved"},
                    {"key": "topic", "value": "file_io"},
                ],
            }
        },
    )
    assert updated["updateConversation"]["conversation"]["metadataValue"] == "resolved"
    read_back = await graphql.data(LIST, {"id": conversation_id, "order": "DESC"})
    assert read_back["conversation"]["metadata"] == [
        {"key": "user_id", "value": "user_123"},
        {"key": "status", "value": "resolved"},
        {"key": "topic", "value": "file_io"},
    ]

    deleted_item = await graphql.data(
        """mutation($input: DeleteConversationItemInput!) { deleteConversationItem(input: $input) {
          deletedItemId conversation { items(first: 10) { nodes { ... on ConversationItemFields { itemId } } } } } }""",
        {"input": {"conversationId": conversation_id, "itemId": user_item}},
    )
    remaining = [node["itemId"] for node in deleted_item["deleteConversationItem"]["conversation"]["items"]["nodes"]]
    assert deleted_item["deleteConversationItem"]["deletedItemId"] == user_item
    assert user_item not in remaining
    assert len(remaining) == 3

    gone = await graphql.data(
        """mutation($input: DeleteConversationInput!) { deleteConversation(input: $input) {
          deletedConversationId deleted clientMutationId } }""",
        {"input": {"id": conversation_id, "clientMutationId": "bye"}},
    )
    assert gone["deleteConversation"] == {
        "deletedConversationId": conversation_id,
        "deleted": True,
        "clientMutationId": "bye",
    }
    after = await graphql.execute(LIST, {"id": conversation_id, "order": "ASC"})
    assert after["data"]["conversation"] is None
    assert after["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_mutations_in_one_operation_run_in_order_and_later_reads_see_earlier_writes(
    graphql: GraphQLClient,
) -> None:
    created = await graphql.data(CREATE, {"input": {}})
    conversation_id = created["createConversation"]["conversation"]["conversationId"]
    operation = """mutation($id: ID!) {
      first: addConversationItems(input: {conversationId: $id, items: [{message: {role: USER, text: "one"}}]}) {
        conversation { items(first: 10) { nodes { __typename } } } }
      second: addConversationItems(input: {conversationId: $id, items: [{message: {role: USER, text: "two"}}]}) {
        conversation { items(first: 10) { nodes { __typename } } } }
      rename: updateConversation(input: {id: $id, metadata: [{key: "title", value: "Counting"}]}) {
        conversation { metadataValue(key: "title") items(first: 10) { nodes { __typename } } } }
    }"""
    data = await graphql.data(operation, {"id": conversation_id})
    assert len(data["first"]["conversation"]["items"]["nodes"]) == 1
    assert len(data["second"]["conversation"]["items"]["nodes"]) == 2
    assert data["rename"]["conversation"]["metadataValue"] == "Counting"
    assert len(data["rename"]["conversation"]["items"]["nodes"]) == 2


async def test_a_failed_mutation_does_not_stop_the_others(graphql: GraphQLClient) -> None:
    created = await graphql.data(CREATE, {"input": {}})
    conversation_id = created["createConversation"]["conversation"]["conversationId"]
    body = await graphql.execute(
        """mutation($id: ID!) {
          broken: deleteConversationItem(input: {conversationId: $id, itemId: "msg_nope"}) { deletedItemId }
          fine: addConversationItems(input: {conversationId: $id, items: [{message: {role: USER, text: "x"}}]}) {
            items { __typename } }
        }""",
        {"id": conversation_id},
    )
    assert body["data"]["broken"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["data"]["fine"] == {"items": [{"__typename": "Message"}]}


async def test_writes_are_not_retried(graphql: GraphQLClient, upstream: Recording) -> None:
    import httpx

    upstream.fault = lambda request: (
        httpx.Response(503, json={"error": {"message": "busy"}}) if request.method == "POST" else None
    )
    body = await graphql.execute(CREATE, {"input": {}})
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert upstream.count == 1


async def test_a_write_that_times_out_says_it_may_have_been_applied(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    import httpx

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("injected", request=request)

    upstream.fault = timeout
    body = await graphql.execute(CREATE, {"input": {}})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "UPSTREAM_TIMEOUT"
    assert "may or may not have been applied" in error["message"]
    assert upstream.count == 1


@pytest.mark.parametrize("form", ["global", "upstream"])
async def test_ids_are_accepted_in_both_forms(graphql: GraphQLClient, form: str) -> None:
    created = await graphql.data(CREATE, {"input": {"items": [_user("x")]}})
    conversation = created["createConversation"]["conversation"]
    listing = await graphql.data(
        "query($id: ID!) { conversation(id: $id) { items(first: 1) { nodes { ... on Message { id itemId } } } } }",
        {"id": conversation["id"]},
    )
    node = listing["conversation"]["items"]["nodes"][0]
    key = "id" if form == "global" else "conversationId"
    item_key = "id" if form == "global" else "itemId"
    data = await graphql.data(
        """mutation($c: ID!, $i: ID!) {
          deleteConversationItem(input: {conversationId: $c, itemId: $i}) { deletedItemId deletedId }
        }""",
        {"c": conversation[key], "i": node[item_key]},
    )
    assert data["deleteConversationItem"]["deletedItemId"] == node["itemId"]
    # The global id for a client's store (Relay's @deleteRecord), when the input gave one: an
    # upstream id does not say the item's type.
    assert data["deleteConversationItem"]["deletedId"] == (node["id"] if form == "global" else None)


async def test_a_deleted_conversations_global_id_is_in_the_payload_at_no_extra_call(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    """For a client's store (Relay's @deleteRecord), whichever form of id the input gave."""
    for given in ("conversationId", "id"):
        conversation = (await graphql.data(CREATE, {"input": {}}))["createConversation"]["conversation"]
        upstream.clear()
        data = await graphql.data(
            "mutation($id: ID!) { deleteConversation(input: {id: $id}) { deletedId deletedConversationId } }",
            {"id": conversation[given]},
        )
        assert data["deleteConversation"] == {
            "deletedId": conversation["id"],
            "deletedConversationId": conversation["conversationId"],
        }
        assert upstream.count == 1  # the DELETE alone


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ({"id": None, "object": "conversation", "created_at": 1, "metadata": None}, "is not what the API defines."),
        (
            {"id": "conv_1", "object": "conversation", "created_at": 1, "metadata": None, "x": nested(260)},
            "nests objects and arrays more than 200 levels deep, deeper than the gateway reads.",
        ),
    ],
)
async def test_a_write_answered_unreadably_says_what_was_wrong(
    graphql: GraphQLClient, upstream: Recording, answer: dict[str, Any], said: str
) -> None:
    """A whole answer that cannot be read is not one cut off: the message says what was wrong with it."""
    import httpx

    upstream.fault = lambda request: httpx.Response(200, json=answer) if request.method == "POST" else None
    body = await graphql.execute(CREATE, {"input": {}})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["message"] == (
        f"The upstream's answer to POST conversations {said} "
        "The write may or may not have been applied: read the conversation before trying again."
    )
    assert upstream.count == 1
