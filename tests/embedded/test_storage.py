"""The SQLite file: data survives a restart, the schema is versioned, WAL is on, reads stay off threads."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.embedded import store as store_module
from gateway.embedded.demo import DEMO_CONVERSATIONS, demo_ids, seed_demo
from gateway.embedded.store import SCHEMA_VERSION, ConversationStore, DatabaseUnusable
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
    with pytest.raises(DatabaseUnusable, match=f"a newer release wrote it \\(schema version {SCHEMA_VERSION + 1}; "):
        await store.open()
    await store.close()


async def test_a_closed_store_says_so() -> None:
    store = ConversationStore(Path("unused.sqlite3"))
    with pytest.raises(RuntimeError, match="not open"):
        await store.get_conversation("", "conv_1")


def _reader_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("sqlite-reader")]


async def _store_with_a_conversation(path: Path) -> ConversationStore:
    store = ConversationStore(path)
    await store.open()
    items = [{"id": f"msg_{n}", "type": "message", "role": "user", "content": []} for n in range(3)]
    await store.create_conversation("tenant", "conv_1", None, items)
    return store


async def test_reads_run_on_the_loop_without_a_thread(tmp_path: Path) -> None:
    store = await _store_with_a_conversation(tmp_path / "db.sqlite3")
    try:
        page = await store.list_items("tenant", "conv_1", after=None, limit=2, order="asc")
        assert [item.load()["id"] for item in page.items] == ["msg_0", "msg_1"]
        assert page.has_more
        assert (await store.get_item("tenant", "conv_1", "msg_2")).load()["id"] == "msg_2"
        assert _reader_threads() == []
    finally:
        await store.close()


def _refusing(code: int) -> type[sqlite3.Connection]:
    class Refusing(sqlite3.Connection):
        """A connection whose queries fail with SQLite's ``code``, as a locked file makes them."""

        def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
            if sql.startswith("PRAGMA"):
                return super().execute(sql, parameters)
            error = sqlite3.OperationalError("database is locked" if code == sqlite3.SQLITE_BUSY else "disk I/O error")
            error.sqlite_errorcode = code
            raise error

    return Refusing


@pytest.fixture
def loop_connection_refuses(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Makes the event loop's own connection (the one that never waits) fail with a given code."""

    def refuse(code: int) -> None:
        def connect(path: Path, busy_timeout_ms: int = 10000) -> sqlite3.Connection:
            if busy_timeout_ms != 0:
                return connect_for_real(path, busy_timeout_ms)
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, factory=_refusing(code))
            connection.execute("PRAGMA busy_timeout = 0")
            return connection

        monkeypatch.setattr(store_module, "_connect", connect)

    connect_for_real = store_module._connect
    return refuse


@pytest.mark.parametrize("code", [sqlite3.SQLITE_BUSY, 261, sqlite3.SQLITE_LOCKED])  # 261: SQLITE_BUSY_RECOVERY
async def test_a_read_that_finds_the_file_locked_waits_on_a_reader_thread(
    tmp_path: Path, loop_connection_refuses: Callable[[int], None], code: int
) -> None:
    store = await _store_with_a_conversation(tmp_path / "db.sqlite3")
    loop_connection_refuses(code)
    try:
        page = await store.list_items("tenant", "conv_1", after="msg_0", limit=10, order="asc")
        assert [item.load()["id"] for item in page.items] == ["msg_1", "msg_2"]
        assert (await store.get_conversation("tenant", "conv_1")).id == "conv_1"
        assert _reader_threads() != []
    finally:
        await store.close()


async def test_a_read_that_fails_otherwise_is_not_run_again(
    tmp_path: Path, loop_connection_refuses: Callable[[int], None]
) -> None:
    store = await _store_with_a_conversation(tmp_path / "db.sqlite3")
    loop_connection_refuses(sqlite3.SQLITE_IOERR)
    try:
        with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
            await store.get_conversation("tenant", "conv_1")
        assert _reader_threads() == []
    finally:
        await store.close()


async def test_two_workers_starting_at_once_write_the_demo_once(tmp_path: Path) -> None:
    """`gateway serve --demo --workers 2`: each worker seeds as it starts, on the same file."""
    stores = [ConversationStore(tmp_path / "shared.sqlite3") for _ in range(2)]
    for store in stores:
        await store.open()
    try:
        results = await asyncio.gather(*(seed_demo(store, "tenant") for store in stores))
        assert sorted(written for _, written in results) == [False, True]
        assert {ids for ids, _ in results} == {tuple(DEMO_CONVERSATIONS)}
        assert (await seed_demo(stores[0], "another")) == (demo_ids("another"), True)
    finally:
        for store in stores:
            await store.close()
