"""Demo data for a first look: two conversations with messages, tool calls and reasoning.

`gateway serve --demo` (what `make serve` runs) writes them when the key GraphiQL uses without a
header (the server key, or none) has no conversations yet; GraphiQL opens on a query that reads one.
"""

from __future__ import annotations

from typing import Any

from gateway.embedded.canonical import ItemReferenceRequest, canonical_items
from gateway.embedded.store import ConversationStore

__all__ = ["DEMO_CONVERSATIONS", "seed_demo"]

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


async def seed_demo(store: ConversationStore, tenant: str) -> bool:
    """Write the demo conversations when ``tenant`` has none yet; whether anything was written."""
    if await store.count_conversations(tenant):
        return False
    for conversation_id, (metadata, items) in DEMO_CONVERSATIONS.items():
        documents = canonical_items(items)
        stored = [document for document in documents if not isinstance(document, ItemReferenceRequest)]
        await store.create_conversation(tenant, conversation_id, metadata, stored)
    return True
