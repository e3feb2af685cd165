"""Where an error is in the document: its line and column, found by bisection.

graphql-core locates each field error by reading the document from its start up to the field
(`Source.get_location`), or whole, for a field of several nodes (`get_locations`): once per failed
field. A request of 5,000 failed `nodes` ids, in a document padded to 100 KB, took 10 s of CPU,
the event loop held all along; its length is bounded only by the request body's 1 MiB. The
line breaks of a document are found once, kept on its parsed source, and each position is then
a bisection.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from graphql import GraphQLError, Node, Source, SourceLocation

__all__ = ["locate", "location"]

_LINE_BREAK = re.compile(r"\r\n|[\n\r]")
"""graphql-core's line breaks (`graphql.language.location`)."""
_KEPT = "gateway_line_breaks"
"""The attribute of a `Source` keeping its line breaks: (their starts, their ends)."""


def location(source: Source, position: int) -> SourceLocation:
    """What ``source.get_location(position)`` answers, without reading the text again."""
    kept = source.__dict__.get(_KEPT)
    if kept is None:
        breaks = list(_LINE_BREAK.finditer(source.body))
        kept = source.__dict__[_KEPT] = ([found.start() for found in breaks], [found.end() for found in breaks])
    starts, ends = kept
    before = bisect_left(starts, position)  # the line breaks that start before the position
    line_start = ends[before - 1] if before else 0
    return SourceLocation(before + 1, position + 1 - line_start)


def locate(error: GraphQLError, nodes: Sequence[Node]) -> None:
    """Give ``error``, made without nodes, the nodes and locations graphql-core would have given it."""
    located = [node.loc for node in nodes if node.loc is not None]
    error.nodes = list(nodes) or None
    if not located:
        return
    error.source = located[0].source
    error.positions = [loc.start for loc in located]
    error.locations = [location(loc.source, loc.start) for loc in located]
