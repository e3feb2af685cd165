"""The gateway's work around each operation, as one Strawberry schema extension.

Before the document is parsed: the token limit (a parse option) and the validation rules of the
depth and alias limits. Before execution: the upstream budget. When the operation ends: the
errors' codes, then the operation's log line, which reports those codes.

One extension rather than one per concern: Strawberry builds each extension and runs a
generator per hook and extension for every request, and this work is on every request's path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from strawberry.extensions import SchemaExtension

from gateway.schema.errors import code_errors
from gateway.schema.limits import Limits, check_budget, validation_rules
from gateway.schema.oplog import log_operation

__all__ = ["operation_hooks"]


def operation_hooks(limits: Limits) -> Callable[[], SchemaExtension]:
    """The factory of the extension enforcing ``limits`` (Strawberry makes one per operation)."""
    rules = validation_rules(limits)

    class OperationHooks(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            started = time.perf_counter()
            context = self.execution_context
            context.parse_options["max_tokens"] = limits.max_tokens
            context.validation_rules = context.validation_rules + rules
            yield
            code_errors(context)
            log_operation(context, started)

        def on_execute(self) -> Iterator[None]:
            check_budget(self.execution_context, limits.upstream_budget)
            yield

    return OperationHooks
