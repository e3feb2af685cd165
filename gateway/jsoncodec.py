"""JSON in and out, fast: orjson, and the standard library where orjson would refuse or round."""

from __future__ import annotations

import contextlib
import json
import math
import re
from typing import Any

import orjson

__all__ = ["ANSWER_NESTING", "MAX_NESTING", "PARSED_NESTING", "dumps", "loads", "parse_too_deep", "too_deep"]

_LONG_NUMBER = re.compile(rb"[0-9]{19}")
"""19 digits in a row: perhaps an integer beyond 64 bits (or only digits in a string)."""


def dumps(value: object) -> bytes:
    """``value`` as compact JSON bytes.

    orjson writes several times faster than the standard library but refuses integers beyond 64
    bits, which open-ended JSON values (a `raw` item, tool arguments) may hold; those go through
    the standard library. A float that is not finite (an upstream's 1e400 reads as infinity) is
    written as null either way: JSON has no such value, and the standard library alone would
    write `Infinity`, which no JSON parser takes.
    """
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(_finite(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _finite(value: Any) -> Any:
    """``value`` with every float that is not finite as None, as orjson writes it (a copy: this is
    the rare path, for a value holding an integer beyond 64 bits)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def loads(document: bytes | bytearray | str) -> Any:
    """``document`` parsed, strictly: orjson's rules (no NaN, no lone surrogates, ...).

    orjson turns an integer beyond 64 bits into a float, silently: 123456789012345678901234567890
    would come back as 1.2345678901234568e+29. A document that may hold one (19 digits in a row) is
    parsed again by the standard library, which keeps integers exact, once orjson has accepted it.
    Raises :class:`orjson.JSONDecodeError` (a :class:`json.JSONDecodeError`) for invalid JSON.
    """
    parsed = orjson.loads(document)
    raw = document.encode() if isinstance(document, str) else bytes(document)
    if _LONG_NUMBER.search(raw):
        # The standard library's recursion stops short of orjson's depth limit: keep orjson's then.
        with contextlib.suppress(ValueError, RecursionError):
            parsed = json.loads(raw)
    return parsed


PARSED_NESTING = 1024
"""How deep orjson parses; past it, :func:`loads` raises what :func:`parse_too_deep` recognises."""


def parse_too_deep(error: orjson.JSONDecodeError) -> bool:
    """Whether :func:`loads` refused valid JSON only for nesting past :data:`PARSED_NESTING`."""
    return str(error).startswith("depth limit exceeded")


ANSWER_NESTING = 200
"""How deep the gateway reads an upstream's answer: pydantic's JSON parser, which it reads them
with, stops past 200 levels."""

MAX_NESTING = 128
"""How deep a JSON value the built-in API accepts in a request body, objects and arrays counted.

The gateway reads an upstream's answers up to :data:`ANSWER_NESTING` levels, and orjson writes at
most 254; an item the API accepted must come back readable. OpenAI documents no
limit; real items (a tool's JSON schema, arguments) nest a few levels.
"""


def too_deep(value: object, limit: int) -> bool:
    """Whether ``value`` nests objects and arrays more than ``limit`` levels deep (``value``
    itself, if an object or array, is level 1).

    Level by level, each container once: 0.5 s for a body of 7 million empty arrays, which
    orjson takes 2 s to parse; 8 us for a body of 20 messages.
    """
    containers = (dict, list)
    level = 1
    current: list[Any] = [value] if type(value) in containers else []
    while current:
        if level > limit:
            return True
        below: list[Any] = []
        for container in current:
            for child in container.values() if type(container) is dict else container:
                if type(child) in containers:
                    below.append(child)
        current, level = below, level + 1
    return False
