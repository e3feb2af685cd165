"""The size of an operation's answer, counted while it is built, and the limit on it.

The other limits bound what goes in: the document, the upstream calls, the bytes of their answers.
None bounds what comes out, and an answer can repeat what was read many times over: `nodes` with
one id a hundred times, aliases of a page, aliases of a field, each a copy in the JSON written.
One request of a kilobyte, on a page of a megabyte read once, made an answer of 500 MB. So the
executor (:mod:`gateway.schema.execution`) counts the answer as it completes each value, on both
of its paths, and past the limit the operation is refused whole.

The count is of the JSON the answer's `data` becomes, closely: each object's braces, each key
with its quotes, colon and comma, each list's brackets and commas, each string's UTF-8 bytes and
quotes (escapes not counted), and an open-ended `JSON` value written out. Numbers, booleans and
nulls count nothing but their key. The errors are not counted: each is bounded in size and there
is one per failed field at most.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from gateway.jsoncodec import dumps
from gateway.upstream.budget import byte_size

__all__ = ["MAX_ANSWER_BYTES", "AnswerSize", "AnswerTooLarge", "key_size", "leaf_size"]

MAX_ANSWER_BYTES = 64 * 1024 * 1024
"""The default limit: the longest upstream answer the gateway reads (`GATEWAY_MAX_ANSWER_BYTES`)."""

_NUMBERS = (bool, int, float)


class AnswerTooLarge(GraphQLError):
    """Raised inside the executor once the answer has passed its limit (the operation's error is
    made afterwards, by :meth:`AnswerSize.error`)."""


class AnswerSize:
    """The bytes of one operation's answer so far, and its limit."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def over(self) -> bool:
        return self.used > self.limit

    def error(self, mutation: bool) -> GraphQLError:
        """The operation's only error once its answer has passed the limit."""
        message = (
            f"The answer to this operation would be larger than its limit of {byte_size(self.limit)}, "
            "so none is given. Ask for fewer items, ids, aliases or fields of large items, or split the operation."
        )
        if mutation:
            message += (
                " The operation's mutations ran before its answer was refused: their writes may have been "
                "applied. Read the conversation before trying again."
            )
        return GraphQLError(message, extensions={"code": "OPERATION_TOO_EXPENSIVE", "limit": self.limit})


def key_size(key: str) -> int:
    """What a key adds to its object: itself, its quotes, its colon and a comma."""
    return len(key) + 4


def leaf_size(value: Any) -> int:
    """What a completed leaf value adds to the answer (its key aside)."""
    if type(value) is str:
        return (len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))) + 2
    if value is None or isinstance(value, _NUMBERS):
        return 0
    try:
        return len(dumps(value))
    except (TypeError, ValueError):  # not JSON: the encoder refuses it later, and reports it
        return 0
