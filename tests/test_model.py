"""Random sequences of writes and reads, through GraphQL and the official SDK, against a model.

Each sequence runs on a fresh gateway over the built-in API with a real SQLite file (in-process
over ASGI, or over two loopback sockets), beside a Python model of what the writes so far should
have left: conversations with their metadata, items in order (the deleted ones kept as places,
since their cursors still page from there) and owners (two keys). Hypothesis draws the steps:
writes by GraphQL mutations or by `openai`'s SDK at `/v1`, writes that must be refused and change
nothing, and reads by both ways that the model predicts: pages in both orders and directions, from
any cursor, with every `pageInfo` field; items and nodes by id; metadata; another key's view. Each
GraphQL read stays within its upstream-call estimate, and every answer of the built-in API is the
OpenAPI spec's. Hypothesis shrinks a failing sequence to the fewest steps that still fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import httpx2
import openai
import pytest
from graphql import parse
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from gateway.app import create_app
from gateway.schema.ids import encode_cursor
from gateway.schema.limits import estimate_upstream_calls
from gateway.schema.pagination import UPSTREAM_PAGE
from gateway.settings import Settings
from tests.graphql.harness import GraphQLClient, Recording
from tests.live import Recorder, serving
from tests.openapi import validate_response

T = TypeVar("T")

KEYS = ("sk-model-one", "sk-model-two")

ITEM_FIELDS = """
fragment Item on ConversationItem {
  __typename
  ... on Node { id }
  ... on ConversationItemFields { itemId conversationId type }
  ... on Message { role content { __typename ... on InputTextContent { text } ... on OutputTextContent { text } } }
  ... on FunctionCall { callId name arguments }
  ... on FunctionCallOutput { callId output }
}
"""

PAGE = (
    """
query Page($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $order: ItemOrder!) {
  conversation(id: $id) {
    id
    conversationId
    items(first: $first, after: $after, last: $last, before: $before, order: $order) {
      edges { cursor node { ...Item } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""
    + ITEM_FIELDS
)

ITEM = "query Item($c: ID!, $i: ID!) { conversationItem(conversationId: $c, id: $i) { ...Item } }" + ITEM_FIELDS

NODES = (
    """
query Nodes($ids: [ID!]!) {
  nodes(ids: $ids) { __typename id ... on Conversation { conversationId metadata { key value } } ...Item }
}
"""
    + ITEM_FIELDS
)

METADATA = """
query Metadata($id: ID!, $key: String!) {
  conversation(id: $id) { id conversationId createdAt metadata { key value } metadataValue(key: $key) }
}
"""

CREATE = (
    """
mutation Create($input: CreateConversationInput!) {
  createConversation(input: $input) {
    conversation { id conversationId metadata { key value } items(first: 20) { nodes { ...Item } } }
  }
}
"""
    + ITEM_FIELDS
)

ADD = (
    """
mutation Add($input: AddConversationItemsInput!) {
  addConversationItems(input: $input) {
    items { ...Item }
    conversation { conversationId items(last: 5) { nodes { ... on ConversationItemFields { itemId } } } }
  }
}
"""
    + ITEM_FIELDS
)

UPDATE = """
mutation Update($input: UpdateConversationInput!) {
  updateConversation(input: $input) { conversation { conversationId metadata { key value } } }
}
"""

DELETE_ITEM = """
mutation DeleteItem($input: DeleteConversationItemInput!) {
  deleteConversationItem(input: $input) {
    deletedItemId
    conversation { conversationId items(last: 5) { nodes { ... on ConversationItemFields { itemId } } } }
  }
}
"""

DELETE_CONVERSATION = """
mutation DeleteConversation($input: DeleteConversationInput!) {
  deleteConversation(input: $input) { deletedConversationId deletedId deleted }
}
"""

ROLES = ("user", "assistant", "system", "developer")

# Any text but lone surrogates, which no JSON encoder sends (README, *Checked*).
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
words = st.text("abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=10)


@dataclass(frozen=True)
class NewItem:
    """An item to write, as each interface sends it, and how every read should show it."""

    kind: str
    role: str = ""
    text: str = ""
    call_id: str = ""
    name: str = ""
    arguments: str = ""
    output: str = ""

    def graphql(self) -> dict[str, Any]:
        if self.kind == "message":
            return {"message": {"role": self.role.upper(), "text": self.text}}
        if self.kind == "function_call":
            return {"functionCall": {"callId": self.call_id, "name": self.name, "arguments": self.arguments}}
        return {"functionCallOutput": {"callId": self.call_id, "output": self.output}}

    def rest(self) -> dict[str, Any]:
        if self.kind == "message":
            return {"type": "message", "role": self.role, "content": self.text}
        if self.kind == "function_call":
            return {"type": "function_call", "call_id": self.call_id, "name": self.name, "arguments": self.arguments}
        return {"type": "function_call_output", "call_id": self.call_id, "output": self.output}

    def shape(self) -> tuple[Any, ...]:
        if self.kind == "message":
            part = "output_text" if self.role == "assistant" else "input_text"
            return ("message", self.role, ((part, self.text),))
        if self.kind == "function_call":
            return ("function_call", self.call_id, self.name, self.arguments)
        return ("function_call_output", self.call_id, self.output)


new_items = st.one_of(
    st.builds(NewItem, kind=st.just("message"), role=st.sampled_from(ROLES), text=texts),
    st.builds(NewItem, kind=st.just("function_call"), call_id=words, name=words, arguments=texts),
    st.builds(NewItem, kind=st.just("function_call_output"), call_id=words, output=texts),
)
metadatas = st.dictionaries(
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=8), texts, max_size=5
)

counts = st.none() | st.integers(0, 12) | st.integers(95, 210)
"""A page's `first` or `last`: small, or about one or two of the upstream's pages of 100."""

_PART_TYPES = {"InputTextContent": "input_text", "OutputTextContent": "output_text"}


def graphql_shape(node: dict[str, Any]) -> tuple[Any, ...]:
    match node["__typename"]:
        case "Message":
            parts = tuple((_PART_TYPES[part["__typename"]], part["text"]) for part in node["content"])
            return ("message", node["role"].lower(), parts)
        case "FunctionCall":
            return ("function_call", node["callId"], node["name"], node["arguments"])
        case "FunctionCallOutput":
            return ("function_call_output", node["callId"], node["output"])
    raise AssertionError(f"an item of a kind never written: {node}")


def sdk_shape(item: Any) -> tuple[Any, ...]:
    match item.type:
        case "message":
            return ("message", item.role, tuple((part.type, part.text) for part in item.content))
        case "function_call":
            return ("function_call", item.call_id, item.name, item.arguments)
        case "function_call_output":
            return ("function_call_output", item.call_id, item.output)
    raise AssertionError(f"an item of a kind never written: {item}")


def _id(item: Any) -> str:
    """An item's id as the SDK read it (its types leave some kinds' ids optional; the API's are not)."""
    assert isinstance(item.id, str), item
    return item.id


@dataclass
class ModelItem:
    item_id: str
    shape: tuple[Any, ...]
    global_id: str | None = None
    deleted: bool = False


@dataclass
class ModelConversation:
    conversation_id: str
    key: str
    metadata: dict[str, str]
    items: list[ModelItem] = field(default_factory=list)
    global_id: str | None = None
    created_at: str | None = None
    deleted: bool = False


@dataclass(frozen=True)
class Expected:
    ids: list[str]
    has_next: bool
    has_previous: bool


def relay_page(
    items: list[ModelItem], first: int | None, after: int | None, last: int | None, before: int | None
) -> Expected:
    """The Relay algorithm over ``items`` (in the page's order, deleted ones included: a cursor is a
    place, and a deleted item's cursor still pages from where it was). ``after`` and ``before`` are
    positions in ``items``. Without `first` or `last`, a page is the gateway's first 20."""
    if first is None and last is None:
        first = 20
    start = 0 if after is None else after + 1
    # The specification applies `before` to what `after` left: a `before` at or ahead of `after`
    # names no edge there, and is ignored. But no call can tell apart the places of two deleted
    # items with none between them, and the gateway reads them as not crossing.
    end = len(items)
    if before is not None:
        crossing = after is not None and before <= after
        if after is not None and crossing and before != after and items[before].deleted and items[after].deleted:
            crossing = any(not item.deleted for item in items[before : after + 1])
        end = end if crossing else max(before, start)
    bounded = [item for item in items[start:end] if not item.deleted]
    edges = bounded
    if first is not None:
        edges = edges[:first]
    if last is not None:
        edges = edges[-last:] if last else []
    # With `after` alone, a previous page exists when an item lies at or before the cursor's place
    # (the gateway looks, when asked); the same for `before` and a next page.
    if last is not None:
        has_previous = len(bounded) > last
    else:
        has_previous = after is not None and any(not item.deleted for item in items[: after + 1])
    if first is not None:
        has_next = len(bounded) > first
    else:
        has_next = before is not None and any(not item.deleted for item in items[before:])
    return Expected([item.item_id for item in edges], has_next, has_previous)


def _entries(metadata: dict[str, str]) -> list[dict[str, str]]:
    """Metadata as GraphQL's `MetadataEntry` list shows it (and `MetadataEntryInput` takes it), in order."""
    return [{"key": key, "value": value} for key, value in metadata.items()]


def _item_ids(conversation: dict[str, Any]) -> list[str]:
    return [node["itemId"] for node in conversation["items"]["nodes"]]


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def _found(body: dict[str, Any], field: str, *, gone: bool) -> Any:
    """The root ``field``'s value, or None once checked that what it names is gone (`null`, one `NOT_FOUND`)."""
    if gone:
        assert body["data"] == {field: None}
        assert _codes(body) == ["NOT_FOUND"], body
        return None
    assert "errors" not in body, body
    return body["data"][field]


class ConversationsMachine(RuleBasedStateMachine):
    over_sockets = False
    """In-process over ASGI (the gateway calling the built-in API in its own process, as `gateway
    serve` does by default), or end to end over loopback sockets."""

    def __init__(self) -> None:
        super().__init__()
        self.conversations: list[ModelConversation] = []
        self._folder = tempfile.TemporaryDirectory()
        self._runner = asyncio.Runner()
        self._stack = contextlib.AsyncExitStack()
        self._run(self._start())

    def _run(self, awaitable: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await awaitable

        return self._runner.run(wrapped())

    async def _start(self) -> None:
        database = Path(self._folder.name) / "conversations.sqlite3"
        self.upstream = Recording()
        if self.over_sockets:
            # `gateway serve` against another server's API, as against OpenAI's: two uvicorn sockets.
            start = self._stack.enter_context(serving())
            self.api = Recorder(create_app(Settings(database=database)))
            api_url = start(self.api)
            gateway = create_app(
                Settings(database=database, upstream_url=f"{api_url}/v1"), upstream_transport=self.upstream.wrap
            )
            gateway_url = start(gateway)
            http = await self._stack.enter_async_context(httpx.AsyncClient(base_url=gateway_url, timeout=30))
            sdk_http = await self._stack.enter_async_context(httpx2.AsyncClient(timeout=30))
        else:
            app = create_app(Settings(database=database), upstream_transport=self.upstream.wrap)
            await self._stack.enter_async_context(app.router.lifespan_context(app))
            self.api = Recorder(app)
            api_url = "http://gateway.test"
            http = await self._stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=self.api), base_url=api_url)
            )
            sdk_http = await self._stack.enter_async_context(
                httpx2.AsyncClient(transport=httpx2.ASGITransport(app=self.api))
            )
        self.graphql = GraphQLClient(http)
        self.sdks = {
            key: openai.AsyncOpenAI(
                base_url=f"{api_url}/v1",
                api_key=key,
                http_client=sdk_http,
                max_retries=0,
                _strict_response_validation=True,
            )
            for key in KEYS
        }

    def _read(self, document: str, variables: dict[str, Any], key: str) -> dict[str, Any]:
        """A GraphQL read, which makes no more upstream calls than its estimate allowed."""
        self.upstream.clear()
        body = self._run(self.graphql.execute(document, variables, key=key))
        assert self.upstream.count <= estimate_upstream_calls(parse(document), None, variables), (
            self.upstream.paths(),
            variables,
        )
        return body

    def teardown(self) -> None:
        try:
            self._run(self._stack.aclose())
        finally:
            self._runner.close()
            self._folder.cleanup()
        # Every answer of the built-in API, to the SDK and to the gateway, is the OpenAPI spec's.
        for response in self.api.responses:
            validate_response(response)

    # Choosing what a step acts on.

    def _existing(self) -> list[ModelConversation]:
        return [conversation for conversation in self.conversations if not conversation.deleted]

    def _pick(self, data: st.DataObject, choices: list[T]) -> T:
        return data.draw(st.sampled_from(choices))

    def _place(self, data: st.DataObject, items: list[ModelItem]) -> int | None:
        """A cursor's position in ``items``: as often a deleted item's as a live one's, when there are both."""
        if not items:
            return None
        deleted = [n for n, item in enumerate(items) if item.deleted]
        deleted_one: bool = bool(deleted) and data.draw(st.booleans())
        if deleted_one:
            return self._pick(data, deleted)
        return data.draw(st.integers(0, len(items) - 1))

    # Writes.

    @initialize(size=st.sampled_from([0, 0, 0, 120, 230]), key=st.sampled_from(KEYS))
    def long_conversation(self, size: int, key: str) -> None:
        """Some sequences start with a conversation longer than the upstream's page of 100 (or 200)."""
        if not size:
            return
        sdk = self.sdks[key]
        created = self._run(sdk.conversations.create())
        conversation = ModelConversation(created.id, key, {})
        for start in range(0, size, 20):
            batch = [NewItem("message", role=ROLES[n % 2], text=f"m{n}") for n in range(start, min(size, start + 20))]
            added = self._run(sdk.conversations.items.create(created.id, items=[item.rest() for item in batch]))  # type: ignore[misc]
            conversation.items += [ModelItem(_id(item), sdk_shape(item)) for item in added.data]
            assert [item.shape for item in conversation.items[start:]] == [item.shape() for item in batch]
        self.conversations.append(conversation)

    @rule(key=st.sampled_from(KEYS), metadata=metadatas, items=st.lists(new_items, max_size=3), by_sdk=st.booleans())
    def create(self, key: str, metadata: dict[str, str], items: list[NewItem], by_sdk: bool) -> None:
        if by_sdk:
            created = self._run(
                self.sdks[key].conversations.create(
                    metadata=metadata or openai.omit,
                    items=[item.rest() for item in items] or openai.omit,  # type: ignore[misc]
                )
            )
            conversation = ModelConversation(created.id, key, metadata)
            assert (created.metadata or {}) == metadata
            listed = self._run(self.sdks[key].conversations.items.list(created.id, order="asc", limit=100))
            written = [ModelItem(_id(item), sdk_shape(item)) for item in listed.data]
        else:
            variables = {"input": {"metadata": _entries(metadata)}}
            if items:
                variables["input"]["items"] = [item.graphql() for item in items]
            data = self._run(self.graphql.data(CREATE, variables, key=key))
            made = data["createConversation"]["conversation"]
            conversation = ModelConversation(made["conversationId"], key, metadata, global_id=made["id"])
            assert {entry["key"]: entry["value"] for entry in made["metadata"]} == metadata
            nodes = made["items"]["nodes"]
            written = [ModelItem(node["itemId"], graphql_shape(node), node["id"]) for node in nodes]
        assert [item.shape for item in written] == [item.shape() for item in items]
        conversation.items = written
        self.conversations.append(conversation)

    @precondition(lambda self: self._existing())
    @rule(
        data=st.data(),
        # A few, or up to the 20 a write takes: conversations then grow past the upstream's page of 100.
        items=st.lists(new_items, min_size=1, max_size=4) | st.lists(new_items, min_size=15, max_size=20),
        by_sdk=st.booleans(),
    )
    def add_items(self, data: st.DataObject, items: list[NewItem], by_sdk: bool) -> None:
        conversation = self._pick(data, self._existing())
        if by_sdk:
            sdk = self.sdks[conversation.key]
            added = self._run(
                sdk.conversations.items.create(conversation.conversation_id, items=[item.rest() for item in items])  # type: ignore[misc]
            )
            written = [ModelItem(_id(item), sdk_shape(item)) for item in added.data]
            assert (added.first_id, added.last_id) == (written[0].item_id, written[-1].item_id)
        else:
            variables = {
                "input": {"conversationId": conversation.conversation_id, "items": [i.graphql() for i in items]}
            }
            result = self._run(self.graphql.data(ADD, variables, key=conversation.key))["addConversationItems"]
            written = [ModelItem(node["itemId"], graphql_shape(node), node["id"]) for node in result["items"]]
            assert result["conversation"]["conversationId"] == conversation.conversation_id
            # The payload's conversation is the state after the write.
            newest = [item.item_id for item in conversation.items if not item.deleted] + [i.item_id for i in written]
            assert _item_ids(result["conversation"]) == newest[-5:]
        assert [item.shape for item in written] == [item.shape() for item in items]
        conversation.items += written

    @precondition(lambda self: self._existing())
    @rule(data=st.data(), metadata=metadatas, by_sdk=st.booleans())
    def update_metadata(self, data: st.DataObject, metadata: dict[str, str], by_sdk: bool) -> None:
        conversation = self._pick(data, self._existing())
        if by_sdk:
            updated = self._run(
                self.sdks[conversation.key].conversations.update(conversation.conversation_id, metadata=metadata)
            )
            assert (updated.metadata or {}) == metadata
        else:
            entries = _entries(metadata)
            variables = {"input": {"id": conversation.conversation_id, "metadata": entries}}
            result = self._run(self.graphql.data(UPDATE, variables, key=conversation.key))["updateConversation"]
            assert result["conversation"]["metadata"] == entries
        conversation.metadata = metadata

    @precondition(lambda self: any(c.items for c in self._existing()))
    @rule(data=st.data(), by_sdk=st.booleans())
    def delete_item(self, data: st.DataObject, by_sdk: bool) -> None:
        """Any item, deleted already or not: a second delete is NOT_FOUND and changes nothing."""
        conversation = self._pick(data, [c for c in self._existing() if c.items])
        item = self._pick(data, conversation.items)
        if by_sdk:
            sdk = self.sdks[conversation.key]
            delete = sdk.conversations.items.delete(item.item_id, conversation_id=conversation.conversation_id)
            if item.deleted:
                with pytest.raises(openai.NotFoundError):
                    self._run(delete)
            else:
                assert self._run(delete).id == conversation.conversation_id
        else:
            variables = {"input": {"conversationId": conversation.conversation_id, "itemId": item.item_id}}
            body = self._run(self.graphql.execute(DELETE_ITEM, variables, key=conversation.key))
            if item.deleted:
                assert _codes(body) == ["NOT_FOUND"], body
            else:
                assert "errors" not in body, body
                payload = body["data"]["deleteConversationItem"]
                assert payload["deletedItemId"] == item.item_id
                left = [other.item_id for other in conversation.items if not other.deleted and other is not item]
                assert _item_ids(payload["conversation"]) == left[-5:]
        item.deleted = True

    @precondition(lambda self: self.conversations)
    @rule(data=st.data(), by_sdk=st.booleans())
    def delete_conversation(self, data: st.DataObject, by_sdk: bool) -> None:
        """Any conversation, deleted already or not."""
        conversation = self._pick(data, self.conversations)
        if by_sdk:
            delete = self.sdks[conversation.key].conversations.delete(conversation.conversation_id)
            if conversation.deleted:
                with pytest.raises(openai.NotFoundError):
                    self._run(delete)
            else:
                assert self._run(delete).deleted is True
        else:
            variables = {"input": {"id": conversation.global_id or conversation.conversation_id}}
            body = self._run(self.graphql.execute(DELETE_CONVERSATION, variables, key=conversation.key))
            if conversation.deleted:
                assert _codes(body) == ["NOT_FOUND"], body
            else:
                assert "errors" not in body, body
                assert body["data"]["deleteConversation"]["deletedConversationId"] == conversation.conversation_id
        conversation.deleted = True

    @precondition(lambda self: self._existing())
    @rule(data=st.data(), items=st.lists(new_items, max_size=3), by_sdk=st.booleans())
    def add_refused_items(self, data: st.DataObject, items: list[NewItem], by_sdk: bool) -> None:
        """A batch holding one item the upstream refuses adds nothing at all."""
        conversation = self._pick(data, self._existing())
        position = data.draw(st.integers(0, len(items)))
        refused = {"type": "no_such_item_type", "id": "x"}
        if by_sdk:
            bodies: list[Any] = [item.rest() for item in items]
            bodies.insert(position, refused)
            with pytest.raises(openai.BadRequestError):
                self._run(
                    self.sdks[conversation.key].conversations.items.create(
                        conversation.conversation_id,
                        items=bodies,
                    )
                )
        else:
            inputs: list[Any] = [item.graphql() for item in items]
            inputs.insert(position, {"raw": refused})
            variables = {"input": {"conversationId": conversation.conversation_id, "items": inputs}}
            body = self._run(self.graphql.execute(ADD, variables, key=conversation.key))
            assert _codes(body) == ["BAD_USER_INPUT"], body

    @precondition(lambda self: self._existing())
    @rule(data=st.data(), size=st.integers(17, 20))
    def update_refused_metadata(self, data: st.DataObject, size: int) -> None:
        """Too many metadata entries change nothing."""
        conversation = self._pick(data, self._existing())
        entries = [{"key": f"k{n}", "value": "v"} for n in range(size)]
        variables = {"input": {"id": conversation.conversation_id, "metadata": entries}}
        body = self._run(self.graphql.execute(UPDATE, variables, key=conversation.key))
        assert _codes(body) == ["BAD_USER_INPUT"], body
        with pytest.raises(openai.BadRequestError):
            self._run(
                self.sdks[conversation.key].conversations.update(
                    conversation.conversation_id, metadata={e["key"]: e["value"] for e in entries}
                )
            )

    @precondition(lambda self: self.conversations)
    @rule(data=st.data(), items=st.lists(new_items, min_size=1, max_size=2), metadata=metadatas)
    def write_as_the_other_key(self, data: st.DataObject, items: list[NewItem], metadata: dict[str, str]) -> None:
        """Another key can change nothing of a conversation: each write is NOT_FOUND, by either way."""
        conversation = self._pick(data, self.conversations)
        other = next(key for key in KEYS if key != conversation.key)
        sdk = self.sdks[other]
        writes: list[Awaitable[Any]] = [
            sdk.conversations.items.create(conversation.conversation_id, items=[i.rest() for i in items]),  # type: ignore[misc]
            sdk.conversations.update(conversation.conversation_id, metadata=metadata),
            sdk.conversations.delete(conversation.conversation_id),
        ]
        if conversation.items:
            item = self._pick(data, conversation.items)
            writes.append(sdk.conversations.items.delete(item.item_id, conversation_id=conversation.conversation_id))
        for write in writes:
            with pytest.raises(openai.NotFoundError):
                self._run(write)
        entries = _entries(metadata)
        mutations = [
            (ADD, {"conversationId": conversation.conversation_id, "items": [i.graphql() for i in items]}),
            (UPDATE, {"id": conversation.conversation_id, "metadata": entries}),
            (DELETE_CONVERSATION, {"id": conversation.conversation_id}),
        ]
        if conversation.items:
            deleting = {"conversationId": conversation.conversation_id, "itemId": conversation.items[0].item_id}
            mutations.append((DELETE_ITEM, deleting))
        for document, given in mutations:
            body = self._run(self.graphql.execute(document, {"input": given}, key=other))
            assert _codes(body) == ["NOT_FOUND"], body

    # Reads.

    @precondition(lambda self: self.conversations)
    @rule(
        data=st.data(),
        first=counts,
        last=counts,
        with_after=st.booleans(),
        with_before=st.booleans(),
        descending=st.booleans(),
    )
    def read_page(
        self,
        *,
        data: st.DataObject,
        first: int | None,
        last: int | None,
        with_after: bool,
        with_before: bool,
        descending: bool,
    ) -> None:
        conversation = self._pick(data, self.conversations)
        ordered = conversation.items[::-1] if descending else conversation.items
        after = self._place(data, ordered) if with_after else None
        before = self._place(data, ordered) if with_before else None
        self._check_page(conversation, first, after, last, before, descending=descending)

    @precondition(lambda self: any(item.deleted for c in self.conversations for item in c.items))
    @rule(data=st.data(), count=counts, backward=st.booleans(), descending=st.booleans())
    def read_page_towards_a_deleted_item(
        self, data: st.DataObject, count: int | None, backward: bool, descending: bool
    ) -> None:
        """A page that runs towards a deleted item's cursor (`first` with `before`, `last` with `after`)
        ends at its place: until 2026-12-05 it ran past it."""
        conversation = self._pick(data, [c for c in self.conversations if any(item.deleted for item in c.items)])
        ordered = conversation.items[::-1] if descending else conversation.items
        far = self._pick(data, [n for n, item in enumerate(ordered) if item.deleted])
        if backward:
            self._check_page(conversation, None, far, count or 5, None, descending=descending)
        else:
            self._check_page(conversation, count, None, None, far, descending=descending)

    def _check_page(
        self,
        conversation: ModelConversation,
        first: int | None,
        after: int | None,
        last: int | None,
        before: int | None,
        *,
        descending: bool,
    ) -> None:
        """Reads a page and checks it against the model; ``after`` and ``before`` are positions in the
        page's order."""
        ordered = conversation.items[::-1] if descending else conversation.items
        event("a page of a conversation past the upstream's page of 100", len(ordered) > UPSTREAM_PAGE)
        variables = {
            "id": conversation.global_id or conversation.conversation_id,
            "first": first,
            "last": last,
            "after": None if after is None else encode_cursor(ordered[after].item_id),
            "before": None if before is None else encode_cursor(ordered[before].item_id),
            "order": "DESC" if descending else "ASC",
        }
        found = _found(self._read(PAGE, variables, conversation.key), "conversation", gone=conversation.deleted)
        if found is None:
            return
        conversation.global_id = found["id"]
        connection = found["items"]
        expected = relay_page(ordered, first, after, last, before)
        got = [edge["node"]["itemId"] for edge in connection["edges"]]
        assert got == expected.ids, (variables, got, expected)
        info = connection["pageInfo"]
        assert (info["hasNextPage"], info["hasPreviousPage"]) == (expected.has_next, expected.has_previous), (
            variables,
            info,
            expected,
        )
        cursors = [edge["cursor"] for edge in connection["edges"]]
        assert (info["startCursor"], info["endCursor"]) == ((cursors[0], cursors[-1]) if cursors else (None, None))
        by_id = {item.item_id: item for item in conversation.items}
        for edge in connection["edges"]:
            node = edge["node"]
            item = by_id[node["itemId"]]
            assert edge["cursor"] == encode_cursor(item.item_id)
            assert graphql_shape(node) == item.shape
            assert node["conversationId"] == conversation.conversation_id
            assert node["type"] == item.shape[0]
            item.global_id = node["id"]

    @precondition(lambda self: self.conversations)
    @rule(data=st.data(), limit=st.integers(1, 100), with_after=st.booleans(), descending=st.booleans())
    def list_by_sdk(self, data: st.DataObject, limit: int, with_after: bool, descending: bool) -> None:
        conversation = self._pick(data, self.conversations)
        ordered = conversation.items[::-1] if descending else conversation.items
        after = self._place(data, ordered) if with_after else None
        listing = self.sdks[conversation.key].conversations.items.list(
            conversation.conversation_id,
            limit=limit,
            order="desc" if descending else "asc",
            after=openai.omit if after is None else ordered[after].item_id,
        )
        if conversation.deleted:
            with pytest.raises(openai.NotFoundError):
                self._run(listing)
            return
        items = self._run(listing)
        expected = relay_page(ordered, limit, after, None, None)
        got = [_id(item) for item in items.data]
        assert got == expected.ids, (limit, after, got, expected)
        assert items.has_more == expected.has_next
        by_id = {item.item_id: item for item in conversation.items}
        for item in items.data:
            assert sdk_shape(item) == by_id[_id(item)].shape

    @precondition(lambda self: any(c.items for c in self.conversations))
    @rule(data=st.data(), by_sdk=st.booleans())
    def read_item(self, data: st.DataObject, by_sdk: bool) -> None:
        conversation = self._pick(data, [c for c in self.conversations if c.items])
        item = self._pick(data, conversation.items)
        gone = item.deleted or conversation.deleted
        if by_sdk:
            read = self.sdks[conversation.key].conversations.items.retrieve(
                item.item_id, conversation_id=conversation.conversation_id
            )
            if gone:
                with pytest.raises(openai.NotFoundError):
                    self._run(read)
            else:
                assert sdk_shape(self._run(read)) == item.shape
            return
        item_id = item.global_id if item.global_id is not None and data.draw(st.booleans()) else item.item_id
        variables = {"c": conversation.conversation_id, "i": item_id}
        found = _found(self._read(ITEM, variables, conversation.key), "conversationItem", gone=gone)
        if found is not None:
            assert graphql_shape(found) == item.shape

    @precondition(lambda self: self.conversations)
    @rule(data=st.data())
    def read_metadata(self, data: st.DataObject) -> None:
        conversation = self._pick(data, self.conversations)
        key = data.draw(st.sampled_from([*conversation.metadata, "absent"]))
        variables = {"id": conversation.conversation_id, "key": key}
        found = _found(self._read(METADATA, variables, conversation.key), "conversation", gone=conversation.deleted)
        if found is None:
            return
        assert found["metadata"] == _entries(conversation.metadata)
        assert found["metadataValue"] == conversation.metadata.get(key)
        if conversation.created_at is not None:
            assert found["createdAt"] == conversation.created_at
        conversation.created_at = found["createdAt"]
        conversation.global_id = found["id"]
        retrieved = self._run(self.sdks[conversation.key].conversations.retrieve(conversation.conversation_id))
        assert (retrieved.metadata or {}) == conversation.metadata

    @precondition(lambda self: self.conversations)
    @rule(data=st.data())
    def read_nodes(self, data: st.DataObject) -> None:
        """A key's own conversations and items by global id (those already seen), deleted ones included."""
        key = data.draw(st.sampled_from(KEYS))
        known: list[ModelConversation | tuple[ModelConversation, ModelItem]] = []
        for conversation in self.conversations:
            if conversation.key == key and conversation.global_id is not None:
                known.append(conversation)
            known += [(conversation, item) for item in conversation.items if item.global_id and conversation.key == key]
        chosen = data.draw(st.lists(st.sampled_from(known), max_size=6)) if known else []
        ids = [c.global_id if isinstance(c, ModelConversation) else c[1].global_id for c in chosen]
        body = self._read(NODES, {"ids": ids}, key)
        nodes = body["data"]["nodes"]
        assert len(nodes) == len(chosen)
        missing = 0
        for node, wanted in zip(nodes, chosen, strict=True):
            if isinstance(wanted, ModelConversation):
                if wanted.deleted:
                    assert node is None
                    missing += 1
                else:
                    assert node["conversationId"] == wanted.conversation_id
                    assert node["metadata"] == _entries(wanted.metadata)
            else:
                conversation, item = wanted
                if conversation.deleted or item.deleted:
                    assert node is None
                    missing += 1
                else:
                    assert node["itemId"] == item.item_id
                    assert graphql_shape(node) == item.shape
        assert _codes(body) == ["NOT_FOUND"] * missing, body

    @precondition(lambda self: self.conversations)
    @rule(data=st.data(), by_sdk=st.booleans())
    def read_as_the_other_key(self, data: st.DataObject, by_sdk: bool) -> None:
        """Another key sees nothing of a conversation, as if it did not exist."""
        conversation = self._pick(data, self.conversations)
        other = next(key for key in KEYS if key != conversation.key)
        if by_sdk:
            with pytest.raises(openai.NotFoundError):
                self._run(self.sdks[other].conversations.retrieve(conversation.conversation_id))
            with pytest.raises(openai.NotFoundError):
                self._run(self.sdks[other].conversations.items.list(conversation.conversation_id))
            return
        variables = {"id": conversation.conversation_id, "first": 5, "order": "ASC"}
        _found(self._read(PAGE, variables, other), "conversation", gone=True)


class ConversationsOverSocketsMachine(ConversationsMachine):
    over_sockets = True


def _sequences(default: int) -> settings:
    """``default`` sequences of 40 steps (about 0.4 s each here); MODEL_EXAMPLES=1000 looks further."""
    count = int(os.environ.get("MODEL_EXAMPLES", str(default)))
    return settings(
        max_examples=count, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


ConversationsMachine.TestCase.settings = _sequences(80)
TestConversations = ConversationsMachine.TestCase
ConversationsOverSocketsMachine.TestCase.settings = _sequences(20)
TestConversationsOverSockets = ConversationsOverSocketsMachine.TestCase
