"""Pages of plain messages read from the upstream's JSON straight into the GraphQL objects.

A page of items is otherwise read in two steps: validated into the REST models (pydantic, in
Rust), then converted into the GraphQL objects (Python, one reader per field, see
:mod:`gateway.schema.convert`). Most pages a chat frontend reads hold only messages of text, and
for those one validator, in Rust, can make the GraphQL objects themselves: a page of 20 messages
in 27 µs instead of 85, measured in a loop.

:func:`read_message_page` takes only what it can make exactly as the two steps would: every
item a `message`, every content part `input_text` (without a prompt cache breakpoint) or
`output_text` (without annotations or log probabilities), every value one the REST models
accept. For anything else it gives None, and the page is read the usual way, so that an
unusual page, and every error, come out exactly as before. tests/schema/test_pages.py checks
that both ways give the same objects, and that no page the REST models refuse is read here.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any

from pydantic_core import CoreSchema, SchemaValidator, ValidationError
from pydantic_core import core_schema as cs

from gateway.schema.content import InputTextContent, OutputTextContent
from gateway.schema.enums import CallStatus, MessagePhase, MessageRole
from gateway.schema.items import Message

__all__ = ["MessagePage", "read_message_page"]


@dataclass(frozen=True, slots=True)
class MessagePage:
    """A page of the upstream's items, already GraphQL objects (`Message`s)."""

    data: list[Message]
    has_more: bool


def _enum(cls: type[enum.Enum]) -> CoreSchema:
    return cs.enum_schema(cls, list(cls.__members__.values()), sub_type="str")


def _object(
    cls: type[Any],
    fields: dict[str, CoreSchema],
    aliases: dict[str, str] | None = None,
    later: frozenset[str] = frozenset(),
) -> CoreSchema:
    """``cls`` made from a JSON object by its fields' schemas, unknown members ignored, without
    calling ``__init__`` (as :func:`gateway.schema.convert.to_graphql` makes the GraphQL objects).

    Every field ``__init__`` takes must be here or in ``later`` (set by the reader): a field added
    to the GraphQL type and not here would be missing from the objects, so the import fails instead.
    """
    expected = {field.name for field in dataclasses.fields(cls) if field.init}
    if expected != fields.keys() | later:
        msg = (
            f"gateway/schema/pages.py makes {cls.__name__} with {sorted(fields.keys() | later)}, not {sorted(expected)}"
        )
        raise RuntimeError(msg)
    aliases = aliases or {}
    arguments = cs.dataclass_args_schema(
        cls.__name__,
        [cs.dataclass_field(name, schema, validation_alias=aliases.get(name)) for name, schema in fields.items()],
        extra_behavior="ignore",
    )
    return cs.dataclass_schema(cls, arguments, list(fields))


def _absent_or(schema: CoreSchema) -> CoreSchema:
    return cs.with_default_schema(schema, default=None)


_NOTHING = cs.list_schema(cs.any_schema(), max_length=0)
"""An empty list: a non-empty one holds objects this reader does not make."""

_PART = cs.tagged_union_schema(
    {
        "input_text": _object(
            InputTextContent,
            {
                "type": cs.literal_schema(["input_text"]),
                "text": cs.str_schema(),
                "prompt_cache_breakpoint": _absent_or(cs.none_schema()),
            },
        ),
        "output_text": _object(
            OutputTextContent,
            {
                "type": cs.literal_schema(["output_text"]),
                "text": cs.str_schema(),
                "annotations": _NOTHING,
                "logprobs": _absent_or(cs.nullable_schema(_NOTHING)),
            },
        ),
    },
    discriminator="type",
)

_MESSAGE = _object(
    Message,
    {
        "type": cs.literal_schema(["message"]),
        "item_id": cs.str_schema(),
        "status": _enum(CallStatus),
        "role": _enum(MessageRole),
        "content": cs.list_schema(_PART, fail_fast=True),
        "phase": _absent_or(cs.nullable_schema(_enum(MessagePhase))),
    },
    aliases={"item_id": "id"},
    later=frozenset({"conversation_id"}),
)

_PAGE = SchemaValidator(
    cs.typed_dict_schema(
        {
            "object": cs.typed_dict_field(cs.literal_schema(["list"]), required=False),
            # At the first item it does not take, the page goes the usual way: no need to read on.
            "data": cs.typed_dict_field(cs.list_schema(_MESSAGE, fail_fast=True)),
            "first_id": cs.typed_dict_field(cs.nullable_schema(cs.str_schema())),
            "last_id": cs.typed_dict_field(cs.nullable_schema(cs.str_schema())),
            "has_more": cs.typed_dict_field(cs.bool_schema()),
        },
        extra_behavior="ignore",
    )
)


def read_message_page(body: bytes, conversation_id: str) -> MessagePage | None:
    """The page in ``body`` as GraphQL objects, or None when it holds anything but plain messages."""
    try:
        page = _PAGE.validate_json(body)
    except ValidationError:
        return None
    messages: list[Message] = page["data"]
    for message in messages:
        message.conversation_id = conversation_id  # the gateway's, as item_to_graphql gives it
    return MessagePage(messages, page["has_more"])
