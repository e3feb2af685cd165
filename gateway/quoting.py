"""How an error message names a value the client sent: whole when short, by its start and end when long.

A message names the value; it need not hold it. A 5 MB role or key echoed whole made a 5 MB error
(10 MB when the key was also the error's `param`). Both the GraphQL side and the built-in API use
these.
"""

from __future__ import annotations

import re

__all__ = ["quoted", "shorten_quoted", "shortened"]

_QUOTED_RUN = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def shortened(value: str, limit: int = 100) -> str:
    """``value``, or when longer than ``limit`` characters its start and end around an ellipsis."""
    if len(value) <= limit:
        return value
    tail = limit // 5
    return f"{value[: limit - tail]}…{value[-tail:]}"


def quoted(value: str, limit: int = 100, mark: str = "'") -> str:
    """``value`` between ``mark``s; when longer than ``limit`` characters, by its start and end,
    with its length (a 900 KB id would otherwise make a 900 KB error)."""
    if len(value) <= limit:
        return f"{mark}{value}{mark}"
    return f"{mark}{shortened(value, limit)}{mark} ({len(value):,} characters)"


def shorten_quoted(message: str, limit: int = 100) -> str:
    """``message`` with each run between quotes longer than ``limit`` characters shortened as
    :func:`quoted` shortens it: for the messages of libraries (graphql-core, Strawberry), which
    name the client's values, fields and operation names whole."""
    if len(message) <= limit:
        return message

    def short(match: re.Match[str]) -> str:
        single, double = match.group(1), match.group(2)
        return quoted(single, limit) if single is not None else quoted(double, limit, '"')

    return _QUOTED_RUN.sub(short, message)
