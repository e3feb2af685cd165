"""Relay's documents, compiled by relay-compiler from `tests/clients/relay/src/chat.js` against
`schema.graphql`, run against a live `gateway serve --demo`: a refetchable connection fragment
(Relay refetches through `node(id:)` and pages with the cursors it adds), a message appended, and
the delete payloads' `deletedId` that `@deleteEdge` and `@deleteRecord` read."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.live import gateway_process

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parents[1] / "build" / "relay"  # as relay/relay.config.json names it


def _compiled() -> dict[str, str]:
    """Each operation's text as relay-compiler wrote it, by the operation's name."""
    compiler = HERE / "node_modules" / ".bin" / "relay-compiler"
    assert compiler.exists(), "make test installs tests/clients' packages"
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    ran = subprocess.run([str(compiler)], cwd=HERE / "relay", capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    texts: dict[str, str] = {}
    for artifact in ARTIFACTS.glob("*.graphql.js"):
        found = re.search(r'"text": ("(?:[^"\\]|\\.)*")', artifact.read_text())
        if found is not None:
            texts[artifact.name.removesuffix(".graphql.js")] = json.loads(found[1])
    return texts


def _run(http: httpx.Client, text: str, variables: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = http.post("/graphql", json={"query": text, "variables": variables}).json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def test_relays_compiled_documents_page_append_and_delete(tmp_path: Path) -> None:
    texts = _compiled()
    assert sorted(texts) == [
        "ChatConversationPaginationQuery",
        "chatDeleteConversationMutation",
        "chatDeleteItemMutation",
        "chatQuery",
        "chatSendMutation",
    ]
    assert "node(id: $id)" in texts["ChatConversationPaginationQuery"]  # the Node interface at work
    with (
        gateway_process("serve", "--demo", "--database", str(tmp_path / "relay.sqlite3")) as url,
        httpx.Client(base_url=url) as http,
    ):
        conversation = _run(http, texts["chatQuery"], {"id": "conv_demo_weather"})["conversation"]
        items = conversation["items"]
        everything = [edge["node"]["itemId"] for edge in items["edges"]]
        assert len(everything) == 6
        assert items["pageInfo"]["hasPreviousPage"] is False  # Relay asks for the direction it pages in
        conversation_id = _run(http, '{ conversation(id: "conv_demo_weather") { id } }', {})["conversation"]["id"]

        # Backwards in pages of 2 through the refetch query, as usePaginationFragment's loadPrevious does.
        pages: list[list[str]] = []
        cursor = None
        while True:
            page = _run(
                http, texts["ChatConversationPaginationQuery"], {"id": conversation_id, "count": 2, "cursor": cursor}
            )
            connection = page["node"]["items"]
            pages.insert(0, [edge["node"]["itemId"] for edge in connection["edges"]])
            if not connection["pageInfo"]["hasPreviousPage"]:
                break
            cursor = connection["pageInfo"]["startCursor"]
        assert pages == [everything[0:2], everything[2:4], everything[4:6]]

        sent = _run(http, texts["chatSendMutation"], {"id": conversation_id, "text": "Thanks!", "connections": []})
        (new,) = sent["addConversationItems"]["items"]
        deleted = _run(
            http,
            texts["chatDeleteItemMutation"],
            {"conversationId": conversation_id, "itemId": new["id"], "connections": []},
        )
        assert deleted == {"deleteConversationItem": {"deletedId": new["id"]}}
        gone = _run(http, texts["chatDeleteConversationMutation"], {"id": conversation_id})
        assert gone == {"deleteConversation": {"deletedId": conversation_id}}
        after = http.post("/graphql", json={"query": texts["chatQuery"], "variables": {"id": conversation_id}}).json()
        assert after["data"] == {"conversation": None}
        assert after["errors"][0]["extensions"]["code"] == "NOT_FOUND"
