"""Pages of the common items read straight into the GraphQL objects give what the REST models and the
conversion give, and are refused (for the usual path) whenever anything differs."""

from __future__ import annotations

import math
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import core_schema as cs

from bench.pages import state
from gateway import jsoncodec
from gateway.schema import pages
from gateway.schema.actions import (
    ClickAction,
    ContainerReferenceEnvironment,
    DragAction,
    FindInPageAction,
    JsonSchemaTextFormat,
    McpHttpError,
    McpProtocolError,
    McpToolExecutionError,
    OpenPageAction,
    SearchAction,
    ShellExitOutcome,
    ShellTimeoutOutcome,
    UpdateFileOperation,
)
from gateway.schema.content import (
    ComputerScreenshotContent,
    InputFileContent,
    InputImageContent,
    InputTextContent,
    OutputTextContent,
    RefusalContent,
    TextContent,
    UrlCitationAnnotation,
)
from gateway.schema.convert import UpstreamContractError
from gateway.schema.enums import (
    ApplyPatchCallOutputStatus,
    ImageDetail,
    ImageQuality,
    ModerationStage,
    MouseButton,
    ProgramOutputStatus,
    PromptCacheTtl,
    ReasoningEffort,
    ToolExecution,
)
from gateway.schema.items import (
    AdditionalTools,
    ApplyPatchCall,
    ApplyPatchCallOutput,
    CodeInterpreterCall,
    Compaction,
    ComputerCall,
    ComputerCallOutput,
    ConfigurationUpdate,
    CustomToolCall,
    CustomToolCallOutput,
    FileSearchCall,
    FunctionCall,
    FunctionCallOutput,
    ImageGenerationCall,
    LocalShellCall,
    LocalShellCallOutput,
    McpApprovalRequest,
    McpApprovalResponse,
    McpCall,
    McpListTools,
    Message,
    Program,
    ProgramOutput,
    ShellCall,
    ShellCallOutput,
    ToolSearchCall,
    ToolSearchOutput,
    WebSearchCall,
    item_to_graphql,
)
from gateway.schema.pages import ReadPage, read_item_page
from gateway.upstream.client import _ITEM_LIST

CONVERSATION = "conv_pages"
_MISSING = object()


def _usual(body: bytes) -> tuple[list[Any], bool] | None:
    """The page as the gateway reads it otherwise: REST models, then GraphQL objects (None: refused)."""
    try:
        page = _ITEM_LIST.validate_json(body)
        return [item_to_graphql(model, CONVERSATION) for model in page.data], page.has_more
    except (ValidationError, UpstreamContractError):
        return None


def _read_straight(body: bytes) -> list[Any]:
    """The page's items read straight, checked to be what the usual way makes of them."""
    page = read_item_page(body, CONVERSATION)
    assert isinstance(page, ReadPage)
    usual = _usual(body)
    assert usual is not None
    assert state(page.data) == state(usual[0])
    return page.data


def _json(members: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in members.items() if value is not _MISSING}


def _maybe(*values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from([_MISSING, *values])


_STRING_3 = st.text(max_size=3)
_BREAKPOINT = _maybe(
    None, {"mode": "explicit"}, {"mode": "explicit", "ttl": "30m"}, {"mode": "explicit", "ttl": None, "unknown": 1}
)
_INPUT_TEXT_PART = st.builds(
    lambda text, breakpoint, extra: _json(
        {"type": "input_text", "text": text, "prompt_cache_breakpoint": breakpoint, **extra}
    ),
    st.text(max_size=5),
    _BREAKPOINT,
    st.sampled_from([{}, {"unknown": 1}]),
)
_INDEX = st.one_of(st.integers(0, 9), st.sampled_from([2**31, -1]))
_ANNOTATION = st.one_of(
    st.builds(
        lambda file_id, filename, index: {
            "type": "file_citation",
            "file_id": file_id,
            "filename": filename,
            "index": index,
        },
        st.text(max_size=3),
        st.text(max_size=3),
        _INDEX,
    ),
    st.builds(
        lambda url, title, start, end, extra: {
            "type": "url_citation",
            "url": url,
            "title": title,
            "start_index": start,
            "end_index": end,
            **extra,
        },
        st.sampled_from(["https://example.com/a", ""]),
        st.text(max_size=3),
        _INDEX,
        _INDEX,
        st.sampled_from([{}, {"unknown": 1}]),
    ),
    st.builds(
        lambda container, file_id, start, end: {
            "type": "container_file_citation",
            "container_id": container,
            "file_id": file_id,
            "filename": "a.csv",
            "start_index": start,
            "end_index": end,
        },
        st.text(max_size=3),
        st.text(max_size=3),
        _INDEX,
        _INDEX,
    ),
    st.builds(lambda file_id, index: {"type": "file_path", "file_id": file_id, "index": index}, _STRING_3, _INDEX),
)


def _image_part(kind: str, *urls: str) -> st.SearchStrategy[dict[str, Any]]:
    """A part of an image (`input_image`) or a screenshot (`computer_screenshot`), by file or URL."""
    return st.builds(
        lambda detail, file_id, url, breakpoint: _json(
            {
                "type": kind,
                "detail": detail,
                "file_id": file_id,
                "image_url": url,
                "prompt_cache_breakpoint": breakpoint,
            }
        ),
        st.sampled_from(["low", "high", "auto", "original"]),
        _maybe(None, "file_1"),
        _maybe(None, *urls),
        _BREAKPOINT,
    )


_INPUT_IMAGE_PART = _image_part("input_image", "https://example.com/a.png", "data:image/png;base64,iVBOR")
_INPUT_FILE_PART = st.builds(
    lambda detail, data, file_id, url, filename, breakpoint: _json(
        {
            "type": "input_file",
            "detail": detail,
            "file_data": data,
            "file_id": file_id,
            "file_url": url,
            "filename": filename,
            "prompt_cache_breakpoint": breakpoint,
        }
    ),
    _maybe(None, "auto", "low", "high"),
    _maybe(None, "JVBERi0="),
    _maybe(None, "file_1"),
    _maybe(None, "https://example.com/a.pdf"),
    _maybe(None, "a.pdf"),
    _BREAKPOINT,
)
_TOKEN = st.builds(
    lambda token, bytes_, logprob: {"token": token, "bytes": bytes_, "logprob": logprob},
    _STRING_3,
    st.lists(st.integers(0, 255), max_size=3),
    st.one_of(st.floats(max_value=0, allow_nan=False, allow_infinity=False), st.integers(-30, 0)),
)
_LOGPROB = st.builds(lambda token, top: {**token, "top_logprobs": top}, _TOKEN, st.lists(_TOKEN, max_size=2))
_SCREENSHOT_PART = _image_part("computer_screenshot", "https://example.com/s.png")
_TOOL_OUTPUT_PART = st.one_of(_INPUT_TEXT_PART, _INPUT_IMAGE_PART, _INPUT_FILE_PART)
_PLAIN_PART = st.one_of(
    _INPUT_TEXT_PART,
    _INPUT_IMAGE_PART,
    _INPUT_FILE_PART,
    st.builds(lambda refusal: {"type": "refusal", "refusal": refusal}, st.text(max_size=5)),
    st.builds(
        lambda text, annotations, logprobs: _json(
            {"type": "output_text", "text": text, "annotations": annotations, "logprobs": logprobs}
        ),
        st.text(max_size=5),
        st.lists(_ANNOTATION, max_size=3),
        st.one_of(_maybe([], None), st.lists(_LOGPROB, min_size=1, max_size=2)),
    ),
    _SCREENSHOT_PART,
    st.builds(
        lambda kind, text: {"type": kind, "text": text},
        st.sampled_from(["text", "summary_text", "reasoning_text"]),
        _STRING_3,
    ),
)
# Annotations it must refuse, or read as the REST models do: an unknown kind, a member missing or odd.
_ODD_ANNOTATION = st.sampled_from(
    [
        {"type": "a_future_annotation", "index": 0},
        {"type": "url_citation", "url": "https://example.com/a", "start_index": 0, "end_index": 1},
        {"type": "url_citation", "url": "u", "title": None, "start_index": 0, "end_index": 1},
        {"type": "file_path", "file_id": "file_1", "index": "3"},
        {"type": "file_path", "file_id": "file_1", "index": 3.0},
        {"type": "file_path", "file_id": "file_1", "index": 3.5},
        {"type": "file_path", "file_id": "file_1", "index": True},
        {"type": "file_path", "file_id": 7, "index": 3},
        {"type": "file_citation", "file_id": "file_1", "index": 0},
        {"file_id": "file_1", "index": 0},
        "file_path",
    ]
)
_OTHER_PART = st.sampled_from(
    [
        {"type": "input_text", "text": None},
        {"type": "input_text", "text": 3},
        {"type": "input_text", "text": "a", "prompt_cache_breakpoint": {"type": "ephemeral"}},
        {"type": "input_text", "text": "a", "prompt_cache_breakpoint": {"mode": "implicit"}},
        {"type": "input_text", "text": "a", "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "1h"}},
        {"type": "input_text", "text": "a", "prompt_cache_breakpoint": "explicit"},
        {"type": "input_text", "text": "a", "prompt_cache_breakpoint": {}},
        {"type": "output_text", "text": "a"},
        {"type": "output_text", "text": "a", "annotations": None},
        {
            "type": "output_text",
            "text": "a",
            "annotations": [],
            "logprobs": [{"token": "a", "logprob": -0.1, "bytes": [97]}],
        },
        {"type": "output_text", "text": "a", "annotations": [], "logprobs": {"token": "a"}},
        {
            "type": "output_text",
            "text": "a",
            "annotations": [],
            "logprobs": [{"token": "a", "logprob": "-0.5", "bytes": [97], "top_logprobs": []}],
        },
        {
            "type": "output_text",
            "text": "a",
            "annotations": [],
            "logprobs": [{"token": "a", "logprob": None, "bytes": [97], "top_logprobs": []}],
        },
        {
            "type": "output_text",
            "text": "a",
            "annotations": [],
            "logprobs": [{"token": "a", "logprob": 0, "bytes": [256, -1, "a"], "top_logprobs": []}],
        },
        {
            "type": "output_text",
            "text": "a",
            "annotations": [],
            "logprobs": [{"token": "a", "logprob": 0, "bytes": [1.0], "top_logprobs": [{"token": "b"}]}],
        },
        {"type": "computer_screenshot"},
        {"type": "computer_screenshot", "detail": "auto", "image_url": 3},
        {"type": "text"},
        {"type": "summary_text", "text": None},
        {"type": "refusal", "refusal": 3},
        {"type": "input_image", "detail": "fine"},
        {"type": "input_image", "detail": None},
        {"type": "input_image", "detail": "auto", "image_url": 3},
        {"type": "input_image", "detail": "auto", "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "30m"}},
        {"type": "input_file", "detail": "medium"},
        {"type": "input_file", "filename": ["a"]},
        {"type": "input_file", "prompt_cache_breakpoint": {"mode": "explicit"}},
        {"type": "computer_screenshot", "detail": "auto"},
        {"type": "text", "text": "a"},
        {"type": "summary_text", "text": "a"},
        {"type": "reasoning_text", "text": "a"},
        {"type": "input_image", "detail": "auto", "image_url": "https://example.com/a.png"},
        {"type": "a_future_part", "anything": True},
        {"text": "no type"},
    ]
)
_OTHER_PART = st.one_of(
    _OTHER_PART,
    st.builds(
        lambda annotations, odd, at: {
            "type": "output_text",
            "text": "a",
            "annotations": [*annotations[:at], odd, *annotations[at:]],
        },
        st.lists(_ANNOTATION, max_size=2),
        _ODD_ANNOTATION,
        st.integers(0, 2),
    ),
)
_KEYS = _maybe(None, [], ["CTRL", "SHIFT"])
_COMPUTER_ACTION = st.one_of(
    st.builds(
        lambda button, x, y, keys: _json({"type": "click", "button": button, "x": x, "y": y, "keys": keys}),
        st.sampled_from(["left", "right", "wheel", "back", "forward"]),
        _INDEX,
        _INDEX,
        _KEYS,
    ),
    st.builds(lambda x, y, keys: _json({"type": "double_click", "x": x, "y": y, "keys": keys}), _INDEX, _INDEX, _KEYS),
    st.builds(
        lambda path, keys: _json({"type": "drag", "path": path, "keys": keys}),
        st.lists(st.builds(lambda x, y: {"x": x, "y": y}, _INDEX, _INDEX), max_size=3),
        _KEYS,
    ),
    st.builds(lambda keys: {"type": "keypress", "keys": keys}, st.lists(_STRING_3, max_size=2)),
    st.builds(lambda x, y, keys: _json({"type": "move", "x": x, "y": y, "keys": keys}), _INDEX, _INDEX, _KEYS),
    st.builds(
        lambda x, y, dx, dy, keys: _json(
            {"type": "scroll", "x": x, "y": y, "scroll_x": dx, "scroll_y": dy, "keys": keys}
        ),
        _INDEX,
        _INDEX,
        st.integers(-500, 500),
        st.integers(-500, 500),
        _KEYS,
    ),
    st.builds(lambda text: {"type": "type", "text": text}, _STRING_3),
    st.sampled_from([{"type": "screenshot"}, {"type": "wait"}, {"type": "wait", "ms": 100}]),
)
_SAFETY_CHECK = st.builds(
    lambda code, message: _json({"id": "sc_1", "code": code, "message": message}),
    _maybe(None, "malicious_instructions"),
    _maybe(None, "Check this."),
)
_STATUS = st.sampled_from(["completed", "in_progress", "incomplete"])
_ID = st.sampled_from(["msg_1", "fc_2", "rs_3", "x"])
_EXTRA = st.sampled_from([{}, {"created_by": "someone"}, {"conversation_id": "conv_other"}, {"unknown": [1]}])
_STRING = st.text(max_size=4)
_CALLER = st.sampled_from(
    [_MISSING, None, {"type": "direct"}, {"type": "direct", "caller_id": None}, {"type": "program", "caller_id": "p"}]
)


def _summary_part(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda text: {"type": kind, "text": text}, _STRING)


# Each kind of item the reader takes: its plain forms, then changes it must refuse or read alike.
_TOOL = st.builds(
    lambda first, kind, name, description, label, extra: _json(
        {**first, "type": kind, "name": name, "description": description, "server_label": label, **extra}
    ),
    st.sampled_from([{}, {"strict": True}]),  # an unknown member before the known ones
    st.sampled_from(["function", "mcp", "web_search", "a_future_tool"]),
    _maybe(None, "get_weather"),
    _maybe(None, "Looks up the weather."),
    _maybe(None, "docs"),
    st.sampled_from(
        [
            {},
            {"parameters": {"type": "object"}},
            {"allowed_tools": ["a"], "require_approval": "never"},
            {"user_location": {"type": "approximate", "city": None}, "search_context_size": "low"},
            {"ranking_options": {"score_threshold": 0.5, "ranker": "auto"}, "max_num_results": 20},
            {"parameters": {"minimum": -1.5e-300, "maximum": 1e308, "multipleOf": 2**70}},
            {"name": "again"},
        ]
    ),
)
_SVG_USAGE = {"input_tokens": 10, "output_tokens": 200, "reasoning_tokens": 0, "total_tokens": 210, "model": "m"}
_PLAIN: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "message": st.builds(
        lambda identifier, status, role, content, phase, extra: _json(
            {
                "id": identifier,
                "type": "message",
                "status": status,
                "role": role,
                "content": content,
                "phase": phase,
                **extra,
            }
        ),
        _ID,
        _STATUS,
        st.sampled_from(["user", "assistant", "system", "developer", "tool", "unknown", "critic", "discriminator"]),
        st.lists(_PLAIN_PART, max_size=3),
        _maybe(None, "commentary", "final_answer"),
        _EXTRA,
    ),
    "function_call": st.builds(
        lambda identifier, call_id, name, arguments, status, namespace, caller, run_async, created_by, extra: _json(
            {
                "id": identifier,
                "type": "function_call",
                "call_id": call_id,
                "name": name,
                "arguments": arguments,
                "status": status,
                "namespace": namespace,
                "caller": caller,
                "async": run_async,
                "created_by": created_by,
                **extra,
            }
        ),
        _ID,
        _STRING,
        _STRING,
        st.sampled_from(["{}", '{"city": "Paris"}', ""]),
        _STATUS,
        _maybe(None, "tools"),
        _CALLER,
        _maybe(None, True, False),
        _maybe(None, "someone"),
        st.sampled_from([{}, {"unknown": {"a": 1}}]),
    ),
    "function_call_output": st.builds(
        lambda identifier, call_id, output, status, name, namespace, caller, extra: _json(
            {
                "id": identifier,
                "type": "function_call_output",
                "call_id": call_id,
                "output": output,
                "status": status,
                "name": name,
                "namespace": namespace,
                "caller": caller,
                **extra,
            }
        ),
        _ID,
        _maybe(None, "call_1"),
        st.one_of(_STRING, st.lists(_TOOL_OUTPUT_PART, max_size=2)),
        _STATUS,
        _maybe(None, "lookup"),
        _maybe(None, "tools"),
        _CALLER,
        _EXTRA,
    ),
    "web_search_call": st.builds(
        lambda identifier, status, action, extra: {
            "id": identifier,
            "type": "web_search_call",
            "status": status,
            "action": action,
            **extra,
        },
        _ID,
        st.sampled_from(["in_progress", "searching", "completed", "failed", "incomplete"]),
        st.one_of(
            st.builds(
                lambda query, queries, sources: _json(
                    {"type": "search", "query": query, "queries": queries, "sources": sources}
                ),
                _maybe(None, "weather", ""),
                _maybe(None, [], ["a", "b"]),
                _maybe(
                    None,
                    [],
                    [{"type": "url", "url": "https://example.com"}],
                    [{"type": "url", "url": "u", "extra": 1}, {"type": "url", "url": ""}],
                ),
            ),
            st.builds(lambda url: _json({"type": "open_page", "url": url}), _maybe(None, "https://example.com")),
            st.builds(lambda url, pattern: {"type": "find_in_page", "url": url, "pattern": pattern}, _STRING, _STRING),
        ),
        _EXTRA,
    ),
    "file_search_call": st.builds(
        lambda identifier, queries, status, results, extra: _json(
            {
                "id": identifier,
                "type": "file_search_call",
                "queries": queries,
                "status": status,
                "results": results,
                **extra,
            }
        ),
        _ID,
        st.lists(_STRING, max_size=2),
        st.sampled_from(["in_progress", "searching", "completed", "incomplete", "failed"]),
        _maybe(None, [])
        | st.lists(
            st.builds(
                lambda file_id, filename, score, text, attributes: _json(
                    {"file_id": file_id, "filename": filename, "score": score, "text": text, "attributes": attributes}
                ),
                _maybe(None, "file_1"),
                _maybe(None, "a.pdf"),
                _maybe(None, 0.5, 1, 0),
                _maybe(None, "passage"),
                _maybe(
                    None,
                    {},
                    {"author": "me", "year": 2024, "weight": 0.5, "public": True},
                    {"n": 1, "b": False, "s": ""},
                ),
            ),
            min_size=1,
            max_size=2,
        ),
        _EXTRA,
    ),
    "mcp_call": st.builds(
        lambda identifier, label, name, arguments, approval, output, error, status, extra: _json(
            {
                "id": identifier,
                "type": "mcp_call",
                "server_label": label,
                "name": name,
                "arguments": arguments,
                "approval_request_id": approval,
                "output": output,
                "error": error,
                "status": status,
                **extra,
            }
        ),
        _ID,
        _STRING,
        _STRING,
        st.sampled_from(["{}", '{"q": 1}']),
        _maybe(None, "mcpr_1"),
        _maybe(None, "", "42"),
        _maybe(
            None,
            {"type": "mcp_protocol_error", "code": -32600, "message": "bad request"},
            {"type": "mcp_tool_execution_error", "content": [{"type": "text", "text": "no"}]},
            {"type": "mcp_tool_execution_error", "content": None},
            {"type": "http_error", "code": 503, "message": "down", "retry": True},
        ),
        _maybe(None, "in_progress", "completed", "incomplete", "calling", "failed"),
        _EXTRA,
    ),
    "custom_tool_call": st.builds(
        lambda identifier, call_id, name, tool_input, namespace, caller, run_async, extra: _json(
            {
                "id": identifier,
                "type": "custom_tool_call",
                "call_id": call_id,
                "name": name,
                "input": tool_input,
                "namespace": namespace,
                "caller": caller,
                "async": run_async,
                **extra,
            }
        ),
        _ID,
        _STRING,
        _STRING,
        _STRING,
        _maybe(None, "tools"),
        _CALLER,
        _maybe(None, True, False),
        st.sampled_from([{}, {"unknown": {"a": 1}}]),
    ),
    "custom_tool_call_output": st.builds(
        lambda identifier, call_id, output, caller, extra: _json(
            {
                "id": identifier,
                "type": "custom_tool_call_output",
                "call_id": call_id,
                "output": output,
                "caller": caller,
                **extra,
            }
        ),
        _ID,
        _STRING,
        st.one_of(_STRING, st.lists(_TOOL_OUTPUT_PART, max_size=2)),
        _CALLER,
        _EXTRA,
    ),
    "shell_call": st.builds(
        lambda identifier, call_id, action, status, environment, caller, created_by: _json(
            {
                "id": identifier,
                "type": "shell_call",
                "call_id": call_id,
                "action": action,
                "status": status,
                "environment": environment,
                "caller": caller,
                "created_by": created_by,
            }
        ),
        _ID,
        _STRING,
        st.builds(
            lambda commands, timeout, length: _json(
                {"commands": commands, "timeout_ms": timeout, "max_output_length": length}
            ),
            st.lists(_STRING, max_size=2),
            _maybe(None, 1000, 2**31),
            _maybe(None, 4096),
        ),
        _STATUS,
        _maybe(None, {"type": "local"}, {"type": "container_reference", "container_id": "cntr_1"}),
        _CALLER,
        _maybe(None, "someone"),
    ),
    "shell_call_output": st.builds(
        lambda identifier, call_id, output, status, length, extra: _json(
            {
                "id": identifier,
                "type": "shell_call_output",
                "call_id": call_id,
                "output": output,
                "status": status,
                "max_output_length": length,
                **extra,
            }
        ),
        _ID,
        _STRING,
        st.lists(
            st.builds(
                lambda stdout, stderr, outcome, created_by: _json(
                    {"stdout": stdout, "stderr": stderr, "outcome": outcome, "created_by": created_by}
                ),
                _STRING,
                _STRING,
                st.one_of(
                    st.just({"type": "timeout"}),
                    st.builds(lambda code: {"type": "exit", "exit_code": code}, st.integers(-1, 255)),
                ),
                _maybe(None, "someone"),
            ),
            max_size=2,
        ),
        _STATUS,
        _maybe(None, 4096),
        _EXTRA,
    ),
    "apply_patch_call": st.builds(
        lambda identifier, call_id, operation, status, caller, extra: _json(
            {
                "id": identifier,
                "type": "apply_patch_call",
                "call_id": call_id,
                "operation": operation,
                "status": status,
                "caller": caller,
                **extra,
            }
        ),
        _ID,
        _STRING,
        st.sampled_from(
            [
                {"type": "create_file", "path": "a.py", "diff": "+x"},
                {"type": "update_file", "path": "a.py", "diff": "-x\n+y"},
                {"type": "delete_file", "path": "a.py"},
                {"type": "delete_file", "path": "a.py", "diff": "ignored"},
            ]
        ),
        st.sampled_from(["in_progress", "completed"]),
        _CALLER,
        _EXTRA,
    ),
    "apply_patch_call_output": st.builds(
        lambda identifier, call_id, status, output, extra: _json(
            {
                "id": identifier,
                "type": "apply_patch_call_output",
                "call_id": call_id,
                "status": status,
                "output": output,
                **extra,
            }
        ),
        _ID,
        _STRING,
        st.sampled_from(["completed", "failed"]),
        _maybe(None, "applied"),
        _EXTRA,
    ),
    "mcp_list_tools": st.builds(
        lambda identifier, label, tools, error, extra: _json(
            {"id": identifier, "type": "mcp_list_tools", "server_label": label, "tools": tools, "error": error, **extra}
        ),
        _ID,
        _STRING,
        st.lists(
            st.builds(
                lambda name, description, schema, annotations: _json(
                    {"name": name, "description": description, "input_schema": schema, "annotations": annotations}
                ),
                _STRING,
                _maybe(None, "Looks things up."),
                st.sampled_from([{}, {"type": "object", "properties": {"q": {"type": "string"}}}]),
                _maybe(None, {"readOnlyHint": True}, [1, "a"], "text", 3),
            ),
            max_size=2,
        ),
        _maybe(None, "server down"),
        _EXTRA,
    ),
    "mcp_approval_request": st.builds(
        lambda identifier, label, name, arguments, extra: {
            "id": identifier,
            "type": "mcp_approval_request",
            "server_label": label,
            "name": name,
            "arguments": arguments,
            **extra,
        },
        _ID,
        _STRING,
        _STRING,
        st.sampled_from(["{}", '{"q": 1}']),
        _EXTRA,
    ),
    "mcp_approval_response": st.builds(
        lambda identifier, request, approve, reason, extra: _json(
            {
                "id": identifier,
                "type": "mcp_approval_response",
                "approval_request_id": request,
                "approve": approve,
                "reason": reason,
                **extra,
            }
        ),
        _ID,
        _STRING,
        st.booleans(),
        _maybe(None, "fine"),
        _EXTRA,
    ),
    "image_generation_call": st.builds(
        lambda identifier, status, result, action, background, output_format, quality, size, revised, extra: _json(
            {
                "id": identifier,
                "type": "image_generation_call",
                "status": status,
                "result": result,
                "action": action,
                "background": background,
                "output_format": output_format,
                "quality": quality,
                "size": size,
                "revised_prompt": revised,
                **extra,
            }
        ),
        _ID,
        st.sampled_from(["in_progress", "completed", "generating", "failed"]),
        _maybe(None, "iVBORw0KGgo="),
        _maybe(None, "generate", "edit", "auto"),
        _maybe(None, "transparent", "opaque", "auto"),
        _maybe(None, "png", "webp", "jpeg", "gif", "svg"),
        _maybe(None, "low", "medium", "high", "xhigh", "max", "auto"),
        _maybe(None, "1024x1024"),
        _maybe(None, "a cat"),
        st.sampled_from(
            [
                {},
                {"error": None, "svg_usage": None},
                {"unknown": 1},
                {"error": {"type": "image_generation_user_error", "message": "no", "code": None}},
                {
                    "error": {
                        "type": "image_generation_user_error",
                        "message": "blocked",
                        "code": "moderation_blocked",
                        "param": "prompt",
                        "moderation_details": {"categories": ["violence"], "moderation_stage": "input"},
                    }
                },
                {"svg_usage": _SVG_USAGE},
            ]
        ),
    ),
    "computer_call": st.builds(
        lambda identifier, call_id, status, checks, action, actions, extra: _json(
            {
                "id": identifier,
                "type": "computer_call",
                "call_id": call_id,
                "status": status,
                "pending_safety_checks": checks,
                "action": action,
                "actions": actions,
                **extra,
            }
        ),
        _ID,
        _STRING,
        _STATUS,
        st.lists(_SAFETY_CHECK, max_size=2),
        _maybe(None) | _COMPUTER_ACTION,
        _maybe(None) | st.lists(_COMPUTER_ACTION, max_size=3),
        _EXTRA,
    ),
    "computer_call_output": st.builds(
        lambda identifier, call_id, status, output, checks, created_by: _json(
            {
                "id": identifier,
                "type": "computer_call_output",
                "call_id": call_id,
                "status": status,
                "output": output,
                "acknowledged_safety_checks": checks,
                "created_by": created_by,
            }
        ),
        _ID,
        _STRING,
        st.sampled_from(["completed", "incomplete", "failed", "in_progress"]),
        st.builds(
            lambda file_id, url: _json({"type": "computer_screenshot", "file_id": file_id, "image_url": url}),
            _maybe(None, "file_1"),
            _maybe(None, "data:image/png;base64,iVBOR"),
        ),
        _maybe(None) | st.lists(_SAFETY_CHECK, max_size=2),
        _maybe(None, "someone"),
    ),
    "code_interpreter_call": st.builds(
        lambda identifier, container, code, outputs, status, extra: _json(
            {
                "id": identifier,
                "type": "code_interpreter_call",
                "container_id": container,
                "code": code,
                "outputs": outputs,
                "status": status,
                **extra,
            }
        ),
        _ID,
        _STRING,
        _maybe(None, "print(1)"),
        _maybe(None)
        | st.lists(
            st.sampled_from(
                [
                    {"type": "logs", "logs": "1\n"},
                    {"type": "image", "url": "https://example.com/plot.png"},
                    {"type": "logs", "logs": ""},
                ]
            ),
            max_size=2,
        ),
        st.sampled_from(["in_progress", "completed", "incomplete", "interpreting", "failed"]),
        _EXTRA,
    ),
    "reasoning": st.builds(
        lambda identifier, summary, content, encrypted, status, extra: _json(
            {
                "id": identifier,
                "type": "reasoning",
                "summary": summary,
                "content": content,
                "encrypted_content": encrypted,
                "status": status,
                **extra,
            }
        ),
        _ID,
        st.lists(_summary_part("summary_text"), max_size=2),
        st.one_of(st.just(_MISSING), st.none(), st.lists(_summary_part("reasoning_text"), max_size=2)),
        _maybe(None, "gAAA"),
        _maybe(None, "completed", "in_progress"),
        _EXTRA,
    ),
    "program": st.builds(
        lambda identifier, call_id, code, fingerprint, extra: {
            "id": identifier,
            "type": "program",
            "call_id": call_id,
            "code": code,
            "fingerprint": fingerprint,
            **extra,
        },
        _ID,
        _STRING,
        st.sampled_from(["", "return tools.search('x');"]),
        _STRING,
        _EXTRA,
    ),
    "program_output": st.builds(
        lambda identifier, call_id, result, status, extra: {
            "id": identifier,
            "type": "program_output",
            "call_id": call_id,
            "result": result,
            "status": status,
            **extra,
        },
        _ID,
        _STRING,
        _STRING,
        st.sampled_from(["completed", "incomplete"]),
        _EXTRA,
    ),
    "compaction": st.builds(
        lambda identifier, content, created_by, extra: _json(
            {"id": identifier, "type": "compaction", "encrypted_content": content, "created_by": created_by, **extra}
        ),
        _ID,
        _STRING,
        _maybe(None, "someone"),
        st.sampled_from([{}, {"unknown": [1]}]),
    ),
    "local_shell_call": st.builds(
        lambda identifier, call_id, action, status, extra: {
            "id": identifier,
            "type": "local_shell_call",
            "call_id": call_id,
            "action": action,
            "status": status,
            **extra,
        },
        _ID,
        _STRING,
        st.builds(
            lambda command, env, timeout, user, directory: _json(
                {
                    "type": "exec",
                    "command": command,
                    "env": env,
                    "timeout_ms": timeout,
                    "user": user,
                    "working_directory": directory,
                }
            ),
            st.lists(_STRING, max_size=2),
            st.dictionaries(_STRING, _STRING, max_size=2),
            _maybe(None, 1000, 2**31),
            _maybe(None, "root"),
            _maybe(None, "/tmp"),
        ),
        _STATUS,
        _EXTRA,
    ),
    "tool_search_call": st.builds(
        lambda identifier, call_id, execution, status, arguments, created_by: _json(
            {
                "id": identifier,
                "type": "tool_search_call",
                "call_id": call_id,
                "execution": execution,
                "status": status,
                "arguments": arguments,
                "created_by": created_by,
            }
        ),
        _ID,
        _maybe(None, "call_1"),
        st.sampled_from(["server", "client"]),
        _STATUS,
        st.sampled_from([None, {}, {"query": "weather", "limit": 3}, ["a", 1.5, True], "text", 0]),
        _maybe(None, "someone"),
    ),
    "tool_search_output": st.builds(
        lambda identifier, call_id, execution, status, tools, extra: _json(
            {
                "id": identifier,
                "type": "tool_search_output",
                "call_id": call_id,
                "execution": execution,
                "status": status,
                "tools": tools,
                **extra,
            }
        ),
        _ID,
        _maybe(None, "call_1"),
        st.sampled_from(["server", "client"]),
        _STATUS,
        st.lists(_TOOL, max_size=3),
        _EXTRA,
    ),
    "additional_tools": st.builds(
        lambda identifier, role, tools, extra: {
            "id": identifier,
            "type": "additional_tools",
            "role": role,
            "tools": tools,
            **extra,
        },
        _ID,
        st.sampled_from(["user", "assistant", "system", "developer"]),
        st.lists(_TOOL, max_size=3),
        st.sampled_from([{}, {"unknown": [1]}]),
    ),
    "configuration_update": st.builds(
        lambda identifier, reasoning, text, extra: _json(
            {"id": identifier, "type": "configuration_update", "reasoning": reasoning, "text": text, **extra}
        ),
        _ID,
        _maybe(None, {}, {"effort": None}, {"effort": "low"}, {"effort": "max", "summary": "auto"}),
        _maybe(
            None,
            {"format": {"type": "text"}},
            {"format": {"type": "json_schema", "name": "reply", "schema": {"type": "object"}}},
            {"format": {"type": "json_schema", "name": "reply", "schema_": {}, "strict": True}},
            {
                "format": {
                    "type": "json_schema",
                    "name": "reply",
                    "schema": {"type": "object", "properties": {"a": {"type": "integer"}}},
                    "description": None,
                    "strict": None,
                },
                "verbosity": "low",
            },
        ),
        st.sampled_from([{}, {"unknown": [1]}]),
    ),
    "local_shell_call_output": st.builds(
        lambda identifier, call_id, output, status, extra: _json(
            {
                "id": identifier,
                "type": "local_shell_call_output",
                "call_id": call_id,
                "output": output,
                "status": status,
                **extra,
            }
        ),
        _ID,
        _maybe(None, "call_1"),
        st.sampled_from(["", '{"stdout": "a"}']),
        _maybe(None, "completed", "in_progress", "incomplete"),
        _EXTRA,
    ),
}
_CHANGES: st.SearchStrategy[dict[str, Any]] = st.sampled_from(
    [
        {"id": 7},
        {"id": ""},
        {"id": _MISSING},
        {"type": "function_call"},
        {"type": "message"},
        {"type": "reasoning"},
        {"type": "function_call_output"},
        {"type": _MISSING},
        {"status": "done"},
        {"status": _MISSING},
        {"status": None},
        {"role": "robot"},
        {"role": None},
        {"phase": "aside"},
        {"content": "text"},
        {"content": _MISSING},
        {"content": None},
        {"call_id": None},
        {"call_id": _MISSING},
        {"call_id": ""},
        {"name": None},
        {"name": 5},
        {"arguments": {"a": 1}},
        {"async": "true"},
        {"async": 1},
        {"async": "maybe"},
        {"async_": True},
        {"caller": {"type": "direct", "caller_id": "p"}},
        {"caller": {"type": "program"}},
        {"caller": {"type": "a_future_caller"}},
        {"caller": "direct"},
        {"namespace": 3},
        {"created_by": 3},
        {"output": None},
        {"output": _MISSING},
        {"output": 3},
        {"summary": None},
        {"summary": _MISSING},
        {"encrypted_content": 3},
        {"status": "searching"},
        {"status": "calling"},
        {"status": "interpreting"},
        {"type": "code_interpreter_call"},
        {"container_id": None},
        {"container_id": _MISSING},
        {"code": 3},
        {"outputs": [{"type": "logs"}]},
        {"outputs": [{"type": "image", "url": None}]},
        {"outputs": [{"type": "files", "files": []}]},
        {"outputs": {"type": "logs", "logs": "1"}},
        {"type": "computer_call"},
        {"type": "computer_call_output"},
        {"pending_safety_checks": None},
        {"pending_safety_checks": _MISSING},
        {"pending_safety_checks": [{"code": "x"}]},
        {"acknowledged_safety_checks": [{"id": 3}]},
        {"action": {"type": "click", "button": "middle", "x": 1, "y": 2}},
        {"action": {"type": "click", "button": "left", "x": "1", "y": 2}},
        {"action": {"type": "click", "button": "left", "x": 1.0, "y": 2}},
        {"action": {"type": "drag", "path": [{"x": 1}]}},
        {"action": {"type": "keypress"}},
        {"action": {"type": "scroll", "x": 1, "y": 2}},
        {"action": {"type": "type", "text": None}},
        {"action": {"type": "zoom", "factor": 2}},
        {"actions": [{"type": "wait"}, {"type": "zoom"}]},
        {"actions": {"type": "wait"}},
        {"output": {"type": "computer_screenshot", "file_id": 3}},
        {"output": {"type": "input_image", "image_url": "u"}},
        {"output": {"file_id": "file_1"}},
        {"status": "generating"},
        {"type": "image_generation_call"},
        {"result": 3},
        {"action": "draw"},
        {"background": "striped"},
        {"output_format": "bmp"},
        {"quality": "ultra"},
        {"size": 1024},
        {"revised_prompt": ["a"]},
        {"error": {"type": "image_generation_user_error", "message": "no"}},
        {"svg_usage": {"input_tokens": 1, "output_tokens": 1, "reasoning_tokens": 0, "total_tokens": 2, "model": "m"}},
        {"error": {"type": "image_generation_user_error"}},
        {"error": {"message": "no"}},
        {"error": {"type": "x", "message": "no", "code": 400}},
        {"error": {"type": "x", "message": "no", "moderation_details": {"categories": []}}},
        {"error": {"type": "x", "message": "no", "moderation_details": {"categories": [], "moderation_stage": "l"}}},
        {
            "error": {
                "type": "x",
                "message": "no",
                "moderation_details": {"categories": "a", "moderation_stage": "input"},
            }
        },
        {"svg_usage": {**_SVG_USAGE, "model": None}},
        {"svg_usage": {**_SVG_USAGE, "total_tokens": "210"}},
        {"svg_usage": {**_SVG_USAGE, "total_tokens": 2**40}},
        {"error": {"type": "mcp_protocol_error", "code": "x", "message": "m"}},
        {"error": {"type": "mcp_protocol_error", "code": 1}},
        {"error": {"type": "mcp_tool_execution_error"}},
        {"error": {"type": "http_error", "code": 500.5, "message": "m"}},
        {"error": {"type": "a_future_error", "detail": "x"}},
        {"error": {"code": 1, "message": "m"}},
        {"type": "mcp_list_tools"},
        {"type": "mcp_approval_request"},
        {"type": "mcp_approval_response"},
        {"tools": None},
        {"tools": [{"name": "t"}]},
        {"tools": [{"name": "t", "input_schema": None}]},
        {"tools": [{"name": "t", "input_schema": {}, "annotations": None}]},
        {"tools": [{"name": 1, "input_schema": {}}]},
        {"error": 3},
        {"approve": "true"},
        {"approve": 1},
        {"approve": "maybe"},
        {"approve": None},
        {"approval_request_id": None},
        {"reason": 3},
        {"type": "shell_call"},
        {"type": "shell_call_output"},
        {"type": "apply_patch_call"},
        {"type": "apply_patch_call_output"},
        {"action": {"commands": "ls"}},
        {"action": {"commands": ["ls"], "timeout_ms": "10"}},
        {"action": {"commands": ["ls"], "timeout_ms": 1.5}},
        {"action": {"timeout_ms": 10}},
        {"environment": {"type": "a_future_environment"}},
        {"environment": {"type": "container_reference"}},
        {"environment": "local"},
        {"output": [{"stdout": "", "stderr": "", "outcome": {"type": "signal", "signal": 9}}]},
        {"output": [{"stdout": "", "stderr": "", "outcome": {"type": "exit"}}]},
        {"output": [{"stdout": "", "stderr": None, "outcome": {"type": "timeout"}}]},
        {"output": [{"stdout": "", "stderr": "", "outcome": {"type": "exit", "exit_code": "1"}}]},
        {"max_output_length": "4096"},
        {"max_output_length": True},
        {"operation": None},
        {"operation": {"type": "rename_file", "path": "a", "to": "b"}},
        {"operation": {"type": "update_file", "path": "a"}},
        {"operation": {"type": "create_file", "diff": "+x"}},
        {"type": "mcp_call"},
        {"type": "file_search_call"},
        {"type": "custom_tool_call"},
        {"type": "custom_tool_call_output"},
        {"queries": None},
        {"queries": _MISSING},
        {"queries": ["a", 1]},
        {"results": [{"attributes": {"a": None}}]},
        {"results": [{"attributes": {"a": [1]}}]},
        {"results": [{"attributes": []}]},
        {"results": [{"score": "0.5"}]},
        {"results": [{"score": True}]},
        {"results": [{"file_id": 3}]},
        {"results": {}},
        {"input": None},
        {"input": _MISSING},
        {"server_label": None},
        {"arguments": _MISSING},
        {"approval_request_id": 3},
        {"error": {"type": "http_error", "code": 500, "message": "down"}},
        {"error": "failed"},
        {"output": [{"type": "input_text", "text": "a"}]},
        {"status": "failed"},
        {"type": "web_search_call"},
        {"action": None},
        {"action": _MISSING},
        {"action": "search"},
        {"action": {"type": "a_future_action"}},
        {"action": {"type": "find_in_page", "url": "u"}},
        {"action": {"type": "find_in_page", "url": None, "pattern": "p"}},
        {"action": {"type": "open_page", "url": 3}},
        {"action": {"type": "search", "queries": "a"}},
        {"action": {"type": "search", "queries": [1]}},
        {"action": {"type": "search", "sources": [{"type": "api", "name": "x"}]}},
        {"action": {"type": "search", "sources": [{"type": "url"}]}},
        {"action": {"type": "search", "sources": None, "query": None}},
        {"type": "program"},
        {"type": "program_output"},
        {"type": "compaction"},
        {"type": "local_shell_call"},
        {"type": "local_shell_call_output"},
        {"code": None},
        {"fingerprint": _MISSING},
        {"result": None},
        {"result": 3},
        {"status": "failed"},
        {"encrypted_content": None},
        {"encrypted_content": _MISSING},
        {"action": {"type": "exec", "command": ["ls"]}},
        {"action": {"type": "exec", "command": ["ls"], "env": None}},
        {"action": {"type": "exec", "command": ["ls"], "env": {"A": 1}}},
        {"action": {"type": "exec", "command": ["ls"], "env": []}},
        {"action": {"type": "exec", "command": "ls", "env": {}}},
        {"action": {"type": "exec", "command": ["ls"], "env": {}, "timeout_ms": "10"}},
        {"action": {"type": "exec", "command": ["ls"], "env": {}, "timeout_ms": 1.5}},
        {"action": {"type": "run", "command": ["ls"], "env": {}}},
        {"action": {"command": ["ls"], "env": {}}},
        {"output": None},
        {"output": 3},
        {"type": "tool_search_call"},
        {"type": "tool_search_output"},
        {"type": "additional_tools"},
        {"type": "configuration_update"},
        {"execution": "local"},
        {"execution": None},
        {"arguments": _MISSING},
        {"tools": None},
        {"tools": [{"name": "no type"}]},
        {"tools": [{"type": 3}]},
        {"tools": [{"type": "function", "name": 3}]},
        {"tools": [{"type": "mcp", "server_label": None}]},
        {"tools": [{"type": "function", "description": ["a"]}]},
        {"tools": {"type": "function"}},
        {"reasoning": {"effort": "extreme"}},
        {"reasoning": "low"},
        {"text": {}},
        {"text": {"format": {"type": "json_object"}}},
        {"text": {"format": {"type": "json_schema", "name": "r"}}},
        {"text": {"format": {"type": "json_schema", "name": "r", "schema": []}}},
        {"text": {"format": {"type": "json_schema", "name": None, "schema": {}}}},
        {"text": {"format": {"type": "json_schema", "name": "r", "schema": {}, "strict": "yes"}}},
        {"text": {"format": {"type": "json_schema", "name": "r", "schema": {}, "schema_": {"a": 1}}}},
        {"text": {"format": "text"}},
    ]
)


@st.composite
def _items(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """An item of a kind the reader takes, plain (True) or changed in one place (False): a value,
    or a part it does not take. A changed item may still be one the reader takes."""
    item = draw(_PLAIN[draw(st.sampled_from(sorted(_PLAIN)))])
    change = draw(st.sampled_from(["none", "none", "field", "part"]))
    if change == "field":
        return _json({**item, **draw(_CHANGES)}), False
    if change == "part":
        lists = [name for name in ("content", "summary", "output") if isinstance(item.get(name), list)]
        if not lists:
            return item, True
        name = draw(st.sampled_from(lists))
        parts = list(item[name])
        parts.insert(draw(st.integers(0, len(parts))), draw(_OTHER_PART))
        return {**item, name: parts}, False
    return item, True


_FUTURE_ITEM = st.just(({"id": "x", "type": "a_future_item"}, False))


@st.composite
def _pages(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A page's body, and whether it is plain: every item and member one the reader must take."""
    items = draw(st.lists(st.one_of(_items(), _items(), _items(), _FUTURE_ITEM), max_size=4))
    kind = draw(st.sampled_from(["list", "list", "list", _MISSING, "page"]))
    first = draw(st.sampled_from([None, "msg_1", "msg_1", _MISSING]))
    has_more = draw(st.sampled_from([True, False, True, False, "yes", _MISSING]))
    extra = draw(st.sampled_from([{}, {"next": "x"}]))
    body = {"object": kind, "data": [item for item, _ in items], "first_id": first, "last_id": first}
    plain = all(plain for _, plain in items) and kind != "page" and first is not _MISSING
    plain = plain and has_more in (True, False)
    return jsoncodec.dumps(_json({**body, "has_more": has_more, **extra})), plain


@settings(max_examples=1500, deadline=None)
@given(_pages())
def test_a_page_read_straight_is_the_page_read_the_usual_way(page: tuple[bytes, bool]) -> None:
    body, plain = page
    straight = read_item_page(body, CONVERSATION)
    usual = _usual(body)
    if straight is None:
        assert not plain, "a plain page is not read straight"
        return  # read the usual way, with the usual errors
    assert usual is not None, "read straight, though the REST models refuse it"
    assert (state(straight.data), straight.has_more) == (state(usual[0]), usual[1])


def _page(*items: dict[str, Any]) -> bytes:
    return orjson.dumps({"object": "list", "data": list(items), "first_id": None, "last_id": None, "has_more": False})


_TEXT = {"type": "input_text", "text": "hello"}
_REPLY = {"type": "output_text", "text": "hi", "annotations": [], "logprobs": []}


def _message(**changes: Any) -> dict[str, Any]:
    return _json(
        {"id": "msg_1", "type": "message", "status": "completed", "role": "user", "content": [_TEXT], **changes}
    )


_CALL = {
    "id": "fc_1",
    "type": "function_call",
    "call_id": "call_1",
    "name": "f",
    "arguments": "{}",
    "status": "completed",
}
_OUTPUT = {"id": "fco_1", "type": "function_call_output", "call_id": "call_1", "output": "18C", "status": "completed"}
_REASONING = {"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "thinking"}]}
_SHELL_OUTPUT = {
    "id": "sho_1",
    "type": "shell_call_output",
    "call_id": "call_1",
    "status": "completed",
    "output": [{"stdout": "a.py\n", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}],
}
_MCP = {"id": "mcp_1", "type": "mcp_call", "server_label": "docs", "name": "lookup", "arguments": "{}"}
_CUSTOM_OUTPUT = {"id": "ctco_1", "type": "custom_tool_call_output", "call_id": "call_1", "output": "done"}


def test_a_page_of_an_agent_s_usual_items_is_read_straight() -> None:
    body = _page(
        _message(),
        _REASONING,
        {**_CALL, "caller": {"type": "program", "caller_id": "prog_1"}, "async": True},
        {**_OUTPUT, "output": [_TEXT], "caller": {"type": "direct"}},
        _OUTPUT,
        {**_REASONING, "content": [{"type": "reasoning_text", "text": "step"}], "status": "completed"},
        _message(id="msg_2", role="assistant", content=[_REPLY], phase="final_answer"),
        {**_CALL, "id": "fc_2", "async_": False},  # the REST model takes it by its field's name too
    )
    items = _read_straight(body)
    assert [item.conversation_id for item in items] == [CONVERSATION] * 8
    call, listed, said = items[7], items[3], items[4]
    assert isinstance(call, FunctionCall)
    assert call.async_ is False
    # The output's two fields, as the schema has them: a list of parts, or a string.
    assert isinstance(listed, FunctionCallOutput)
    assert isinstance(said, FunctionCallOutput)
    assert listed.output is None
    assert [part.text for part in listed.output_content or [] if isinstance(part, InputTextContent)] == ["hello"]
    assert (said.output, said.output_content) == ("18C", None)


def test_a_page_of_a_web_search_and_its_cited_answer_is_read_straight() -> None:
    citation = {"type": "url_citation", "url": "https://example.com/w", "title": "W", "start_index": 0, "end_index": 4}
    search = {"type": "search", "query": "weather", "sources": [{"type": "url", "url": "https://example.com/w"}]}
    body = _page(
        _message(),
        {"id": "ws_1", "type": "web_search_call", "status": "completed", "action": search},
        {"id": "ws_2", "type": "web_search_call", "status": "completed", "action": {"type": "open_page"}},
        {
            "id": "ws_3",
            "type": "web_search_call",
            "status": "failed",
            "action": {"type": "find_in_page", "url": "u", "pattern": "18"},
        },
        _message(id="msg_2", role="assistant", content=[{**_REPLY, "text": "18C.", "annotations": [citation]}]),
    )
    items = _read_straight(body)
    searched, opened, found, answer = items[1:]
    assert isinstance(searched, WebSearchCall)
    assert isinstance(searched.action, SearchAction)
    assert [source.url for source in searched.action.sources or []] == ["https://example.com/w"]
    assert isinstance(opened, WebSearchCall)
    assert isinstance(opened.action, OpenPageAction)
    assert opened.action.url is None
    assert isinstance(found, WebSearchCall)
    assert isinstance(found.action, FindInPageAction)
    assert isinstance(answer, Message)
    (part,) = answer.content
    assert isinstance(part, OutputTextContent)
    (annotation,) = part.annotations
    assert isinstance(annotation, UrlCitationAnnotation)
    assert (annotation.type, annotation.title, annotation.end_index) == ("url_citation", "W", 4)


def test_a_page_of_file_searches_mcp_and_custom_tool_calls_is_read_straight() -> None:
    result = {"file_id": "file_1", "score": 1, "text": "p", "attributes": {"year": 2024, "public": True, "by": "me"}}
    body = _page(
        {"id": "fs_1", "type": "file_search_call", "queries": ["q"], "status": "completed", "results": [result]},
        {**_MCP, "output": "42", "status": "completed"},
        {"id": "ctc_1", "type": "custom_tool_call", "call_id": "call_1", "name": "grep", "input": "a.*b"},
        _CUSTOM_OUTPUT,
        {**_CUSTOM_OUTPUT, "id": "ctco_2", "output": [_TEXT]},
    )
    items = _read_straight(body)
    searched, called, custom, said, listed = items
    assert isinstance(searched, FileSearchCall)
    (found,) = searched.results or []
    assert found.score == 1.0
    assert [(a.key, a.string_value, a.number_value, a.boolean_value) for a in found.attributes or []] == [
        ("year", None, 2024.0, None),
        ("public", None, None, True),
        ("by", "me", None, None),
    ]
    assert isinstance(called, McpCall)
    assert (called.output, called.error) == ("42", None)
    assert isinstance(custom, CustomToolCall)
    assert custom.input == "a.*b"
    assert isinstance(said, CustomToolCallOutput)
    assert (said.output, said.output_content) == ("done", None)
    assert isinstance(listed, CustomToolCallOutput)
    assert listed.output is None
    assert len(listed.output_content or []) == 1


def test_a_page_of_a_coding_agent_s_shell_and_patch_calls_is_read_straight() -> None:
    body = _page(
        {
            "id": "sh_1",
            "type": "shell_call",
            "call_id": "call_1",
            "action": {"commands": ["ls"], "timeout_ms": 1000, "max_output_length": None},
            "status": "completed",
            "environment": {"type": "container_reference", "container_id": "cntr_1"},
        },
        _SHELL_OUTPUT,
        {**_SHELL_OUTPUT, "id": "sho_2", "output": [{"stdout": "", "stderr": "", "outcome": {"type": "timeout"}}]},
        {
            "id": "ap_1",
            "type": "apply_patch_call",
            "call_id": "call_2",
            "status": "completed",
            "operation": {"type": "update_file", "path": "a.py", "diff": "-x\n+y"},
        },
        {"id": "apo_1", "type": "apply_patch_call_output", "call_id": "call_2", "status": "failed", "output": "no"},
    )
    items = _read_straight(body)
    shell, output, timed_out, patch, patched = items
    assert isinstance(shell, ShellCall)
    assert isinstance(shell.environment, ContainerReferenceEnvironment)
    assert shell.action.commands == ["ls"]
    assert isinstance(output, ShellCallOutput)
    (chunk,) = output.output
    assert isinstance(chunk.outcome, ShellExitOutcome)
    assert chunk.outcome.exit_code == 0
    assert isinstance(timed_out, ShellCallOutput)
    assert isinstance(timed_out.output[0].outcome, ShellTimeoutOutcome)
    assert isinstance(patch, ApplyPatchCall)
    assert isinstance(patch.operation, UpdateFileOperation)
    assert isinstance(patched, ApplyPatchCallOutput)
    assert patched.status is ApplyPatchCallOutputStatus.FAILED


def test_a_page_of_programs_local_shell_calls_and_a_compaction_is_read_straight() -> None:
    command = {
        "type": "exec",
        "command": ["ls", "-l"],
        "env": {"HOME": "/root", "LANG": "C"},
        "timeout_ms": 1000,
        "working_directory": "/tmp",
    }
    body = _page(
        {"id": "cmp_1", "type": "compaction", "encrypted_content": "gAAA"},
        {"id": "prog_1", "type": "program", "call_id": "call_1", "code": "return 1;", "fingerprint": "fp"},
        {"id": "prout_1", "type": "program_output", "call_id": "call_1", "result": "1", "status": "completed"},
        {"id": "lsh_1", "type": "local_shell_call", "call_id": "call_2", "action": command, "status": "completed"},
        {"id": "lsho_1", "type": "local_shell_call_output", "output": '{"stdout": "a"}'},
    )
    items = _read_straight(body)
    compaction, program, result, shell, output = items
    assert isinstance(compaction, Compaction)
    assert (compaction.encrypted_content, compaction.created_by) == ("gAAA", None)
    assert isinstance(program, Program)
    assert (program.call_id, program.fingerprint) == ("call_1", "fp")
    assert isinstance(result, ProgramOutput)
    assert result.status is ProgramOutputStatus.COMPLETED
    assert isinstance(shell, LocalShellCall)
    assert [(variable.name, variable.value) for variable in shell.action.env] == [("HOME", "/root"), ("LANG", "C")]
    assert (shell.action.user, shell.action.working_directory) == (None, "/tmp")
    assert isinstance(output, LocalShellCallOutput)
    assert (output.call_id, output.status) == (None, None)


def test_a_page_of_an_mcp_server_s_tools_and_approvals_is_read_straight() -> None:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    tool = {"name": "lookup", "input_schema": schema, "annotations": {"readOnlyHint": True}}
    body = _page(
        {"id": "mcpl_1", "type": "mcp_list_tools", "server_label": "docs", "tools": [tool]},
        {"id": "mcpr_1", "type": "mcp_approval_request", "server_label": "docs", "name": "lookup", "arguments": "{}"},
        {"id": "mcpa_1", "type": "mcp_approval_response", "approval_request_id": "mcpr_1", "approve": True},
        {**_MCP, "approval_request_id": "mcpr_1", "output": "3 pages"},
    )
    items = _read_straight(body)
    listed, asked, answered, _ = items
    assert isinstance(listed, McpListTools)
    (read,) = listed.tools
    shown: tuple[Any, Any, str | None] = (read.input_schema, read.annotations, read.description)
    assert shown == (schema, {"readOnlyHint": True}, None)
    assert isinstance(asked, McpApprovalRequest)
    assert isinstance(answered, McpApprovalResponse)
    assert (answered.approve, answered.reason) == (True, None)


def test_a_page_with_code_the_interpreter_ran_is_read_straight() -> None:
    outputs = [{"type": "logs", "logs": "3\n"}, {"type": "image", "url": "https://example.com/plot.png"}]
    run = {"id": "ci_1", "type": "code_interpreter_call", "container_id": "cntr_1", "code": "print(1 + 2)"}
    body = _page(_message(), {**run, "outputs": outputs, "status": "completed"})
    items = _read_straight(body)
    ran = items[1]
    assert isinstance(ran, CodeInterpreterCall)
    assert [type(output).__name__ for output in ran.outputs or []] == [
        "CodeInterpreterLogsOutput",
        "CodeInterpreterImageOutput",
    ]


def test_a_page_with_a_generated_image_is_read_straight() -> None:
    image = {
        "id": "ig_1",
        "type": "image_generation_call",
        "status": "completed",
        "result": "iVBORw0KGgo=",
        "output_format": "png",
        "quality": "high",
        "size": "1024x1024",
    }
    body = _page(_message(), image)
    items = _read_straight(body)
    generated = items[1]
    assert isinstance(generated, ImageGenerationCall)
    assert (generated.result, generated.quality, generated.action) == ("iVBORw0KGgo=", ImageQuality.HIGH, None)


def test_a_page_with_log_probabilities_cache_breakpoints_and_screenshots_is_read_straight() -> None:
    top = {"token": "Hi", "bytes": [72, 105], "logprob": -0.01}
    logprobs = [{**top, "top_logprobs": [top, {"token": "Hey", "bytes": [72, 101, 121], "logprob": -5}]}]
    body = _page(
        _message(
            content=[
                {**_TEXT, "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "12h"}},
                {"type": "computer_screenshot", "detail": "auto", "file_id": "file_1", "image_url": None},
                {"type": "text", "text": "plain"},
            ]
        ),
        _message(id="msg_2", role="assistant", content=[{**_REPLY, "logprobs": logprobs}]),
    )
    items = _read_straight(body)
    question, answer = items
    assert isinstance(question, Message)
    text, screenshot, plain = question.content
    assert isinstance(text, InputTextContent)
    assert text.prompt_cache_breakpoint is not None
    assert text.prompt_cache_breakpoint.ttl is PromptCacheTtl.TWELVE_HOURS
    assert isinstance(screenshot, ComputerScreenshotContent)
    assert (screenshot.detail, screenshot.file_id) == (ImageDetail.AUTO, "file_1")
    assert isinstance(plain, TextContent)
    assert isinstance(answer, Message)
    (reply,) = answer.content
    assert isinstance(reply, OutputTextContent)
    assert reply.logprobs is not None
    (first,) = reply.logprobs
    assert [(token.token, token.logprob) for token in first.top_logprobs] == [("Hi", -0.01), ("Hey", -5.0)]
    assert isinstance(first.top_logprobs[1].logprob, float)


def test_a_page_of_tool_searches_added_tools_and_configuration_updates_is_read_straight() -> None:
    weather = {"type": "function", "name": "get_weather", "parameters": {"type": "object"}, "strict": True}
    docs = {"server_label": "docs", "type": "mcp", "server_url": "https://example.com/mcp"}
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    body = _page(
        {"id": "tsc_1", "type": "tool_search_call", "execution": "server", "status": "completed", "arguments": None},
        {"id": "tso_1", "type": "tool_search_output", "execution": "server", "status": "completed", "tools": [weather]},
        {"id": "at_1", "type": "additional_tools", "role": "developer", "tools": [docs]},
        {
            "id": "cfg_1",
            "type": "configuration_update",
            "reasoning": {"effort": "high"},
            "text": {"format": {"type": "json_schema", "name": "reply", "schema": schema, "strict": True}},
        },
    )
    items = _read_straight(body)
    search, found, added, update = items
    assert isinstance(search, ToolSearchCall)
    assert (search.execution, search.arguments, search.call_id) == (ToolExecution.SERVER, None, None)
    assert isinstance(found, ToolSearchOutput)
    (tool,) = found.tools
    assert (tool.type, tool.name, tool.description) == ("function", "get_weather", None)
    definition: Any = tool.definition
    assert list(definition) == ["type", "name", "parameters", "strict"]
    assert isinstance(added, AdditionalTools)
    (server,) = added.tools
    definition = server.definition
    assert list(definition) == ["type", "server_label", "server_url"]  # as the REST model writes it
    assert isinstance(update, ConfigurationUpdate)
    assert update.reasoning is not None
    assert update.reasoning.effort is ReasoningEffort.HIGH
    assert update.text is not None
    assert isinstance(update.text.format, JsonSchemaTextFormat)
    shown: tuple[Any, bool | None] = (update.text.format.json_schema, update.text.format.strict)
    assert shown == (schema, True)


@pytest.mark.parametrize(
    "number",
    [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"1.5E+309", b"1" * 210 + b"e99", b"1" * 400 + b".5", b"1e-400"],
)
def test_a_float_in_a_tool_definition_is_shown_as_the_rest_model_writes_it_back(number: bytes) -> None:
    """A float that is not finite is written back as null by the REST model, and shown so in
    `definition`: read straight too."""
    tool = b'{"type": "function", "name": "f", "parameters": {"maximum": ' + number + b"}}"
    item = b'{"id": "at_1", "type": "additional_tools", "role": "developer", "tools": [' + tool + b"]}"
    body = b'{"object": "list", "data": [' + item + b'], "first_id": null, "last_id": null, "has_more": false}'
    items = _read_straight(body)
    (added,) = items
    assert isinstance(added, AdditionalTools)
    definition: Any = added.tools[0].definition
    maximum = definition["parameters"]["maximum"]
    assert maximum is None or math.isfinite(maximum)


def test_a_tool_definition_is_shown_member_for_member_in_the_model_s_order() -> None:
    tool = {"strict": True, "description": "d", "parameters": {"b": 1, "a": [1.5, None]}, "type": "function"}
    body = _page(
        {"id": "at_1", "type": "additional_tools", "role": "developer", "tools": [tool, {"type": "web_search"}]}
    )
    items = _read_straight(body)
    (added,) = items
    assert isinstance(added, AdditionalTools)
    first, second = (tool.definition for tool in added.tools)
    assert (
        orjson.dumps(first)
        == b'{"type":"function","description":"d","strict":true,"parameters":{"b":1,"a":[1.5,null]}}'
    )
    assert orjson.dumps(second) == b'{"type":"web_search"}'
    assert (added.tools[0].name, added.tools[0].description, added.tools[1].server_label) == (None, "d", None)


def test_a_page_of_failed_mcp_calls_and_image_generations_is_read_straight() -> None:
    moderated = {
        "type": "image_generation_user_error",
        "message": "Your request was rejected by the safety system.",
        "code": "moderation_blocked",
        "moderation_details": {"categories": ["violence"], "moderation_stage": "input"},
    }
    svg = {"input_tokens": 12, "output_tokens": 900, "reasoning_tokens": 0, "total_tokens": 912, "model": "m"}
    body = _page(
        {**_MCP, "status": "failed", "error": {"type": "mcp_protocol_error", "code": -32602, "message": "bad"}},
        {**_MCP, "id": "mcp_2", "status": "failed", "error": {"type": "mcp_tool_execution_error", "content": [1]}},
        {**_MCP, "id": "mcp_3", "status": "failed", "error": {"type": "http_error", "code": 502, "message": "gone"}},
        {"id": "ig_1", "type": "image_generation_call", "status": "failed", "error": moderated},
        {"id": "ig_2", "type": "image_generation_call", "status": "completed", "result": "PHN2Zz4=", "svg_usage": svg},
    )
    items = _read_straight(body)
    protocol, execution, http, refused, drawn = items
    assert isinstance(protocol, McpCall)
    assert isinstance(protocol.error, McpProtocolError)
    assert (protocol.error.type, protocol.error.code) == ("mcp_protocol_error", -32602)
    assert isinstance(execution, McpCall)
    assert isinstance(execution.error, McpToolExecutionError)
    content: Any = execution.error.content
    assert content == [1]
    assert isinstance(http, McpCall)
    assert isinstance(http.error, McpHttpError)
    assert isinstance(refused, ImageGenerationCall)
    assert refused.error is not None
    assert refused.error.moderation_details is not None
    assert refused.error.moderation_details.moderation_stage is ModerationStage.INPUT
    assert isinstance(drawn, ImageGenerationCall)
    assert drawn.svg_usage is not None
    assert (drawn.svg_usage.total_tokens, drawn.error) == (912, None)


def test_a_page_of_a_computer_use_agent_s_calls_is_read_straight() -> None:
    click = {"type": "click", "button": "left", "x": 10, "y": 20}
    body = _page(
        {
            "id": "cu_1",
            "type": "computer_call",
            "call_id": "call_1",
            "status": "completed",
            "pending_safety_checks": [{"id": "sc_1", "code": "malicious_instructions"}],
            "action": click,
        },
        {
            "id": "cu_2",
            "type": "computer_call",
            "call_id": "call_2",
            "status": "completed",
            "pending_safety_checks": [],
            "actions": [{"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]}, {"type": "wait"}],
        },
        {
            "id": "cuo_1",
            "type": "computer_call_output",
            "call_id": "call_1",
            "status": "completed",
            "output": {"type": "computer_screenshot", "file_id": "file_1"},
            "acknowledged_safety_checks": [{"id": "sc_1"}],
        },
    )
    items = _read_straight(body)
    clicked, dragged, shown = items
    assert isinstance(clicked, ComputerCall)
    assert isinstance(clicked.action, ClickAction)
    assert (clicked.action.button, clicked.action.keys) == (MouseButton.LEFT, None)
    assert [check.code for check in clicked.pending_safety_checks] == ["malicious_instructions"]
    assert isinstance(dragged, ComputerCall)
    drag, _ = dragged.actions or []
    assert isinstance(drag, DragAction)
    assert [(point.x, point.y) for point in drag.path] == [(1, 2), (3, 4)]
    assert isinstance(shown, ComputerCallOutput)
    assert (shown.output.file_id, shown.output.image_url) == ("file_1", None)


def test_a_page_of_images_files_and_refusals_is_read_straight() -> None:
    image = {"type": "input_image", "detail": "auto", "image_url": "https://example.com/a.png", "file_id": None}
    document = {"type": "input_file", "file_id": "file_1", "filename": "a.pdf"}
    body = _page(
        _message(content=[_TEXT, image, document]),
        _message(id="msg_2", role="assistant", content=[{"type": "refusal", "refusal": "I can't help with that."}]),
        {**_OUTPUT, "output": [_TEXT, image]},
    )
    items = _read_straight(body)
    asked, refused, output = items
    assert isinstance(asked, Message)
    _, seen, read = asked.content
    assert isinstance(seen, InputImageContent)
    assert (seen.detail, seen.image_url, seen.file_id) == (ImageDetail.AUTO, "https://example.com/a.png", None)
    assert isinstance(read, InputFileContent)
    assert (read.file_id, read.detail) == ("file_1", None)
    assert isinstance(refused, Message)
    assert isinstance(refused.content[0], RefusalContent)
    assert isinstance(output, FunctionCallOutput)
    assert [type(part) for part in output.output_content or []] == [InputTextContent, InputImageContent]


@pytest.mark.parametrize(
    "item",
    [
        _message(role="robot"),  # an enum value the schema has no name for: the usual error
        _message(status=_MISSING),
        _message(id=""),  # the usual conversion takes a call's `call_id` for an empty id
        _message(content=[{"type": "refusal", "refusal": None}]),
        _message(content=[{"type": "input_image", "image_url": "https://example.com/a.png"}]),  # no detail
        _message(content=[{"type": "input_image", "detail": "auto", "prompt_cache_breakpoint": {"mode": "later"}}]),
        _message(content=[{"type": "computer_screenshot", "file_id": "file_1"}]),  # no detail
        _message(content=[{"type": "a_future_part"}]),
        _message(content=[{**_REPLY, "annotations": [{"type": "a_future_annotation", "index": 0}]}]),
        _message(content=[{**_REPLY, "annotations": [{"type": "url_citation", "url": "u"}]}]),
        _message(content=[{**_REPLY, "logprobs": [{"token": "a", "logprob": 0, "bytes": []}]}]),  # no top_logprobs
        _message(content=[{**_TEXT, "prompt_cache_breakpoint": {"type": "ephemeral"}}]),
        {**_CALL, "id": ""},
        {**_CALL, "caller": {"type": "a_future_caller"}},
        {**_CALL, "caller": {"type": "direct", "caller_id": "prog_1"}},
        {**_OUTPUT, "output": [{"type": "input_image", "detail": "blurry", "image_url": "https://example.com/a.png"}]},
        {**_REASONING, "summary": [{"type": "reasoning_text", "text": "a"}]},
        {"id": "ws_1", "type": "web_search_call", "status": "completed"},
        {"id": "ws_1", "type": "web_search_call", "status": "completed", "action": {"type": "a_future_action"}},
        {"id": "fs_1", "type": "file_search_call", "status": "completed", "queries": ["a"], "results": [3]},
        {"id": "fs_1", "type": "file_search_call", "status": "completed", "queries": [], "results": [{"score": "x"}]},
        {**_MCP, "error": {"type": "protocol_error", "code": 1, "message": "no"}},
        {**_MCP, "status": "waiting"},
        {**_CUSTOM_OUTPUT, "output": [{"type": "input_file", "file_id": "file_1", "detail": "medium"}]},
        {**_CUSTOM_OUTPUT, "output": [{"type": "refusal", "refusal": "no"}]},
        {"id": "mcpl_1", "type": "mcp_list_tools", "server_label": "s", "tools": [{"name": "t", "input_schema": []}]},
        {"id": "ci_1", "type": "code_interpreter_call", "status": "completed", "container_id": "c", "outputs": [{}]},
        {
            "id": "ig_1",
            "type": "image_generation_call",
            "status": "failed",
            "error": {"type": "x", "message": "no", "moderation_details": {"categories": [], "moderation_stage": "l"}},
        },
        {**_MCP, "error": {"type": "a_future_error", "detail": "x"}},
        {"id": "cu_1", "type": "computer_call", "call_id": "c", "status": "completed", "action": {"type": "wait"}},
        {"id": "cuo_1", "type": "computer_call_output", "call_id": "c", "status": "completed", "output": {}},
        {"id": "ls_1", "type": "local_shell_call", "call_id": "c", "status": "completed", "action": {"type": "exec"}},
        {"id": "mcpr_1", "type": "mcp_approval_request", "server_label": "s", "name": "t"},
        {
            "id": "computer_1",
            "type": "computer_call",
            "call_id": "c",
            "status": "completed",
            "action": {"type": "wait"},
        },
        {**_SHELL_OUTPUT, "output": [{"stdout": "", "stderr": "", "outcome": {"type": "a_future_outcome"}}]},
        {"id": "ap_1", "type": "apply_patch_call", "call_id": "c", "status": "completed", "operation": {"type": "x"}},
        {"id": "cfg_1", "type": "configuration_update", "text": {"format": {"type": "json_object"}}},
        {"id": "x_1", "type": "a_future_item"},
    ],
)
def test_anything_else_sends_the_page_the_usual_way(item: dict[str, Any]) -> None:
    assert read_item_page(_page(_message(), item), CONVERSATION) is None


def test_a_graphql_field_the_reader_does_not_make_is_an_error_at_import() -> None:
    """A field added to a GraphQL type would otherwise be missing from the objects read straight."""
    with pytest.raises(RuntimeError, match=r"makes InputTextContent with \['text', 'type'\], not \['prompt_cache"):
        pages._object(InputTextContent, {"type": cs.str_schema(), "text": cs.str_schema()})
