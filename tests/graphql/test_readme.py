"""The README's examples run as the README says: its GraphQL documents against the schema and a
live gateway, its Python example against the built-in API with OpenAI's SDK."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from graphql import build_schema, parse, validate

from gateway.app import create_api_app
from tests.conftest import SettingsFactory
from tests.graphql.conftest import Seed
from tests.graphql.harness import GraphQLClient, Recording
from tests.live import serving
from tests.samples import ITEM_SAMPLES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
DOCUMENTS: list[str] = re.findall(r"^```graphql\n(.*?)^```$", README, re.MULTILINE | re.DOTALL)
PYTHON: list[str] = re.findall(r"^```python\n(.*?)^```$", README, re.MULTILINE | re.DOTALL)


def _document(name: str) -> str:
    (found,) = [document for document in DOCUMENTS if re.match(rf"(query|mutation) {name}\b", document)]
    return found


def test_every_graphql_example_in_the_readme_is_valid_against_the_committed_schema() -> None:
    assert len(DOCUMENTS) >= 2
    schema = build_schema((ROOT / "schema.graphql").read_text())
    for document in DOCUMENTS:
        assert validate(schema, parse(document)) == [], document


async def test_the_readmes_query_and_mutation_run(seed: Seed, graphql: GraphQLClient, upstream: Recording) -> None:
    conversation_id = await seed(
        {"role": "user", "content": "What is the capital of France?"},
        ITEM_SAMPLES["message"],
        ITEM_SAMPLES["function_call"],
        metadata={"topic": "geography"},
    )
    chat = (await graphql.data(_document("Chat"), {"id": conversation_id}))["conversation"]
    assert chat["conversationId"] == conversation_id
    assert chat["metadataValue"] == "geography"
    nodes = chat["items"]["nodes"]
    assert [node["__typename"] for node in nodes] == ["Message", "Message", "FunctionCall"]
    assert nodes[1]["content"][0]["text"] == "Paris is the capital of France."
    assert nodes[2]["name"] == "get_weather"
    assert chat["items"]["pageInfo"]["hasPreviousPage"] is False
    assert upstream.count == 2  # the conversation, and its newest 20 items "in one upstream call"
    sent = (await graphql.data(_document("Send"), {"id": conversation_id}))["addConversationItems"]
    assert len(sent["items"]) == 2
    assert [node["__typename"] for node in sent["conversation"]["items"]["nodes"]] == [
        "Message",
        "Message",
        "FunctionCall",
        "Message",
        "FunctionCallOutput",
    ]


def test_the_readmes_python_example_runs_against_the_built_in_api(make_settings: SettingsFactory) -> None:
    (example,) = [block for block in PYTHON if "from openai import OpenAI" in block]
    assert 'base_url="http://127.0.0.1:8000/v1"' in example
    printed = io.StringIO()
    with serving() as start, contextlib.redirect_stdout(printed):
        url = start(create_api_app(make_settings()))
        exec(example.replace("http://127.0.0.1:8000", url), {})  # the README's own code
    assert printed.getvalue() == "Hello!\n"
