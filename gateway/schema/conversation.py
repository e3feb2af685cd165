"""`Conversation`, its metadata, and its items as a Relay connection."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Self, cast

import strawberry
from strawberry import relay
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from gateway.loaders import ItemKey, PageKey
from gateway.rest import Conversation as RestConversation
from gateway.schema.base import described
from gateway.schema.context import GatewayInfo
from gateway.schema.convert import UpstreamContractError
from gateway.schema.enums import Includable, ItemOrder
from gateway.schema.errors import GatewayError
from gateway.schema.ids import encode_cursor
from gateway.schema.items import ConversationItem, item_to_graphql, upstream_id
from gateway.schema.pagination import DEFAULT_FIRST, MAX_ITEMS, PageRequest, Window, window
from gateway.schema.selection import (
    current_selections,
    derived,
    enum_value,
    field_names,
    fields_named,
    include_values,
    includes_for,
    int_argument,
)
from gateway.upstream import UpstreamNotFound

__all__ = [
    "CONVERSATION_TYPES",
    "FIELDS_WITHOUT_RECORD",
    "Conversation",
    "ConversationItemConnection",
    "MetadataEntry",
    "prefetch_items",
    "reads_record",
]


@strawberry.type(description="One key-value pair of a conversation's metadata.")
class MetadataEntry:
    key: str = described("The key (at most 64 characters).")
    value: str = described("The value (at most 512 characters).")


@strawberry.type(description="Where a page of a connection lies among all the items.")
class PageInfo:
    start_cursor: str | None = described("The cursor of the first edge, or null when there are none.")
    end_cursor: str | None = described("The cursor of the last edge, or null when there are none.")
    _window: strawberry.Private[Window]

    @strawberry.field(description="Whether more items follow this page (Relay Cursor Connections rules).")
    async def has_next_page(self) -> bool:
        return await self._window.has_next_page()

    @strawberry.field(description="Whether more items precede this page (Relay Cursor Connections rules).")
    async def has_previous_page(self) -> bool:
        return await self._window.has_previous_page()


@strawberry.type(description="An item of a conversation and the cursor that points at it.")
class ConversationItemEdge:
    cursor: str = described("Pass it as `after` or `before` to page from this item.")
    node: ConversationItem = described("The item.")


@strawberry.type(description="A page of a conversation's items.")
class ConversationItemConnection:
    edges: list[ConversationItemEdge] = described("The items of the page with their cursors, in the requested order.")
    page_info: PageInfo = described("Where the page lies, and the cursors to page on from.")
    # Data, not a resolver: a page selected without `pageInfo` is then completed by a plan
    # (gateway/schema/execution.py), without a resolver call per page.
    nodes: list[ConversationItem] = described("The items of the page, in the requested order (the edges' nodes).")


_CONNECTION = frozenset({"ConversationItemConnection"})
_CURSORS = frozenset({"edges", "pageInfo"})
"""The fields of a page that read its cursors."""


def _connection(conversation_id: str, found: Window, selections: Sequence[Selection]) -> ConversationItemConnection:
    nodes = [item_to_graphql(item, conversation_id) for item in found.items]
    if not derived(selections, "reads cursors", lambda: bool(field_names(selections, _CONNECTION) & _CURSORS)):
        # Only `nodes` is selected (as in most queries): no cursor is read, none is encoded.
        unread = PageInfo(start_cursor=None, end_cursor=None, _window=found)
        return ConversationItemConnection(edges=[], nodes=nodes, page_info=unread)  # type: ignore[arg-type]
    edges = [
        ConversationItemEdge(cursor=encode_cursor(upstream_id(item)), node=node)  # type: ignore[arg-type]
        for item, node in zip(found.items, nodes, strict=True)
    ]
    return ConversationItemConnection(
        edges=edges,
        nodes=nodes,  # type: ignore[arg-type]
        page_info=PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            _window=found,
        ),
    )


def _page_request(arguments: dict[str, Any]) -> tuple[PageRequest, frozenset[str]]:
    order = str(enum_value(arguments.get("order") or ItemOrder.ASC)).lower()
    request = PageRequest.from_arguments(
        first=int_argument(arguments.get("first")),
        after=arguments.get("after"),
        last=int_argument(arguments.get("last")),
        before=arguments.get("before"),
        order=order,
    )
    explicit = include_values(arguments.get("include"))
    return request, explicit


def _fetcher(info: GatewayInfo, conversation_id: str, include: frozenset[str]) -> Callable[..., Awaitable[Any]]:
    loaders = info.context.loaders

    async def fetch(order: str, after: str | None, limit: int) -> tuple[list[Any], bool]:
        page = await loaders.page(PageKey(conversation_id, order, after, limit, include))
        return list(page.data), page.has_more

    return fetch


def _exists(info: GatewayInfo, conversation_id: str) -> Callable[[str], Awaitable[bool]]:
    async def exists(item_id: str) -> bool:
        try:
            await info.context.loaders.item(ItemKey(conversation_id, item_id, frozenset()))
        except UpstreamNotFound:
            return False
        return True

    return exists


CONVERSATION_TYPES = frozenset({"Conversation", "Node"})
"""The type conditions under which a selection applies to a `Conversation`."""
FIELDS_WITHOUT_RECORD = frozenset({"__typename", "id", "conversationId", "items"})
"""The fields of a `Conversation` answered without its record (creation time, metadata)."""


def reads_record(selections: Sequence[Selection]) -> bool:
    """Whether ``selections`` (a conversation's) read its record: a field not known to need none does."""
    return derived(
        selections, "reads record", lambda: not field_names(selections, CONVERSATION_TYPES) <= FIELDS_WITHOUT_RECORD
    )


def prefetch_items(info: GatewayInfo, conversation_id: str, selections: Sequence[Selection]) -> list[PageKey]:
    """Start the first page of every `items` in ``selections`` (a conversation's) now; return their keys.

    The conversation and its pages are then fetched at the same time, not one after the other.
    A selection with bad arguments is left to its resolver, which reports the error.
    """
    pages = derived(selections, "first pages", lambda: _first_pages(info, selections))
    started = [PageKey(conversation_id, *page) for page in pages]
    for key in started:
        info.context.loaders.prefetch_page(key)
    return started


def _first_pages(
    info: GatewayInfo, selections: Sequence[Selection]
) -> tuple[tuple[str, str | None, int, frozenset[str]], ...]:
    """(order, after, limit, include) of the first page of each `items` in ``selections``."""
    pages: list[tuple[str, str | None, int, frozenset[str]]] = []
    # Fields under one response name are one field (GraphQL merges them): one page, every include.
    merged: dict[str, list[SelectedField]] = {}
    for selected in fields_named(selections, "items", CONVERSATION_TYPES):
        merged.setdefault(selected.alias or selected.name, []).append(selected)
    for fields in merged.values():
        try:
            request, explicit = _page_request(fields[0].arguments)
        except GatewayError:
            continue
        selected_under = [selection for field in fields for selection in field.selections]
        include = explicit | includes_for(info, selected_under, "ConversationItemConnection")
        pages.append((*request.initial_fetch(), include))
    return tuple(pages)


def _time(seconds: int) -> datetime:
    """A Unix time from the upstream as a date-time; a contract error for one no date-time holds
    (beyond the year 9999, say), as for an enum value the schema has no name for."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        msg = f"The upstream sent the time {seconds}, which is not a date-time the schema can represent."
        raise UpstreamContractError(msg) from None


def _entries(record: RestConversation) -> list[MetadataEntry]:
    return [MetadataEntry(key=key, value=value) for key, value in (record.metadata or {}).items()]


@strawberry.type(description="A conversation: its metadata and its items.")
class Conversation(relay.Node):
    """The conversation's own record (creation time, metadata) is read only when a field needs it.

    A conversation that does not exist must be null, so `Query.conversation` (and `node`, `nodes`)
    make sure it does: a page of its items the upstream answered shows it, and the record is read
    at once only if a field needs it or no page is selected. A mutation's payload knows the
    conversation exists. Either way `conversation { items(last: 5) }` costs one call, not two.
    """

    conversation_id: str = described("The upstream's ID of the conversation (`conv_...`).")
    _record: strawberry.Private[RestConversation | None] = None

    @classmethod
    def resolve_id(cls, root: Self, *, info: Info) -> str:
        # From the object alone, never from `info`: gateway/schema/execution.py reads ids without one.
        return root.conversation_id

    @classmethod
    def from_rest(cls, model: RestConversation) -> Self:
        return cls(conversation_id=model.id, _record=model)

    async def _read(self, info: GatewayInfo) -> RestConversation:
        if self._record is None:
            self._record = await info.context.loaders.conversation(self.conversation_id)
        return self._record

    # `createdAt` and `metadata` answer at once when the record is known (it is whenever
    # `conversation(id:)` saw them selected): graphql-core runs each awaitable field of an object
    # in a task of its own, and gathers them, once there are two.

    @strawberry.field(description="When the conversation was created.")
    def created_at(self, info: GatewayInfo) -> datetime:
        if self._record is None:
            return cast("datetime", self._created_at(info))
        return _time(self._record.created_at)

    async def _created_at(self, info: GatewayInfo) -> datetime:
        return _time((await self._read(info)).created_at)

    @strawberry.field(description="Up to 16 key-value pairs attached to the conversation.")
    def metadata(self, info: GatewayInfo) -> list[MetadataEntry]:
        if self._record is None:
            return cast("list[MetadataEntry]", self._metadata(info))
        return _entries(self._record)

    async def _metadata(self, info: GatewayInfo) -> list[MetadataEntry]:
        return _entries(await self._read(info))

    @strawberry.field(description="The metadata value for `key`, or null when the conversation has none.")
    async def metadata_value(
        self, info: GatewayInfo, key: Annotated[str, strawberry.argument(description="The metadata key.")]
    ) -> str | None:
        return ((await self._read(info)).metadata or {}).get(key)

    @strawberry.field(
        description=(
            "The conversation's items as a Relay connection, paged both ways: `first`/`after` forward, "
            "`last`/`before` backward (`last: 20` is the newest 20, in `order`). Without `first` or `last`, "
            f"the first {DEFAULT_FIRST}. At most {MAX_ITEMS} items a page. Null, with an error, when the page "
            "cannot be read; the conversation's other fields still are."
        )
    )
    async def items(
        self,
        info: GatewayInfo,
        *,
        first: Annotated[
            int | None, strawberry.argument(description=f"How many items from the start (0 to {MAX_ITEMS}).")
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Only items after this cursor, in `order`.")
        ] = None,
        last: Annotated[
            int | None, strawberry.argument(description=f"How many items from the end (0 to {MAX_ITEMS}).")
        ] = None,
        before: Annotated[
            str | None, strawberry.argument(description="Only items before this cursor, in `order`.")
        ] = None,
        order: Annotated[
            ItemOrder, strawberry.argument(description="The order of the edges; oldest first by default.")
        ] = ItemOrder.ASC,
        include: Annotated[
            list[Includable] | None,
            strawberry.argument(description="Ask for these gated fields even when the query does not select them."),
        ] = None,
    ) -> ConversationItemConnection | None:
        arguments = {"first": first, "after": after, "last": last, "before": before, "order": order}
        request, explicit = _page_request({**arguments, "include": include})
        selections = current_selections(info)
        include_set = explicit | includes_for(info, selections, "ConversationItemConnection")
        fetch = _fetcher(info, self.conversation_id, include_set)
        found = await window(request, fetch, _exists(info, self.conversation_id))
        return _connection(self.conversation_id, found, selections)
