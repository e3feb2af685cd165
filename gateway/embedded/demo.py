"""Demo data for a first look: two conversations with messages, tool calls and reasoning.

`gateway serve --demo` (what `make serve` runs) writes them when the key GraphiQL uses without a
header (the server key, or none) has no conversations yet; GraphiQL opens on a query that reads one.
"""

from __future__ import annotations

import hashlib
from typing import Any

from gateway.embedded.canonical import ItemReferenceRequest, canonical_items
from gateway.embedded.store import ConversationStore

__all__ = ["DEMO_CONVERSATIONS", "demo_ids", "seed_demo"]

WEATHER = "conv_demo_weather"
TUTOR = "conv_demo_python_tutor"

DEMO_CONVERSATIONS: dict[str, tuple[dict[str, str], list[dict[str, Any]]]] = {
    WEATHER: (
        {"title": "Weather in Paris", "user_id": "user_123"},
        [
            {"role": "system", "content": "You are a helpful assistant with a weather tool."},
            {"role": "user", "content": "Should I take an umbrella in Paris today?"},
            {
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": "Needs today's forecast for Paris: call get_weather."}],
            },
            {
                "type": "function_call",
                "call_id": "call_weather_1",
                "name": "get_weather",
                "arguments": '{"city": "Paris", "unit": "celsius"}',
            },
            {
                "type": "function_call_output",
                "call_id": "call_weather_1",
                "output": '{"temperature": 14, "rain_probability": 0.8}',
            },
            {"role": "assistant", "content": "Yes: 80% chance of rain and 14 °C. Take an umbrella and a jacket."},
        ],
    ),
    TUTOR: (
        {"title": "Reading files in Python", "topic": "file_io"},
        [
            {"role": "system", "content": "You are a helpful Python tutor."},
            {"role": "user", "content": "How do I read a file in Python?"},
            {
                "role": "assistant",
                "content": "Use a with block: `with open('notes.txt') as f: text = f.read()`.",
            },
            {"role": "user", "content": "And line by line?"},
            {"role": "assistant", "content": "Iterate over the file: `for line in f: print(line.rstrip())`."},
        ],
    ),
}


def demo_ids(tenant: str) -> tuple[str, ...]:
    """The ids of ``tenant``'s own copy of the demo conversations, for a database where another
    key's copy holds the usual ids (ids are the whole database's, as OpenAI's are)."""
    mark = hashlib.sha256(f"demo of {tenant}".encode()).hexdigest()[:12]
    return tuple(f"{conversation_id}_{mark}" for conversation_id in DEMO_CONVERSATIONS)


async def seed_demo(store: ConversationStore, tenant: str) -> tuple[tuple[str, ...], bool]:
    """Writes the demo conversations for ``tenant`` when it has no conversation yet: the ids its
    copy has (the usual ones, unless another key's copy holds them), and whether they were written.

    A database keeps each key's conversations apart: `make serve` run again with another key
    (`OPENAI_API_KEY` set in the shell since) gets a copy of its own, under other ids."""
    contents = list(DEMO_CONVERSATIONS.values())
    usual = tuple(DEMO_CONVERSATIONS)
    for ids in (usual, demo_ids(tenant)):
        conversations = [
            (conversation_id, metadata, _stored(items))
            for conversation_id, (metadata, items) in zip(ids, contents, strict=True)
        ]
        outcome = await store.create_conversations_once(tenant, conversations)
        if outcome != "ids taken":
            return ids, outcome == "written"
    return usual, False


def _stored(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [document for document in canonical_items(items) if not isinstance(document, ItemReferenceRequest)]
