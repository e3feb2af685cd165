"""The limits of the spec's write-side item forms (`*ItemParam`) that the item models do not hold.

The models describe items as the API answers them, and accept what it may answer. A write is
checked against the `*ItemParam` schemas too, which bound some strings: a call id of 1 to 64
characters, an output of at most 10 MiB, ... OpenAI refuses a write past them, and so does the
built-in API, with OpenAI's error, so that a client tested against it is not refused in production.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gateway.embedded.errors import ApiError

__all__ = ["check_params"]

_TEN_MIB = 10_485_760


@dataclass(frozen=True, slots=True)
class _Bounds:
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None


_CALL_ID = _Bounds(1, 64)
_LONG_TEXT = _Bounds(max_length=_TEN_MIB)
_NAME = "^[a-zA-Z0-9_-]+$"  # the spec's pattern, as it writes it

# Paths from the item: a key, or "*" for every element of an array. A member that is absent,
# null or not a string is left to the models.
_FIELDS: dict[str, tuple[tuple[tuple[str, ...], _Bounds], ...]] = {
    "function_call_output": (
        (("call_id",), _CALL_ID),
        (("output",), _LONG_TEXT),
        (("name",), _Bounds(1, 128)),
        (("namespace",), _Bounds(1, 64, _NAME)),
        (("output", "*", "text"), _LONG_TEXT),  # input_text parts
        (("output", "*", "image_url"), _Bounds(max_length=20_971_520)),
        (("output", "*", "file_data"), _Bounds(max_length=73_400_320)),
    ),
    "computer_call_output": ((("call_id",), _CALL_ID),),
    "apply_patch_call": (
        (("call_id",), _CALL_ID),
        (("operation", "path"), _Bounds(1)),
        (("operation", "diff"), _LONG_TEXT),
    ),
    "apply_patch_call_output": ((("call_id",), _CALL_ID), (("output",), _LONG_TEXT)),
    "shell_call": ((("call_id",), _CALL_ID),),
    "shell_call_output": (
        (("call_id",), _CALL_ID),
        (("output", "*", "stdout"), _LONG_TEXT),
        (("output", "*", "stderr"), _LONG_TEXT),
    ),
    "program": ((("call_id",), _CALL_ID), (("code",), _LONG_TEXT), (("fingerprint",), _LONG_TEXT)),
    "program_output": ((("call_id",), _CALL_ID), (("result",), _LONG_TEXT)),
    "tool_search_call": ((("call_id",), _CALL_ID),),
    "tool_search_output": ((("call_id",), _CALL_ID),),
    "compaction": ((("encrypted_content",), _Bounds(max_length=20_971_520)),),
}
_EVERY_ITEM = ((("caller", "caller_id"), _CALL_ID),)  # a program caller's id


def check_params(item: dict[str, Any], param: str) -> None:
    """Raises the API's 400 for the first string of ``item`` (canonical, of a known type) out of
    its `*ItemParam` bounds; ``param`` is the item's path (`items[2]`)."""
    for path, bounds in (*_FIELDS.get(item["type"], ()), *_EVERY_ITEM):
        for where, value in _values(item, path, param):
            _check(value, bounds, where)


def _values(value: Any, path: tuple[str, ...], where: str) -> Iterator[tuple[str, str]]:
    if not path:
        if isinstance(value, str):
            yield where, value
        return
    step, rest = path[0], path[1:]
    if step == "*":
        if isinstance(value, list):
            for index, element in enumerate(value):
                yield from _values(element, rest, f"{where}[{index}]")
    elif isinstance(value, dict) and step in value:
        yield from _values(value[step], rest, f"{where}.{step}")


def _check(value: str, bounds: _Bounds, where: str) -> None:
    length = len(value)
    if bounds.min_length is not None and length < bounds.min_length:
        if length == 0:
            message = (
                f"Invalid '{where}': empty string. Expected a string with minimum length {bounds.min_length}, "
                "but got an empty string instead."
            )
            raise ApiError(400, message, param=where, code="empty_string")
        message = (
            f"Invalid '{where}': string too short. Expected a string with minimum length {bounds.min_length}, "
            f"but got a string with length {length} instead."
        )
        raise ApiError(400, message, param=where, code="string_below_min_length")
    if bounds.max_length is not None and length > bounds.max_length:
        message = (
            f"Invalid '{where}': string too long. Expected a string with maximum length {bounds.max_length}, "
            f"but got a string with length {length} instead."
        )
        raise ApiError(400, message, param=where, code="string_above_max_length")
    if bounds.pattern is not None and re.fullmatch(bounds.pattern, value) is None:
        message = (
            f"Invalid '{where}': string does not match pattern. Expected a string that matches the pattern "
            f"'{bounds.pattern}'."
        )
        raise ApiError(400, message, param=where, code="invalid_value")
