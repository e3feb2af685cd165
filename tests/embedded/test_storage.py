"""The SQLite file: data survives a restart, the schema is versioned, WAL is on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.embedded.store import SCHEMA_VERSION, ConversationStore
from tests.conftest import SettingsFactory
from tests.live import Recorder, serve


def test_data_written_over_http_is_there_after_a_restart(
    make_settings: SettingsFactory, recorded: list[Recorder]
) -> None:
    settings = make_settings()
    first, second = Recorder(create_app(settings)), Recorder(create_app(settings))
    recorded += [first, second]
    with serve(first) as url:
        conversation = httpx.post(f"{url}/v1/conversations", json={"items": [{"role": "user", "content": "keep me"}]})
        conversation_id = conversation.json()["id"]
    with serve(second) as url:
        page = httpx.get(f"{url}/v1/conversations/{conversation_id}/items").json()
    assert [item["content"][0]["text"] for item in page["data"]] == ["keep me"]


async def test_the_file_is_versioned_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "db.sqlite3"
    store = ConversationStore(path)
    await store.open()
    await store.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_a_file_from_a_newer_release_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    store = ConversationStore(path)
    with pytest.raises(RuntimeError, match="schema version"):
        await store.open()
    await store.close()


async def test_a_closed_store_says_so() -> None:
    store = ConversationStore(Path("unused.sqlite3"))
    with pytest.raises(RuntimeError, match="not open"):
        await store.get_conversation("", "conv_1")
