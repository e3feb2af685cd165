"""The write entry points: one mutation for each write of the REST API.

Each takes one input object and returns one payload (Relay style, `clientMutationId` passed
through). Inputs are checked before any upstream call; a write is never retried, and a write
whose answer never came says that it may or may not have been applied. After a write the
request's loaders forget what they knew, so the payload shows the state after it.
"""

import re
from collections.abc import Awaitable
from typing import Annotated, TypeVar

import strawberry
from strawberry import UNSET

from gateway.rest import Conversation as RestConversation
from gateway.schema.base import described
from gateway.schema.context import GatewayInfo
from gateway.schema.conversation import Conversation, prefetch_items
from gateway.schema.enums import Includable
from gateway.schema.errors import GatewayError, bad_input
from gateway.schema.ids import global_id
from gateway.schema.inputs import ConversationItemInput, MetadataEntryInput, check_id, item_bodies, metadata_body
from gateway.schema.items import (
    ConversationItem,
    conversation_id_of,
    item_argument_ids,
    item_global_id,
    item_to_graphql,
)
from gateway.schema.selection import current_selections, fields_named, include_values, includes_for
from gateway.upstream import UpstreamBadRequest, UpstreamInvalidResponse, UpstreamServerError, UpstreamTimeout
from gateway.upstream.budget import over_budget
from gateway.upstream.errors import AnswerBudgetExhausted, OperationDeadline, UpstreamConnectionLost

__all__ = ["Mutation"]

T = TypeVar("T")
_CLIENT_MUTATION_ID = "Any string; it comes back unchanged in the payload."


def _input_path(param: str) -> str:
    """The GraphQL input path of an upstream `param` (`items[3].call_id` -> `input.items[3].callId`)."""
    camel = re.sub(r"_([a-z])", lambda match: match.group(1).upper(), param)
    return f"input.{camel}"


async def _write(call: Awaitable[T]) -> T:
    try:
        return await call
    except OperationDeadline as deadline:
        if not deadline.sent:
            raise GatewayError(
                "The operation ran out of time before the write was sent: it was not applied.", "UPSTREAM_TIMEOUT"
            ) from None
        raise GatewayError(
            "The operation ran out of time while the write was under way: it may or may not have been applied. "
            "Read the conversation before trying again.",
            "UPSTREAM_TIMEOUT",
        ) from None
    except UpstreamTimeout:
        raise GatewayError(
            "The upstream did not answer in time: the write may or may not have been applied. "
            "Read the conversation before trying again.",
            "UPSTREAM_TIMEOUT",
        ) from None
    except UpstreamInvalidResponse as error:
        # A whole answer the gateway cannot read (one cut off is a lost connection, below): what
        # was wrong with it, then what it means for the write.
        raise GatewayError(
            f"{error} The write may or may not have been applied: read the conversation before trying again.",
            "UPSTREAM_UNAVAILABLE",
        ) from None
    except AnswerBudgetExhausted as exhausted:
        if not exhausted.sent:
            raise
        raise GatewayError(
            f"{over_budget(exhausted.budget)}: the write's answer was not read, and the write may or may not "
            "have been applied. Read the conversation before trying again.",
            "OPERATION_TOO_EXPENSIVE",
        ) from None
    except UpstreamServerError as error:
        # OpenAI's 500 asks to try again; a proxy's 502 or 504 may come after the upstream wrote.
        raise GatewayError(
            f"The upstream failed (HTTP {error.status}) during the write: it may or may not have been applied. "
            "Read the conversation before trying again.",
            "UPSTREAM_UNAVAILABLE",
        ) from None
    except UpstreamConnectionLost:
        raise GatewayError(
            "The connection to the upstream was lost during the write: it may or may not have been applied. "
            "Read the conversation before trying again.",
            "UPSTREAM_UNAVAILABLE",
        ) from None
    except UpstreamBadRequest as error:
        extensions = {} if error.param is None else {"path": _input_path(error.param), "upstreamParam": error.param}
        raise bad_input(error.message, **extensions) from None


def _conversation_id(value: str, path: str) -> str:
    check_id(value, path)
    return conversation_id_of(value, path, extension="path")


def _item_id(value: str, conversation_id: str, path: str) -> str:
    check_id(value, path)
    ids = item_argument_ids(value, path, extension="path")
    if ids is None:
        return value
    if ids[0] != conversation_id:
        raise bad_input(f"`{path}` names an item of another conversation.", path=path)
    return ids[1]


def _fresh(info: GatewayInfo, model: RestConversation) -> Conversation:
    """Forget what the request knew about the conversation, and remember its new state."""
    loaders = info.context.loaders
    loaders.forget_conversation(model.id)
    loaders.prime_conversation(model)
    return Conversation.from_rest(model)


@strawberry.input(description="A new conversation, with up to 20 first items and up to 16 metadata entries.")
class CreateConversationInput:
    items: list[ConversationItemInput] | None = described("The first items, in order (0 to 20).", default=UNSET)
    metadata: list[MetadataEntryInput] | None = described("Metadata entries (at most 16).", default=UNSET)
    client_mutation_id: str | None = described(_CLIENT_MUTATION_ID, default=UNSET)


@strawberry.type(description="The result of `createConversation`.")
class CreateConversationPayload:
    conversation: Conversation = described("The new conversation.")
    client_mutation_id: str | None = described("The input's `clientMutationId`.")


@strawberry.input(description="New metadata for a conversation. It replaces the old metadata whole.")
class UpdateConversationInput:
    id: strawberry.ID = described("The conversation's global id or `conv_...` id.")
    metadata: list[MetadataEntryInput] = described("All the metadata entries from now on (at most 16; [] clears).")
    client_mutation_id: str | None = described(_CLIENT_MUTATION_ID, default=UNSET)


@strawberry.type(description="The result of `updateConversation`.")
class UpdateConversationPayload:
    conversation: Conversation = described("The conversation with its new metadata.")
    client_mutation_id: str | None = described("The input's `clientMutationId`.")


@strawberry.input(description="The conversation to delete. Its items stay readable by their IDs upstream.")
class DeleteConversationInput:
    id: strawberry.ID = described("The conversation's global id or `conv_...` id.")
    client_mutation_id: str | None = described(_CLIENT_MUTATION_ID, default=UNSET)


@strawberry.type(description="The result of `deleteConversation`.")
class DeleteConversationPayload:
    deleted_conversation_id: str = described("The upstream ID of the deleted conversation (`conv_...`).")
    deleted_id: strawberry.ID = described(
        "The deleted conversation's global id (its `id`), for a client's store: Relay's `@deleteRecord`."
    )
    deleted: bool = described("Whether the upstream deleted it.")
    client_mutation_id: str | None = described("The input's `clientMutationId`.")


@strawberry.input(description="Items to append to a conversation (1 to 20), in order.")
class AddConversationItemsInput:
    conversation_id: strawberry.ID = described("The conversation's global id or `conv_...` id.")
    items: list[ConversationItemInput] = described("The items, in order (1 to 20).")
    include: list[Includable] | None = described(
        "Gated fields to return in `items` even when not selected.", default=UNSET
    )
    client_mutation_id: str | None = described(_CLIENT_MUTATION_ID, default=UNSET)


@strawberry.type(description="The result of `addConversationItems`.")
class AddConversationItemsPayload:
    items: list[ConversationItem] = described("The new items, in input order, as stored.")
    client_mutation_id: str | None = described("The input's `clientMutationId`.")
    _conversation_id: strawberry.Private[str]

    @strawberry.field(description="The conversation after the write.")
    def conversation(self, info: GatewayInfo) -> Conversation:
        # The write succeeded, so the conversation exists: its record is read only if selected.
        prefetch_items(info, self._conversation_id, current_selections(info))
        return Conversation(conversation_id=self._conversation_id)


@strawberry.input(description="The item to delete.")
class DeleteConversationItemInput:
    conversation_id: strawberry.ID = described("The conversation's global id or `conv_...` id.")
    item_id: strawberry.ID = described("The item's global id or upstream id (`msg_...`).")
    client_mutation_id: str | None = described(_CLIENT_MUTATION_ID, default=UNSET)


@strawberry.type(description="The result of `deleteConversationItem`.")
class DeleteConversationItemPayload:
    deleted_item_id: str = described("The upstream ID of the deleted item.")
    deleted_id: strawberry.ID | None = described(
        "The deleted item's global id (its `id`), for a client's store (Relay's `@deleteRecord` and "
        "`@deleteEdge`), when `input.itemId` was one; null when it was an upstream id, which does not "
        "say the item's type (nor does the upstream's answer to a delete)."
    )
    conversation: Conversation = described("The conversation after the deletion.")
    client_mutation_id: str | None = described("The input's `clientMutationId`.")


def _mutation_id(value: str | None) -> str | None:
    return None if value is UNSET else value


def _input(description: str) -> object:
    return strawberry.argument(description=description)


@strawberry.type(description="Writing conversations and their items. Writes run in order and are never retried.")
class Mutation:
    @strawberry.mutation(description="Start a conversation, with first items and metadata if you like.")
    async def create_conversation(
        self,
        info: GatewayInfo,
        input: Annotated[CreateConversationInput, _input("The new conversation.")],
    ) -> CreateConversationPayload | None:
        items = item_bodies(input.items or [], "input.items", allow_empty=True) if input.items else None
        metadata = metadata_body(input.metadata, "input.metadata") if input.metadata else None
        session = info.context.loaders.session
        model = await _write(session.create_conversation(items=items, metadata=metadata))
        return CreateConversationPayload(
            conversation=_fresh(info, model), client_mutation_id=_mutation_id(input.client_mutation_id)
        )

    @strawberry.mutation(description="Replace a conversation's metadata whole (as the upstream does).")
    async def update_conversation(
        self,
        info: GatewayInfo,
        input: Annotated[UpdateConversationInput, _input("The new metadata.")],
    ) -> UpdateConversationPayload | None:
        conversation_id = _conversation_id(input.id, "input.id")
        metadata = metadata_body(input.metadata, "input.metadata")
        session = info.context.loaders.session
        model = await _write(session.update_conversation(conversation_id, metadata))
        return UpdateConversationPayload(
            conversation=_fresh(info, model), client_mutation_id=_mutation_id(input.client_mutation_id)
        )

    @strawberry.mutation(description="Delete a conversation. Reading it afterwards gives NOT_FOUND.")
    async def delete_conversation(
        self,
        info: GatewayInfo,
        input: Annotated[DeleteConversationInput, _input("The conversation.")],
    ) -> DeleteConversationPayload | None:
        conversation_id = _conversation_id(input.id, "input.id")
        deleted = await _write(info.context.loaders.session.delete_conversation(conversation_id))
        info.context.loaders.forget_conversation(conversation_id)
        return DeleteConversationPayload(
            deleted_conversation_id=deleted.id,
            deleted_id=strawberry.ID(global_id("Conversation", deleted.id)),
            deleted=deleted.deleted,
            client_mutation_id=_mutation_id(input.client_mutation_id),
        )

    @strawberry.mutation(description="Append up to 20 items to a conversation, in order.")
    async def add_conversation_items(
        self,
        info: GatewayInfo,
        input: Annotated[AddConversationItemsInput, _input("The items.")],
    ) -> AddConversationItemsPayload | None:
        conversation_id = _conversation_id(input.conversation_id, "input.conversationId")
        items = item_bodies(input.items, "input.items", allow_empty=False)
        include = include_values(input.include if input.include is not UNSET else None)
        for field in fields_named(current_selections(info), "items", frozenset({"AddConversationItemsPayload"})):
            include |= includes_for(info, field.selections, "ConversationItem")
        session = info.context.loaders.session
        created = await _write(session.create_items(conversation_id, items, include))
        info.context.loaders.forget_conversation(conversation_id)
        info.context.loaders.remember(conversation_id, include, created.data)
        return AddConversationItemsPayload(
            items=[item_to_graphql(item, conversation_id) for item in created.data],  # type: ignore[misc]
            client_mutation_id=_mutation_id(input.client_mutation_id),
            _conversation_id=conversation_id,
        )

    @strawberry.mutation(description="Delete one item of a conversation.")
    async def delete_conversation_item(
        self,
        info: GatewayInfo,
        input: Annotated[DeleteConversationItemInput, _input("The item.")],
    ) -> DeleteConversationItemPayload | None:
        conversation_id = _conversation_id(input.conversation_id, "input.conversationId")
        item_id = _item_id(input.item_id, conversation_id, "input.itemId")
        model = await _write(info.context.loaders.session.delete_item(conversation_id, item_id))
        named = item_global_id(input.item_id)
        return DeleteConversationItemPayload(
            deleted_item_id=item_id,
            deleted_id=None if named is None else strawberry.ID(named),
            conversation=_fresh(info, model),
            client_mutation_id=_mutation_id(input.client_mutation_id),
        )
