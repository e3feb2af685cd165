"""The operation log line: written directly under the gateway's own logging set-up, through
`logging` under any other, and the same line either way."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from gateway.schema import oplog


class _Failing(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError("disk full")


def _context(calls: int) -> ExecutionContext:
    made = SimpleNamespace(
        result=SimpleNamespace(errors=None),
        context=SimpleNamespace(request_id="req-1", loaders=SimpleNamespace(session=SimpleNamespace(calls=calls))),
        operation_name="A",
        operation_type=OperationType.QUERY,
    )
    return cast("ExecutionContext", made)


@pytest.fixture
def handler() -> Iterator[oplog.LineHandler]:
    """The gateway's own set-up (`gateway.cli.log_to_stderr`), on a string stream.

    Set in the test's body: pytest adds its capturing handler to every logger that does not
    propagate when the test starts, which is another set-up.
    """
    parent = logging.getLogger("gateway")
    kept = (parent.handlers[:], parent.level, parent.propagate)
    made = oplog.LineHandler(io.StringIO())
    try:
        yield made
    finally:
        parent.handlers[:], parent.propagate = kept[0], kept[2]
        parent.setLevel(kept[1])


def _set_up(handler: oplog.LineHandler) -> None:
    parent = logging.getLogger("gateway")
    parent.handlers[:] = [handler]
    parent.setLevel(logging.INFO)
    parent.propagate = False


def _text(handler: oplog.LineHandler) -> str:
    stream = handler.stream
    assert isinstance(stream, io.StringIO)
    return stream.getvalue()


def _lines(handler: oplog.LineHandler) -> list[dict[str, Any]]:
    return [json.loads(line) for line in _text(handler).splitlines()]


def test_the_gateways_own_set_up_is_written_without_a_record(handler: oplog.LineHandler) -> None:
    made: list[logging.LogRecord] = []
    factory = logging.getLogRecordFactory()

    def counted(*arguments: Any, **keywords: Any) -> logging.LogRecord:
        record = factory(*arguments, **keywords)
        made.append(record)
        return record

    _set_up(handler)
    logging.setLogRecordFactory(counted)
    try:
        oplog.log_operation(_context(2), started=0.0)
    finally:
        logging.setLogRecordFactory(factory)

    assert made == []
    (line,) = _lines(handler)
    assert {key: line[key] for key in ("requestId", "operationName", "operationType", "upstreamCalls")} == {
        "requestId": "req-1",
        "operationName": "A",
        "operationType": "query",
        "upstreamCalls": 2,
    }


def test_any_other_set_up_gets_the_same_line_through_logging(handler: oplog.LineHandler) -> None:
    _set_up(handler)
    oplog.log_operation(_context(1), started=0.0)
    direct = _text(handler)

    other = io.StringIO()
    extra = logging.StreamHandler(other)
    handlers = logging.getLogger("gateway").handlers
    handlers.append(extra)  # a handler of the user's beside the gateway's: both get the record
    try:
        oplog.log_operation(_context(1), started=0.0)
    finally:
        handlers.remove(extra)
    assert oplog._direct_handler() is handler
    written = _text(handler)[len(direct) :]
    assert _strip_duration(written) == _strip_duration(direct) == _strip_duration(other.getvalue())

    handler.addFilter(lambda record: False)  # a filter of the user's is honoured
    try:
        oplog.log_operation(_context(1), started=0.0)
    finally:
        handler.filters.clear()
    assert _text(handler) == direct + written


def _strip_duration(text: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in text.splitlines()]
    for line in lines:
        line.pop("durationMs")
    return lines


def _failing(handler: oplog.LineHandler, monkeypatch: pytest.MonkeyPatch) -> list[logging.LogRecord]:
    """The gateway's set-up on a stream whose writes fail; the records the handler reports as failed."""
    _set_up(handler)
    handler.setStream(_Failing())
    reported: list[logging.LogRecord] = []
    monkeypatch.setattr(handler, "handleError", reported.append)
    return reported


def test_a_failed_write_is_reported_as_logging_reports_it(
    handler: oplog.LineHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    reported = _failing(handler, monkeypatch)
    oplog.log_operation(_context(1), started=0.0)
    (record,) = reported
    assert json.loads(record.getMessage())["operationName"] == "A"


class _Writes(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


async def test_on_a_loop_the_lines_of_one_turn_are_written_together_and_in_order(
    handler: oplog.LineHandler,
) -> None:
    _set_up(handler)
    stream = _Writes()
    handler.setStream(stream)
    for calls in (1, 2):
        oplog.log_operation(_context(calls), started=0.0)
    logging.getLogger("gateway.operations").error("an error between")  # written after the two before it
    oplog.log_operation(_context(3), started=0.0)
    # The record wrote the two lines before it (in one write), then itself.
    assert [json.loads(line)["upstreamCalls"] for line in stream.writes[0].splitlines()] == [1, 2]
    assert stream.writes[1] == "an error between\n"
    assert len(stream.writes) == 2  # the third line waits for the end of the turn
    await asyncio.sleep(0)
    assert json.loads(stream.writes[2])["upstreamCalls"] == 3
    assert len(stream.writes) == 3

    oplog.log_operation(_context(4), started=0.0)
    handler.flush()  # as logging.shutdown does at exit
    assert json.loads(stream.writes[3])["upstreamCalls"] == 4
    await asyncio.sleep(0)
    assert len(stream.writes) == 4  # nothing left for the turn's end


async def test_a_failed_write_at_the_end_of_a_turn_is_reported(
    handler: oplog.LineHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    reported = _failing(handler, monkeypatch)
    oplog.log_operation(_context(1), started=0.0)
    await asyncio.sleep(0)
    (record,) = reported
    assert record.name == "gateway.operations"
