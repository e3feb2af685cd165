"""Ids at the GraphQL edge."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strawberry import relay

from gateway.schema.ids import global_id, parse_global_id


@given(st.text())
def test_no_conv_id_is_a_global_id(suffix: str) -> None:
    """Why `parse_global_id` answers a `conv_...` id without decoding it: Strawberry's decoding drops
    the `_` and decodes `conv` to bytes that do not begin UTF-8 text, whatever follows."""
    with pytest.raises((relay.GlobalIDValueError, ValueError, UnicodeDecodeError)):
        relay.GlobalID.from_id(f"conv_{suffix}")
    assert parse_global_id(f"conv_{suffix}", frozenset({"Conversation"})) is None


def test_a_global_id_is_parsed() -> None:
    conversation = frozenset({"Conversation"})
    assert parse_global_id(global_id("Conversation", "conv_1"), conversation) == ("Conversation", "conv_1")
    assert parse_global_id(global_id("Message", "conv_1:msg_1"), conversation) is None
    assert parse_global_id("Q29udmVyc2F0aW9uOg==", conversation) is None  # "Conversation:" names no node
