"""Every validation rule of the write side: BAD_USER_INPUT, the input path, and no upstream request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.schema.ids import global_id
from tests.graphql.harness import GraphQLClient, Recording

CREATE = "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id } } }"
UPDATE = "mutation($input: UpdateConversationInput!) { updateConversation(input: $input) { conversation { id } } }"
ADD = "mutation($input: AddConversationItemsInput!) { addConversationItems(input: $input) { items { __typename } } }"
DELETE_ITEM = (
    "mutation($input: DeleteConversationItemInput!) { deleteConversationItem(input: $input) { deletedItemId } }"
)
DELETE = "mutation($input: DeleteConversationInput!) { deleteConversation(input: $input) { deleted } }"


MESSAGE_GLOBAL_ID = global_id("Message", "conv_1:msg_1")
CONVERSATION_GLOBAL_ID = global_id("Conversation", "conv_1")


def _entries(count: int) -> list[dict[str, str]]:
    return [{"key": f"k{n}", "value": "v"} for n in range(count)]


def _user(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"message": {"role": "USER", "text": text, **extra}}


def _add(*items: dict[str, Any]) -> dict[str, Any]:
    return {"conversationId": "conv_1", "items": list(items)}


# name: (mutation, input, path, words the message must contain)
RULES: dict[str, tuple[str, dict[str, Any], str, str]] = {
    "17 metadata entries": (CREATE, {"metadata": _entries(17)}, "input.metadata", "at most 16"),
    "17 metadata entries on update": (
        UPDATE,
        {"id": "conv_1", "metadata": _entries(17)},
        "input.metadata",
        "at most 16",
    ),
    "a 65-character key": (
        UPDATE,
        {"id": "conv_1", "metadata": [{"key": "k" * 65, "value": "v"}]},
        "input.metadata[0].key",
        "at most 64",
    ),
    "a 513-character value": (
        CREATE,
        {"metadata": [*_entries(2), {"key": "long", "value": "v" * 513}]},
        "input.metadata[2].value",
        "at most 512",
    ),
    "an empty key": (CREATE, {"metadata": [{"key": "", "value": "v"}]}, "input.metadata[0].key", "empty"),
    "a repeated key": (
        CREATE,
        {"metadata": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]},
        "input.metadata[1].key",
        "unique",
    ),
    "21 items on create": (CREATE, {"items": [_user()] * 21}, "input.items", "0 to 20"),
    "21 items on append": (ADD, _add(*[_user()] * 21), "input.items", "1 to 20"),
    "no items on append": (ADD, _add(), "input.items", "1 to 20"),
    "text and content": (
        ADD,
        _add(_user(content=[{"inputText": {"text": "x"}}])),
        "input.items[0].message",
        "exactly one of",
    ),
    "neither text nor content": (
        ADD,
        _add(_user(), {"message": {"role": "USER"}}),
        "input.items[1].message",
        "exactly one of",
    ),
    "empty content": (
        ADD,
        _add({"message": {"role": "USER", "content": []}}),
        "input.items[0].message.content",
        "at least one",
    ),
    "an image with neither URL nor file": (
        ADD,
        _add(
            _user(),
            _user(),
            _user(),
            {"message": {"role": "USER", "content": [{"inputText": {"text": "x"}}, {"inputImage": {}}]}},
        ),
        "input.items[3].message.content[1].inputImage",
        "imageUrl",
    ),
    "a file with nothing in it": (
        ADD,
        _add({"message": {"role": "USER", "content": [{"inputFile": {"filename": "a.pdf"}}]}}),
        "input.items[0].message.content[0].inputFile",
        "fileId",
    ),
    "an empty conversation id": (ADD, {"conversationId": " ", "items": [_user()]}, "input.conversationId", "empty"),
    "an empty item id": (DELETE_ITEM, {"conversationId": "conv_1", "itemId": ""}, "input.itemId", "empty"),
    "an empty id to delete": (DELETE, {"id": ""}, "input.id", "empty"),
    "an item's global id to update": (
        UPDATE,
        {"id": MESSAGE_GLOBAL_ID, "metadata": []},
        "input.id",
        "an item (Message), not of a conversation",
    ),
    "an item's global id to delete": (DELETE, {"id": MESSAGE_GLOBAL_ID}, "input.id", "not of a conversation"),
    "an item's global id to append to": (
        ADD,
        {"conversationId": MESSAGE_GLOBAL_ID, "items": [_user()]},
        "input.conversationId",
        "not of a conversation",
    ),
    "a conversation's global id as the item to delete": (
        DELETE_ITEM,
        {"conversationId": "conv_1", "itemId": CONVERSATION_GLOBAL_ID},
        "input.itemId",
        "not of an item",
    ),
    "an empty call id": (
        ADD,
        _add({"functionCallOutput": {"callId": "", "output": "{}"}}),
        "input.items[0].functionCallOutput.callId",
        "empty",
    ),
    "an empty message id": (ADD, _add(_user(id="")), "input.items[0].message.id", "empty"),
    "a raw item that is not an object": (ADD, _add({"raw": [1, 2]}), "input.items[0].raw", "JSON object"),
    "a raw item without a type": (ADD, _add({"raw": {"call_id": "x"}}), "input.items[0].raw", "`type`"),
    "an unknown role": (ADD, _add({"message": {"role": "ROBOT", "text": "x"}}), "input.items[0].message.role", "ROBOT"),
    "an unknown status": (
        ADD,
        _add({"functionCallOutput": {"callId": "c", "output": "o", "status": "DONE"}}),
        "input.items[0].functionCallOutput.status",
        "DONE",
    ),
    "two members of one item": (
        ADD,
        _add({"message": {"role": "USER", "text": "x"}, "raw": {"type": "message"}}),
        "input.items[0]",
        "exactly one key",
    ),
    "no member at all": (ADD, _add({}), "input.items[0]", "exactly one key"),
    "a missing required field": (
        ADD,
        _add({"functionCall": {"callId": "c", "name": "f"}}),
        "input.items[0].functionCall",
        "arguments",
    ),
}


@pytest.mark.parametrize("rule", sorted(RULES))
async def test_each_rule_is_checked_before_the_upstream(rule: str, graphql: GraphQLClient, upstream: Recording) -> None:
    mutation, value, path, words = RULES[rule]
    body = await graphql.execute(mutation, {"input": value})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["path"] == path, error
    assert words in error["message"], error["message"]
    assert upstream.count == 0


async def test_an_upstream_400_is_mapped_to_the_input_path(graphql: GraphQLClient, upstream: Recording) -> None:
    created = await graphql.data(CREATE, {"input": {}})
    conversation_id = created["createConversation"]["conversation"]["id"]
    # The gateway passes raw items through; the upstream refuses this one.
    body = await graphql.execute(
        ADD,
        {
            "input": {
                "conversationId": conversation_id,
                "items": [_user(), {"raw": {"type": "function_call", "name": "f"}}],
            }
        },
    )
    error = body["errors"][0]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "path": "input.items[1].callId",
        "upstreamParam": "items[1].call_id",
    }


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_a_body_with_a_value_json_does_not_have_is_refused(
    constant: str, graphql: GraphQLClient, upstream: Recording
) -> None:
    """Python's JSON parser reads NaN and Infinity; passed on, they would reach the upstream as null."""
    raw = json.dumps({"type": "function_call_output", "call_id": "c", "output": "x", "score": 1.5})
    variables = json.dumps({"input": {"conversationId": "conv_1", "items": [{"raw": "RAW"}]}})
    body = '{"query": ' + json.dumps(ADD) + ', "variables": ' + variables.replace('"RAW"', raw) + "}"
    body = body.replace("1.5", constant)
    assert constant in body
    response = await graphql.http.post(
        graphql.path,
        content=body.encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer sk-test"},
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST", error
    assert "JSON" in error["message"]
    assert upstream.count == 0
