"""Per-request DataLoaders over the upstream: conversations, items and item pages.

A :class:`Loaders` lives for one GraphQL request and is never shared: it holds that request's
upstream session (and so its key). Within it,

* equal keys are fetched once, distinct keys at once (bounded by the session's concurrency);
* each key's caller resumes when its own answer arrives, not when the batch's slowest does, so
  the first answers are turned into GraphQL values while the others are still on their way;
* every item of a fetched page is remembered, and an item lookup first waits for the pages of
  its conversation that are already on their way, so refetching an item a page of the same
  operation returned costs no upstream call;
* a page or item fetched with more `include` values serves a lookup that needs fewer;
* given a :data:`PageReader`, a page's body is first offered to it (the GraphQL layer reads pages
  of the common item types straight into its objects: gateway/schema/pages.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from strawberry.dataloader import DataLoader

from gateway.rest import Conversation, ConversationItemList
from gateway.rest.base import RestModel
from gateway.upstream import UpstreamSession

__all__ = ["ItemKey", "Loaders", "PageKey"]

K = TypeVar("K")
V = TypeVar("V")


class ItemPage(Protocol):
    """A page of a conversation's items: the REST models, or objects read straight from the body."""

    @property
    def data(self) -> Sequence[Any]: ...

    @property
    def has_more(self) -> bool: ...


PageReader = Callable[[bytes, str], ItemPage | None]
"""Makes a page of the given conversation from the upstream's body, or gives None: the page is
then read as the REST models. Items it makes carry their upstream id as ``item_id``."""


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


def _loader(
    fetch: Callable[[K], Coroutine[Any, Any, V]], started: list[asyncio.Future[Any]]
) -> DataLoader[K, asyncio.Future[V]]:
    """A DataLoader whose batch function starts one fetch per key and answers each key with it,
    and adds it to ``started`` (the request's, for :meth:`Loaders.stop_fetches`).

    Batching still decides what is fetched (each key once, every key of a tick at once); but a
    batch function that gathered the fetches would hold every caller until the slowest answer
    came. Here a caller awaits its own fetch: see :func:`_value`.
    """

    async def load_many(keys: Sequence[K]) -> Sequence[asyncio.Future[V]]:
        fetches = [asyncio.ensure_future(fetch(key)) for key in keys]
        for fetching in fetches:
            # A fetch whose caller went away (a cancelled request) must not have asyncio log its
            # error as "never retrieved".
            fetching.add_done_callback(_retrieved)
        started.extend(fetches)
        return fetches

    return DataLoader(load_fn=load_many)


def _answered(value: V) -> asyncio.Future[V]:
    future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


async def _value(pending: Awaitable[asyncio.Future[V]]) -> V:
    # Several fields can await one fetch, and graphql-core cancels a field's siblings when it
    # fails: shielded, a cancelled caller leaves the fetch (and the loader's future) to the others.
    return await asyncio.shield(await asyncio.shield(pending))


class _Fetches:
    """What the loaders' batch functions use: the session and what the request has seen.

    It holds no loader, so the loaders, their batch functions and this object make no reference
    cycle: when the request ends, reference counting frees all of it (and every item it fetched)
    at once, instead of leaving it to the cycle collector.
    """

    def __init__(self, session: UpstreamSession, read_page: PageReader | None) -> None:
        self.session = session
        self.read_page = read_page
        self.pages_in_flight: dict[str, set[Awaitable[asyncio.Future[Any]]]] = {}
        self._seen: dict[tuple[str, str], list[tuple[frozenset[str], Any]]] = {}
        # Items are indexed by id only when one is looked up, which few requests do.
        self._unindexed: list[tuple[str, frozenset[str], Sequence[Any], str]] = []

    def remember(self, conversation_id: str, include: frozenset[str], items: Sequence[Any], by: str = "id") -> None:
        """Keep ``items`` for lookups by id: the attribute ``by`` of each (REST models: `id`)."""
        self._unindexed.append((conversation_id, include, items, by))

    def forget(self) -> None:
        self.pages_in_flight.clear()
        self._seen.clear()
        self._unindexed.clear()

    async def page(self, key: PageKey) -> ItemPage:
        read = self.read_page
        if read is None:
            page: ItemPage = await self.session.list_items(
                key.conversation_id, after=key.after, limit=key.limit, order=key.order, include=key.include
            )
        else:
            conversation_id = key.conversation_id
            page = await self.session.list_items_read(
                lambda body: read(body, conversation_id),
                conversation_id,
                after=key.after,
                limit=key.limit,
                order=key.order,
                include=key.include,
            )
        if isinstance(page, ConversationItemList):
            # The reader refused it (an item of a type it does not read, say): the request's other
            # pages go the usual way at once, instead of each paying for the attempt (8-27 us on
            # a page of 20, where a page it reads saves 58 us).
            self.read_page = None
            self.remember(key.conversation_id, key.include, page.data)
        else:
            self.remember(key.conversation_id, key.include, page.data, by="item_id")
        return page

    async def item(self, key: ItemKey) -> Any:
        in_flight = self.pages_in_flight.get(key.conversation_id, set())
        if in_flight:
            await asyncio.gather(*map(_value, in_flight), return_exceptions=True)
        known = self._known(key)
        if known is not None:
            return known
        item = await self.session.get_item(key.conversation_id, key.item_id, key.include)
        self.remember(key.conversation_id, key.include, [item])
        return item

    def _known(self, key: ItemKey) -> Any | None:
        for conversation_id, include, items, by in self._unindexed:
            for item in items:
                item_id = getattr(item, by, None)
                if isinstance(item_id, str):
                    self._seen.setdefault((conversation_id, item_id), []).append((include, item))
        self._unindexed.clear()
        for include, item in self._seen.get((key.conversation_id, key.item_id), []):
            if key.include <= include:
                return item
        return None


class Loaders:
    """The DataLoaders of one request."""

    def __init__(self, session: UpstreamSession, read_page: PageReader | None = None) -> None:
        self.session = session
        self._fetches = _Fetches(session, read_page)
        self._started: list[asyncio.Future[Any]] = []
        """Every fetch the loaders started for the request (they run as tasks of their own)."""

    # Each loader is made when the request first needs it: most requests use one or two.

    @functools.cached_property
    def _conversations(self) -> DataLoader[str, asyncio.Future[Conversation]]:
        return _loader(self.session.get_conversation, self._started)

    @functools.cached_property
    def _pages(self) -> DataLoader[PageKey, asyncio.Future[ItemPage]]:
        return _loader(self._fetches.page, self._started)

    @functools.cached_property
    def _items(self) -> DataLoader[ItemKey, asyncio.Future[Any]]:
        return _loader(self._fetches.item, self._started)

    def stop_fetches(self) -> None:
        """Stops the request's fetches (its client went away): they send no further call (a retry,
        say). Those waiting (for a retry, or for a free slot) are cancelled; those whose call is
        under way end as cancelled once its answer is read, which keeps the connection usable
        (:meth:`UpstreamSession.stop`)."""
        exchanging = self.session.stop()
        for fetching in self._started:
            if fetching not in exchanging:
                fetching.cancel()

    async def conversation(self, conversation_id: str) -> Conversation:
        return await _value(self._conversations.load(conversation_id))

    def prime_conversation(self, model: Conversation) -> None:
        """Remember a conversation's record the upstream has just returned (from a write)."""
        self._conversations.prime(model.id, _answered(model))

    def prefetch_page(self, key: PageKey) -> None:
        """Start fetching the page for ``key`` now; a later :meth:`page` of it costs no other call."""
        self._load_page(key)

    async def page(self, key: PageKey) -> ItemPage:
        return await _value(self._load_page(key))

    def _load_page(self, key: PageKey) -> Awaitable[asyncio.Future[ItemPage]]:
        pending = self._pages.load(key)
        # Item lookups of the conversation wait for it. A cached page is the same future again:
        # the set keeps it once.
        self._fetches.pages_in_flight.setdefault(key.conversation_id, set()).add(pending)
        return pending

    async def item(self, key: ItemKey) -> Any:
        """The item: a REST model, or an object a page reader made (see :data:`PageReader`)."""
        return await _value(self._items.load(key))

    def forget_conversation(self, conversation_id: str) -> None:
        """Drop what is cached about a conversation after a write to it.

        Pages and items are dropped for every conversation: writes are rare next to reads, and
        a stale page in the payload of a mutation would be a wrong answer.
        """
        made = vars(self)  # a loader not made yet holds nothing: it is not made to be cleared
        if "_conversations" in made:
            with contextlib.suppress(KeyError):  # Strawberry's clear() raises for a key never loaded
                self._conversations.clear(conversation_id)
        if "_pages" in made:
            self._pages.clear_all()
        if "_items" in made:
            self._items.clear_all()
        self._fetches.forget()

    def remember(self, conversation_id: str, include: frozenset[str], items: Sequence[RestModel]) -> None:
        """Keep items the upstream returned, so that looking them up again costs nothing."""
        self._fetches.remember(conversation_id, include, items)
