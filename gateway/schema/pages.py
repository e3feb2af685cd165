"""Pages of items read from the upstream's JSON straight into the GraphQL objects.

A page of items is otherwise read in two steps: validated into the REST models (pydantic, in
Rust), then converted into the GraphQL objects (Python, one reader per field, see
:mod:`gateway.schema.convert`). Most pages a frontend reads hold messages of text, and an agent's
conversation adds tool calls, their outputs, reasoning and searches (whose answers cite pages and
files). For those one validator, in Rust, can make the GraphQL objects themselves: a page of 20
messages in 27 µs instead of 85, measured in a loop.

:func:`read_item_page` takes only what it can make exactly as the two steps would:

- `message` items whose content parts are `input_text`, `input_image`, `input_file`,
  `computer_screenshot` (with or without a prompt cache breakpoint), `refusal`, `output_text`
  (with annotations of the four kinds the schema names, with or without log probabilities),
  `text`, `summary_text` or `reasoning_text`;
- `function_call` items, and `function_call_output` items whose output is a string or a list of
  `input_text`, `input_image` and `input_file` parts;
- `reasoning` items, with `summary_text` and `reasoning_text` parts;
- `web_search_call` items whose action is a `search` (with or without its sources), `open_page`
  or `find_in_page`, and `file_search_call` items (with or without their results);
- `custom_tool_call` items and their outputs (as a function call's); `mcp_call` items (with an
  error of the three kinds the schema names), `mcp_list_tools`, `mcp_approval_request` and
  `mcp_approval_response` items;
- `image_generation_call` items; `code_interpreter_call` items;
  `computer_call` items and their outputs, with the actions the schema names;
- a coding agent's `shell_call` and `apply_patch_call` items and their outputs, with the
  environments, outcomes and operations the schema names; `local_shell_call` items and their
  outputs;
- `program` and `program_output` items (programmatic tool calling), and `compaction` items;
- `tool_search_call` and `tool_search_output` items, `additional_tools` items (tool definitions
  of any kind, as the usual way shows them), and
  `configuration_update` items with a text format of the two kinds the schema names;

every id non-empty, every value one the REST models accept. For anything else it gives None, and
the page is read the usual way, so that an unusual page, and every error, come out exactly as
before. tests/schema/test_pages.py checks that both ways give the same objects, and that no page
the REST models refuse is read here.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import CoreSchema, SchemaValidator, ValidationError, to_jsonable_python
from pydantic_core import core_schema as cs

from gateway.rest.tools import ToolDefinition as RestToolDefinition
from gateway.schema.actions import (
    ClickAction,
    CodeInterpreterImageOutput,
    CodeInterpreterLogsOutput,
    ComputerScreenshotImage,
    ConfigurationReasoning,
    ConfigurationText,
    ContainerReferenceEnvironment,
    CreateFileOperation,
    DeleteFileOperation,
    DoubleClickAction,
    DragAction,
    DragPoint,
    EnvironmentVariable,
    FileSearchResult,
    FindInPageAction,
    ImageGenerationError,
    ImageGenerationModerationDetails,
    ImageGenerationSvgUsage,
    JsonSchemaTextFormat,
    KeypressAction,
    LocalShellEnvironment,
    LocalShellExecAction,
    McpHttpError,
    McpListedTool,
    McpProtocolError,
    McpToolExecutionError,
    MoveAction,
    OpenPageAction,
    PlainTextFormat,
    SafetyCheck,
    ScreenshotAction,
    ScrollAction,
    SearchAction,
    ShellCallAction,
    ShellCallOutputChunk,
    ShellExitOutcome,
    ShellTimeoutOutcome,
    ToolCaller,
    ToolCallerType,
    ToolDefinition,
    TypeAction,
    UpdateFileOperation,
    WaitAction,
    WebSearchSource,
    attribute_list,
)
from gateway.schema.content import (
    ComputerScreenshotContent,
    ContainerFileCitationAnnotation,
    FileCitationAnnotation,
    FilePathAnnotation,
    InputFileContent,
    InputImageContent,
    InputTextContent,
    Logprob,
    OutputTextContent,
    PromptCacheBreakpoint,
    ReasoningTextContent,
    RefusalContent,
    SummaryTextContent,
    TextContent,
    TopLogprob,
    UrlCitationAnnotation,
)
from gateway.schema.enums import (
    ApplyPatchCallOutputStatus,
    ApplyPatchCallStatus,
    CallStatus,
    CodeInterpreterCallStatus,
    ComputerCallOutputStatus,
    FileDetail,
    FileSearchCallStatus,
    ImageBackground,
    ImageDetail,
    ImageGenerationAction,
    ImageGenerationCallStatus,
    ImageOutputFormat,
    ImageQuality,
    McpCallStatus,
    MessagePhase,
    MessageRole,
    ModerationStage,
    MouseButton,
    ProgramOutputStatus,
    PromptCacheMode,
    PromptCacheTtl,
    ReasoningEffort,
    ToolExecution,
    WebSearchCallStatus,
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
    ConversationItemFields,
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
    Reasoning,
    ShellCall,
    ShellCallOutput,
    ToolSearchCall,
    ToolSearchOutput,
    WebSearchCall,
)

__all__ = ["ReadPage", "read_item_page"]


@dataclass(frozen=True, slots=True)
class ReadPage:
    """A page of the upstream's items, already GraphQL objects."""

    data: list[ConversationItemFields]
    has_more: bool


def _enum(cls: type[enum.Enum]) -> CoreSchema:
    return cs.enum_schema(cls, list(cls.__members__.values()), sub_type="str")


def _object(
    cls: type[Any],
    fields: dict[str, CoreSchema],
    aliases: Mapping[str, str | list[list[str | int]]] | None = None,
    later: frozenset[str] = frozenset(),
) -> CoreSchema:
    """``cls`` made from a JSON object by its fields' schemas, unknown members ignored, without
    calling ``__init__`` (as :func:`gateway.schema.convert.to_graphql` makes the GraphQL objects).

    Every field ``__init__`` takes must be here or in ``later`` (set afterwards): a field added
    to the GraphQL type and not here would be missing from the objects, so the import fails instead.
    """
    expected = {field.name for field in dataclasses.fields(cls) if field.init}
    if expected != fields.keys() | later:
        msg = (
            f"gateway/schema/pages.py makes {cls.__name__} with {sorted(fields.keys() | later)}, not {sorted(expected)}"
        )
        raise RuntimeError(msg)
    aliases = aliases or {}
    arguments = cs.dataclass_args_schema(
        cls.__name__,
        [cs.dataclass_field(name, schema, validation_alias=aliases.get(name)) for name, schema in fields.items()],
        extra_behavior="ignore",
    )
    return cs.dataclass_schema(cls, arguments, list(fields))


def _absent_or(schema: CoreSchema) -> CoreSchema:
    return cs.with_default_schema(schema, default=None)


def _optional(schema: CoreSchema) -> CoreSchema:
    """A member the REST models default to None when it is absent, and take as None when null."""
    return _absent_or(cs.nullable_schema(schema))


def _parts(**parts: CoreSchema) -> CoreSchema:
    """A list of content parts, each one of ``parts`` by its `type`."""
    return _list(_union(**parts))


def _literal(value: str) -> CoreSchema:
    return cs.literal_schema([value])


def _kind(cls: type[Any], kind: str, fields: dict[str, CoreSchema] | None = None) -> CoreSchema:
    """A member of a union by `type`: ``cls`` with its `type` ``kind`` and ``fields``."""
    return _object(cls, {"type": _literal(kind), **(fields or {})})


def _union(**members: CoreSchema) -> CoreSchema:
    """One of ``members`` by its `type`; one of another kind is not made here."""
    return cs.tagged_union_schema(members, discriminator="type")


def _list(schema: CoreSchema) -> CoreSchema:
    """A list of ``schema``, refused at its first element that is not one."""
    return cs.list_schema(schema, fail_fast=True)


_COMMON = {"item_id": "id"}
_LATER = frozenset({"conversation_id"})


def _item(
    cls: type[Any],
    kind: str,
    fields: dict[str, CoreSchema],
    aliases: Mapping[str, list[list[str | int]]] | None = None,
    later: frozenset[str] = frozenset(),
) -> CoreSchema:
    """An item of type ``kind``: its non-empty `id` as `item_id`, ``fields``, and its conversation's id
    set after reading (:func:`read_item_page`)."""
    return _object(
        cls,
        {"type": _literal(kind), "item_id": _ID, **fields},
        aliases={**_COMMON, **(aliases or {})},
        later=_LATER | later,
    )


_ID = cs.str_schema(min_length=1)
"""An item's id. An empty one is refused: the usual conversion then takes a call's `call_id` instead."""

_STR = cs.str_schema()
_INT = cs.int_schema()  # as pydantic reads an `int` field; one beyond 32 bits fails where `Int` shows it, either way
_BOOL = cs.bool_schema()

_NONE = _absent_or(cs.none_schema())
"""A member made here only when absent or null (a prompt cache breakpoint, an error, ...): an object
there is one of the kinds this reader leaves to the usual way."""

_BREAKPOINT = _optional(
    _object(PromptCacheBreakpoint, {"mode": _enum(PromptCacheMode), "ttl": _optional(_enum(PromptCacheTtl))})
)
"""A part's prompt cache breakpoint."""

_INPUT_TEXT = _kind(InputTextContent, "input_text", {"text": _STR, "prompt_cache_breakpoint": _BREAKPOINT})

_ANNOTATIONS = _list(
    _union(
        file_citation=_kind(
            FileCitationAnnotation, "file_citation", {"file_id": _STR, "filename": _STR, "index": _INT}
        ),
        url_citation=_kind(
            UrlCitationAnnotation,
            "url_citation",
            {"url": _STR, "title": _STR, "start_index": _INT, "end_index": _INT},
        ),
        container_file_citation=_kind(
            ContainerFileCitationAnnotation,
            "container_file_citation",
            {"container_id": _STR, "file_id": _STR, "filename": _STR, "start_index": _INT, "end_index": _INT},
        ),
        file_path=_kind(FilePathAnnotation, "file_path", {"file_id": _STR, "index": _INT}),
    )
)
"""An output text's annotations; one of a kind the gateway shows as `UnknownAnnotation` is not made here."""

_FLOAT = cs.float_schema()
_TOKEN: dict[str, CoreSchema] = {"token": _STR, "bytes": cs.list_schema(_INT), "logprob": _FLOAT}
_LOGPROBS = _list(_object(Logprob, {**_TOKEN, "top_logprobs": _list(_object(TopLogprob, _TOKEN))}))

_OUTPUT_TEXT = _kind(
    OutputTextContent, "output_text", {"text": _STR, "annotations": _ANNOTATIONS, "logprobs": _optional(_LOGPROBS)}
)

_CALLER = _union(
    # The REST model of a direct caller keeps an unknown `caller_id` member, and the conversion
    # reads it: only a direct caller without one is made here.
    direct=_object(ToolCaller, {"type": _enum(ToolCallerType), "caller_id": _NONE}),
    program=_object(ToolCaller, {"type": _enum(ToolCallerType), "caller_id": _STR}),
)

_REFUSAL = _kind(RefusalContent, "refusal", {"refusal": _STR})
_IMAGE: dict[str, CoreSchema] = {
    "detail": _enum(ImageDetail),
    "file_id": _optional(_STR),
    "image_url": _optional(_STR),
    "prompt_cache_breakpoint": _BREAKPOINT,
}
"""An image part's fields: a given image's, or a computer tool's screenshot's."""
_INPUT_IMAGE = _kind(InputImageContent, "input_image", _IMAGE)
_INPUT_FILE = _kind(
    InputFileContent,
    "input_file",
    {
        "detail": _optional(_enum(FileDetail)),
        "file_data": _optional(_STR),
        "file_id": _optional(_STR),
        "file_url": _optional(_STR),
        "filename": _optional(_STR),
        "prompt_cache_breakpoint": _BREAKPOINT,
    },
)
_COMPUTER_SCREENSHOT = _kind(ComputerScreenshotContent, "computer_screenshot", _IMAGE)
_SUMMARY_TEXT = _kind(SummaryTextContent, "summary_text", {"text": _STR})
_REASONING_TEXT = _kind(ReasoningTextContent, "reasoning_text", {"text": _STR})
_TOOL_OUTPUT = cs.union_schema([_STR, _parts(input_text=_INPUT_TEXT, input_image=_INPUT_IMAGE, input_file=_INPUT_FILE)])
"""A tool call's output: a string, or a list of parts."""

_MESSAGE = _item(
    Message,
    "message",
    {
        "status": _enum(CallStatus),
        "role": _enum(MessageRole),
        "content": _parts(
            input_text=_INPUT_TEXT,
            output_text=_OUTPUT_TEXT,
            refusal=_REFUSAL,
            input_image=_INPUT_IMAGE,
            input_file=_INPUT_FILE,
            computer_screenshot=_COMPUTER_SCREENSHOT,
            text=_kind(TextContent, "text", {"text": _STR}),
            summary_text=_SUMMARY_TEXT,
            reasoning_text=_REASONING_TEXT,
        ),
        "phase": _optional(_enum(MessagePhase)),
    },
)

# The REST models take `async` by its alias, or by its field's name (`populate_by_name`).
_ASYNC_ALIASES: dict[str, list[list[str | int]]] = {"async_": [["async"], ["async_"]]}

_FUNCTION_CALL = _item(
    FunctionCall,
    "function_call",
    {
        "call_id": _STR,
        "name": _STR,
        "arguments": _STR,
        "status": _enum(CallStatus),
        "namespace": _optional(_STR),
        "caller": _optional(_CALLER),
        "async_": _optional(_BOOL),
        "created_by": _optional(_STR),
    },
    aliases=_ASYNC_ALIASES,
)


def _split_output(item: FunctionCallOutput | CustomToolCallOutput) -> FunctionCallOutput | CustomToolCallOutput:
    """`output` as the schema has it: a string as `output`, a list of parts as `outputContent`."""
    output: Any = item.output
    if isinstance(output, list):
        item.output, item.output_content = None, output
    else:
        item.output_content = None
    return item


def _tool_output(cls: type[Any], kind: str, fields: dict[str, CoreSchema]) -> CoreSchema:
    """A tool call's output item, its `output` split as :func:`_split_output` does."""
    schema = _item(cls, kind, {"output": _TOOL_OUTPUT, **fields}, later=frozenset({"output_content"}))
    return cs.no_info_after_validator_function(_split_output, schema)


_FUNCTION_CALL_OUTPUT = _tool_output(
    FunctionCallOutput,
    "function_call_output",
    {
        "call_id": _optional(_STR),
        "status": _enum(CallStatus),
        "name": _optional(_STR),
        "namespace": _optional(_STR),
        "caller": _optional(_CALLER),
        "created_by": _optional(_STR),
    },
)

_REASONING = _item(
    Reasoning,
    "reasoning",
    {
        "summary": _parts(summary_text=_SUMMARY_TEXT),
        "content": _optional(_parts(reasoning_text=_REASONING_TEXT)),
        "encrypted_content": _optional(_STR),
        "status": _optional(_enum(CallStatus)),
    },
)

_WEB_SEARCH_CALL = _item(
    WebSearchCall,
    "web_search_call",
    {
        "status": _enum(WebSearchCallStatus),
        "action": _union(
            search=_kind(
                SearchAction,
                "search",
                {
                    "query": _optional(_STR),
                    "queries": _optional(cs.list_schema(_STR)),
                    "sources": _optional(_list(_kind(WebSearchSource, "url", {"url": _STR}))),
                },
            ),
            open_page=_kind(OpenPageAction, "open_page", {"url": _optional(_STR)}),
            find_in_page=_kind(FindInPageAction, "find_in_page", {"url": _STR, "pattern": _STR}),
        ),
    },
)

_CUSTOM_TOOL_CALL = _item(
    CustomToolCall,
    "custom_tool_call",
    {
        "call_id": _STR,
        "name": _STR,
        "input": _STR,
        "namespace": _optional(_STR),
        "caller": _optional(_CALLER),
        "async_": _optional(_BOOL),
    },
    aliases=_ASYNC_ALIASES,
)

_CUSTOM_TOOL_CALL_OUTPUT = _tool_output(
    CustomToolCallOutput, "custom_tool_call_output", {"call_id": _STR, "caller": _optional(_CALLER)}
)

_MCP_CALL = _item(
    McpCall,
    "mcp_call",
    {
        "server_label": _STR,
        "name": _STR,
        "arguments": _STR,
        "approval_request_id": _optional(_STR),
        "output": _optional(_STR),
        "error": _optional(
            _union(  # an error of a kind the schema shows as `UnknownMcpError` is not made here
                mcp_protocol_error=_kind(McpProtocolError, "mcp_protocol_error", {"code": _INT, "message": _STR}),
                mcp_tool_execution_error=_kind(
                    McpToolExecutionError, "mcp_tool_execution_error", {"content": cs.any_schema()}
                ),
                http_error=_kind(McpHttpError, "http_error", {"code": _INT, "message": _STR}),
            )
        ),
        "status": _optional(_enum(McpCallStatus)),
    },
)

_MCP_LIST_TOOLS = _item(
    McpListTools,
    "mcp_list_tools",
    {
        "server_label": _STR,
        "tools": _list(
            _object(
                McpListedTool,
                {
                    "name": _STR,
                    "description": _optional(_STR),
                    "input_schema": cs.dict_schema(_STR, cs.any_schema()),
                    "annotations": _absent_or(cs.any_schema()),
                },
            )
        ),
        "error": _optional(_STR),
    },
)

_MCP_APPROVAL_REQUEST = _item(
    McpApprovalRequest, "mcp_approval_request", {"server_label": _STR, "name": _STR, "arguments": _STR}
)

_MCP_APPROVAL_RESPONSE = _item(
    McpApprovalResponse,
    "mcp_approval_response",
    {"approval_request_id": _STR, "approve": _BOOL, "reason": _optional(_STR)},
)

_IMAGE_GENERATION_CALL = _item(
    ImageGenerationCall,
    "image_generation_call",
    {
        "status": _enum(ImageGenerationCallStatus),
        "result": _optional(_STR),
        "action": _optional(_enum(ImageGenerationAction)),
        "background": _optional(_enum(ImageBackground)),
        "output_format": _optional(_enum(ImageOutputFormat)),
        "quality": _optional(_enum(ImageQuality)),
        "size": _optional(_STR),
        "revised_prompt": _optional(_STR),
        "error": _optional(
            _object(
                ImageGenerationError,
                {
                    "type": _STR,
                    "message": _STR,
                    "code": _optional(_STR),
                    "param": _optional(_STR),
                    "moderation_details": _optional(
                        _object(
                            ImageGenerationModerationDetails,
                            {"categories": cs.list_schema(_STR), "moderation_stage": _enum(ModerationStage)},
                        )
                    ),
                },
            )
        ),
        "svg_usage": _optional(
            _object(
                ImageGenerationSvgUsage,
                {
                    "input_tokens": _INT,
                    "output_tokens": _INT,
                    "reasoning_tokens": _INT,
                    "total_tokens": _INT,
                    "model": _STR,
                },
            )
        ),
    },
)

_KEYS = _optional(cs.list_schema(_STR))
_POINT: dict[str, CoreSchema] = {"x": _INT, "y": _INT}

_COMPUTER_ACTION = _union(
    click=_kind(ClickAction, "click", {"button": _enum(MouseButton), **_POINT, "keys": _KEYS}),
    double_click=_kind(DoubleClickAction, "double_click", {**_POINT, "keys": _KEYS}),
    drag=_kind(DragAction, "drag", {"path": _list(_object(DragPoint, _POINT)), "keys": _KEYS}),
    keypress=_kind(KeypressAction, "keypress", {"keys": cs.list_schema(_STR)}),
    move=_kind(MoveAction, "move", {**_POINT, "keys": _KEYS}),
    screenshot=_kind(ScreenshotAction, "screenshot"),
    scroll=_kind(ScrollAction, "scroll", {**_POINT, "scroll_x": _INT, "scroll_y": _INT, "keys": _KEYS}),
    type=_kind(TypeAction, "type", {"text": _STR}),
    wait=_kind(WaitAction, "wait"),
)

_SAFETY_CHECKS = _list(_object(SafetyCheck, {"id": _STR, "code": _optional(_STR), "message": _optional(_STR)}))

_COMPUTER_CALL = _item(
    ComputerCall,
    "computer_call",
    {
        "call_id": _STR,
        "status": _enum(CallStatus),
        "pending_safety_checks": _SAFETY_CHECKS,
        "action": _optional(_COMPUTER_ACTION),
        "actions": _optional(_list(_COMPUTER_ACTION)),
    },
)

_COMPUTER_CALL_OUTPUT = _item(
    ComputerCallOutput,
    "computer_call_output",
    {
        "call_id": _STR,
        "status": _enum(ComputerCallOutputStatus),
        "output": _kind(
            ComputerScreenshotImage,
            "computer_screenshot",
            {"file_id": _optional(_STR), "image_url": _optional(_STR)},
        ),
        "acknowledged_safety_checks": _optional(_SAFETY_CHECKS),
        "created_by": _optional(_STR),
    },
)

_CODE_INTERPRETER_CALL = _item(
    CodeInterpreterCall,
    "code_interpreter_call",
    {
        "container_id": _STR,
        "code": _optional(_STR),
        "outputs": _optional(
            _list(
                _union(
                    logs=_kind(CodeInterpreterLogsOutput, "logs", {"logs": _STR}),
                    image=_kind(CodeInterpreterImageOutput, "image", {"url": _STR}),
                )
            )
        ),
        "status": _enum(CodeInterpreterCallStatus),
    },
)

_ATTRIBUTES = cs.no_info_after_validator_function(
    attribute_list, TypeAdapter(dict[str, str | float | bool]).core_schema
)
"""A result's attributes, read as the REST model reads them (the same union of value types), then
as the schema shows them."""

_FILE_SEARCH_CALL = _item(
    FileSearchCall,
    "file_search_call",
    {
        "queries": cs.list_schema(_STR),
        "status": _enum(FileSearchCallStatus),
        "results": _optional(
            _list(
                _object(
                    FileSearchResult,
                    {
                        "file_id": _optional(_STR),
                        "filename": _optional(_STR),
                        "score": _optional(cs.float_schema()),
                        "text": _optional(_STR),
                        "attributes": _optional(_ATTRIBUTES),
                    },
                )
            )
        ),
    },
)

_SHELL_CALL = _item(
    ShellCall,
    "shell_call",
    {
        "call_id": _STR,
        "action": _object(
            ShellCallAction,
            {"commands": cs.list_schema(_STR), "timeout_ms": _optional(_INT), "max_output_length": _optional(_INT)},
        ),
        "status": _enum(CallStatus),
        "environment": _optional(
            _union(
                local=_kind(LocalShellEnvironment, "local"),
                container_reference=_kind(ContainerReferenceEnvironment, "container_reference", {"container_id": _STR}),
            )
        ),
        "caller": _optional(_CALLER),
        "created_by": _optional(_STR),
    },
)

_SHELL_CALL_OUTPUT = _item(
    ShellCallOutput,
    "shell_call_output",
    {
        "call_id": _STR,
        "output": _list(
            _object(
                ShellCallOutputChunk,
                {
                    "stdout": _STR,
                    "stderr": _STR,
                    "outcome": _union(
                        timeout=_kind(ShellTimeoutOutcome, "timeout"),
                        exit=_kind(ShellExitOutcome, "exit", {"exit_code": _INT}),
                    ),
                    "created_by": _optional(_STR),
                },
            )
        ),
        "status": _enum(CallStatus),
        "max_output_length": _optional(_INT),
        "caller": _optional(_CALLER),
        "created_by": _optional(_STR),
    },
)

_APPLY_PATCH_CALL = _item(
    ApplyPatchCall,
    "apply_patch_call",
    {
        "call_id": _STR,
        "operation": _union(
            create_file=_kind(CreateFileOperation, "create_file", {"path": _STR, "diff": _STR}),
            delete_file=_kind(DeleteFileOperation, "delete_file", {"path": _STR}),
            update_file=_kind(UpdateFileOperation, "update_file", {"path": _STR, "diff": _STR}),
        ),
        "status": _enum(ApplyPatchCallStatus),
        "caller": _optional(_CALLER),
        "created_by": _optional(_STR),
    },
)

_APPLY_PATCH_CALL_OUTPUT = _item(
    ApplyPatchCallOutput,
    "apply_patch_call_output",
    {
        "call_id": _STR,
        "status": _enum(ApplyPatchCallOutputStatus),
        "output": _optional(_STR),
        "caller": _optional(_CALLER),
        "created_by": _optional(_STR),
    },
)

_PROGRAM = _item(Program, "program", {"call_id": _STR, "code": _STR, "fingerprint": _STR})

_PROGRAM_OUTPUT = _item(
    ProgramOutput, "program_output", {"call_id": _STR, "result": _STR, "status": _enum(ProgramOutputStatus)}
)

_COMPACTION = _item(Compaction, "compaction", {"encrypted_content": _STR, "created_by": _optional(_STR)})


def _variables(env: dict[str, str]) -> list[EnvironmentVariable]:
    """A command's environment as the schema shows it: a list of variables, in the upstream's order."""
    return [EnvironmentVariable(name=name, value=value) for name, value in env.items()]


_LOCAL_SHELL_CALL = _item(
    LocalShellCall,
    "local_shell_call",
    {
        "call_id": _STR,
        "action": _kind(
            LocalShellExecAction,
            "exec",
            {
                "command": cs.list_schema(_STR),
                "env": cs.no_info_after_validator_function(_variables, cs.dict_schema(_STR, _STR)),
                "timeout_ms": _optional(_INT),
                "user": _optional(_STR),
                "working_directory": _optional(_STR),
            },
        ),
        "status": _enum(CallStatus),
    },
)

_LOCAL_SHELL_CALL_OUTPUT = _item(
    LocalShellCallOutput,
    "local_shell_call_output",
    {"call_id": _optional(_STR), "output": _STR, "status": _optional(_enum(CallStatus))},
)

_TOOL_FIELDS = ("type", "name", "description", "server_label")
if tuple(RestToolDefinition.model_fields) != _TOOL_FIELDS:
    # The model writes its fields back first, in their order, then the other members: see _TOOLS.
    msg = f"gateway/schema/pages.py reads tool definitions with the fields {_TOOL_FIELDS}, not the REST model's"
    raise RuntimeError(msg)
_TOOL_MEMBER = cs.typed_dict_field(cs.nullable_schema(_STR), required=False)


def _tool_definition(members: Any) -> ToolDefinition:
    return ToolDefinition(
        type=members["type"],
        name=members.get("name"),
        description=members.get("description"),
        server_label=members.get("server_label"),
        # As the REST model writes itself back (`mode="json"`): a float that is not finite as null.
        definition=to_jsonable_python(members, inf_nan_mode="null"),
    )


_TOOLS = _list(
    cs.no_info_after_validator_function(
        _tool_definition,
        cs.typed_dict_schema(
            {
                "type": cs.typed_dict_field(_STR),
                "name": _TOOL_MEMBER,
                "description": _TOOL_MEMBER,
                "server_label": _TOOL_MEMBER,
            },
            extra_behavior="allow",
        ),
    )
)
"""Tool definitions. The usual way validates each into its REST model, whose fields are `type`,
`name`, `description` and `server_label`, then shows as `definition` what the model writes back:
those fields first, as given (an absent one stays absent), then the others in the upstream's
order, as JSON values. A typed dict of the same fields, the others allowed, reads them in that
order; written as JSON values the same way, they are the same object."""

_TOOL_SEARCH_CALL = _item(
    ToolSearchCall,
    "tool_search_call",
    {
        "call_id": _optional(_STR),
        "execution": _enum(ToolExecution),
        "status": _enum(CallStatus),
        "arguments": cs.any_schema(),
        "created_by": _optional(_STR),
    },
)

_TOOL_SEARCH_OUTPUT = _item(
    ToolSearchOutput,
    "tool_search_output",
    {
        "call_id": _optional(_STR),
        "execution": _enum(ToolExecution),
        "status": _enum(CallStatus),
        "tools": _TOOLS,
        "created_by": _optional(_STR),
    },
)

_ADDITIONAL_TOOLS = _item(AdditionalTools, "additional_tools", {"role": _enum(MessageRole), "tools": _TOOLS})

_CONFIGURATION_UPDATE = _item(
    ConfigurationUpdate,
    "configuration_update",
    {
        "reasoning": _optional(_object(ConfigurationReasoning, {"effort": _optional(_enum(ReasoningEffort))})),
        "text": _optional(
            _object(
                ConfigurationText,
                {
                    "format": _union(  # a format of a kind the schema shows as `UnknownTextFormat` is not made here
                        text=_kind(PlainTextFormat, "text"),
                        json_schema=_object(
                            JsonSchemaTextFormat,
                            {
                                "type": _literal("json_schema"),
                                "name": _STR,
                                "json_schema": cs.dict_schema(_STR, cs.any_schema()),
                                "description": _optional(_STR),
                                "strict": _optional(_BOOL),
                            },
                            # The REST model takes `schema` by its alias, or by its field's name.
                            aliases={"json_schema": [["schema"], ["schema_"]]},
                        ),
                    )
                },
            )
        ),
    },
)

_ITEM = _union(
    message=_MESSAGE,
    function_call=_FUNCTION_CALL,
    function_call_output=_FUNCTION_CALL_OUTPUT,
    reasoning=_REASONING,
    web_search_call=_WEB_SEARCH_CALL,
    file_search_call=_FILE_SEARCH_CALL,
    image_generation_call=_IMAGE_GENERATION_CALL,
    computer_call=_COMPUTER_CALL,
    computer_call_output=_COMPUTER_CALL_OUTPUT,
    code_interpreter_call=_CODE_INTERPRETER_CALL,
    mcp_call=_MCP_CALL,
    mcp_list_tools=_MCP_LIST_TOOLS,
    mcp_approval_request=_MCP_APPROVAL_REQUEST,
    mcp_approval_response=_MCP_APPROVAL_RESPONSE,
    custom_tool_call=_CUSTOM_TOOL_CALL,
    custom_tool_call_output=_CUSTOM_TOOL_CALL_OUTPUT,
    shell_call=_SHELL_CALL,
    shell_call_output=_SHELL_CALL_OUTPUT,
    apply_patch_call=_APPLY_PATCH_CALL,
    apply_patch_call_output=_APPLY_PATCH_CALL_OUTPUT,
    program=_PROGRAM,
    program_output=_PROGRAM_OUTPUT,
    compaction=_COMPACTION,
    local_shell_call=_LOCAL_SHELL_CALL,
    local_shell_call_output=_LOCAL_SHELL_CALL_OUTPUT,
    tool_search_call=_TOOL_SEARCH_CALL,
    tool_search_output=_TOOL_SEARCH_OUTPUT,
    additional_tools=_ADDITIONAL_TOOLS,
    configuration_update=_CONFIGURATION_UPDATE,
)

_PAGE = SchemaValidator(
    cs.typed_dict_schema(
        {
            "object": cs.typed_dict_field(_literal("list"), required=False),
            # At the first item it does not take, the page goes the usual way: no need to read on.
            "data": cs.typed_dict_field(_list(_ITEM)),
            "first_id": cs.typed_dict_field(cs.nullable_schema(_STR)),
            "last_id": cs.typed_dict_field(cs.nullable_schema(_STR)),
            "has_more": cs.typed_dict_field(_BOOL),
        },
        extra_behavior="ignore",
    )
)


def read_item_page(body: bytes, conversation_id: str) -> ReadPage | None:
    """The page in ``body`` as GraphQL objects, or None when it holds anything this reader does not make."""
    try:
        page = _PAGE.validate_json(body)
    except ValidationError:
        return None
    items: list[ConversationItemFields] = page["data"]
    for item in items:
        item.conversation_id = conversation_id  # the gateway's, as item_to_graphql gives it
    return ReadPage(items, page["has_more"])
