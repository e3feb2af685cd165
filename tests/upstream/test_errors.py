"""How messages name what a client or an upstream sent."""

from __future__ import annotations

from gateway.upstream.errors import abridged, quoted


def test_a_short_value_is_quoted_whole() -> None:
    assert quoted("conv_1") == "'conv_1'"
    assert quoted("a" * 100) == "'" + "a" * 100 + "'"


def test_a_long_value_is_quoted_by_its_start_and_end_with_its_length() -> None:
    value = "s" * 80 + "m" * 1_000 + "e" * 20
    assert quoted(value) == "'" + "s" * 80 + "…" + "e" * 20 + "' (1,100 characters)"


def test_a_long_text_keeps_its_start_and_end() -> None:
    text = "start " + "x" * 5_000 + " end."
    shown = abridged(text)
    assert shown.startswith("start xxx")
    assert shown.endswith("xxx end.")
    assert f"[… {len(text) - 1000:,} characters left out …]" in shown
    assert abridged("short") == "short"
    assert abridged("y" * 1000) == "y" * 1000
