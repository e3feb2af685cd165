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

__all__ = [
    "LATEST_CHARACTERS",
    "LINE_SECONDS",
    "READING",
    "SHOWN_AS_UNKNOWN",
    "ShownAsUnknown",
    "Tally",
    "UnknownObserver",
]

logger = logging.getLogger("gateway.upstream")

LINE_SECONDS = 1.0
"""The least time between two lines of one kind on `gateway.upstream` (:class:`Tally`)."""

LATEST_CHARACTERS = 1000
"""The most of the latest event a line shows (its start and end): a call's path holds the client's
ids, up to the 16 KiB of a URL."""


class Tally:
    """Tells the operator of events of one kind on `gateway.upstream`, at most a line in
    :data:`LINE_SECONDS`: how many since the last line, and the latest (any number of them may come
    in a second: a client's requests, each failing). The objects shown as unknown, the upstream's
    failures and the answers the gateway could not read each have one."""

    def __init__(self, what: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.what = what
        self._clock = clock
        self._untold = 0
        self.told_at = -LINE_SECONDS
        """When it last wrote a line (on its clock)."""

    def tell(self, latest: str | Callable[[], str]) -> None:
        """One more event; ``latest`` says what it was (a callable is asked only for a line)."""
        self._untold += 1
        now = self._clock()
        if now - self.told_at >= LINE_SECONDS:
            said = shortened(latest if isinstance(latest, str) else latest(), LATEST_CHARACTERS)
            logger.warning("%s: %d since the last such line; the latest, %s", self.what, self._untold, said)
            self._untold, self.told_at = 0, now


class UnknownObserver(Protocol):
    """What else counts the objects shown as unknown (the metrics, :mod:`gateway.metrics`)."""

    def shown_as_unknown(self) -> None: ...


class ShownAsUnknown:
    """Told of each object of a known type shown as unknown; tells the operator (its :class:`Tally`,
    with the latest one's reason) and its observers of each."""

    def __init__(self) -> None:
        self.tally = Tally(
            "upstream objects the schema cannot show were answered as their union's Unknown type "
            "(their type and raw JSON)"
        )
        self.observers: weakref.WeakSet[UnknownObserver] = weakref.WeakSet()
        """Each is told of every object; held weakly, as an app's metrics live as long as the app."""

    def __call__(self, shown: OpenModel, model: type[RestModel]) -> None:
        """``model`` refused ``shown`` (its union's fallback took it)."""
        self.note(shown.type, getattr(shown, "id", None), lambda: _reason(shown, model))

    def note(self, kind: str, identifier: object, reason: Callable[[], str]) -> None:
        """An object of type ``kind`` is shown as unknown, for ``reason`` (asked only for a line)."""
        for observer in self.observers:
            observer.shown_as_unknown()
        named = f" ({shortened(identifier)})" if isinstance(identifier, str) else ""
        self.tally.tell(lambda: f"a '{shortened(kind)}' object{named}: {reason()}")


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
