"""Ids at the GraphQL edge: Relay global ids, upstream ids, and connection cursors.

Every argument that takes an id accepts the opaque global id (`id` fields) or the upstream's
own id (`conversationId`, `itemId`), since a frontend usually holds the latter.
"""

from __future__ import annotations

import base64
import binascii

from strawberry import relay

from gateway.schema.errors import bad_input

__all__ = ["decode_cursor", "encode_cursor", "global_id", "parse_global_id"]

_CURSOR_PREFIX = "item:"


def global_id(type_name: str, node_id: str) -> str:
    return str(relay.GlobalID(type_name=type_name, node_id=node_id))


_CONVERSATION_ID_PREFIX = "conv_"
"""The prefix of upstream conversation ids: never a global id (tests/schema/test_ids.py shows why)."""


def parse_global_id(value: str, known_types: frozenset[str]) -> tuple[str, str] | None:
    """``(type name, node id)`` if ``value`` is a global id of one of ``known_types``, else None.

    A `conv_...` id, the id clients send most, is answered at once: decoding it fails every time,
    through an exception (7 µs, against under 3 µs for a global id).
    """
    if value.startswith(_CONVERSATION_ID_PREFIX):
        return None
    try:
        parsed = relay.GlobalID.from_id(value)
    except (relay.GlobalIDValueError, ValueError, UnicodeDecodeError):
        return None
    if parsed.type_name not in known_types or not parsed.node_id:
        return None
    return parsed.type_name, parsed.node_id


def encode_cursor(item_id: str) -> str:
    return base64.b64encode(f"{_CURSOR_PREFIX}{item_id}".encode()).decode()


def decode_cursor(cursor: str, argument: str) -> str:
    """The item id inside a cursor this gateway made; anything else is a `BAD_USER_INPUT`."""
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if not decoded.startswith(_CURSOR_PREFIX) or len(decoded) == len(_CURSOR_PREFIX):
        raise bad_input(
            f"`{argument}` is not a cursor of this connection; use a `cursor`, `startCursor` or `endCursor` value.",
            argument=argument,
        )
    return decoded.removeprefix(_CURSOR_PREFIX)
