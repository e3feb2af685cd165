"""The bytes of upstream answers one operation may read, all its calls together.

The per-answer bound (`upstream_max_answer_bytes`) keeps one answer from filling memory, but an
operation makes up to `upstream_budget` calls, many at once: 50 pages just under the bound would
still be gigabytes, on data any client can write with its own key. :class:`AnswerBytes` is shared
by an operation's calls and counted as their answers are read (the network transport counts a
sized answer before reading it and an unsized or compressed one chunk by chunk), so the operation
holds at most its budget of answers, plus the chunk being read.
"""

from __future__ import annotations

from gateway.upstream.errors import AnswerBudgetExhausted, UpstreamAnswerTooLarge

__all__ = ["ANSWER_BYTES", "COUNTED", "AnswerBytes", "byte_size", "count_answer", "over_budget"]

ANSWER_BYTES = "gateway.answer_bytes"
"""The request extension that carries the operation's :class:`AnswerBytes` to the transport."""
COUNTED = "gateway.answer_bytes_counted"
"""The response extension a transport sets once it has counted the answer itself."""

_KIB = 1024
_MIB = 1024 * _KIB


def byte_size(size: int) -> str:
    """``size`` as a person reads it: `64 MiB`, `8 KiB`, or `1,500 bytes` when neither is whole."""
    for unit, name in ((_MIB, "MiB"), (_KIB, "KiB")):
        if size % unit == 0:
            return f"{size // unit:,} {name}"
    return f"{size:,} bytes"


def over_budget(budget: int) -> str:
    """The start of every message about an operation past its budget of answer bytes."""
    return f"The upstream's answers to this operation came to more than its budget of {byte_size(budget)}"


class AnswerBytes:
    """What is left of an operation's budget of answer bytes; past it, every read fails."""

    __slots__ = ("budget", "remaining")

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.remaining = budget

    def check(self) -> None:
        """Before a call is sent: refused once the budget is passed."""
        if self.remaining < 0:
            raise self._exhausted(sent=False)

    def take(self, size: int) -> None:
        """Count ``size`` more bytes of an answer; past the budget, the answer is not read on."""
        self.remaining -= size
        if self.remaining < 0:
            raise self._exhausted(sent=True)

    def _exhausted(self, *, sent: bool) -> AnswerBudgetExhausted:
        message = f"{over_budget(self.budget)}: the rest is not read. Ask for fewer items at a time."
        return AnswerBudgetExhausted(message, budget=self.budget, sent=sent)


def count_answer(size: int, limit: int | None, counted: AnswerBytes | None) -> None:
    """A whole answer of ``size`` bytes (decompressed): refused past ``limit``, the most the gateway
    reads of one, else taken from the operation's budget (``counted``), when there are these."""
    if limit is not None and size > limit:
        raise UpstreamAnswerTooLarge(limit)
    if counted is not None:
        counted.take(size)
