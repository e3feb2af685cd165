"""Concurrent writers on one conversation, and two tenants side by side, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import openai
import pytest

from tests.helpers import item_id, items

WRITERS = 50


async def test_fifty_concurrent_writers_lose_and_duplicate_nothing(live_url: str) -> None:
    headers = {"Authorization": "Bearer sk-writers"}
    limits = httpx.Limits(max_connections=WRITERS)
    async with httpx.AsyncClient(base_url=f"{live_url}/v1", headers=headers, limits=limits, timeout=30) as client:
        conversation_id = (await client.post("/conversations", json={})).json()["id"]

        async def write(writer: int) -> list[str]:
            items = [{"role": "user", "content": f"writer {writer} item {n}"} for n in range(3)]
            response = await client.post(f"/conversations/{conversation_id}/items", json={"items": items})
            assert response.status_code == 200, response.text
            return [item["id"] for item in response.json()["data"]]

        written = await asyncio.gather(*(write(writer) for writer in range(WRITERS)))
        stored: list[str] = []
        after: str | None = None
        while True:
            params: dict[str, str | int] = {"order": "asc", "limit": 100}
            if after is not None:
                params["after"] = after
            page = (await client.get(f"/conversations/{conversation_id}/items", params=params)).json()
            stored += [item["id"] for item in page["data"]]
            if not page["has_more"]:
                break
            after = page["last_id"]

    answered = [item_id for batch in written for item_id in batch]
    assert len(stored) == len(set(stored)) == WRITERS * 3
    assert set(stored) == set(answered)
    # Each writer's batch is stored contiguously and in its own order: the order is strictly increasing.
    positions = {item_id: index for index, item_id in enumerate(stored)}
    for batch in written:
        assert [positions[item_id] for item_id in batch] == list(range(positions[batch[0]], positions[batch[0]] + 3))


def test_two_keys_cannot_touch_each_others_conversations(live_url: str) -> None:
    base = f"{live_url}/v1"
    with (
        openai.OpenAI(base_url=base, api_key="sk-alice", max_retries=0) as alice,
        openai.OpenAI(base_url=base, api_key="sk-bob", max_retries=0) as bob,
    ):
        conversation = alice.conversations.create(items=items({"role": "user", "content": "alice's secret"}))
        item = item_id(alice.conversations.items.list(conversation.id).data[0])
        attempts: list[Callable[[], object]] = [
            lambda: bob.conversations.retrieve(conversation.id),
            lambda: bob.conversations.items.list(conversation.id),
            lambda: bob.conversations.items.retrieve(item, conversation_id=conversation.id),
            lambda: bob.conversations.update(conversation.id, metadata={"owner": "bob"}),
            lambda: bob.conversations.items.create(conversation.id, items=items({"role": "user", "content": "x"})),
            lambda: bob.conversations.items.delete(item, conversation_id=conversation.id),
            lambda: bob.conversations.delete(conversation.id),
        ]
        for attempt in attempts:
            with pytest.raises(openai.NotFoundError):
                attempt()
        # Nor can bob copy alice's item by reference.
        mine = bob.conversations.create()
        with pytest.raises(openai.BadRequestError):
            bob.conversations.items.create(mine.id, items=items({"type": "item_reference", "id": item}))
        # Alice's conversation is untouched.
        assert alice.conversations.retrieve(conversation.id).metadata is None
        assert [item_id(entry) for entry in alice.conversations.items.list(conversation.id)] == [item]
