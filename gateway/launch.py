"""Entry points of server processes: the ``gateway`` command, and each ``--workers`` process's app.

Importing the gateway and its libraries makes about 120,000 objects that live as long as the
process. While they were being made, Python's collector went over them about 190 times: 60-70 ms
of a start-up of about a second, to free nothing (a collection afterwards finds a few hundred
objects of garbage). So the collector is paused for the imports, and what they made is frozen
before it is resumed: it would otherwise be the youngest generation, all of it scanned by the
next collection. ``app.long_lived`` freezes what building the app makes in the same way.

The imports are inside the functions because they are what runs with the collector paused.

Each server process also fixes glibc's threshold for blocks it maps on their own (and gives back
to the system when freed) at 128 KiB, its default: otherwise glibc raises the threshold to the
size of each such block freed, up to 32 MiB, and later large blocks (a request body of a
megabyte, its decoded text, a long comment token) come from the heap between blocks still in
use, which it cannot give back. Measured in one process, 600 requests of 1 MB and 180 of
15,000 tokens left 296 MiB resident (100 after a `malloc_trim`), against 101 MiB with the
threshold fixed; the memory still in use was the same, the parse cache's 32 MiB.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["api_from_environment", "app_from_environment", "main"]


_M_MMAP_THRESHOLD = -3
"""`mallopt`'s parameter for the threshold (glibc's malloc.h)."""
_MMAP_THRESHOLD = 128 * 1024


def _large_blocks_given_back() -> bool:
    """Fixes glibc's mmap threshold (see the module); False where the C library is not glibc."""
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter is linked with
    except (OSError, AttributeError):
        return False  # not glibc (macOS, musl's stub aside): nothing to set
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD))


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
    _large_blocks_given_back()
    with _collector_paused():
        from gateway.cli import main as run  # noqa: PLC0415
    return run()


def app_from_environment() -> Starlette:
    """The app of a `gateway serve --workers N` process (uvicorn imports this module in each)."""
    _large_blocks_given_back()
    with _collector_paused():
        from gateway.app import app_from_environment as build  # noqa: PLC0415
        from gateway.cli import log_to_stderr  # noqa: PLC0415
    log_to_stderr()
    return build()


def api_from_environment() -> Starlette:
    """The app of a `gateway serve-api --workers N` process."""
    _large_blocks_given_back()
    with _collector_paused():
        from gateway.app import api_from_environment as build  # noqa: PLC0415
        from gateway.cli import log_to_stderr  # noqa: PLC0415
    log_to_stderr()
    return build()
