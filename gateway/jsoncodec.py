"""JSON out, fast: orjson, and the standard library for the values orjson refuses."""

from __future__ import annotations

import json

import orjson

__all__ = ["dumps"]


def dumps(value: object) -> bytes:
    """``value`` as compact JSON bytes.

    orjson writes several times faster than the standard library but refuses integers beyond 64
    bits, which open-ended JSON values (a `raw` item, tool arguments) may hold; those go through
    the standard library.
    """
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
