"""How the gateway reads the upstream's answers: an object its models refuse is shown whole, not lost.

The upstream adds values to its closed sets (a role, a status, an image's detail) as it adds
types. An object of a type the models do not know (an item, a content part, an annotation, an
action, ...) has always been read as its union's fallback (`UnknownConversationItem`,
`UnknownContent`, ... in the schema, with its `type` and its whole JSON in `raw`). An object of a
known type holding a value its model does not know failed the whole answer instead: the page,
and with it the conversation's `items` (or the conversation itself, whose first page is read
with it), for every client reading it; and each read counted towards opening the circuit breaker.

The gateway now validates every answer with :data:`READING` as its context, which makes every
open union lenient (gateway/rest/base.py): such an object is read as the fallback too, the
innermost one that holds it (a message with an image part of a new detail keeps its text parts,
the image part is `UnknownContent`), and the rest of the answer as usual. The operator is told,
at most once a second: it means the schema has fallen behind the upstream.

The built-in API validates what clients write without it, and keeps refusing such objects.
"""

import logging
import time
import weakref
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import ValidationError

from gateway.quoting import shortened
from gateway.rest import OpenModel, RestModel
from gateway.rest.base import KNOWN_AS_OTHER

__all__ = ["READING", "SHOWN_AS_UNKNOWN", "ShownAsUnknown", "UnknownObserver"]

logger = logging.getLogger("gateway.upstream")

WARNING_SECONDS = 1.0
"""The least time between two warnings."""


class UnknownObserver(Protocol):
    """What else counts the objects shown as unknown (the metrics, :mod:`gateway.metrics`)."""

    def shown_as_unknown(self) -> None: ...


class ShownAsUnknown:
    """Told of each object of a known type shown as unknown; warns at most once in
    :data:`WARNING_SECONDS`, with the count since the last warning and the latest one's reason,
    and tells its observers of each."""

    def __init__(self) -> None:
        self.count = 0
        """Objects shown as unknown since the last warning."""
        self.warned_at = -WARNING_SECONDS
        """When it last warned (the monotonic clock)."""
        self.observers: weakref.WeakSet[UnknownObserver] = weakref.WeakSet()
        """Each is told of every object; held weakly, as an app's metrics live as long as the app."""

    def __call__(self, shown: OpenModel, model: type[RestModel]) -> None:
        """``model`` refused ``shown`` (its union's fallback took it)."""
        self.note(shown.type, getattr(shown, "id", None), lambda: _reason(shown, model))

    def note(self, kind: str, identifier: object, reason: Callable[[], str]) -> None:
        """An object of type ``kind`` is shown as unknown, for ``reason`` (asked only when warning)."""
        for observer in self.observers:
            observer.shown_as_unknown()
        self.count += 1
        now = time.monotonic()
        if now - self.warned_at < WARNING_SECONDS:
            return
        logger.warning(
            "upstream objects the schema cannot show were answered as their union's Unknown type (their "
            "type and raw JSON): %d since the last such line; the latest, a '%s' object%s: %s",
            self.count,
            shortened(kind),
            f" ({shortened(identifier)})" if isinstance(identifier, str) else "",
            reason(),
        )
        self.count = 0
        self.warned_at = now


def _reason(shown: OpenModel, model: type[RestModel]) -> str:
    """Where and why ``model`` refuses ``shown``, as pydantic says it (first problem only)."""
    try:
        model.model_validate(shown.model_dump(by_alias=True, exclude_unset=True))
    except ValidationError as error:
        problem = error.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(step) for step in problem["loc"])
        return shortened(f"{where}: {problem['msg']}", 300)
    return "its model takes it as a Python object, not as JSON"


SHOWN_AS_UNKNOWN = ShownAsUnknown()

READING: dict[str, Any] = {KNOWN_AS_OTHER: SHOWN_AS_UNKNOWN}
"""The context the gateway validates the upstream's answers in: every open union lenient."""
