"""The resolvers graphql-core calls directly answer exactly what Strawberry's wrapper around them answers."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import GraphQLObjectType
from strawberry.schema import schema_converter

import gateway.schema
from gateway.app import create_app
from gateway.schema.resolvers import DIRECT
from tests.conftest import SettingsFactory
from tests.graphql.conftest import messages
from tests.graphql.harness import Recording

KEY = {"Authorization": "Bearer sk-test"}
PAGE = (
    "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
    " edges { cursor node { __typename ... on ConversationItemFields { itemId } } }"
)
READS = [
    (
        "query($c: ID!) { conversation(id: $c) { conversationId createdAt metadata { key value }"
        ' topic: metadataValue(key: "topic") none: metadataValue(key: "none")'
        f" first: items(first: 2) {{ {PAGE} }} newest: items(last: 3, order: DESC) {{ {PAGE} }}"
        f" all: items {{ {PAGE} }} }} }}"
    ),
    "query($c: ID!, $n: Int, $key: String!) { conversation(id: $c) { metadataValue(key: $key)"
    f" items(first: $n, include: [MESSAGE_INPUT_IMAGE_IMAGE_URL, FILE_SEARCH_CALL_RESULTS]) {{ {PAGE} }} }} }}",
    f"query($c: ID!, $after: String) {{ conversation(id: $c) {{ items(first: 2, after: $after) {{ {PAGE} }} }} }}",
    f"query($c: ID!, $after: String) {{ conversation(id: $c) {{ items(last: 2, before: $after) {{ {PAGE} }} }} }}",
    'query($inc: [Includable!]) { conversation(id: "conv_none") { items(include: $inc) { edges { cursor } } } }',
    "query($c: ID!) { conversation(id: $c) { items(first: -1) { edges { cursor } } createdAt } }",
    "query($c: ID!) { conversation(id: $c) { items(first: 1, last: 1) { edges { cursor } } } }",
    'query($c: ID!) { conversation(id: $c) { items(after: "not a cursor") { edges { cursor } } } }',
    "query($c: ID!, $i: ID!) { conversationItem(conversationId: $c, id: $i,"
    " include: [MESSAGE_INPUT_IMAGE_IMAGE_URL]) { __typename ... on Message { id role } } }",
    'query($g: ID!) { node(id: $g) { __typename id ... on Conversation { createdAt metadataValue(key: "topic") } } }',
    'query($c: ID!, $g: ID!) { nodes(ids: [$c, $g, "conv_missing"]) { __typename id'
    f" ... on Conversation {{ createdAt metadata {{ key }} items(last: 2) {{ {PAGE} }} }} }} }}",
    'query { node(id: "bm90IGFuIGlk") { id } conversation(id: "conv_missing") { createdAt } }',
]


@contextlib.asynccontextmanager
async def _client(make_settings: SettingsFactory, upstream: Recording) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(), upstream_transport=upstream.wrap)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test", headers=KEY) as client:
            yield client


async def test_direct_resolvers_answer_what_strawberrys_wrapper_answers(
    make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversions: list[str] = []
    convert = vars(schema_converter)["convert_arguments"]  # what Strawberry's wrapper calls

    def counted(value: Any, arguments: list[Any], **options: Any) -> Any:
        if arguments:  # a field with arguments (Strawberry calls it for every field with a resolver)
            conversions.append("converted")
        return convert(value, arguments, **options)

    monkeypatch.setitem(vars(schema_converter), "convert_arguments", counted)
    async with contextlib.AsyncExitStack() as stack:
        calls = (Recording(), Recording())
        direct = await stack.enter_async_context(_client(make_settings, calls[0]))
        with monkeypatch.context() as undone:
            undone.setattr(gateway.schema, "call_resolvers_directly", lambda schema: None)
            wrapped = await stack.enter_async_context(_client(make_settings, calls[1]))  # the same database

        created = await direct.post("/v1/conversations", json={"metadata": {"topic": "direct"}})
        conversation_id = created.json()["id"]
        added = await direct.post(f"/v1/conversations/{conversation_id}/items", json={"items": messages(5)})
        item_id = added.json()["data"][0]["id"]
        first = await direct.post("/graphql", json={"query": READS[2], "variables": {"c": conversation_id}})
        assert "errors" not in first.json(), first.json()
        cursor = first.json()["data"]["conversation"]["items"]["pageInfo"]["endCursor"]
        variables = {
            "c": conversation_id,
            "i": item_id,
            "n": 3,
            "key": "topic",
            "after": cursor,
            "inc": ["WEB_SEARCH_CALL_RESULTS"],
            "g": base64.b64encode(f"Conversation:{conversation_id}".encode()).decode(),
        }
        answered = first.json()
        for query in READS:
            used = {name: value for name, value in variables.items() if f"${name}" in query}
            conversions.clear()
            for recording in calls:
                recording.clear()
            fast = await direct.post("/graphql", json={"query": query, "variables": used})
            assert conversions == [], query  # every field with arguments here is resolved directly
            slow = await wrapped.post("/graphql", json={"query": query, "variables": used})
            assert conversions, (query, fast.json())
            assert (fast.status_code, fast.json()) == (slow.status_code, slow.json()), query
            made = [sorted((call.method, call.path, call.params) for call in recording.requests) for recording in calls]
            assert made[0] == made[1], query  # the same upstream calls (made at once, so in any order)
            answered = fast.json()
        assert "errors" in answered  # the last query's missing conversation and bad id


def test_which_fields_have_direct_resolvers() -> None:
    """The fields with scalar and enum arguments only; a field with an input type or a `GlobalID` keeps Strawberry's."""
    schema = gateway.schema.build_schema()
    direct = sorted(
        f"{named.name}.{name}"
        for named in schema._schema.type_map.values()
        if isinstance(named, GraphQLObjectType)
        for name, field in named.fields.items()
        if getattr(field.resolve, DIRECT, False)
    )
    assert direct == [
        "AddConversationItemsPayload.conversation",
        "Conversation.createdAt",
        "Conversation.items",
        "Conversation.metadata",
        "Conversation.metadataValue",
        "PageInfo.hasNextPage",
        "PageInfo.hasPreviousPage",
        "Query.conversation",
        "Query.conversationItem",
        "Query.node",
        "Query.nodes",
    ]
