"""Typed clients generated from `schema.graphql` and `examples/operations` by real generators.

Python: ariadne-codegen (in its own tool venv, since it pins graphql-core 3.2 and Strawberry
needs 3.3), type-checked with mypy and run against a live `gateway serve`. TypeScript:
@graphql-codegen/cli, type-checked with tsc.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from graphql import build_schema, parse, validate

from gateway.persisted import sha256_hex
from tests.live import GATEWAY, gateway_process
from tests.samples import ITEM_SAMPLES

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "examples" / "operations"
ARIADNE = ROOT / "build" / "tools" / "codegen" / "bin" / "ariadne-codegen"
PYTHON_OUT = ROOT / "build" / "codegen" / "python"
TYPESCRIPT = ROOT / "examples" / "typescript"
# A name that exists only because the schema lacks one: numbered (`Item2`) or a lower-case field
# path glued on (`Query_conversation_items`).
MANGLED = re.compile(r"\d$|_[a-z]|__")


def _run(command: list[str], cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def _schema_warnings(output: str) -> list[str]:
    # npm's own complaint about this machine's npmrc is not about the schema.
    return [line for line in output.splitlines() if re.search(r"warn", line, re.I) and "npm warn" not in line]


def test_every_example_operation_is_valid_against_the_schema() -> None:
    schema = build_schema((ROOT / "schema.graphql").read_text())
    fragments = (OPERATIONS / "fragments.graphql").read_text()
    operations = sorted(path for path in OPERATIONS.glob("*.graphql") if path.name != "fragments.graphql")
    assert len(operations) == 9
    document = parse("\n".join([fragments, *(path.read_text() for path in operations)]))
    assert validate(schema, document) == []


@pytest.fixture(scope="module")
def chat_client() -> Iterator[ModuleType]:
    assert ARIADNE.exists(), "make test builds the ariadne-codegen tool venv in build/tools/codegen"
    shutil.rmtree(PYTHON_OUT, ignore_errors=True)
    PYTHON_OUT.mkdir(parents=True)
    (PYTHON_OUT / "mypy.ini").write_text("[mypy]\n")  # not the project's settings: a client's own
    output = _run([str(ARIADNE), "--config", "examples/python/ariadne-codegen.toml"], ROOT)
    assert _schema_warnings(output) == []
    sys.path.insert(0, str(PYTHON_OUT))
    try:
        yield importlib.import_module("chat_client")
    finally:
        sys.path.remove(str(PYTHON_OUT))
        for name in [name for name in sys.modules if name.startswith("chat_client")]:
            del sys.modules[name]


def test_the_python_client_type_checks(chat_client: ModuleType) -> None:
    package = PYTHON_OUT / "chat_client"
    # The whole package, in an environment of its own dependencies only (httpx, pydantic): the
    # codegen tool venv.
    tool_mypy = str(ARIADNE.with_name("mypy"))
    _run([tool_mypy, "--config-file", str(PYTHON_OUT / "mypy.ini"), "chat_client"], PYTHON_OUT)
    # And everything generated from the schema and operations under --strict. async_base_client.py
    # is ariadne-codegen's own file, copied verbatim: its optional websockets fallback is not strict.
    generated = sorted(str(path) for path in package.glob("*.py") if path.name != "async_base_client.py")
    _run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", *generated], PYTHON_OUT)


def test_no_python_type_name_is_mangled(chat_client: ModuleType) -> None:
    names = re.findall(
        r"^class (\w+)", "\n".join(path.read_text() for path in (PYTHON_OUT / "chat_client").glob("*.py")), re.M
    )
    assert len(names) > 100
    assert [name for name in names if MANGLED.search(name)] == []


async def test_every_operation_runs_and_returns_the_generated_types(chat_client: ModuleType, tmp_path: Path) -> None:
    with gateway_process("serve", "--database", str(tmp_path / "codegen.sqlite3")) as url:
        headers = {"Authorization": "Bearer sk-codegen"}
        async with chat_client.ChatClient(url=f"{url}/graphql", headers=headers) as client:
            started = await client.start_conversation(
                system="You are helpful.", metadata=[chat_client.MetadataEntryInput(key="title", value="Codegen")]
            )
            conversation = started.create_conversation.conversation
            assert isinstance(conversation, chat_client.ConversationHeader)  # the fragment's generated class
            assert conversation.metadata[0].key == "title"
            conversation_id = conversation.conversation_id

            # Items of several types, written through the REST API, so the union has many members to show.
            async with httpx.AsyncClient(base_url=f"{url}/v1", headers={"Authorization": "Bearer sk-codegen"}) as rest:
                for kind in ("function_call", "reasoning", "web_search_call"):
                    written = await rest.post(
                        f"/conversations/{conversation_id}/items", json={"items": [ITEM_SAMPLES[kind]]}
                    )
                    assert written.status_code == 200
            sent = await client.send_message(conversation_id=conversation_id, text="Hello!")
            assert [item.typename__ for item in sent.add_conversation_items.items] == ["Message"]
            output = await client.send_function_call_output(
                conversation_id=conversation_id, call_id="call_weather", output='{"t": 21}'
            )
            assert output.add_conversation_items.items[0].typename__ == "FunctionCallOutput"

            loaded = await client.load_conversation(id=conversation_id, count=3)
            nodes = [edge.node for edge in loaded.conversation.items.edges]
            assert [node.typename__ for node in nodes] == ["WebSearchCall", "Message", "FunctionCallOutput"]
            assert [type(node).__name__ for node in nodes] == [
                "LoadConversationConversationItemsEdgesNodeWebSearchCall",
                "LoadConversationConversationItemsEdgesNodeMessage",
                "LoadConversationConversationItemsEdgesNodeFunctionCallOutput",
            ]
            assert nodes[1].content[0].text == "Hello!"
            assert loaded.conversation.items.page_info.has_previous_page is True

            earlier = await client.load_earlier_messages(
                id=conversation_id, before=loaded.conversation.items.page_info.start_cursor, count=10
            )
            assert [edge.node.typename__ for edge in earlier.conversation.items.edges] == [
                "Message",
                "FunctionCall",
                "Reasoning",
            ]
            reasoning: Any = earlier.conversation.items.edges[2].node
            assert reasoning.summary[0].text == "Looked up the capital."

            item = await client.load_item(conversation_id=conversation_id, item_id=nodes[1].item_id)
            assert item.conversation_item.typename__ == "Message"
            renamed = await client.rename_conversation(
                id=conversation_id, metadata=[chat_client.MetadataEntryInput(key="title", value="Renamed")]
            )
            assert renamed.update_conversation.conversation.metadata[0].value == "Renamed"
            deleted_item = await client.delete_item(conversation_id=conversation_id, item_id=nodes[1].id)
            assert deleted_item.delete_conversation_item.deleted_item_id == nodes[1].item_id
            assert deleted_item.delete_conversation_item.deleted_id == nodes[1].id
            deleted = await client.delete_conversation(id=conversation_id)
            assert deleted.delete_conversation.deleted is True
            assert deleted.delete_conversation.deleted_id == conversation.id
            with pytest.raises(chat_client.GraphQLClientGraphQLMultiError) as raised:
                await client.load_conversation(id=conversation_id)
            assert raised.value.errors[0].extensions["code"] == "NOT_FOUND"


@pytest.fixture(scope="module")
def typescript_generated() -> Path:
    """The TypeScript example's generated code: types, and the client preset's typed documents with
    their manifest (src/generated/persisted)."""
    assert (TYPESCRIPT / "node_modules" / ".bin" / "graphql-codegen").exists(), (
        "make test runs npm ci in examples/typescript"
    )
    generated = _run(["npm", "run", "--silent", "codegen"], TYPESCRIPT)
    assert _schema_warnings(generated) == []
    return TYPESCRIPT / "src" / "generated"


def test_the_typescript_client_type_checks_with_clear_names(typescript_generated: Path) -> None:
    # The README's TypeScript blocks are checked with the files they import (in the generated
    # folder, which codegen writes anew and git ignores): the example over the generated types, and
    # the Apollo Client and urql set-ups over possible-types.json and graphcache-schema.json (the
    # urql block's `keys` did not type-check at first: `type.fields` may be undefined to tsc).
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"^```ts\n(.*?)^```$", readme, re.MULTILINE | re.DOTALL)
    for name, marker in (
        ("readme-example.ts", 'from "./generated/graphql"'),
        ("readme-apollo.ts", '"./generated/possible-types.json"'),
        ("readme-urql.ts", '"./generated/graphcache-schema.json"'),
    ):
        (block,) = [block for block in blocks if marker in block]
        (typescript_generated / name).write_text(block.replace('"./generated/', '"./'))
    _run(["npm", "run", "--silent", "typecheck"], TYPESCRIPT)
    source = (typescript_generated / "graphql.ts").read_text()
    names = re.findall(r"^export type (\w+)", source, re.M)
    assert {"LoadConversationQuery", "ChatItemFragment", "SendMessageMutationVariables", "MessageRole"} <= set(names)
    assert [name for name in names if MANGLED.search(name)] == []


def test_the_generated_manifest_is_all_a_safelisted_gateway_runs(typescript_generated: Path, tmp_path: Path) -> None:
    """GraphQL Code Generator's manifest of the example operations, as a frontend's build writes it:
    a gateway started with it (GATEWAY_PERSISTED_DOCUMENTS, _ONLY) runs each by its id alone, and
    refuses every other document, the operation's own text in examples/operations among them."""
    manifest = typescript_generated / "persisted" / "persisted-documents.json"
    documents: dict[str, str] = json.loads(manifest.read_text())
    # Each text is one line: its fragments, then its operation.
    names = {key: re.findall(r"\b(?:query|mutation) (\w+)", text) for key, text in documents.items()}
    by_name = {found[0]: key for key, found in names.items() if len(found) == 1}
    assert len(by_name) == len(documents) == 9
    assert all(key == f"sha256:{sha256_hex(documents[key])}" for key in documents)
    settings = {"GATEWAY_PERSISTED_DOCUMENTS": str(manifest), "GATEWAY_PERSISTED_DOCUMENTS_ONLY": "true"}
    printed: list[str] = []
    with (
        gateway_process("serve", "--database", str(tmp_path / "safelist.sqlite3"), env=settings, output=printed) as url,
        httpx.Client(base_url=url, headers={"Authorization": "Bearer sk-safelist"}) as http,
    ):

        def by_id(name: str, variables: dict[str, Any], method: str = "POST") -> dict[str, Any]:
            if method == "POST":
                answer = http.post("/graphql", json={"documentId": by_name[name], "variables": variables})
            else:
                answer = http.get("/graphql", params={"documentId": by_name[name], "variables": json.dumps(variables)})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert "errors" not in body, body
            data: dict[str, Any] = body["data"]
            return data

        started = by_id("StartConversation", {"system": "Be brief.", "metadata": [{"key": "k", "value": "v"}]})
        conversation_id = started["createConversation"]["conversation"]["conversationId"]
        by_id("SendMessage", {"conversationId": conversation_id, "text": "Hello!"})
        for method in ("POST", "GET"):
            loaded = by_id("LoadConversation", {"id": conversation_id, "count": 5}, method)
            texts = [edge["node"]["content"][0]["text"] for edge in loaded["conversation"]["items"]["edges"]]
            assert texts == ["Be brief.", "Hello!"]

        # The client preset writes each document with its variables and fields sorted: the source's
        # own text is another document (fields in another order), not the same one spaced otherwise.
        own_text = (OPERATIONS / "LoadConversation.graphql").read_text() + (
            OPERATIONS / "fragments.graphql"
        ).read_text()
        for document in ("{ __typename }", own_text):
            refused = http.post("/graphql", json={"query": document, "variables": {"id": conversation_id}})
            assert refused.json()["errors"][0]["extensions"]["code"] == "QUERY_NOT_IN_SAFELIST"
        assert by_id("DeleteConversation", {"id": conversation_id})["deleteConversation"]["deleted"] is True
    assert f"Persisted documents: {manifest} (a safelist: no other document runs)\n" in printed[0]
    # The operation log has a line for each request, the refused ones too.
    logged = [json.loads(line) for line in printed[0].splitlines() if line.startswith("{")]
    assert [(line["operationName"], line["operationType"], line["errorCodes"]) for line in logged] == [
        ("StartConversation", "mutation", []),
        ("SendMessage", "mutation", []),
        ("LoadConversation", "query", []),
        ("LoadConversation", "query", []),
        (None, None, ["QUERY_NOT_IN_SAFELIST"]),
        (None, None, ["QUERY_NOT_IN_SAFELIST"]),
        ("DeleteConversation", "mutation", []),
    ]


async def test_the_readmes_python_client_example_reads_the_demo_of_make_serve(
    chat_client: ModuleType, tmp_path: Path
) -> None:
    """The README's example, run as written against `gateway serve --demo` (what `make serve` runs)."""
    readme = (ROOT / "README.md").read_text()
    (example,) = [
        block
        for block in re.findall(r"^```python\n(.*?)^```$", readme, re.MULTILINE | re.DOTALL)
        if "from chat_client import ChatClient" in block
    ]
    assert "http://127.0.0.1:8000/graphql" in example
    body = "".join(f"    {line}\n" for line in example.splitlines())
    namespace: dict[str, Any] = {}
    printed = io.StringIO()
    with gateway_process("serve", "--demo", "--database", str(tmp_path / "readme.sqlite3")) as url:
        exec(f"async def example():\n{body}".replace("http://127.0.0.1:8000", url), namespace)  # the README's code
        with contextlib.redirect_stdout(printed):
            await namespace["example"]()
    # It printed "Conversation with id 'conv_demo_weather' not found." while it sent a key of its
    # own: on the built-in API each key has its own conversations, and the demo is the server's.
    lines = printed.getvalue().splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == [
        "MessageRole.SYSTEM",
        "MessageRole.USER",
        "MessageRole.ASSISTANT",
    ]
    assert "umbrella in Paris" in lines[1]


def test_the_typescript_example_client_runs_against_make_serves_demo(
    typescript_generated: Path, tmp_path: Path
) -> None:
    """`npm run chat` (examples/typescript/src/main.ts, run by tsx) as the README shows it: by the
    documents' text, by their ids alone, a message sent, and a conversation that is not there."""
    settings = {"GATEWAY_PERSISTED_DOCUMENTS": str(typescript_generated / "persisted" / "persisted-documents.json")}
    printed: list[str] = []
    database = str(tmp_path / "chat.sqlite3")
    with gateway_process("serve", "--demo", "--database", database, env=settings, output=printed) as url:

        def chat(*arguments: str) -> subprocess.CompletedProcess[str]:
            command = ["npm", "run", "--silent", "chat", "--", f"{url}/graphql", *arguments]
            return subprocess.run(command, cwd=TYPESCRIPT, capture_output=True, text=True, timeout=120, check=False)

        read = chat("conv_demo_weather")
        assert read.returncode == 0, read.stdout + read.stderr
        lines = read.stdout.splitlines()
        assert lines[0] == "SYSTEM: You are a helpful assistant with a weather tool."
        assert "call get_weather" in lines[3]
        assert lines[-1].startswith("ASSISTANT: Yes: 80% chance of rain")
        by_id = chat("conv_demo_weather", "--by-id", "--send", "Thanks!")
        assert by_id.returncode == 0, by_id.stdout + by_id.stderr
        assert by_id.stdout.splitlines() == [*lines, "USER: Thanks!"]
        missing = chat("conv_missing")
        assert missing.returncode == 1
        assert missing.stderr.strip() == "NOT_FOUND: Conversation with id 'conv_missing' not found."
    logged = [json.loads(line) for line in printed[0].splitlines() if line.startswith('{"requestId"')]
    assert [(line["operationName"], line["documentFrom"]) for line in logged] == [
        ("LoadConversation", "query"),
        ("SendMessage", "query"),
        ("LoadConversation", "documentId"),
        ("LoadConversation", "query"),
    ]


def test_normalized_caches_read_the_example_fragments_once_told_the_schemas_types(
    typescript_generated: Path, tmp_path: Path
) -> None:
    """The example fragment `ChatItem` is on the union `ConversationItem` and selects the ids
    through the interface `ConversationItemFields`. Apollo Client's cache, not told which types
    they hold, matched neither and gave back every item as its `__typename` alone, with no error;
    urql's Graphcache reads them by heuristic, and warns. The README's set-ups give Apollo the
    `possibleTypes` codegen writes, and Graphcache the schema codegen writes, with the `keys` it
    implies (each type with no `id` kept inside its parent: a warning each, otherwise)."""
    node = shutil.which("node")
    assert node is not None
    script = ROOT / "tests" / "clients" / "fragments.mjs"
    with gateway_process("serve", "--demo", "--database", str(tmp_path / "caches.sqlite3")) as url:

        def read(cache: str, *told: Path) -> dict[str, Any]:
            command = [node, str(script), cache, f"{url}/graphql", "conv_demo_weather", *map(str, told)]
            answer: dict[str, Any] = json.loads(_run(command, ROOT))
            return answer

        apollo_blind = read("apollo")
        apollo = read("apollo", typescript_generated / "possible-types.json")
        urql_blind = read("urql")
        urql = read("urql", typescript_generated / "graphcache-schema.json")
        # Generated before `Reasoning` was a member (a dangerous change since): the README's
        # *When the schema changes*.
        apollo_older = read("apollo", _without_member(typescript_generated / "possible-types.json", tmp_path))
        urql_older = read("urql", _without_member(typescript_generated / "graphcache-schema.json", tmp_path))
    kinds = ["Message", "Message", "Reasoning", "FunctionCall", "FunctionCallOutput", "Message"]
    assert apollo_blind == {"items": [{"__typename": kind} for kind in kinds], "warnings": []}  # the pitfall
    for told in (apollo, urql):
        assert [item["__typename"] for item in told["items"]] == kinds
        assert all(item["conversationId"] == "conv_demo_weather" and item["itemId"] for item in told["items"])
        assert told["items"][0]["content"][0]["text"] == "You are a helpful assistant with a weather tool."
        assert told["items"][3]["name"] == "get_weather"
    assert urql_blind["items"] == urql["items"]
    assert apollo_older["items"][2] == {"__typename": "Reasoning"}
    assert urql_older["items"][2] == {}
    for older, told in ((apollo_older, apollo), (urql_older, urql)):
        assert older["items"][:2] + older["items"][3:] == told["items"][:2] + told["items"][3:]
    assert apollo_older["warnings"] == urql_older["warnings"] == []
    assert sum(warning.startswith("Heuristic Fragment Matching") for warning in urql_blind["warnings"]) == 30
    assert urql["warnings"] == []


def _without_member(generated: Path, folder: Path) -> Path:
    """A copy of codegen's `possible-types.json` or `graphcache-schema.json` without `Reasoning`
    among the union's and the interface's types, as codegen wrote it before that member came."""
    document = json.loads(generated.read_text())
    if "possibleTypes" in document:
        for name, members in document["possibleTypes"].items():
            document["possibleTypes"][name] = [member for member in members if member != "Reasoning"]
    else:
        for named in document["__schema"]["types"]:
            if named.get("possibleTypes"):
                named["possibleTypes"] = [member for member in named["possibleTypes"] if member["name"] != "Reasoning"]
    older = folder / f"older-{generated.name}"
    older.write_text(json.dumps(document))
    return older


def _older_schema() -> str:
    """`schema.graphql` as an older release's would be, before the upstream's web search calls and
    developer messages came: `WebSearchCall` no member of `ConversationItem`, `DEVELOPER` no value
    of `MessageRole`. From it to this one is two dangerous changes and nothing else."""
    sdl = (ROOT / "schema.graphql").read_text()
    older = re.sub(r"^(union ConversationItem = .*?) \| WebSearchCall\b", r"\1", sdl, count=1, flags=re.M)
    older = older.replace('  """Developer instructions."""\n  DEVELOPER\n\n', "", 1)
    assert older.count("\n") == sdl.count("\n") - 3
    return older


def test_a_python_client_generated_before_a_union_member_or_enum_value_came_fails_the_whole_answer(
    tmp_path: Path,
) -> None:
    """What a dangerous change does to ariadne-codegen's strict models (the README's *When the
    schema changes*): an item of a member the client does not know, or a role it does not know,
    fails the whole `LoadConversation`, not just that item. The release test holds such changes to
    new minor versions; `gateway diff-schema` names them to a team before it upgrades."""
    older = tmp_path / "older.graphql"
    older.write_text(_older_schema())
    diffed = subprocess.run(
        [str(GATEWAY), "diff-schema", str(older)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert diffed.stdout.splitlines() == [
        "dangerous: TYPE_ADDED_TO_UNION: WebSearchCall was added to union type ConversationItem.",
        "dangerous: VALUE_ADDED_TO_ENUM: Enum value MessageRole.DEVELOPER was added.",
        "0 breaking changes, 2 dangerous, 0 deprecations, 0 safe.",
    ]
    assert diffed.returncode == 0
    config = tmp_path / "ariadne-codegen.toml"
    config.write_text(
        "[tool.ariadne-codegen]\n"
        f'schema_path = "{older}"\nqueries_path = "{OPERATIONS}"\n'
        f'target_package_name = "older_chat_client"\ntarget_package_path = "{tmp_path}"\n'
        'client_name = "ChatClient"\nasync_client = true\ninclude_comments = "none"\n'
    )
    _run([str(ARIADNE), "--config", str(config)], ROOT)
    developer = {"type": "message", "role": "developer", "content": "Be brief."}
    script = f"""
import asyncio, sys
import httpx, pydantic
from older_chat_client import ChatClient

async def main(url: str) -> None:
    headers = {{"Authorization": "Bearer sk-older"}}
    async with httpx.AsyncClient(base_url=f"{{url}}/v1", headers=headers) as rest:
        for item in ({ITEM_SAMPLES["web_search_call"]!r}, {developer!r}):
            created = (await rest.post("/conversations", json={{"items": [item]}})).json()
            async with ChatClient(url=f"{{url}}/graphql", headers=headers) as client:
                try:
                    await client.load_conversation(id=created["id"])
                except pydantic.ValidationError as error:
                    print(error.errors()[0]["type"])

asyncio.run(main(sys.argv[1]))
"""
    with gateway_process("serve", "--database", str(tmp_path / "older.sqlite3")) as url:
        ran = subprocess.run(
            [str(ARIADNE.with_name("python")), "-c", script, url],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == ["union_tag_invalid", "enum"]
