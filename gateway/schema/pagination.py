"""Relay connections over the upstream's forward-only cursor pages.

The upstream pages one way: items strictly after an item, in ascending or descending order.
A connection here pages both ways:

* forward (`first`/`after`) is the upstream's `after`/`limit` in the requested order;
* backward (`last`/`before`) is the forward page of the opposite order, reversed, so
  `items(last: 20)` is "the newest 20, oldest first" in one upstream call;
* up to 500 items are served by following upstream pages of at most 100.

`pageInfo` follows the Relay Cursor Connections specification. `hasNextPage` with `first` (and
`hasPreviousPage` with `last`) comes with the page. `hasPreviousPage` with `after` (and
`hasNextPage` with `before`) asks the upstream whether any item lies on the other side of the
cursor, with one more call made only if that field is selected. Without `first` or `last`, a
connection is its first 20 items.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gateway.quoting import quoted
from gateway.schema.errors import bad_input
from gateway.schema.ids import decode_cursor
from gateway.schema.items import upstream_id
from gateway.upstream.errors import PagesDoNotAdvance, UpstreamBadRequest, abridged

__all__ = ["DEFAULT_FIRST", "MAX_ITEMS", "UPSTREAM_PAGE", "Fetch", "PageRequest", "Window", "window"]

MAX_ITEMS = 500
UPSTREAM_PAGE = 100
DEFAULT_FIRST = 20

Fetch = Callable[[str, str | None, int], Awaitable[tuple[list[Any], bool]]]
"""``fetch(order, after, limit)``: an upstream page's items and its ``has_more``."""

Exists = Callable[[str], Awaitable[bool]]


def _opposite(order: str) -> str:
    return "desc" if order == "asc" else "asc"


def _count(value: int | None, argument: str) -> int | None:
    if value is not None and not 0 <= value <= MAX_ITEMS:
        raise bad_input(
            f"`{argument}` must be between 0 and {MAX_ITEMS}; it was {value}. Page through larger sets.",
            argument=argument,
        )
    return value


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A connection's arguments, checked, with cursors decoded into item ids."""

    first: int | None
    after: str | None
    last: int | None
    before: str | None
    order: str

    @classmethod
    def from_arguments(
        cls, *, first: int | None, after: str | None, last: int | None, before: str | None, order: str
    ) -> PageRequest:
        first, last = _count(first, "first"), _count(last, "last")
        if first is None and last is None:
            first = DEFAULT_FIRST
        return cls(
            first=first,
            after=None if after is None else decode_cursor(after, "after"),
            last=last,
            before=None if before is None else decode_cursor(before, "before"),
            order=order,
        )

    @property
    def forward(self) -> bool:
        return self.first is not None

    def _scan_plan(self) -> tuple[str, str | None, str | None, int]:
        """(upstream order, start after, stop at, how many) of the scan this request makes."""
        if self.forward:
            need = max(self.first or 0, self.last or 0)
            return self.order, self.after, self.before, need
        return _opposite(self.order), self.before, self.after, self.last or 0

    @property
    def scans_to_stop(self) -> bool:
        """Backward with both cursors: only meeting `after` tells whether it lies before `before`."""
        return not self.forward and self.after is not None and self.before is not None

    def initial_fetch(self) -> tuple[str, str | None, int]:
        """The first upstream call this request makes, ``(order, after, limit)``: what a prefetch loads."""
        order, start, stop, need = self._scan_plan()
        return order, start, UPSTREAM_PAGE if self.scans_to_stop else _limit(need, 0, stop)


def _limit(need: int, collected: int, stop: str | None) -> int:
    # Looking one past `need` tells whether more remain before `stop`, or when nothing is needed.
    extra = 1 if stop is not None or need == 0 else 0
    return max(1, min(UPSTREAM_PAGE, need + extra - collected))


@dataclass(frozen=True, slots=True)
class _Scan:
    items: list[Any]
    more: bool
    """Whether more items remain (before ``stop``) beyond ``items``."""
    exhausted: bool
    """Whether the scan reached the end of the conversation without meeting ``stop``."""


async def _scan(
    fetch: Fetch,
    exists: Exists,
    order: str,
    *,
    start: str | None,
    stop: str | None,
    need: int,
    to_stop: bool = False,
    arguments: tuple[str, str] = ("after", "before"),
) -> _Scan:
    """Up to ``need`` items after ``start`` in ``order``, stopping before ``stop``.

    With ``to_stop`` the scan goes on until it meets ``stop`` or the end, to learn which comes first.
    ``arguments`` are the connection's arguments ``start`` and ``stop`` came from, which an upstream
    refusal of either names.
    """
    extra = 1 if stop is not None or need == 0 else 0
    collected: list[Any] = []
    cursor = start
    while True:
        limit = UPSTREAM_PAGE if to_stop else _limit(need, len(collected), stop)
        items, has_more = await _page(fetch, order, cursor, limit, arguments[0] if cursor == start else None)
        if collected:
            _check_advances(collected, items, cursor)
        for item in items:
            if stop is not None and upstream_id(item) == stop:
                return _Scan(collected[:need], len(collected) > need, exhausted=False)
            collected.append(item)
        if (len(collected) >= need + extra and not to_stop) or not has_more or not items:
            break
        cursor = upstream_id(items[-1])
    if stop is not None and stop != start:
        place = await _place(fetch, exists, order, start=start, stop=stop, collected=collected, argument=arguments[1])
        if place is not None:
            return _Scan(collected[:place][:need], place > need, exhausted=False)
    more = len(collected) > need or (extra == 0 and has_more)
    return _Scan(collected[:need], more, exhausted=not has_more or not items)


async def _place(
    fetch: Fetch, exists: Exists, order: str, *, start: str | None, stop: str, collected: list[Any], argument: str
) -> int | None:
    """Where among ``collected`` (the items after ``start``) ``stop``'s place is, if it is there.

    ``stop`` was not among them: it lies further on, before ``start`` (a client's cursors may
    cross), or it was deleted, and the upstream keeps a deleted item's place (a cursor still pages
    from it), which may be among them. The first item after that place tells which, at the cost of
    one call, made only here; the upstream refuses a cursor that was never this conversation's.
    """
    beyond, _ = await _page(fetch, order, stop, 1, argument)
    ids = [upstream_id(item) for item in collected]
    if not beyond or upstream_id(beyond[0]) not in ids:
        return None
    place = ids.index(upstream_id(beyond[0]))
    if place > 0 or start is None:
        return place
    # `stop`'s place is between `start`'s and the first item, or before `start`'s with no item
    # between them. A live `stop` cannot be between (it would be the first item): it lies before
    # `start`, the cursors cross, and the specification ignores `stop`. A deleted one is read as
    # lying between, as a client's cursors do; only with `start` deleted too could it lie before,
    # and no call tells the places of two deleted items apart.
    return None if await exists(stop) else 0


async def _page(
    fetch: Fetch, order: str, after: str | None, limit: int, argument: str | None
) -> tuple[list[Any], bool]:
    """``fetch``; a client's cursor (``after``, from the connection's ``argument``) that the upstream
    refuses as a place to page from is a `BAD_USER_INPUT` naming that argument."""
    try:
        return await fetch(order, after, limit)
    except UpstreamBadRequest as error:
        if argument is None or after is None or error.param != "after":
            raise
        # The upstream names its own `after`, which may be the client's `before`.
        raise bad_input(
            f"`{argument}` is not a cursor of this conversation's items: the upstream refused its item "
            f"{quoted(after)} as a place to page from. Use a `cursor`, `startCursor` or `endCursor` of this "
            "connection.",
            argument=argument,
        ) from None


def _check_advances(collected: list[Any], items: list[Any], cursor: str | None) -> None:
    """Refuses a page that repeats an item of the scan's earlier pages.

    An upstream whose pages do not advance (a cache in between that ignores the query string,
    say) would otherwise fill the connection with the same items again, until the upstream call
    budget ran out.
    """
    seen = {upstream_id(item) for item in collected}
    for item in items:
        if upstream_id(item) in seen:
            msg = (
                f"The upstream's page after {abridged(str(cursor), 100)} repeats the item "
                f"{abridged(str(upstream_id(item)), 100)}, which an earlier page "
                "held: its pages do not advance (does a cache between them ignore the query string?)."
            )
            raise PagesDoNotAdvance(msg)


@dataclass(slots=True)
class Window:
    """The edges of a connection, in the requested order, and how to learn about its neighbours."""

    items: list[Any]
    has_next_page: Callable[[], Awaitable[bool]]
    has_previous_page: Callable[[], Awaitable[bool]]


def _known(value: bool) -> Callable[[], Awaitable[bool]]:
    async def answer() -> bool:
        return value

    return answer


def _beyond(fetch: Fetch, exists: Exists, order: str, edge: Any | None, cursor: str) -> Callable[[], Awaitable[bool]]:
    """Whether an item lies beyond the page in ``order``: after its last edge, or at/after ``cursor``."""

    async def answer() -> bool:
        items, _ = await fetch(order, upstream_id(edge) if edge is not None else cursor, 1)
        return bool(items) or (edge is None and await exists(cursor))

    return answer


async def window(request: PageRequest, fetch: Fetch, exists: Exists) -> Window:
    """The connection's items for ``request``, by the Relay specification's algorithm."""
    order, start, stop, need = request._scan_plan()
    arguments = ("after", "before") if request.forward else ("before", "after")
    scan = await _scan(
        fetch, exists, order, start=start, stop=stop, need=need, to_stop=request.scans_to_stop, arguments=arguments
    )
    before_dropped = request.scans_to_stop and scan.exhausted
    if before_dropped:
        # `after` is not before `before`: the specification drops `before` (its edge is already
        # gone once `after` is applied), so the edges are the last ones after `after`.
        scan = await _scan(
            fetch, exists, order, start=None, stop=request.after, need=need, arguments=("before", "after")
        )
    found, more = scan.items, scan.more
    opposite = _opposite(request.order)
    if request.forward:
        first = request.first or 0
        items = found[:first]
        longer_than_first = len(found) > first or more
        if request.last is not None:
            # `first` then `last`: the last `last` of the first `first`.
            items = items[-request.last :] if request.last else []
            longer_than_last = len(found) > request.last or (len(found) == need and more)
            has_previous = _known(longer_than_last)
        elif request.after is not None:
            has_previous = _beyond(fetch, exists, opposite, items[0] if items else None, request.after)
        else:
            has_previous = _known(False)
        return Window(items, _known(longer_than_first), has_previous)
    items = found[::-1]
    if request.before is not None:
        last_edge = items[-1] if items and not before_dropped else None
        has_next = _beyond(fetch, exists, request.order, last_edge, request.before)
    else:
        has_next = _known(False)
    return Window(items, has_next, _known(more))
