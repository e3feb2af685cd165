"""Items written through GraphQL: every upstream type through `raw`, every typed member's fields."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.graphql.full_selection import check_rest_object, selection_for
from tests.graphql.harness import GraphQLClient, Recording
from tests.samples import ITEM_SAMPLES

ADD = f"""mutation($input: AddConversationItemsInput!) {{ addConversationItems(input: $input) {{
  items {selection_for("ConversationItem")}
}} }}"""
READ = f"""query($id: ID!) {{ conversation(id: $id) {{
  items(first: 20) {{ nodes {selection_for("ConversationItem")} }}
}} }}"""


async def _conversation(graphql: GraphQLClient) -> str:
    data = await graphql.data("mutation { createConversation(input: {}) { conversation { conversationId } } }")
    conversation_id: str = data["createConversation"]["conversation"]["conversationId"]
    return conversation_id


@pytest.mark.parametrize("kind", sorted(ITEM_SAMPLES))
async def test_every_item_type_can_be_written_through_raw(kind: str, graphql: GraphQLClient) -> None:
    conversation_id = await _conversation(graphql)
    data = await graphql.data(
        ADD, {"input": {"conversationId": conversation_id, "items": [{"raw": ITEM_SAMPLES[kind]}]}}
    )
    (written,) = data["addConversationItems"]["items"]
    (read,) = (await graphql.data(READ, {"id": conversation_id}))["conversation"]["items"]["nodes"]
    for got in (written, read):
        check_rest_object(ITEM_SAMPLES[kind], got, "ConversationItem")


TYPED: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # member: (GraphQL input, the REST item it must store)
    "message with text": (
        {"message": {"role": "DEVELOPER", "text": "Be brief.", "id": "msg_typed1", "status": "INCOMPLETE"}},
        {
            "type": "message",
            "role": "developer",
            "id": "msg_typed1",
            "status": "incomplete",
            "content": [{"type": "input_text", "text": "Be brief."}],
        },
    ),
    "message with every part": (
        {
            "message": {
                "role": "USER",
                "phase": "COMMENTARY",
                "content": [
                    {"inputText": {"text": "Look:"}},
                    {"inputImage": {"imageUrl": "https://example.com/a.png", "detail": "HIGH"}},
                    {"inputImage": {"fileId": "file_img"}},
                    {"inputFile": {"fileId": "file_1", "filename": "a.pdf", "detail": "LOW"}},
                    {"inputFile": {"fileUrl": "https://example.com/b.pdf"}},
                    {"inputFile": {"fileData": "aGVsbG8=", "filename": "c.txt"}},
                ],
            }
        },
        {
            "type": "message",
            "role": "user",
            "phase": "commentary",
            "status": "completed",
            "content": [
                {"type": "input_text", "text": "Look:"},
                {"type": "input_image", "image_url": "https://example.com/a.png", "detail": "high"},
                {"type": "input_image", "file_id": "file_img", "detail": "auto"},
                {"type": "input_file", "file_id": "file_1", "filename": "a.pdf", "detail": "low"},
                {"type": "input_file", "file_url": "https://example.com/b.pdf"},
                {"type": "input_file", "file_data": "aGVsbG8=", "filename": "c.txt"},
            ],
        },
    ),
    "assistant message with output text and a refusal": (
        {
            "message": {
                "role": "ASSISTANT",
                "phase": "FINAL_ANSWER",
                "content": [{"outputText": {"text": "Paris."}}, {"refusal": {"refusal": "Not that."}}],
            }
        },
        {
            "type": "message",
            "role": "assistant",
            "phase": "final_answer",
            "content": [
                {"type": "output_text", "text": "Paris.", "annotations": []},
                {"type": "refusal", "refusal": "Not that."},
            ],
        },
    ),
    "function call": (
        {
            "functionCall": {
                "callId": "call_1",
                "name": "get_weather",
                "arguments": '{"city":"Paris"}',
                "namespace": "weather",
                "id": "fc_typed",
                "status": "IN_PROGRESS",
            }
        },
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": '{"city":"Paris"}',
            "namespace": "weather",
            "id": "fc_typed",
            "status": "in_progress",
        },
    ),
    "function call output": (
        {"functionCallOutput": {"callId": "call_1", "output": '{"t":21}', "id": "fco_typed", "status": "COMPLETED"}},
        {
            "type": "function_call_output",
            "call_id": "call_1",
            "output": '{"t":21}',
            "id": "fco_typed",
            "status": "completed",
        },
    ),
    "custom tool call": (
        {
            "customToolCall": {
                "callId": "call_c",
                "name": "sql",
                "input": "SELECT 1",
                "namespace": "db",
                "id": "ctc_typed",
            }
        },
        {
            "type": "custom_tool_call",
            "call_id": "call_c",
            "name": "sql",
            "input": "SELECT 1",
            "namespace": "db",
            "id": "ctc_typed",
        },
    ),
    "custom tool call output": (
        {"customToolCallOutput": {"callId": "call_c", "output": "1", "id": "ctco_typed"}},
        {"type": "custom_tool_call_output", "call_id": "call_c", "output": "1", "id": "ctco_typed"},
    ),
    "computer call output": (
        {
            "computerCallOutput": {
                "callId": "call_cu",
                "id": "cuo_typed",
                "output": {"imageUrl": "https://example.com/s.png", "fileId": "file_s"},
                "acknowledgedSafetyChecks": [{"id": "sc_1", "code": "c", "message": "m"}],
            }
        },
        {
            "type": "computer_call_output",
            "call_id": "call_cu",
            "id": "cuo_typed",
            "output": {"type": "computer_screenshot", "image_url": "https://example.com/s.png", "file_id": "file_s"},
            "acknowledged_safety_checks": [{"id": "sc_1", "code": "c", "message": "m"}],
        },
    ),
    "MCP approval response": (
        {
            "mcpApprovalResponse": {
                "approvalRequestId": "mcpr_1",
                "approve": True,
                "reason": "Fine.",
                "id": "mcpa_typed",
            }
        },
        {
            "type": "mcp_approval_response",
            "approval_request_id": "mcpr_1",
            "approve": True,
            "reason": "Fine.",
            "id": "mcpa_typed",
        },
    ),
}


@pytest.mark.parametrize("member", sorted(TYPED))
async def test_typed_members_round_trip_every_field(member: str, graphql: GraphQLClient) -> None:
    given, stored = TYPED[member]
    conversation_id = await _conversation(graphql)
    data = await graphql.data(ADD, {"input": {"conversationId": conversation_id, "items": [given]}})
    (written,) = data["addConversationItems"]["items"]
    (read,) = (await graphql.data(READ, {"id": conversation_id}))["conversation"]["items"]["nodes"]
    for got in (written, read):
        check_rest_object(stored, got, "ConversationItem")


async def test_an_item_reference_adds_an_existing_item(graphql: GraphQLClient) -> None:
    source = await _conversation(graphql)
    first = await graphql.data(
        ADD, {"input": {"conversationId": source, "items": [{"message": {"role": "USER", "text": "once"}}]}}
    )
    item_id = first["addConversationItems"]["items"][0]["Message__itemId"]
    target = await _conversation(graphql)
    again = await graphql.data(
        ADD, {"input": {"conversationId": target, "items": [{"itemReference": {"id": item_id}}]}}
    )
    (copied,) = again["addConversationItems"]["items"]
    assert copied["Message__itemId"] == item_id
    assert copied["Message__conversationId"] == target


async def test_an_integer_beyond_64_bits_in_raw_is_the_upstreams_to_judge(graphql: GraphQLClient) -> None:
    """JSON allows any integer; the gateway sends it on (orjson alone would refuse it: an INTERNAL error)."""
    conversation_id = await _conversation(graphql)
    raw = {"type": "function_call_output", "call_id": "call_1", "output": "ok", "status": 2**70}
    body = await graphql.execute(
        "mutation($input: AddConversationItemsInput!) { addConversationItems(input: $input) { items { __typename } } }",
        {"input": {"conversationId": conversation_id, "items": [{"raw": raw}]}},
    )
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["path"] == "input.items[0].status"


async def test_an_integer_beyond_64_bits_in_a_json_value_reaches_the_upstream_exactly(graphql: GraphQLClient) -> None:
    """The request body is read exactly: a tool search's `arguments` may hold any integer."""
    conversation_id = await _conversation(graphql)
    arguments = {"n": 123456789012345678901234567890, "m": -(2**70)}
    raw = {**ITEM_SAMPLES["tool_search_call"], "arguments": arguments}
    await graphql.data(
        "mutation($input: AddConversationItemsInput!) { addConversationItems(input: $input) { items { __typename } } }",
        {"input": {"conversationId": conversation_id, "items": [{"raw": raw}]}},
    )

    listed = await graphql.http.get(
        f"/v1/conversations/{conversation_id}/items", headers={"Authorization": "Bearer sk-test"}
    )

    (stored,) = json.loads(listed.content)["data"]  # the standard library: exact integers
    assert stored["arguments"] == arguments


async def test_a_written_value_the_schema_cannot_show_says_the_write_was_applied(graphql: GraphQLClient) -> None:
    """The API takes a coordinate beyond GraphQL's 32-bit `Int`; the payload cannot show it, and
    its error must not read as a failed write (which a client would send again)."""
    conversation_id = await _conversation(graphql)
    sample = ITEM_SAMPLES["computer_call"]
    raw = {**sample, "action": {**sample["action"], "x": 2**31}}
    body = await graphql.execute(
        "mutation($input: AddConversationItemsInput!) { addConversationItems(input: $input) {"
        " items { ... on ComputerCall { action { ... on ClickAction { x } } } } } }",
        {"input": {"conversationId": conversation_id, "items": [{"raw": raw}]}},
    )
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE"}
    assert error["message"] == (
        "The upstream sent a value the schema cannot represent (Int cannot represent non 32-bit signed integer"
        " value: 2147483648). The write was applied; only its result cannot be shown."
    )
    listed = await graphql.http.get(
        f"/v1/conversations/{conversation_id}/items", headers={"Authorization": "Bearer sk-test"}
    )
    (stored,) = listed.json()["data"]
    assert stored["action"]["x"] == 2**31
    # A read of the same value says nothing of a write.
    read = await graphql.execute(
        "query($id: ID!) { conversation(id: $id) { items { nodes {"
        " ... on ComputerCall { action { ... on ClickAction { x } } } } } } }",
        {"id": conversation_id},
    )
    assert read["errors"][0]["message"].endswith("value: 2147483648).")


def _nested_schema(levels: int) -> dict[str, Any]:
    """A JSON schema of objects ``levels`` deep."""
    schema: dict[str, Any] = {"type": "object"}
    for _ in range(levels - 1):
        schema = {"properties": schema}
    return schema


def _tools(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "mcp_list_tools", "server_label": "docs", "tools": [{"name": "search", "input_schema": schema}]}


TOOLS = "... on McpListTools { tools { inputSchema } }"


async def test_raw_nesting_past_100_levels_is_refused_before_the_write(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    """Past the limit, the upstream's answer could be deeper than the gateway reads: the item would
    be written and the mutation answer an error. At the limit, it is written and read back."""
    conversation_id = await _conversation(graphql)
    upstream.clear()
    add = (
        "mutation($input: AddConversationItemsInput!) {"
        f" addConversationItems(input: $input) {{ items {{ {TOOLS} }} }} }}"
    )
    deep = _tools(_nested_schema(99))  # the item, `tools`, the tool: 102 levels
    body = await graphql.execute(add, {"input": {"conversationId": conversation_id, "items": [{"raw": deep}]}})
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "path": "input.items[0].raw"}
    assert "more than 100 levels deep" in error["message"]
    assert upstream.count == 0

    fits = _tools(_nested_schema(97))
    data = await graphql.data(add, {"input": {"conversationId": conversation_id, "items": [{"raw": fits}]}})
    assert data["addConversationItems"]["items"] == [{"tools": [{"inputSchema": _nested_schema(97)}]}]


async def test_an_item_at_the_built_in_apis_nesting_limit_is_read(graphql: GraphQLClient) -> None:
    """The built-in API accepts bodies up to 128 levels (tests/embedded/test_errors.py); its answers
    then stay within what the gateway reads (200)."""
    conversation_id = await _conversation(graphql)
    schema = _nested_schema(123)  # the body, `items`, the item, `tools`, the tool: 128 levels
    written = await graphql.http.post(
        f"/v1/conversations/{conversation_id}/items",
        json={"items": [_tools(schema)]},
        headers={"Authorization": "Bearer sk-test"},
    )
    assert written.status_code == 200, written.text
    data = await graphql.data(
        f"query($id: ID!) {{ conversation(id: $id) {{ items {{ nodes {{ {TOOLS} }} }} }} }}", {"id": conversation_id}
    )
    assert data["conversation"]["items"]["nodes"] == [{"tools": [{"inputSchema": schema}]}]


async def test_a_request_nested_past_what_json_parsing_reads_is_a_clear_400(graphql: GraphQLClient) -> None:
    body = b'{"query": "{ __typename }", "variables": {"x": ' + b"[" * 1100 + b"]" * 1100 + b"}}"
    response = await graphql.http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert error["message"].startswith("The JSON sent nests objects and arrays more than 1024 levels deep")
