"""Cursor pages of the built-in API, walked by the SDK's own auto-pager."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai.types.responses import ResponseInputItemParam

from tests.helpers import item_id


def _fill(sdk: openai.OpenAI, conversation_id: str, count: int) -> list[str]:
    """Append ``count`` messages in batches of 20; returns their ids, oldest first."""
    ids: list[str] = []
    for start in range(0, count, 20):
        batch: list[ResponseInputItemParam] = [
            {"role": "user", "content": f"message {number}"} for number in range(start, min(start + 20, count))
        ]
        ids += [item_id(item) for item in sdk.conversations.items.create(conversation_id, items=batch).data]
    return ids


@pytest.fixture
def filled(sdk: openai.OpenAI) -> tuple[str, list[str]]:
    conversation_id = sdk.conversations.create().id
    return conversation_id, _fill(sdk, conversation_id, 130)


@pytest.mark.parametrize("limit", [100, 7])
def test_auto_paging_visits_every_item_once_in_both_orders(
    sdk: openai.OpenAI, filled: tuple[str, list[str]], limit: int
) -> None:
    conversation_id, ids = filled
    ascending = [item.id for item in sdk.conversations.items.list(conversation_id, order="asc", limit=limit)]
    descending = [item.id for item in sdk.conversations.items.list(conversation_id, order="desc", limit=limit)]
    default = [item.id for item in sdk.conversations.items.list(conversation_id, limit=limit)]
    assert ascending == ids
    assert descending == ids[::-1]
    assert default == descending


async def test_async_auto_paging(async_sdk: openai.AsyncOpenAI, filled: tuple[str, list[str]]) -> None:
    conversation_id, ids = filled
    seen = [item.id async for item in async_sdk.conversations.items.list(conversation_id, order="asc", limit=100)]
    assert seen == ids


def test_page_fields(sdk: openai.OpenAI, filled: tuple[str, list[str]]) -> None:
    conversation_id, ids = filled
    page = sdk.conversations.items.list(conversation_id, order="asc", limit=20)
    assert (page.first_id, page.last_id, page.has_more) == (ids[0], ids[19], True)  # type: ignore[attr-defined]
    assert len(page.data) == 20
    last = sdk.conversations.items.list(conversation_id, order="asc", after=ids[109], limit=20)
    assert [item.id for item in last.data] == ids[110:]
    assert last.has_more is False
    empty = sdk.conversations.items.list(conversation_id, order="asc", after=ids[-1])
    assert (empty.data, empty.first_id, empty.last_id, empty.has_more) == ([], None, None, False)  # type: ignore[attr-defined]
    default_size = sdk.conversations.items.list(conversation_id)
    assert len(default_size.data) == 20


def test_a_cursor_naming_a_deleted_item_still_pages_from_its_place(
    sdk: openai.OpenAI, filled: tuple[str, list[str]]
) -> None:
    conversation_id, ids = filled
    sdk.conversations.items.delete(ids[50], conversation_id=conversation_id)
    forward = sdk.conversations.items.list(conversation_id, order="asc", after=ids[50], limit=3)
    backward = sdk.conversations.items.list(conversation_id, order="desc", after=ids[50], limit=3)
    assert [item.id for item in forward.data] == ids[51:54]
    assert [item.id for item in backward.data] == ids[47:50][::-1]
    remaining = [item.id for item in sdk.conversations.items.list(conversation_id, order="asc", limit=100)]
    assert remaining == ids[:50] + ids[51:]


async def test_the_include_parameter_repeats_on_every_page(api: Any) -> None:
    conversation = (await api.post("/conversations", json={})).json()
    reply = {
        "role": "assistant",
        "content": [
            {
                "type": "output_text",
                "text": "x",
                "annotations": [],
                "logprobs": [{"token": "x", "bytes": [120], "logprob": -0.5, "top_logprobs": []}],
            }
        ],
    }
    await api.post(f"/conversations/{conversation['id']}/items", json={"items": [reply] * 3})
    url = f"/conversations/{conversation['id']}/items"
    first = (await api.get(url, params={"limit": 2, "include[]": "message.output_text.logprobs"})).json()
    second = (
        await api.get(url, params={"limit": 2, "after": first["last_id"], "include": "message.output_text.logprobs"})
    ).json()
    logprobs = [item["content"][0]["logprobs"] for item in first["data"] + second["data"]]
    assert all(len(entry) == 1 for entry in logprobs)
    assert len(logprobs) == 3
