"""The read entry points: `conversation`, `conversationItem`, `node` and `nodes`."""

import asyncio
from collections.abc import Sequence
from typing import Annotated, cast

import strawberry
from strawberry import relay
from strawberry.types.nodes import Selection

from gateway.loaders import ItemKey, Loaders, PageKey
from gateway.quoting import quoted
from gateway.schema.context import GatewayInfo
from gateway.schema.conversation import Conversation, prefetch_items, reads_record
from gateway.schema.enums import Includable
from gateway.schema.errors import bad_input
from gateway.schema.ids import parse_global_id
from gateway.schema.items import (
    ConversationItem,
    ConversationItemFields,
    conversation_id_of,
    item_argument_ids,
    item_ids_of,
    item_to_graphql,
)
from gateway.schema.selection import current_selections, include_values, includes_for
from gateway.upstream import UpstreamNotFound
from gateway.upstream.errors import UpstreamBudgetExhausted

__all__ = ["Query", "load_conversation", "load_item"]


async def load_conversation(info: GatewayInfo, conversation_id: str, selections: Sequence[Selection]) -> Conversation:
    """The conversation, with the first pages of its selected `items` fetched at the same time.

    Its record (creation time, metadata) is fetched only when ``selections`` read it; otherwise a
    selected page the upstream answers shows that the conversation exists, at no extra call.
    """
    loaders = info.context.loaders
    pages = prefetch_items(info, conversation_id, selections)
    if not pages or reads_record(selections):
        return Conversation.from_rest(await loaders.conversation(conversation_id))
    failure = await _page_failure(loaders, pages[0])
    if failure is None:
        return Conversation(conversation_id=conversation_id)
    try:
        return Conversation.from_rest(await loaders.conversation(conversation_id))
    except UpstreamBudgetExhausted:
        # The budget estimate leaves out the record a failed page makes the gateway read: past the
        # budget, the conversation is not known to exist, for the reason its page gives.
        raise failure from None


async def _page_failure(loaders: Loaders, page: PageKey) -> Exception | None:
    """Why the upstream did not answer ``page`` (None when it did: the conversation then exists).

    A first page (no `after`) that is not found means the conversation is not: that is the
    conversation's error, raised here. Any other failure is the `items` field's own error, reported
    there; the record then says whether the conversation exists.
    """
    try:
        await loaders.page(page)
    except Exception as error:
        if isinstance(error, UpstreamNotFound) and page.after is None:
            raise
        return error  # the page's own field reports it
    return None


async def load_item(
    info: GatewayInfo, conversation_id: str, item_id: str, include: frozenset[str]
) -> ConversationItemFields:
    model = await info.context.loaders.item(ItemKey(conversation_id, item_id, include))
    return item_to_graphql(model, conversation_id)


def _item_ids(conversation_argument: str | None, item_argument: str) -> tuple[str, str]:
    """(conversation id, item id) from an item's global id, or a conversation id and an item id."""
    if not item_argument.strip():
        raise bad_input("`id` must not be empty.", argument="id")
    ids = item_argument_ids(item_argument, "id")
    if ids is None:
        if conversation_argument is None:
            raise bad_input(
                f"{quoted(item_argument)} is not a global id; an item's upstream id needs its conversation: "
                "use `conversationItem(conversationId:, id:)`.",
                argument="id",
            )
        return conversation_id_of(conversation_argument, "conversationId"), item_argument
    if conversation_argument is not None and conversation_id_of(conversation_argument, "conversationId") != ids[0]:
        raise bad_input("`id` names an item of another conversation than `conversationId`.", argument="id")
    return ids


MAX_NODES = 100
"""The most ids `nodes` takes at once (GitHub's GraphQL API has the same bound)."""


async def _node(info: GatewayInfo, value: str, selections: Sequence[Selection]) -> relay.Node:
    if value.startswith("conv_"):
        return await load_conversation(info, value, selections)
    item = item_ids_of(value)
    if item is not None:
        return await load_item(info, *item, includes_for(info, selections, "Node"))
    conversation = parse_global_id(value, frozenset({"Conversation"}))
    if conversation is None:
        raise bad_input(f"{quoted(value)} is not the id of a node of this API.", argument="id")
    return await load_conversation(info, conversation[1], selections)


@strawberry.type(description="Reading conversations and their items.")
class Query:
    @strawberry.field(
        description=(
            "A conversation, by its global `id` or its upstream `conversationId` (`conv_...`). "
            "Null, with a NOT_FOUND error, when there is no such conversation for this API key."
        )
    )
    async def conversation(
        self,
        info: GatewayInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The conversation's global id or `conv_...` id.")],
    ) -> Conversation | None:
        return await load_conversation(info, conversation_id_of(id), current_selections(info))

    @strawberry.field(
        description=(
            "One item of a conversation. Null, with a NOT_FOUND error, when there is no such item. Gated fields "
            "the query selects (logprobs, image URLs, ...) are asked of the upstream by themselves."
        )
    )
    async def conversation_item(
        self,
        info: GatewayInfo,
        conversation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The conversation's global id or `conv_...` id.")
        ],
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The item's global id or upstream id (`msg_...`).")
        ],
        include: Annotated[
            list[Includable] | None,
            strawberry.argument(description="Ask for these gated fields even when the query does not select them."),
        ] = None,
    ) -> ConversationItem | None:
        conversation, item = _item_ids(conversation_id, id)
        explicit = include_values(include)
        derived = includes_for(info, current_selections(info), "ConversationItem")
        return cast("ConversationItem", await load_item(info, conversation, item, explicit | derived))

    @strawberry.field(description="Any object of this API by its global id (`id`); a `conv_...` id also works.")
    async def node(
        self,
        info: GatewayInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> relay.Node | None:
        return await _node(info, id, current_selections(info))

    @strawberry.field(
        description=(
            "Objects by their global ids, in the order given. An id that names nothing gives null at its "
            f"place and an error; the others still resolve. Repeated ids are fetched once. At most {MAX_NODES} ids."
        )
    )
    async def nodes(
        self,
        info: GatewayInfo,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids (or `conv_...` ids).")],
    ) -> list[relay.Node | None]:
        if len(ids) > MAX_NODES:
            # Repeats cost no upstream call, but each is answered: 10,000 took 0.6 s of CPU.
            message = f"`ids` has {len(ids)} ids; at most {MAX_NODES} are allowed. Ask for the rest in another request."
            raise bad_input(message, argument="ids")
        selections = current_selections(info)
        distinct = list(dict.fromkeys(ids))
        if len(distinct) == len(ids):
            # graphql-core awaits each place on its own: each goes on as soon as its node is in,
            # and one failing id nulls only its own place.
            return cast("list[relay.Node | None]", [_node(info, value, selections) for value in ids])
        # With repeats, each distinct id is resolved once, all at once, and a repeat takes its
        # first's object; a failure stands at each of its places, where graphql-core reports it.
        # The list then holds no awaitable: graphql-core made a task and more for each place, and
        # 5,000 places of one id took 0.4-0.6 s of CPU on a slow host (0.03-0.14 s this way).
        found = await asyncio.gather(*(_node(info, value, selections) for value in distinct), return_exceptions=True)
        for outcome in found:
            if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome  # a cancellation, not an answer
        by_id = dict(zip(distinct, found, strict=True))
        return cast("list[relay.Node | None]", [by_id[value] for value in ids])
