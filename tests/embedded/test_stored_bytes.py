"""Items every response shows as stored are answered with the stored bytes, exactly as parsing,
presenting and writing them again would answer."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.embedded import app as embedded_app
from gateway.embedded import store as embedded_store
from gateway.embedded.includes import present, shown_as_stored
from gateway.embedded.store import ConversationStore, StoredItem
from gateway.jsoncodec import dumps, loads
from gateway.rest import INCLUDABLE
from tests.samples import ITEM_SAMPLES

SUBSETS = [
    frozenset(chosen)
    for size in range(len(INCLUDABLE) + 1)
    for chosen in itertools.combinations(sorted(INCLUDABLE), size)
]

# Each gated field, with what the emptiest `include` shows for it: such an item is shown as stored.
HIDDEN_AS_SHOWN: list[dict[str, Any]] = [
    {**ITEM_SAMPLES["file_search_call"], "results": None},
    {**ITEM_SAMPLES["code_interpreter_call"], "outputs": None},
    {key: value for key, value in ITEM_SAMPLES["reasoning"].items() if key != "encrypted_content"},
    {
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [
            {"type": "output_text", "text": "hi", "annotations": [], "logprobs": []},
        ],
    },
]


def _items() -> list[dict[str, Any]]:
    numbered = [*ITEM_SAMPLES.values(), *HIDDEN_AS_SHOWN]
    return [{**item, "id": f"item_{number}"} for number, item in enumerate(numbered)]


def test_a_shown_item_is_what_parsing_presenting_and_writing_give() -> None:
    flags = []
    for item in _items():
        document = dumps(item)
        stored = StoredItem(item["id"], document, shown_as_stored(document))
        flags.append(stored.as_stored)
        for include in SUBSETS:
            assert embedded_app._shown(stored, include) == dumps(present(loads(document), include)), (item, include)
    # Both ways are taken: the gated samples are shown otherwise, the rest as stored.
    assert 0 < flags.count(True) < len(flags)
    assert all(flags[-len(HIDDEN_AS_SHOWN) :])


@pytest.mark.parametrize("count", [0, 1, 3])
@pytest.mark.parametrize("has_more", [False, True])
def test_a_page_is_written_as_its_list_body(count: int, has_more: bool) -> None:
    items = _items()[:count]
    written = [dumps(item) for item in items]
    first, last = (items[0]["id"], items[-1]["id"]) if items else (None, None)
    expected = dumps(embedded_app._list_body(items, has_more=has_more))
    assert embedded_app._list_json(written, first, last, has_more=has_more) == expected


async def _responses(api: httpx.AsyncClient, conversation_id: str, item_ids: list[str]) -> list[bytes]:
    answers = []
    for include in ([], sorted(INCLUDABLE), ["message.output_text.logprobs"]):
        query = {"include[]": include, "limit": "100"}
        answers.append((await api.get(f"/conversations/{conversation_id}/items", params=query)).content)
        for item_id in item_ids:
            answers.append((await api.get(f"/conversations/{conversation_id}/items/{item_id}", params=query)).content)
    return answers


async def test_items_not_known_to_be_shown_as_stored_are_answered_the_same(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Items stored before the store recorded it (NULL) are parsed and written again; the answers are the same."""
    items = [{key: value for key, value in item.items() if key != "id"} for item in _items()]
    created = (await api.post("/conversations", json={})).json()
    for start in range(0, len(items), 20):  # at most 20 a request
        added = await api.post(f"/conversations/{created['id']}/items", json={"items": items[start : start + 20]})
        assert added.status_code == 200, added.text
    page = (await api.get(f"/conversations/{created['id']}/items", params={"limit": "100"})).json()
    item_ids = [item["id"] for item in page["data"]]
    fast = await _responses(api, created["id"], item_ids)

    with sqlite3.connect(tmp_path / "conversations.sqlite3") as connection:
        flags = [row[0] for row in connection.execute("SELECT as_stored FROM items")]
        connection.execute("UPDATE items SET as_stored = NULL")
    assert 0 in flags
    assert 1 in flags
    assert await _responses(api, created["id"], item_ids) == fast


async def test_a_page_of_items_shown_as_stored_is_not_parsed(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = [{"role": "user" if n % 2 else "assistant", "content": f"message {n}"} for n in range(10)]
    created = (await api.post("/conversations", json={"items": messages})).json()
    parsed: list[bytes] = []
    load = embedded_store._load

    def counted(document: bytes) -> dict[str, Any]:
        parsed.append(document)
        return load(document)

    monkeypatch.setattr(embedded_store, "_load", counted)
    page = await api.get(f"/conversations/{created['id']}/items", params={"limit": "10"})
    assert [item["content"][0]["text"] for item in page.json()["data"]] == [f"message {n}" for n in range(9, -1, -1)]
    assert parsed == []


async def test_a_file_of_schema_version_2_is_migrated_and_read(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    item = {**ITEM_SAMPLES["message"], "id": "msg_old"}
    with sqlite3.connect(path, isolation_level=None) as connection:
        for script in embedded_store._MIGRATIONS[:2]:
            connection.executescript(script)
        connection.execute("PRAGMA user_version = 2")
        connection.execute("INSERT INTO conversations (id, tenant, created_at) VALUES ('conv_old', 't', 1)")
        connection.execute(
            "INSERT INTO items (conversation_id, item_id, document) VALUES ('conv_old', 'msg_old', ?)", (dumps(item),)
        )
    store = ConversationStore(path)
    await store.open()
    try:
        page = await store.list_items("t", "conv_old", after=None, limit=10, order="asc")
        (stored,) = page.items
        assert (stored.item_id, stored.as_stored, stored.load()) == ("msg_old", False, item)
        assert embedded_app._shown(stored, frozenset()) == dumps(present(item, frozenset()))
    finally:
        await store.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == embedded_store.SCHEMA_VERSION == 3
