"""How the gateway's own messages name a value the client sent."""

from __future__ import annotations

from gateway.quoting import quoted, shortened


def test_a_short_value_is_quoted_whole() -> None:
    assert quoted("conv_1") == "'conv_1'"
    assert quoted("a" * 100) == "'" + "a" * 100 + "'"


def test_a_long_value_is_quoted_by_its_start_and_end_with_its_length() -> None:
    value = "s" * 80 + "m" * 1_000 + "e" * 20
    assert quoted(value) == "'" + "s" * 80 + "…" + "e" * 20 + "' (1,100 characters)"


def test_a_long_value_is_shortened_by_its_start_and_end() -> None:
    assert shortened("conv_1") == "conv_1"
    assert shortened("s" * 80 + "m" * 1_000 + "e" * 20) == "s" * 80 + "…" + "e" * 20
    assert shortened("abcdefghij", 5) == "abcd…j"
