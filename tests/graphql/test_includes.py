"""The `include` values sent upstream follow the fields an operation selects."""

from __future__ import annotations

import pytest

from tests.graphql.conftest import Seed
from tests.graphql.harness import GraphQLClient, Recording
from tests.samples import ITEM_SAMPLES

GATED = {
    "message.output_text.logprobs": (
        "message",
        "... on Message { content { ... on OutputTextContent { logprobs { token } } } }",
    ),
    "message.input_image.image_url": (
        "message",
        "... on Message { content { ... on InputImageContent { imageUrl } } }",
    ),
    "file_search_call.results": ("file_search_call", "... on FileSearchCall { results { text } }"),
    "web_search_call.action.sources": (
        "web_search_call",
        "... on WebSearchCall { action { ... on SearchAction { sources { url } } } }",
    ),
    "computer_call_output.output.image_url": (
        "computer_call_output",
        "... on ComputerCallOutput { output { imageUrl } }",
    ),
    "code_interpreter_call.outputs": (
        "code_interpreter_call",
        "... on CodeInterpreterCall { outputs { __typename } }",
    ),
    "reasoning.encrypted_content": ("reasoning", "... on Reasoning { encryptedContent }"),
}
PLAIN = "__typename ... on ConversationItemFields { itemId }"


def _includes(upstream: Recording, *, pages: bool = True) -> list[set[str]]:
    """The include values of the recorded item-page requests (or of the other requests)."""
    return [
        {value for name, value in request.params if name == "include[]"}
        for request in upstream.requests
        if request.path.endswith("/items") == pages
    ]


@pytest.mark.parametrize("include", sorted(GATED))
async def test_selecting_a_gated_field_sends_its_include(
    include: str, seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    kind, fragment = GATED[include]
    conversation_id = await seed(ITEM_SAMPLES[kind])
    page = f"""query($c: ID!) {{ conversation(id: $c) {{ createdAt
      items(first: 5) {{ nodes {{ {PLAIN} {fragment} }} }} }} }}"""
    data = await graphql.data(page, {"c": conversation_id})
    assert _includes(upstream) == [{include}]
    assert _includes(upstream, pages=False) == [set()]  # the conversation's record itself
    assert data["conversation"]["items"]["nodes"][0] != {}

    upstream.clear()
    await graphql.data(
        f"query($c: ID!) {{ conversation(id: $c) {{ items(first: 5) {{ nodes {{ {PLAIN} }} }} }} }}",
        {"c": conversation_id},
    )
    assert _includes(upstream) == [set()]


async def test_the_gated_value_comes_back(seed: Seed, graphql: GraphQLClient) -> None:
    conversation_id = await seed(ITEM_SAMPLES["message"])
    _, fragment = GATED["message.output_text.logprobs"]
    data = await graphql.data(
        f"query($c: ID!) {{ conversation(id: $c) {{ items(first: 1) {{ nodes {{ {fragment} }} }} }} }}",
        {"c": conversation_id},
    )
    assert data["conversation"]["items"]["nodes"][0]["content"][0] == {"logprobs": [{"token": "Paris"}]}


async def test_a_field_selected_twice_under_one_name_counts_both_selections(
    seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    """GraphQL merges the two `conversation` and `items` fields; the gated field in the second counts."""
    conversation_id = await seed(ITEM_SAMPLES["reasoning"])
    query = """query($c: ID!) {
      conversation(id: $c) { items(first: 5) { nodes { ... on Reasoning { summary { text } } } } }
      conversation(id: $c) { items(first: 5) { nodes { ... on Reasoning { encryptedContent } } } }
    }"""
    data = await graphql.data(query, {"c": conversation_id})
    (node,) = data["conversation"]["items"]["nodes"]
    assert node["encryptedContent"] == ITEM_SAMPLES["reasoning"]["encrypted_content"]
    assert _includes(upstream) == [{"reasoning.encrypted_content"}]


async def test_explicit_include_adds_to_the_selection(seed: Seed, graphql: GraphQLClient, upstream: Recording) -> None:
    conversation_id = await seed(ITEM_SAMPLES["reasoning"])
    query = f"""query($c: ID!) {{ conversation(id: $c) {{
      items(first: 5, include: [FILE_SEARCH_CALL_RESULTS]) {{ nodes {{ {GATED["reasoning.encrypted_content"][1]} }} }}
    }} }}"""
    await graphql.data(query, {"c": conversation_id})
    assert _includes(upstream)[0] == {"file_search_call.results", "reasoning.encrypted_content"}


async def test_skipped_fields_do_not_count(seed: Seed, graphql: GraphQLClient, upstream: Recording) -> None:
    conversation_id = await seed(ITEM_SAMPLES["reasoning"])
    query = """query($c: ID!, $secret: Boolean!) { conversation(id: $c) { items(first: 5) { nodes {
      ... on Reasoning { encryptedContent @include(if: $secret) summary { text } }
    } } } }"""
    await graphql.data(query, {"c": conversation_id, "secret": False})
    assert _includes(upstream)[0] == set()
    upstream.clear()
    await graphql.data(query, {"c": conversation_id, "secret": True})
    assert _includes(upstream)[0] == {"reasoning.encrypted_content"}
    # What is derived from a document's selections is kept per variable values, not per document.
    upstream.clear()
    await graphql.data(query, {"c": conversation_id, "secret": False})
    assert _includes(upstream)[0] == set()


async def test_a_single_item_query_derives_its_include_too(
    seed: Seed, graphql: GraphQLClient, upstream: Recording
) -> None:
    conversation_id = await seed(ITEM_SAMPLES["file_search_call"])
    page = await graphql.data(
        "query($c: ID!) { conversation(id: $c) { items(first: 1) { nodes { ... on FileSearchCall { id itemId } } } } }",
        {"c": conversation_id},
    )
    node = page["conversation"]["items"]["nodes"][0]
    upstream.clear()
    query = """query($c: ID!, $i: ID!, $n: ID!) {
      conversationItem(conversationId: $c, id: $i) { ... on FileSearchCall { results { score } } }
      node(id: $n) { ... on FileSearchCall { queries } }
    }"""
    data = await graphql.data(query, {"c": conversation_id, "i": node["itemId"], "n": node["id"]})
    assert data["conversationItem"]["results"] == [{"score": 0.93}]
    assert sorted(map(sorted, _includes(upstream, pages=False))) == [[], ["file_search_call.results"]]
