"""Pydantic models of the Conversations REST API: the one description of its JSON shapes.

Both the built-in API (:mod:`gateway.embedded`) and the gateway's upstream client parse with
these models. They keep unknown fields and unknown `type` values; :func:`refusal` names them
in client input, which the built-in API refuses.
"""

from gateway.rest.base import UNION_LABELS, OpenModel, Refusal, RestModel, refusal
from gateway.rest.inputs import CompactionTrigger, EasyInputMessage, ItemReference
from gateway.rest.items import ITEM_MODELS, ConversationItem, UnknownItem
from gateway.rest.resources import (
    INCLUDABLE,
    MAX_URL_BYTES,
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
    "MAX_URL_BYTES",
    "UNION_LABELS",
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
    "Refusal",
    "RestModel",
    "UnknownItem",
    "refusal",
]
