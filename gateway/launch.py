"""The ``gateway`` command's entry point: the CLI, imported with the cycle collector paused.

Importing the gateway and its libraries makes about 120,000 objects that live as long as the
process. While they were being made, Python's collector went over them about 190 times: 60-70 ms
of a start-up of about a second, to free nothing (a collection afterwards finds a few hundred
objects of garbage). So the collector is paused for the imports, and what they made is frozen
before it is resumed: it would otherwise be the youngest generation, all of it scanned by the
next collection. ``app.long_lived`` freezes what building the app makes in the same way.
"""

from __future__ import annotations

import gc

__all__ = ["main"]


def main() -> int:
    gc.disable()
    try:
        from gateway.cli import main as run  # noqa: PLC0415 (the import is what runs with the collector paused)
    finally:
        gc.freeze()
        gc.enable()
    return run()
