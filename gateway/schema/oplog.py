"""One structured log line per GraphQL operation (never a key, never a variable's value)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import orjson
from strawberry.extensions import SchemaExtension

__all__ = ["OperationLog"]

logger = logging.getLogger("gateway.operations")


class OperationLog(SchemaExtension):
    """Logs `{requestId, operationName, operationType, durationMs, upstreamCalls, errorCodes}` as JSON."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        if not logger.isEnabledFor(logging.INFO):
            return
        context = self.execution_context
        result = context.result
        errors = getattr(result, "errors", None) or []
        session = getattr(getattr(context.context, "loaders", None), "session", None)
        try:
            operation_type = context.operation_type.value
        except RuntimeError:  # the document did not parse: there is no operation
            operation_type = None
        record = {
            "requestId": getattr(context.context, "request_id", None),
            "operationName": context.operation_name,
            "operationType": operation_type,
            "durationMs": round((time.perf_counter() - started) * 1000, 2),
            "upstreamCalls": getattr(session, "calls", 0),
            "errorCodes": sorted({str((error.extensions or {}).get("code")) for error in errors}),
        }
        logger.info(orjson.dumps(record).decode())
