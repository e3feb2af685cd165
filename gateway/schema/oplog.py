"""One structured log line per GraphQL operation (never a key, never a variable's value)."""

from __future__ import annotations

import logging
import time

import orjson
from strawberry.types import ExecutionContext

__all__ = ["log_operation"]

logger = logging.getLogger("gateway.operations")


def log_operation(context: ExecutionContext, started: float) -> None:
    """Logs `{requestId, operationName, operationType, durationMs, upstreamCalls, errorCodes}` as JSON.

    ``started`` is the operation's start on :func:`time.perf_counter`'s clock.
    """
    if not logger.isEnabledFor(logging.INFO):
        return
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
