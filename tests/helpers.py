"""Small typed helpers for tests that drive the official SDK."""

from __future__ import annotations

from typing import Any

from openai.types.responses import ResponseInputItemParam

__all__ = ["item_id", "items"]


def items(*documents: dict[str, Any]) -> list[ResponseInputItemParam]:
    """Items written as plain dicts (some on purpose outside the SDK's TypedDicts)."""
    return list(documents)  # type: ignore[arg-type]


def item_id(item: object) -> str:
    """The id of an item the API returned (the SDK types a few item ids as optional)."""
    identifier = getattr(item, "id", None)
    assert isinstance(identifier, str)
    return identifier
