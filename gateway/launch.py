"""Entry points of server processes: the ``gateway`` command, and each ``--workers`` process's app.

Importing the gateway and its libraries makes about 120,000 objects that live as long as the
process. While they were being made, Python's collector went over them about 190 times: 60-70 ms
of a start-up of about a second, to free nothing (a collection afterwards finds a few hundred
objects of garbage). So the collector is paused for the imports, and what they made is frozen
before it is resumed: it would otherwise be the youngest generation, all of it scanned by the
next collection. ``app.long_lived`` freezes what building the app makes in the same way.

The imports are inside the functions because they are what runs with the collector paused.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["api_from_environment", "app_from_environment", "main"]


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def main() -> int:
    """The ``gateway`` command."""
    with _collector_paused():
        from gateway.cli import main as run  # noqa: PLC0415
    return run()


def app_from_environment() -> Starlette:
    """The app of a `gateway serve --workers N` process (uvicorn imports this module in each)."""
    with _collector_paused():
        from gateway.app import app_from_environment as build  # noqa: PLC0415
        from gateway.cli import log_to_stderr  # noqa: PLC0415
    log_to_stderr()
    return build()


def api_from_environment() -> Starlette:
    """The app of a `gateway serve-api --workers N` process."""
    with _collector_paused():
        from gateway.app import api_from_environment as build  # noqa: PLC0415
        from gateway.cli import log_to_stderr  # noqa: PLC0415
    log_to_stderr()
    return build()
