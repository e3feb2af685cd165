"""How long the gateway takes to read a page of 20 items of each kind: straight into the GraphQL
objects (gateway/schema/pages.py) against the two steps it replaces (the REST models, then the
conversion). `make bench-pages`.

Each page is built here, as the upstream's JSON, for the conversations a deployment holds: a
chat, an agent's tool calls, web and file searches, a coding agent's shell, a computer-use agent,
generated images, MCP servers, ... Every page is checked first: read straight (not refused to the
usual way) and into the same objects both ways. Then both ways are timed in alternating rounds,
in this process, and the median of the rounds is printed in microseconds per page, with the
host's reference loop (as `make bench` prints it). Under a minute; no server, no network.

    .venv/bin/python -m bench.pages [--rounds 5] [--repeat 400]
"""

from __future__ import annotations

import argparse
import enum
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson

from bench.harness import _host_reference_ms
from gateway.schema.items import item_to_graphql
from gateway.schema.pages import read_item_page
from gateway.upstream.client import _ITEM_LIST

CONVERSATION = "conv_bench"
_TEXT = "A question of about the length people write, with a detail or two in it."
_ANSWER = "An answer of about the length a model writes, " * 4


def _question(number: int, **part: Any) -> dict[str, Any]:
    content = [{"type": "input_text", "text": _TEXT}, *([part] if part else [])]
    return {"id": f"msg_q{number}", "type": "message", "status": "completed", "role": "user", "content": content}


def _answer(number: int, **reply: Any) -> dict[str, Any]:
    part = {"type": "output_text", "text": _ANSWER, "annotations": [], **reply}
    return {"id": f"msg_a{number}", "type": "message", "status": "completed", "role": "assistant", "content": [part]}


def _chat() -> list[dict[str, Any]]:
    return [item for n in range(10) for item in (_question(n), _answer(n))]


def _agent() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for n in range(5):
        call = {"type": "function_call", "call_id": f"call_{n}", "status": "completed"}
        items += [
            {"id": f"rs_{n}", "type": "reasoning", "summary": [{"type": "summary_text", "text": _TEXT}]},
            {**call, "id": f"fc_{n}", "name": "get_weather", "arguments": '{"city": "Paris"}'},
            {**call, "id": f"fco_{n}", "type": "function_call_output", "output": '{"c": 21}'},
            _answer(n),
        ]
    return items


def _web_search() -> list[dict[str, Any]]:
    citation = {"type": "url_citation", "url": "https://example.com/a", "title": "A", "start_index": 0}
    annotations = [{**citation, "end_index": 10}, {**citation, "start_index": 20, "end_index": 30}]
    items: list[dict[str, Any]] = []
    for n in range(5):
        search = {"type": "search", "query": "weather in Paris", "sources": [{"type": "url", "url": "https://a.b"}]}
        items += [
            _question(n),
            {"id": f"ws_{n}", "type": "web_search_call", "status": "completed", "action": search},
            {"id": f"wo_{n}", "type": "web_search_call", "status": "completed", "action": {"type": "open_page"}},
            _answer(n, annotations=annotations),
        ]
    return items


def _tools() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for n in range(4):
        result = {"file_id": "file_1", "filename": "a.pdf", "score": 0.9, "text": _TEXT, "attributes": {"year": 2025}}
        items += [
            _question(n),
            {"id": f"fs_{n}", "type": "file_search_call", "status": "completed", "queries": ["a"], "results": [result]},
            {"id": f"mcp_{n}", "type": "mcp_call", "server_label": "docs", "name": "lookup", "arguments": "{}"},
            {"id": f"ct_{n}", "type": "custom_tool_call", "call_id": f"c{n}", "name": "sql", "input": "SELECT 1"},
            {"id": f"cto_{n}", "type": "custom_tool_call_output", "call_id": f"c{n}", "output": "1"},
        ]
    return items


def _coding_agent() -> list[dict[str, Any]]:
    chunk = {"stdout": "a.py\nb.py\n", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}
    patch = {"type": "update_file", "path": "a.py", "diff": "@@\n-x = 1\n+x = 2\n"}
    items: list[dict[str, Any]] = []
    for n in range(5):
        call = {"call_id": f"call_{n}", "status": "completed"}
        items += [
            {**call, "id": f"sh_{n}", "type": "shell_call", "action": {"commands": ["ls", "pwd"]}},
            {**call, "id": f"sho_{n}", "type": "shell_call_output", "output": [chunk, chunk]},
            {**call, "id": f"ap_{n}", "type": "apply_patch_call", "operation": patch},
            {**call, "id": f"apo_{n}", "type": "apply_patch_call_output", "output": "done"},
        ]
    return items


def _computer_use() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for n in range(10):
        call = {"call_id": f"call_{n}", "status": "completed"}
        click = {"type": "click", "button": "left", "x": 10, "y": 20}
        shot = {"type": "computer_screenshot", "image_url": "https://example.com/s.png"}
        items += [
            {**call, "id": f"cu_{n}", "type": "computer_call", "action": click, "pending_safety_checks": []},
            {**call, "id": f"cuo_{n}", "type": "computer_call_output", "output": shot},
        ]
    return items


def _images() -> list[dict[str, Any]]:
    image = {"type": "image_generation_call", "status": "completed", "result": "iVBORw0KGgo=" * 1800}
    items: list[dict[str, Any]] = []
    for n in range(5):
        items += [_question(n), {**image, "id": f"ig_{n}", "output_format": "png"}, _answer(n), _question(n + 5)]
    return items


def _pictures() -> list[dict[str, Any]]:
    picture = {"type": "input_image", "detail": "auto", "image_url": "https://example.com/cat.png"}
    return [item for n in range(10) for item in (_question(n, **picture), _answer(n))]


def _mcp_servers() -> list[dict[str, Any]]:
    tool = {"name": "lookup", "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}
    items: list[dict[str, Any]] = []
    for n in range(4):
        request = {"server_label": "docs", "name": "lookup", "arguments": "{}"}
        items += [
            {"id": f"ml_{n}", "type": "mcp_list_tools", "server_label": "docs", "tools": [tool] * 4},
            {**request, "id": f"mr_{n}", "type": "mcp_approval_request"},
            {"id": f"ma_{n}", "type": "mcp_approval_response", "approval_request_id": f"mr_{n}", "approve": True},
            {**request, "id": f"mc_{n}", "type": "mcp_call", "output": "3 pages"},
            _answer(n),
        ]
    return items


def _programs() -> list[dict[str, Any]]:
    command = {"type": "exec", "command": ["ls", "-l"], "env": {"HOME": "/root", "LANG": "C"}, "timeout_ms": 1000}
    items: list[dict[str, Any]] = []
    for n in range(4):
        items += [
            {"id": f"cmp_{n}", "type": "compaction", "encrypted_content": "gAAA" * 50},
            {"id": f"pg_{n}", "type": "program", "call_id": f"p{n}", "code": "return 1;", "fingerprint": "fp"},
            {"id": f"po_{n}", "type": "program_output", "call_id": f"p{n}", "result": "1", "status": "completed"},
            {"id": f"ls_{n}", "type": "local_shell_call", "call_id": f"l{n}", "action": command, "status": "completed"},
            {"id": f"lo_{n}", "type": "local_shell_call_output", "output": '{"stdout": "a"}'},
        ]
    return items


def _failures() -> list[dict[str, Any]]:
    mcp = {"type": "mcp_call", "server_label": "docs", "name": "lookup", "arguments": "{}", "status": "failed"}
    moderated = {
        "type": "image_generation_user_error",
        "message": "Your request was rejected.",
        "code": "moderation_blocked",
        "moderation_details": {"categories": ["violence"], "moderation_stage": "input"},
    }
    execution = {"type": "mcp_tool_execution_error", "content": [{"type": "text", "text": "no such page"}]}
    items: list[dict[str, Any]] = []
    for n in range(4):
        items += [
            _question(n),
            {**mcp, "id": f"mh_{n}", "error": {"type": "http_error", "code": 502, "message": "gone"}},
            {**mcp, "id": f"me_{n}", "error": execution},
            {"id": f"ig_{n}", "type": "image_generation_call", "status": "failed", "error": moderated},
            _answer(n),
        ]
    return items


def _logprobs() -> list[dict[str, Any]]:
    top = {"token": "Hi", "bytes": [72, 105], "logprob": -0.01}
    logprobs = [{**top, "top_logprobs": [top, {"token": "Hey", "bytes": [72, 101, 121], "logprob": -5.2}]}] * 10
    breakpoint_ = {"mode": "explicit", "ttl": "30m"}
    items: list[dict[str, Any]] = []
    for n in range(10):
        question = _question(n)
        question["content"][0]["prompt_cache_breakpoint"] = breakpoint_
        items += [question, _answer(n, logprobs=logprobs)]
    return items


def _tool_search() -> list[dict[str, Any]]:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    tools = [
        {"type": "function", "name": f"tool_{k}", "description": "Does a thing.", "parameters": schema}
        for k in range(3)
    ]
    text = {"format": {"type": "json_schema", "name": "reply", "schema": {"type": "object"}}}
    items: list[dict[str, Any]] = []
    for n in range(5):
        search = {"call_id": f"c{n}", "execution": "client", "status": "completed"}
        items += [
            {**search, "id": f"tsc_{n}", "type": "tool_search_call", "arguments": {"query": "weather"}},
            {**search, "id": f"tso_{n}", "type": "tool_search_output", "tools": tools},
            {"id": f"at_{n}", "type": "additional_tools", "role": "developer", "tools": tools[:1]},
            {"id": f"cfg_{n}", "type": "configuration_update", "reasoning": {"effort": "low"}, "text": text},
        ]
    return items


PAGES: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "a chat: questions, answers": _chat,
    "an agent: reasoning, function calls and outputs, answers": _agent,
    "web searches, answers citing two pages": _web_search,
    "file searches, MCP calls, custom tool calls and outputs": _tools,
    "shell and apply-patch calls with their outputs": _coding_agent,
    "computer calls and screenshots": _computer_use,
    "five generated images of 22 KB, messages": _images,
    "questions with a picture, answers": _pictures,
    "MCP tool lists, approvals, calls, answers": _mcp_servers,
    "compactions, programs, local shell calls and outputs": _programs,
    "failed MCP calls and image generations": _failures,
    "answers with log probabilities, cached questions": _logprobs,
    "tool searches, added tools, configuration updates": _tool_search,
}


def page_body(items: list[dict[str, Any]]) -> bytes:
    """A page of ``items`` as the upstream's JSON."""
    page = {"object": "list", "data": items, "first_id": items[0]["id"], "last_id": items[-1]["id"], "has_more": True}
    return orjson.dumps(page)


def read_straight(body: bytes) -> Any:
    page = read_item_page(body, CONVERSATION)
    if page is None:
        msg = "not read straight: the reader refused it"
        raise AssertionError(msg)
    return page.data


def read_usual(body: bytes) -> Any:
    """The two steps the reader replaces: the REST models, then the conversion."""
    return [item_to_graphql(model, CONVERSATION) for model in _ITEM_LIST.validate_json(body).data]


def state(value: Any) -> Any:
    """A value as plain data: objects as their class and attributes, recursively, numbers with their
    type (1 and 1.0 are equal, but a client sees `1` and `1.0`), and dicts in order. Two ways of
    reading a page made the same objects when their states are equal (tests/schema/test_pages.py
    compares them so too)."""
    if isinstance(value, list):
        return [state(item) for item in value]
    if isinstance(value, dict):  # in order: a JSON value's members are shown in it
        return ("dict", [(name, state(item)) for name, item in value.items()])
    if isinstance(value, enum.Enum):
        return (type(value).__name__, value.value)
    if isinstance(value, int | float):
        return (type(value).__name__, value)
    if hasattr(value, "__dict__"):
        return (type(value).__name__, {name: state(item) for name, item in sorted(vars(value).items())})
    return value


def check(name: str, body: bytes) -> None:
    """The page is read straight, into the objects the two steps make."""
    try:
        same = state(read_straight(body)) == state(read_usual(body))
    except AssertionError as error:
        msg = f"{name}: {error}"
        raise AssertionError(msg) from None
    if not same:
        msg = f"{name}: read straight, it differs from the page read the usual way"
        raise AssertionError(msg)


def _microseconds(read: Callable[[bytes], Any], body: bytes, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        read(body)
    return (time.perf_counter() - started) / repeat * 1e6


def measure(rounds: int, repeat: int) -> list[tuple[str, int, float, float]]:
    """Per page kind: its size in bytes, and the median microseconds per page straight and the usual way."""
    rows = []
    for name, build in PAGES.items():
        body = page_body(build())
        check(name, body)
        straight, usual = [], []
        for _ in range(rounds):
            straight.append(_microseconds(read_straight, body, repeat))
            usual.append(_microseconds(read_usual, body, repeat))
        rows.append((name, len(body), statistics.median(straight), statistics.median(usual)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of each way (default 5)")
    parser.add_argument("--repeat", type=int, default=400, help="pages read in a round (default 400)")
    arguments = parser.parse_args()
    print(f"{'page of 20 items':<58} {'bytes':>7} {'straight':>9} {'usual':>9} {'ratio':>6}")
    for name, size, straight, usual in measure(arguments.rounds, arguments.repeat):
        print(f"{name:<58} {size:>7} {straight:>7.0f}µs {usual:>7.0f}µs {usual / straight:>6.1f}")
    print(f"host reference (CPU of a fixed pure-Python loop, best of five): {_host_reference_ms()} ms")


if __name__ == "__main__":
    main()
