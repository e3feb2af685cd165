"""One structured log line per GraphQL operation (never a key, never a variable's value)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol, TextIO

import orjson
from strawberry.types import ExecutionContext

from gateway.quoting import shortened

__all__ = [
    "LINE_FORMAT",
    "LineHandler",
    "OperationObserver",
    "client_of",
    "log_operation",
    "log_refusal",
    "operation_facts",
    "scope_of",
    "session_of",
]

logger = logging.getLogger("gateway.operations")

LINE_FORMAT = logging.Formatter("%(message)s")
"""The format of the gateway's own log lines: the message alone (and a traceback, if any)."""


class OperationObserver(Protocol):
    """What else sees each operation's line (the metrics, :mod:`gateway.metrics`)."""

    def operation(
        self,
        operation_type: str | None,
        seconds: float | None,
        upstream_calls: int,
        codes: list[str],
        *,
        document_from: str = "query",
        in_manifest: bool | None = None,
        deprecated: tuple[str, ...] = (),
    ) -> None: ...


class LineHandler(logging.StreamHandler[TextIO]):
    """The handler of the gateway's own log lines on a stream (``gateway serve``: stderr).

    Formatted with :data:`LINE_FORMAT`, a record that carries no traceback is its message and a
    newline: :func:`log_operation` hands its line to such a handler directly (:meth:`write_line`).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self.setFormatter(LINE_FORMAT)
        self._pending: list[str] = []

    def write_line(self, line: str) -> None:
        """Writes ``line`` and a newline, as :meth:`emit` writes a record of that message.

        On an event loop, the lines of one turn of the loop are written together at its end, in
        one write (under load, many operations end in one turn: a write each cost about 1% of the
        gateway's CPU). A record logged meanwhile, and :meth:`flush`, write them first: the
        stream keeps the order of the calls. Without a running loop the line is written at once.
        Raises what the stream raises.
        """
        self.acquire()  # not `with` a context manager: a generator's costs more than the rest
        try:
            pending = self._pending
            pending.append(line)
            if len(pending) > 1:
                return
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._write_pending()
                return
        finally:
            self.release()
        loop.call_soon(self._write_soon)

    def _write_soon(self) -> None:
        try:
            self.flush()
        except Exception:  # reported as logging reports a record it could not write
            self.handleError(logging.makeLogRecord({"name": logger.name, "msg": "the operations' log lines"}))

    def _write_pending(self) -> None:
        if self._pending:
            lines, self._pending = self._pending, []
            self.stream.write(self.terminator.join(lines) + self.terminator)

    def emit(self, record: logging.LogRecord) -> None:
        self.acquire()
        try:
            try:
                self._write_pending()
            except Exception:
                self.handleError(record)
                return
            super().emit(record)
        finally:
            self.release()

    def flush(self) -> None:
        self.acquire()
        try:
            self._write_pending()
            super().flush()
        finally:
            self.release()


def _direct_handler() -> LineHandler | None:
    """The handler an operation's line would reach, when logging's machinery would only write it.

    That is the gateway's own set-up (:func:`gateway.cli.log_to_stderr`): the operations logger
    has no handler or filter of its own and passes its records to the `gateway` logger, whose one
    handler is a :class:`LineHandler` with its format and no filter. Any other set-up (a handler
    added, a filter, another format) gets the records through `logging` as usual.
    """
    if logger.handlers or logger.filters or not logger.propagate:
        return None
    parent = logger.parent
    if parent is None or parent.propagate or len(parent.handlers) != 1:
        return None
    handler = parent.handlers[0]
    if type(handler) is not LineHandler or handler.filters or handler.level > logging.INFO:
        return None
    return handler if handler.formatter is LINE_FORMAT else None


def _write(line: str) -> None:
    """Logs ``line`` at INFO: handed to the handler as it is (logging's machinery, a record and
    the handler chain, costs about 4 us a line, and there is a line an operation); through
    `logging` when not so set up, or when the write fails (logging reports that as it reports any
    failure)."""
    handler = _direct_handler()
    if handler is not None:
        try:
            handler.write_line(line)
        except Exception:  # noqa: S110 - logging's own path below reports it
            pass
        else:
            return
    logger.info(line)


def operation_facts(context: ExecutionContext) -> tuple[str | None, int, list[str]]:
    """An ended operation's type (None when its document did not parse), the upstream calls it
    made, and its errors' codes, sorted and each once."""
    try:
        operation_type: str | None = context.operation_type.value
    except RuntimeError:  # the document did not parse: there is no operation
        operation_type = None
    session = getattr(getattr(context.context, "loaders", None), "session", None)
    calls: int = getattr(session, "calls", 0)
    errors = getattr(context.result, "errors", None) or []
    codes = sorted({str((error.extensions or {}).get("code")) for error in errors})
    return operation_type, calls, codes


NAME_CHARACTERS = 200
"""The most of an operation's name a log line or a span shows (its start and end): the name is the
client's, as long as its document or its request's `operationName` (a 200 KB name was a log line of
200 KB, past what log shippers take as one line: Docker's 16 KB, journald's 48 KB)."""


def shown_name(name: str | None) -> str | None:
    """``name`` as a log line or a span shows it: whole up to :data:`NAME_CHARACTERS`."""
    return None if name is None else shortened(name, NAME_CHARACTERS)


def log_operation(
    context: ExecutionContext,
    started: float,
    trace_id: str | None = None,
    in_manifest: bool | None = None,
    deprecated: tuple[str, ...] = (),
) -> None:
    """Logs `{requestId, operationName, operationType, documentFrom, key, durationMs, upstreamCalls,
    errorCodes}` as JSON, `organization` and `project` when its upstream calls name them,
    `clientName` and `clientVersion` when the client gives them (:func:`client_of`), `deprecated`
    when its document names deprecated parts of the schema (their coordinates), `traceId` when the
    operation was traced (`GATEWAY_TRACING`), and `inManifest` when manifests are given but are not
    a safelist. `key` says whose key the calls carry (`client`, `server` or null), never the key.

    ``started`` is the operation's start on :func:`time.perf_counter`'s clock. The request's
    metrics (its context's `metrics`), if any, count it.
    """
    metrics: OperationObserver | None = getattr(context.context, "metrics", None)
    logged = logger.isEnabledFor(logging.INFO)
    if not logged and metrics is None:
        return
    seconds = time.perf_counter() - started
    operation_type, calls, codes = operation_facts(context)
    document_from: str = getattr(context.context, "document_from", "query")
    if metrics is not None:
        metrics.operation(
            operation_type,
            seconds,
            calls,
            codes,
            document_from=document_from,
            in_manifest=in_manifest,
            deprecated=deprecated,
        )
    if not logged:
        return
    session = session_of(context)
    record = {
        "requestId": getattr(context.context, "request_id", None),
        "operationName": shown_name(context.operation_name),
        "operationType": operation_type,
        "documentFrom": document_from,
        "key": getattr(session, "key_from", None),
        "durationMs": round(seconds * 1000, 2),
        "upstreamCalls": calls,
        "errorCodes": codes,
    }
    record.update(scope_of(session))
    record.update(client_of(context.context))
    if deprecated:
        record["deprecated"] = list(deprecated)
    if in_manifest is not None:
        record["inManifest"] = in_manifest
    if trace_id is not None:
        record["traceId"] = trace_id
    _write(orjson.dumps(record).decode())


def session_of(context: ExecutionContext) -> object:
    """The upstream session of an operation's context (its loaders'), or None (a context of another kind)."""
    return getattr(getattr(context.context, "loaders", None), "session", None)


def scope_of(session: object) -> dict[str, str]:
    """The OpenAI `organization` and `project` an upstream session's calls name, those it names,
    as a log line or a span shows them (clients choose them, as long as they like)."""
    return _shown(
        ("organization", getattr(session, "organization", None)), ("project", getattr(session, "project", None))
    )


def _shown(*named: tuple[str, str | None]) -> dict[str, str]:
    """The members given a value, each as a log line or a span shows what a client chose."""
    return {name: shortened(value, NAME_CHARACTERS) for name, value in named if value}


def client_of(context: object) -> dict[str, str]:
    """The `clientName` and `clientVersion` a request's context holds (the client's own headers),
    those it holds, as a log line shows them: the client chooses them, as long as it likes."""
    return _shown(
        ("clientName", getattr(context, "client_name", None)),
        ("clientVersion", getattr(context, "client_version", None)),
    )


def log_refusal(
    request_id: str | None,
    operation_name: str | None,
    code: str,
    metrics: OperationObserver | None = None,
    document_from: str = "query",
    *,
    session: object = None,
    client: object = None,
) -> None:
    """Logs a request refused before any operation of it ran (a document the gateway does not have,
    or does not run), in :func:`log_operation`'s shape: no type, no time, no upstream call, its code.
    ``metrics``, if any, count it. ``client`` is the request's context, for the client's name."""
    if metrics is not None:
        metrics.operation(None, None, 0, [code], document_from=document_from)
    if not logger.isEnabledFor(logging.INFO):
        return
    record = {
        "requestId": request_id,
        "operationName": shown_name(operation_name),
        "operationType": None,
        "documentFrom": document_from,
        "key": getattr(session, "key_from", None),
        "durationMs": 0.0,
        "upstreamCalls": 0,
        "errorCodes": [code],
    }
    record.update(scope_of(session))
    record.update(client_of(client))
    _write(orjson.dumps(record).decode())
