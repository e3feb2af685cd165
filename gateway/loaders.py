"""Per-request DataLoaders over the upstream: conversations, items and item pages.

A :class:`Loaders` lives for one GraphQL request and is never shared: it holds that request's
upstream session (and so its key). Within it,

* equal keys are fetched once, distinct keys at once (bounded by the session's concurrency);
* every item of a fetched page is remembered, and an item lookup first waits for the pages of
  its conversation that are already on their way, so refetching an item a page of the same
  operation returned costs no upstream call;
* a page or item fetched with more `include` values serves a lookup that needs fewer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from gateway.rest import Conversation, ConversationItemList
from gateway.rest.base import RestModel
from gateway.upstream import UpstreamSession

__all__ = ["ItemKey", "Loaders", "PageKey"]

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class PageKey:
    """One upstream page: ``GET /conversations/{id}/items`` with exactly these parameters."""

    conversation_id: str
    order: str
    after: str | None
    limit: int
    include: frozenset[str]


@dataclass(frozen=True, slots=True)
class ItemKey:
    conversation_id: str
    item_id: str
    include: frozenset[str]


def _retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _loader(fetch: Callable[[K], Awaitable[V]]) -> DataLoader[K, V]:
    async def load_many(keys: Sequence[K]) -> list[V | BaseException]:
        return list(await asyncio.gather(*(fetch(key) for key in keys), return_exceptions=True))

    return DataLoader(load_fn=load_many)


class _Fetches:
    """What the loaders' batch functions use: the session and what the request has seen.

    It holds no loader, so the loaders, their batch functions and this object make no reference
    cycle: when the request ends, reference counting frees all of it (and every item it fetched)
    at once, instead of leaving it to the cycle collector.
    """

    def __init__(self, session: UpstreamSession) -> None:
        self.session = session
        self.pages_in_flight: dict[str, set[asyncio.Future[Any]]] = {}
        self._seen: dict[tuple[str, str], list[tuple[frozenset[str], RestModel]]] = {}
        # Items are indexed by id only when one is looked up, which few requests do.
        self._unindexed: list[tuple[str, frozenset[str], Sequence[RestModel]]] = []

    def remember(self, conversation_id: str, include: frozenset[str], items: Sequence[RestModel]) -> None:
        self._unindexed.append((conversation_id, include, items))

    def forget(self) -> None:
        self.pages_in_flight.clear()
        self._seen.clear()
        self._unindexed.clear()

    async def page(self, key: PageKey) -> ConversationItemList:
        page = await self.session.list_items(
            key.conversation_id, after=key.after, limit=key.limit, order=key.order, include=key.include
        )
        self.remember(key.conversation_id, key.include, page.data)
        return page

    async def item(self, key: ItemKey) -> RestModel:
        in_flight = self.pages_in_flight.get(key.conversation_id, set())
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)
        known = self._known(key)
        if known is not None:
            return known
        item = await self.session.get_item(key.conversation_id, key.item_id, key.include)
        self.remember(key.conversation_id, key.include, [item])
        return item

    def _known(self, key: ItemKey) -> RestModel | None:
        for conversation_id, include, items in self._unindexed:
            for item in items:
                item_id = getattr(item, "id", None)
                if isinstance(item_id, str):
                    self._seen.setdefault((conversation_id, item_id), []).append((include, item))
        self._unindexed.clear()
        for include, item in self._seen.get((key.conversation_id, key.item_id), []):
            if key.include <= include:
                return item
        return None


class Loaders:
    """The DataLoaders of one request."""

    def __init__(self, session: UpstreamSession) -> None:
        self.session = session
        self._fetches = _Fetches(session)

    # Each loader is made when the request first needs it: most requests use one or two.

    @functools.cached_property
    def conversations(self) -> DataLoader[str, Conversation]:
        return _loader(self.session.get_conversation)

    @functools.cached_property
    def pages(self) -> DataLoader[PageKey, ConversationItemList]:
        return _loader(self._fetches.page)

    @functools.cached_property
    def items(self) -> DataLoader[ItemKey, RestModel]:
        return _loader(self._fetches.item)

    def page(self, key: PageKey) -> Awaitable[ConversationItemList]:
        """The page for ``key``; calling it without awaiting starts the fetch (a prefetch)."""
        future = asyncio.ensure_future(self.pages.load(key))
        # A prefetched page nobody awaits (its conversation was not found, say) must not have
        # asyncio log its error as "never retrieved": the operation reports it, or has no use for it.
        future.add_done_callback(_retrieved)
        # A cached page is the same future again: the set keeps it once.
        self._fetches.pages_in_flight.setdefault(key.conversation_id, set()).add(future)
        return future

    def item(self, key: ItemKey) -> Awaitable[RestModel]:
        return self.items.load(key)

    def forget_conversation(self, conversation_id: str) -> None:
        """Drop what is cached about a conversation after a write to it.

        Pages and items are dropped for every conversation: writes are rare next to reads, and
        a stale page in the payload of a mutation would be a wrong answer.
        """
        with contextlib.suppress(KeyError):  # Strawberry's clear() raises for a key never loaded
            self.conversations.clear(conversation_id)
        self.pages.clear_all()
        self.items.clear_all()
        self._fetches.forget()

    def remember(self, conversation_id: str, include: frozenset[str], items: Sequence[RestModel]) -> None:
        """Keep items the upstream returned, so that looking them up again costs nothing."""
        self._fetches.remember(conversation_id, include, items)
