"""A disk that fills fails the write it stops, and nothing more.

The server runs with a bound on the size of the files it writes (``RLIMIT_FSIZE``, as a full disk
or a quota stops SQLite's journal from growing). The write that passes it is answered 500 in
OpenAI's shape (the API's failure, not the client's) and logged with its traceback; the
connection serves the client's next request, and every write answered before it is there.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.embedded.store import _in_transaction
from tests.live import gateway_process

MAX_FILE_BYTES = 600_000
LONG_TEXT = "x" * 100_000
SERVER_ERROR = {
    "error": {
        "message": "The server had an error while processing your request.",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}


def _local_port(response: httpx.Response) -> int:
    """The client's end of the connection that carried ``response``."""
    port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    return port


def test_a_write_the_disk_cannot_hold_is_a_500_logged_on_a_connection_kept(tmp_path: Path) -> None:
    printed: list[str] = []
    database = tmp_path / "full.sqlite3"
    with (
        gateway_process("serve-api", "--database", str(database), output=printed, max_file_bytes=MAX_FILE_BYTES) as url,
        httpx.Client(base_url=f"{url}/v1", limits=httpx.Limits(max_connections=1)) as client,
    ):
        conversation_id = client.post("/conversations", json={}).json()["id"]
        written: list[str] = []
        for _ in range(50):
            answer = client.post(
                f"/conversations/{conversation_id}/items",
                json={"items": [{"role": "user", "content": LONG_TEXT}]},
            )
            if answer.status_code != 200:
                break
            written += [item["id"] for item in answer.json()["data"]]
        else:
            pytest.fail("no write passed the bound on the file's size")
        assert answer.status_code == 500
        assert answer.json() == SERVER_ERROR
        assert "close" not in answer.headers.get("connection", "")
        listed = client.get(f"/conversations/{conversation_id}/items", params={"order": "asc", "limit": 100})
        assert listed.status_code == 200
        assert _local_port(listed) == _local_port(answer), "the connection was closed after the 500"
        assert [item["id"] for item in listed.json()["data"]] == written
    log = printed[0]
    assert f"The built-in API could not carry out POST /v1/conversations/{conversation_id}/items: " in log
    assert "OperationalError" in log
    assert "Traceback" in log
    assert "Exception in ASGI application" not in log


def test_a_mutation_the_disk_cannot_hold_says_it_may_not_have_been_applied_and_is_logged(tmp_path: Path) -> None:
    printed: list[str] = []
    database = tmp_path / "full.sqlite3"
    add = (
        "mutation Add($input: AddConversationItemsInput!) { addConversationItems(input: $input) "
        "{ items { ... on ConversationItemFields { itemId } } } }"
    )
    read = (
        "query Read($id: ID!) { conversation(id: $id) { items(first: 100) { nodes { ... on Message { itemId } } } } }"
    )
    with (
        gateway_process("serve", "--database", str(database), output=printed, max_file_bytes=MAX_FILE_BYTES) as url,
        httpx.Client(base_url=url) as client,
    ):

        def operation(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            answer = client.post("/graphql", json={"query": query, "variables": variables})
            assert answer.status_code == 200
            body: dict[str, Any] = answer.json()
            body["requestId"] = answer.headers["x-request-id"]
            return body

        created = operation("mutation { createConversation(input: {}) { conversation { conversationId } } }", {})
        conversation_id = created["data"]["createConversation"]["conversation"]["conversationId"]
        message = {"message": {"role": "USER", "text": LONG_TEXT}}
        written: list[str] = []
        for _ in range(50):
            body = operation(add, {"input": {"conversationId": conversation_id, "items": [message]}})
            if body.get("errors"):
                break
            written += [item["itemId"] for item in body["data"]["addConversationItems"]["items"]]
        else:
            pytest.fail("no write passed the bound on the file's size")
        assert body["data"] == {"addConversationItems": None}
        failed = body["requestId"]
        [error] = body["errors"]
        assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE"}
        assert error["message"] == (
            "The upstream failed (HTTP 500) during the write: it may or may not have been applied. "
            "Read the conversation before trying again."
        )
        after = operation(read, {"id": conversation_id})
        assert "errors" not in after
        assert [node["itemId"] for node in after["data"]["conversation"]["items"]["nodes"]] == written
    log = printed[0]  # the gateway calls its built-in API in-process, at its own root
    # The line names the operation's request id, as the operation's own line does.
    said = f"The built-in API could not carry out POST /conversations/{conversation_id}/items (request {failed}): "
    assert said in log
    assert "Traceback" in log


def test_a_commit_that_fails_leaves_no_transaction_open(tmp_path: Path) -> None:
    """SQLite keeps the transaction open when its COMMIT fails on a deferred constraint (unlike a
    full disk, which rolls it back): left open, the next BEGIN would fail, and every write after."""
    connection = sqlite3.connect(tmp_path / "deferred.sqlite3", isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        connection.execute(
            "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )

        def orphan(writing: sqlite3.Connection) -> None:
            writing.execute("INSERT INTO child VALUES (1)")

        with pytest.raises(sqlite3.IntegrityError):
            _in_transaction(connection, orphan)
        assert not connection.in_transaction
        _in_transaction(connection, lambda writing: writing.execute("INSERT INTO parent VALUES (1)"))
        assert connection.execute("SELECT count(*) FROM child").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM parent").fetchone() == (1,)
    finally:
        connection.close()
