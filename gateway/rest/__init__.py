"""Pydantic models of the Conversations REST API: the one description of its JSON shapes.

Both the built-in API (:mod:`gateway.embedded`) and the gateway's upstream client parse with
these models. They keep unknown fields and unknown `type` values on read, and refuse them
when validating client input with ``context={STRICT_INPUT: True}``.
"""

from gateway.rest.base import STRICT_INPUT, OpenModel, RestModel
from gateway.rest.inputs import CompactionTrigger, EasyInputMessage, ItemReference
from gateway.rest.items import ITEM_MODELS, ConversationItem, UnknownItem
from gateway.rest.resources import (
    INCLUDABLE,
    Conversation,
    ConversationDeleted,
    ConversationItemList,
    ErrorBody,
    Includable,
    Metadata,
)

__all__ = [
    "INCLUDABLE",
    "ITEM_MODELS",
    "STRICT_INPUT",
    "CompactionTrigger",
    "Conversation",
    "ConversationDeleted",
    "ConversationItem",
    "ConversationItemList",
    "EasyInputMessage",
    "ErrorBody",
    "Includable",
    "ItemReference",
    "Metadata",
    "OpenModel",
    "RestModel",
    "UnknownItem",
]
