"""SQLite storage of the built-in Conversations API.

* WAL mode: readers never wait for the writer.
* One writer thread owns the only writing connection, so writes are serialised in-process
  and never meet "database is locked".
* Reads run on the event loop's thread, on a connection of its own that never waits for a lock.
  A read is one or a few indexed queries of at most a page, and a hop to a thread and back cost
  more CPU than the read itself (the built-in API spent 30% less per page read inline). A read
  that finds the file locked (another process holding it, a recovery) is run again on a reader
  thread, which waits for the lock there instead of on the loop.
* Items keep an insertion sequence (``seq``); pages are keyset queries on
  ``(conversation_id, deleted, seq)``, so a page costs the same at any depth of any
  conversation. Deleted items and conversations are soft-deleted: a cursor naming a deleted
  item still pages from its position, and items outlive their conversation.
* Each item records whether every response shows its document as it is (``as_stored``): a page
  of such items is answered with the stored bytes, not parsed and written again.
* ``PRAGMA user_version`` records the schema version; :data:`_MIGRATIONS` brings an older
  file up to date when the store opens.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from gateway.embedded.includes import shown_as_stored
from gateway.jsoncodec import dumps, loads

__all__ = [
    "ConversationNotFound",
    "ConversationRecord",
    "ConversationStore",
    "DatabaseUnusable",
    "DuplicateItemId",
    "ItemNotFound",
    "ItemsPage",
    "SeedOutcome",
    "StoreError",
    "StoredItem",
    "UnknownCursor",
]

T = TypeVar("T")
Order = Literal["asc", "desc"]
SeedOutcome = Literal["written", "has conversations", "ids taken"]
"""What :meth:`ConversationStore.create_conversations_once` found: it wrote them; the tenant has
conversations already (nothing written); or an id is another tenant's (nothing written)."""

_MIGRATIONS: tuple[str, ...] = (
    # 1: conversations and items.
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        metadata TEXT,
        deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE items (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        item_id TEXT NOT NULL,
        document BLOB NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        UNIQUE (conversation_id, item_id)
    );
    CREATE INDEX items_page ON items (conversation_id, deleted, seq);
    CREATE INDEX items_by_id ON items (item_id);
    """,
    # 2: finding a tenant's conversations (the demo seed asks whether there are any).
    """
    CREATE INDEX conversations_by_tenant ON conversations (tenant);
    """,
    # 3: whether every response shows an item's document as it is (1 or 0; NULL for the items
    # stored before: not known, so they are read the long way).
    """
    ALTER TABLE items ADD COLUMN as_stored INTEGER;
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


class DatabaseUnusable(Exception):
    """The file cannot serve as the store (not SQLite, not writable, from a newer release, its
    folder cannot be made): the message says which file and why, for one line at start-up."""


class StoreError(Exception):
    """Base of the store's refusals; each maps to one REST error."""


class ConversationNotFound(StoreError):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"Conversation with id '{conversation_id}' not found.")
        self.conversation_id = conversation_id


class ItemNotFound(StoreError):
    def __init__(self, item_id: str) -> None:
        super().__init__(f"Item with id '{item_id}' not found.")
        self.item_id = item_id


class DuplicateItemId(StoreError):
    def __init__(self, index: int, item_id: str) -> None:
        super().__init__(f"An item with id '{item_id}' already exists in this conversation.")
        self.index = index
        self.item_id = item_id


class UnknownCursor(StoreError):
    def __init__(self, item_id: str) -> None:
        super().__init__(f"No item with id '{item_id}' was ever in this conversation; 'after' must name one.")
        self.item_id = item_id


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    id: str
    created_at: int
    metadata: dict[str, str] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "conversation",
            "created_at": self.created_at,
            "metadata": self.metadata,
        }


@dataclass(frozen=True, slots=True)
class StoredItem:
    """An item as stored: its id and its JSON document."""

    item_id: str
    document: bytes
    as_stored: bool
    """Whether every response shows ``document`` as it is, whatever its `include`
    (:func:`gateway.embedded.includes.shown_as_stored`); False when not known."""

    def load(self) -> dict[str, Any]:
        return _load(self.document)


@dataclass(frozen=True, slots=True)
class ItemsPage:
    items: list[StoredItem]
    has_more: bool


def _connect(path: Path, busy_timeout_ms: int = 10000) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False
    )  # closed by close(), after its thread is done
    connection.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _locked(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because the file is locked (SQLITE_BUSY or SQLITE_LOCKED, any variant)."""
    code: int | None = getattr(error, "sqlite_errorcode", None)
    return code is not None and (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _migrate(connection: sqlite3.Connection, path: Path) -> None:
    connection.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode survives a killed process (not a power cut) and keeps commits cheap.
    connection.execute("PRAGMA synchronous = NORMAL")
    version: int = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        msg = (
            f"cannot use {path}: a newer release wrote it (schema version {version}; this one knows up to "
            f"{SCHEMA_VERSION}). Run that release or a later one."
        )
        raise DatabaseUnusable(msg)
    for number in range(version, SCHEMA_VERSION):
        connection.execute("BEGIN IMMEDIATE")
        _run_script(connection, _MIGRATIONS[number])
        connection.execute(f"PRAGMA user_version = {number + 1}")
        connection.execute("COMMIT")


def _run_script(connection: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT first; run statement by statement inside the open transaction.
    for statement in script.split(";"):
        if statement.strip():
            connection.execute(statement)


class _Workers:
    """A thread pool whose threads each keep one SQLite connection of their own."""

    def __init__(self, path: Path, count: int, name: str) -> None:
        self._path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix=name)

    def _connection(self, busy_timeout_ms: int = 10000) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = _connect(self._path, busy_timeout_ms)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: work(self._connection()))

    def run_here(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` on this thread's own connection, which raises at once where another would wait
        for a lock: this thread is the event loop's (see :meth:`ConversationStore._read`)."""
        return work(self._connection(busy_timeout_ms=0))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()


class ConversationStore:
    """Conversations and their items, per tenant, in one SQLite file."""

    def __init__(self, path: Path, *, readers: int = 4) -> None:
        self.path = path
        self._readers_count = readers
        self._writer: _Workers | None = None
        self._readers: _Workers | None = None

    async def open(self) -> None:
        """Create the file and its folder when missing, migrate it, and start the threads.

        Raises :class:`DatabaseUnusable` when the file cannot serve."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            msg = f"cannot use {self.path}: its folder {self.path.parent} cannot be made ({error.strerror or error})"
            raise DatabaseUnusable(msg) from error
        if self.path.is_dir():
            msg = f"cannot use {self.path}: it is a folder; name a file in it"
            raise DatabaseUnusable(msg)
        writer = _Workers(self.path, 1, "sqlite-writer")
        try:
            await writer.run(lambda connection: _migrate(connection, self.path))
        except BaseException as error:
            await asyncio.to_thread(writer.close)
            if isinstance(error, sqlite3.Error):
                msg = f"cannot use {self.path} as a SQLite database: {error}"
                raise DatabaseUnusable(msg) from error
            raise
        self._writer = writer
        self._readers = _Workers(self.path, self._readers_count, "sqlite-reader")

    async def close(self) -> None:
        for workers in (self._readers, self._writer):
            if workers is not None:
                await asyncio.to_thread(workers.close)
        self._readers = self._writer = None

    async def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._writer is None:
            msg = "ConversationStore is not open; call open() first"
            raise RuntimeError(msg)
        return await self._writer.run(lambda connection: _in_transaction(connection, work))

    async def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` (reads only, so safe to run twice) on the loop's thread, or on a reader thread
        when the file is locked."""
        if self._readers is None:
            msg = "ConversationStore is not open; call open() first"
            raise RuntimeError(msg)
        try:
            return self._readers.run_here(work)
        except sqlite3.OperationalError as error:
            if not _locked(error):
                raise
        return await self._readers.run(work)

    # Conversations

    async def create_conversation(
        self,
        tenant: str,
        conversation_id: str,
        metadata: dict[str, str] | None,
        items: Sequence[dict[str, Any]],
    ) -> ConversationRecord:
        record = ConversationRecord(conversation_id, int(time.time()), metadata)

        def work(connection: sqlite3.Connection) -> ConversationRecord:
            _insert_conversation(connection, tenant, record, items)
            return record

        return await self._write(work)

    async def create_conversations_once(
        self, tenant: str, conversations: Sequence[tuple[str, dict[str, str] | None, Sequence[dict[str, Any]]]]
    ) -> SeedOutcome:
        """Creates ``conversations`` (id, metadata, items) for ``tenant``, all in one transaction,
        when none of their ids is another tenant's and ``tenant`` has no conversation yet; which
        of the three it found. (One transaction: two workers starting at once write them once.)"""
        created_at = int(time.time())
        ids = [conversation_id for conversation_id, _, _ in conversations]

        def work(connection: sqlite3.Connection) -> SeedOutcome:
            marks = ", ".join("?" * len(ids))
            taken = connection.execute(
                f"SELECT 1 FROM conversations WHERE id IN ({marks}) AND tenant != ? LIMIT 1",  # noqa: S608
                (*ids, tenant),
            ).fetchone()
            if taken is not None:
                return "ids taken"
            if connection.execute("SELECT 1 FROM conversations WHERE tenant = ? LIMIT 1", (tenant,)).fetchone():
                return "has conversations"
            for conversation_id, metadata, items in conversations:
                _insert_conversation(
                    connection, tenant, ConversationRecord(conversation_id, created_at, metadata), items
                )
            return "written"

        return await self._write(work)

    async def get_conversation(self, tenant: str, conversation_id: str) -> ConversationRecord:
        return await self._read(lambda connection: _conversation(connection, tenant, conversation_id))

    async def update_conversation(
        self, tenant: str, conversation_id: str, metadata: dict[str, str] | None
    ) -> ConversationRecord:
        def work(connection: sqlite3.Connection) -> ConversationRecord:
            record = _conversation(connection, tenant, conversation_id)
            connection.execute(
                "UPDATE conversations SET metadata = ? WHERE id = ?",
                (_dump_metadata(metadata), conversation_id),
            )
            return ConversationRecord(record.id, record.created_at, metadata)

        return await self._write(work)

    async def delete_conversation(self, tenant: str, conversation_id: str) -> None:
        def work(connection: sqlite3.Connection) -> None:
            _conversation(connection, tenant, conversation_id)
            connection.execute("UPDATE conversations SET deleted = 1 WHERE id = ?", (conversation_id,))

        await self._write(work)

    # Items

    async def add_items(
        self, tenant: str, conversation_id: str, items: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        def work(connection: sqlite3.Connection) -> list[dict[str, Any]]:
            _conversation(connection, tenant, conversation_id)
            _insert_items(connection, conversation_id, items)
            return list(items)

        return await self._write(work)

    async def list_items(
        self, tenant: str, conversation_id: str, *, after: str | None, limit: int, order: Order
    ) -> ItemsPage:
        def work(connection: sqlite3.Connection) -> ItemsPage:
            _must_exist(connection, tenant, conversation_id)
            return _page(connection, conversation_id, after, limit, order)

        return await self._read(work)

    async def get_item(self, tenant: str, conversation_id: str, item_id: str) -> StoredItem:
        def work(connection: sqlite3.Connection) -> StoredItem:
            _must_exist(connection, tenant, conversation_id)
            row = connection.execute(
                "SELECT item_id, document, as_stored FROM items"
                " WHERE conversation_id = ? AND item_id = ? AND deleted = 0",
                (conversation_id, item_id),
            ).fetchone()
            if row is None:
                raise ItemNotFound(item_id)
            return _stored(row)

        return await self._read(work)

    async def delete_item(self, tenant: str, conversation_id: str, item_id: str) -> ConversationRecord:
        def work(connection: sqlite3.Connection) -> ConversationRecord:
            record = _conversation(connection, tenant, conversation_id)
            cursor = connection.execute(
                "UPDATE items SET deleted = 1 WHERE conversation_id = ? AND item_id = ? AND deleted = 0",
                (conversation_id, item_id),
            )
            if cursor.rowcount == 0:
                raise ItemNotFound(item_id)
            return record

        return await self._write(work)

    async def find_items(self, tenant: str, item_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The newest stored copy of each named item of this tenant, deleted conversations included.

        Items outlive their conversation ("items remain accessible if you have their IDs"):
        this is what resolves an ``item_reference``.
        """

        def work(connection: sqlite3.Connection) -> dict[str, dict[str, Any]]:
            found: dict[str, dict[str, Any]] = {}
            for item_id in set(item_ids):
                row = connection.execute(
                    "SELECT items.document FROM items JOIN conversations ON conversations.id = items.conversation_id"
                    " WHERE items.item_id = ? AND items.deleted = 0 AND conversations.tenant = ?"
                    " ORDER BY items.seq DESC LIMIT 1",
                    (item_id, tenant),
                ).fetchone()
                if row is not None:
                    found[item_id] = _load(row[0])
            return found

        return await self._read(work)


def _insert_conversation(
    connection: sqlite3.Connection, tenant: str, record: ConversationRecord, items: Sequence[dict[str, Any]]
) -> None:
    connection.execute(
        "INSERT INTO conversations (id, tenant, created_at, metadata) VALUES (?, ?, ?, ?)",
        (record.id, tenant, record.created_at, _dump_metadata(record.metadata)),
    )
    _insert_items(connection, record.id, items)


def _in_transaction(connection: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """``work`` in one transaction, committed; rolled back when ``work`` or the commit fails.

    A failed COMMIT may leave the transaction open (SQLite rolls it back by itself for some errors,
    a full disk or an I/O error among them, and not for others): left open, every later write of
    the process would fail at its BEGIN.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        result = work(connection)
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return result


def _conversation(connection: sqlite3.Connection, tenant: str, conversation_id: str) -> ConversationRecord:
    row = connection.execute(
        "SELECT created_at, metadata FROM conversations WHERE id = ? AND tenant = ? AND deleted = 0",
        (conversation_id, tenant),
    ).fetchone()
    if row is None:
        raise ConversationNotFound(conversation_id)
    return ConversationRecord(conversation_id, row[0], None if row[1] is None else loads(row[1]))


def _must_exist(connection: sqlite3.Connection, tenant: str, conversation_id: str) -> None:
    """:func:`_conversation`'s check alone, for a read that needs only to know the conversation is there."""
    row = connection.execute(
        "SELECT 1 FROM conversations WHERE id = ? AND tenant = ? AND deleted = 0", (conversation_id, tenant)
    ).fetchone()
    if row is None:
        raise ConversationNotFound(conversation_id)


def _insert_items(connection: sqlite3.Connection, conversation_id: str, items: Sequence[dict[str, Any]]) -> None:
    for index, item in enumerate(items):
        document = dumps(item)
        try:
            connection.execute(
                "INSERT INTO items (conversation_id, item_id, document, as_stored) VALUES (?, ?, ?, ?)",
                (conversation_id, item["id"], document, int(shown_as_stored(document))),
            )
        except sqlite3.IntegrityError as exc:
            raise DuplicateItemId(index, item["id"]) from exc


def _page(
    connection: sqlite3.Connection, conversation_id: str, after: str | None, limit: int, order: Order
) -> ItemsPage:
    comparison, direction = (">", "ASC") if order == "asc" else ("<", "DESC")
    bound: int | None = None
    if after is not None:
        row = connection.execute(
            "SELECT seq FROM items WHERE conversation_id = ? AND item_id = ?", (conversation_id, after)
        ).fetchone()
        if row is None:
            raise UnknownCursor(after)
        bound = row[0]
    sql = "SELECT item_id, document, as_stored FROM items WHERE conversation_id = ? AND deleted = 0"
    parameters: list[Any] = [conversation_id]
    if bound is not None:
        sql += f" AND seq {comparison} ?"
        parameters.append(bound)
    sql += f" ORDER BY seq {direction} LIMIT ?"
    parameters.append(limit + 1)
    rows = connection.execute(sql, parameters).fetchall()
    return ItemsPage([_stored(row) for row in rows[:limit]], has_more=len(rows) > limit)


def _stored(row: tuple[str, bytes, int | None]) -> StoredItem:
    """An item from the columns `item_id, document, as_stored`."""
    return StoredItem(row[0], row[1], row[2] == 1)


def _dump_metadata(metadata: dict[str, str] | None) -> bytes | None:
    return None if metadata is None else dumps(metadata)


def _load(document: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = loads(document)
    return loaded
