"""How the gateway reads the upstream's items: an item its models refuse is shown whole, not lost.

The upstream adds values to its closed sets (a role, a status, a phase) as it adds item types.
An item of a type the models do not know has always been read as :class:`UnknownItem`; an item
of a known type holding a value its model does not know failed its whole answer: the page, and
with it the conversation's `items` (or the conversation itself, whose first page is read with
it), for every client reading it, and each read counted towards opening the circuit breaker.
Such an item is now read as :class:`UnknownItem` too (`UnknownConversationItem` in the schema,
with its `type` and its whole JSON in `raw`), and the rest of the answer as usual. The operator
is told, at most once a second: it means the schema has fallen behind the upstream.

The built-in API keeps refusing such items in what clients write: this leniency is for reading.
"""

import logging
import time
from collections.abc import Callable
from typing import Annotated

from pydantic import TypeAdapter, ValidationError

from gateway.quoting import shortened
from gateway.rest import ConversationItem, ConversationItemList, ItemUnion, OpenModel, RestModel
from gateway.rest.base import lenient_open_union

__all__ = ["READ_ITEM", "READ_ITEM_LIST", "SHOWN_AS_UNKNOWN", "ShownAsUnknown"]

logger = logging.getLogger("gateway.upstream")

WARNING_SECONDS = 1.0
"""The least time between two warnings."""


class ShownAsUnknown:
    """Told of each item of a known type shown as unknown; warns at most once in
    :data:`WARNING_SECONDS`, with the count since the last warning and the latest item's reason."""

    def __init__(self) -> None:
        self.count = 0
        """Items shown as unknown since the last warning."""
        self.total = 0
        """Items shown as unknown since the process started."""
        self.warned_at = -WARNING_SECONDS
        """When it last warned (the monotonic clock)."""

    def __call__(self, item: OpenModel, model: type[RestModel]) -> None:
        """``model`` refused ``item`` (a pydantic union's fallback took it)."""
        self.note(item.type, getattr(item, "id", None), lambda: _reason(item, model))

    def note(self, kind: str, identifier: object, reason: Callable[[], str]) -> None:
        """An item of type ``kind`` is shown as unknown, for ``reason`` (asked only when warning)."""
        self.count += 1
        self.total += 1
        now = time.monotonic()
        if now - self.warned_at < WARNING_SECONDS:
            return
        logger.warning(
            "upstream items the schema cannot show were answered as UnknownConversationItem (type and "
            "raw JSON): %d since the last such line; the latest, a '%s' item%s: %s",
            self.count,
            shortened(kind),
            f" ({shortened(identifier)})" if isinstance(identifier, str) else "",
            reason(),
        )
        self.count = 0
        self.warned_at = now


def _reason(item: OpenModel, model: type[RestModel]) -> str:
    """Where and why ``model`` refuses ``item``, as pydantic says it (first problem only)."""
    try:
        model.model_validate(item.model_dump(by_alias=True, exclude_unset=True))
    except ValidationError as error:
        problem = error.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(step) for step in problem["loc"])
        return shortened(f"{where}: {problem['msg']}", 300)
    return "its model takes it as a Python object, not as JSON"


SHOWN_AS_UNKNOWN = ShownAsUnknown()

READ_ITEM: TypeAdapter[ConversationItem] = TypeAdapter(Annotated[ItemUnion, lenient_open_union(SHOWN_AS_UNKNOWN)])


class _ReadItemList(ConversationItemList):
    data: list[Annotated[ItemUnion, lenient_open_union(SHOWN_AS_UNKNOWN)]]


READ_ITEM_LIST: TypeAdapter[ConversationItemList] = TypeAdapter(_ReadItemList)
