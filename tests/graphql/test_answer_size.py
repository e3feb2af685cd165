"""The limit on an operation's answer (`GATEWAY_MAX_ANSWER_BYTES`): counted while it is built.

An answer can repeat what the operation read: `nodes` with one id many times, aliases of a page or
of a field. Without the limit one request of a kilobyte, on one page of a megabyte read once,
made an answer of 500 MB.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import strawberry

from gateway.schema import execution
from gateway.settings import Settings
from tests.conftest import Gateway
from tests.graphql.conftest import Seed
from tests.graphql.full_selection import selection_for
from tests.graphql.harness import GraphQLClient
from tests.graphql.test_execution import _graphql_core_execute_field, _subclasses
from tests.samples import ITEM_SAMPLES

KEY = {"Authorization": "Bearer sk-test"}

TEXT_OF_PAGE = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Conversation {
  items(first: 10) { nodes { ... on Message { content { ... on InputTextContent { text } } } } } } } }"""


async def _conversation_of(client: GraphQLClient, texts: list[str]) -> str:
    created = await client.http.post(
        "/v1/conversations",
        json={"items": [{"type": "message", "role": "user", "content": text} for text in texts]},
        headers=KEY,
    )
    assert created.status_code == 200
    conversation_id: str = created.json()["id"]
    return conversation_id


def _only_error(body: dict[str, Any]) -> dict[str, Any]:
    (error,) = body["errors"]
    assert isinstance(error, dict)
    return error


def _refusal(limit: str, *, mutation: bool = False) -> str:
    message = (
        f"The answer to this operation would be larger than its limit of {limit}, so none is given. "
        "Ask for fewer items, ids, aliases or fields of large items, or split the operation."
    )
    if mutation:
        message += (
            " The operation's mutations ran before its answer was refused: their writes may have been applied. "
            "Read the conversation before trying again."
        )
    return message


async def test_a_page_repeated_by_nodes_past_the_default_limit_is_refused_with_one_upstream_call(
    gateway: Gateway,
) -> None:
    """One page of a megabyte, read once, would be written a hundred times: 100 MB from a request of
    half a kilobyte. With the default limit (64 MiB) the operation is refused whole, its one error
    saying what to do; the page was read once. The same page a few times is answered."""
    client, upstream = await gateway()
    conversation_id = await _conversation_of(client, [letter * 100_000 for letter in "abcdefghij"])
    upstream.clear()

    body = await client.execute(TEXT_OF_PAGE, {"ids": [conversation_id] * 100})

    assert body["data"] is None
    error = _only_error(body)
    assert error == {
        "message": _refusal("64 MiB"),
        "extensions": {"code": "OPERATION_TOO_EXPENSIVE", "limit": 64 * 1024 * 1024},
    }
    assert upstream.paths() == [f"GET /conversations/{conversation_id}/items"]

    answered = await client.data(TEXT_OF_PAGE, {"ids": [conversation_id] * 3})
    assert [len(node["items"]["nodes"]) for node in answered["nodes"]] == [10, 10, 10]
    assert answered["nodes"][2]["items"]["nodes"][9]["content"][0]["text"] == "j" * 100_000


async def test_aliases_of_a_field_count_each_time(gateway: Gateway) -> None:
    """One message of 30 KB selected by 40 aliases is 1.2 MB of answer: past a limit of 1 MiB."""
    client, upstream = await gateway(max_answer_bytes=1024 * 1024)
    conversation_id = await _conversation_of(client, ["x" * 30_000])
    aliases = " ".join(f"t{n}: text" for n in range(40))
    query = f"""query($id: ID!) {{ conversation(id: $id) {{
      items {{ nodes {{ ... on Message {{ content {{ ... on InputTextContent {{ {aliases} }} }} }} }} }} }} }}"""
    upstream.clear()

    body = await client.execute(query, {"id": conversation_id})

    assert body == {
        "data": None,
        "errors": [{"message": _refusal("1 MiB"), "extensions": {"code": "OPERATION_TOO_EXPENSIVE", "limit": 1048576}}],
    }
    assert upstream.count == 1
    half = " ".join(f"t{n}: text" for n in range(30))
    answered = await client.data(query.replace(aliases, half), {"id": conversation_id})
    assert len(orjson.dumps(answered)) > 900_000


async def test_the_count_is_the_size_of_the_json_written_on_both_paths_of_the_executor(
    seed: Seed, graphql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every field of every item type, with typenames, ids, cursors, enums, numbers, nulls, `JSON`
    values and non-ASCII text: the count is within 3% of the JSON the answer becomes (escapes are
    not counted), and the same whether values are completed by plans or by graphql-core."""
    samples = [ITEM_SAMPLES[kind] for kind in sorted(ITEM_SAMPLES)]
    unicode = {"type": "input_text", "text": "naïve 東京 🙂" * 50}
    samples.append({"type": "message", "role": "user", "content": [unicode]})
    conversation_id = await seed(*samples)
    selection = selection_for("ConversationItem")
    query = f"""query($c: ID!) {{
      conversation(id: $c) {{ __typename id conversationId createdAt metadata {{ key value }}
        items(first: 100) {{ edges {{ cursor node {selection} }} pageInfo {{ hasNextPage endCursor }} }} }} }}"""
    counted: list[int] = []
    original = execution.GatewayExecutionContext.build_response

    def recording(self: execution.GatewayExecutionContext, data: Any) -> Any:
        counted.append(self.answer.used)
        return original(self, data)

    monkeypatch.setattr(execution.GatewayExecutionContext, "build_response", recording)
    fast = await graphql.execute(query, {"c": conversation_id})
    assert "errors" not in fast

    for cls in [cls for cls in _subclasses(execution.GatewayExecutionContext) if cls.leaf_fields]:
        monkeypatch.setattr(cls, "leaf_fields", {})
    monkeypatch.setattr(execution.GatewayExecutionContext, "execute_field", _graphql_core_execute_field)
    monkeypatch.setattr(execution.GatewayExecutionContext, "plain_values", False)
    slow = await graphql.execute(query, {"c": conversation_id})
    assert slow == fast

    written = len(orjson.dumps(fast["data"]))
    assert counted[0] == counted[1]
    assert abs(counted[0] - written) <= written * 0.03, (counted[0], written)


async def test_a_mutation_whose_answer_is_too_large_says_its_write_may_have_been_applied_and_sends_no_more(
    gateway: Gateway,
) -> None:
    """Mutations run in order; once the first one's answer passes the limit, the second one's write
    is not sent, and the error says that writes may have been applied (the first one was)."""
    client, upstream = await gateway(max_answer_bytes=64 * 1024)
    conversation_id = await _conversation_of(client, ["y" * 10_000] * 10)
    page = "items(last: 10) { nodes { ... on Message { content { ... on InputTextContent { text } } } } }"
    query = f"""mutation($id: ID!) {{
      first: addConversationItems(input: {{conversationId: $id, items: [{{message: {{role: USER, text: "one"}}}}]}}) {{
        conversation {{ a: {page} b: {page} c: {page} d: {page} e: {page} f: {page} g: {page} }} }}
      second: addConversationItems(input: {{conversationId: $id, items: [{{message: {{role: USER, text: "two"}}}}]}}) {{
        items {{ __typename }} }} }}"""
    upstream.clear()

    body = await client.execute(query, {"id": conversation_id})

    assert body["data"] is None
    assert _only_error(body)["message"] == _refusal("64 KiB", mutation=True)
    assert [path for path in upstream.paths() if path.startswith("POST")] == [
        f"POST /conversations/{conversation_id}/items"
    ]
    listed = await client.http.get(f"/v1/conversations/{conversation_id}/items", params={"limit": 2}, headers=KEY)
    newest = [item["content"][0]["text"] for item in listed.json()["data"]]
    assert newest == ["one", "y" * 10_000]


READS: list[int] = []


@strawberry.type
class Row:
    value: str


class CountedRow(Row):
    """Counts the reads of its `value`."""

    @property
    def value(self) -> str:
        READS.append(1)
        return "v"

    @value.setter
    def value(self, _: str) -> None:
        pass


@strawberry.type
class Table:
    @strawberry.field
    def rows(self, count: int) -> list[Row]:
        return [CountedRow(value="v") for _ in range(count)]


async def test_a_list_whose_objects_alone_would_pass_the_limit_is_refused_before_any_is_built() -> None:
    schema = strawberry.Schema(Table)
    schema.execution_context_class = execution.execution_context_for(schema._schema, max_answer_bytes=10_000)
    query = "query($n: Int!) { rows(count: $n) { value second: value third: value } }"

    READS.clear()
    fits = await schema.execute(query, variable_values={"n": 100})
    assert fits.errors is None
    assert fits.data == {"rows": [{"value": "v", "second": "v", "third": "v"}] * 100}
    assert len(READS) == 300
    assert len(orjson.dumps(fits.data)) < 10_000

    READS.clear()
    refused = await schema.execute(query, variable_values={"n": 1_000})
    assert refused.data is None
    assert [error.extensions for error in refused.errors or []] == [
        {"code": "OPERATION_TOO_EXPENSIVE", "limit": 10_000}
    ]
    assert READS == []


def test_the_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().max_answer_bytes == 64 * 1024 * 1024
    monkeypatch.setenv("GATEWAY_MAX_ANSWER_BYTES", "2097152")
    assert Settings().max_answer_bytes == 2 * 1024 * 1024
