"""How an upstream's long message is passed on."""

from __future__ import annotations

from gateway.upstream.errors import abridged


def test_a_long_text_keeps_its_start_and_end() -> None:
    text = "start " + "x" * 5_000 + " end."
    shown = abridged(text)
    assert shown.startswith("start xxx")
    assert shown.endswith("xxx end.")
    assert f"[… {len(text) - 1000:,} characters left out …]" in shown
    assert abridged("short") == "short"
    assert abridged("y" * 1000) == "y" * 1000
