"""Pages of the common items read from the upstream's JSON straight into the GraphQL objects.

A page of items is otherwise read in two steps: validated into the REST models (pydantic, in
Rust), then converted into the GraphQL objects (Python, one reader per field, see
:mod:`gateway.schema.convert`). Most pages a frontend reads hold messages of text, and an agent's
conversation adds tool calls, their outputs, reasoning and searches (whose answers cite pages and
files). For those one validator, in Rust, can make the GraphQL objects themselves: a page of 20
messages in 27 µs instead of 85, measured in a loop.

:func:`read_item_page` takes only what it can make exactly as the two steps would:

- `message` items whose content parts are `input_text`, `input_image` or `input_file` (without a
  prompt cache breakpoint), `refusal`, or `output_text` (with annotations of the four kinds the
  schema names, without log probabilities);
- `function_call` items, and `function_call_output` items whose output is a string or a list of
  `input_text`, `input_image` and `input_file` parts;
- `reasoning` items, with `summary_text` and `reasoning_text` parts;
- `web_search_call` items whose action is a `search` (with or without its sources), `open_page`
  or `find_in_page`, and `file_search_call` items (with or without their results);
- `custom_tool_call` items and their outputs (as a function call's); `mcp_call` items without an
  error, `mcp_list_tools`, `mcp_approval_request` and `mcp_approval_response` items;
- `image_generation_call` items without an error or SVG usage; `code_interpreter_call` items;
  `computer_call` items and their outputs, with the actions the schema names;
- a coding agent's `shell_call` and `apply_patch_call` items and their outputs, with the
  environments, outcomes and operations the schema names;

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
from pydantic_core import CoreSchema, SchemaValidator, ValidationError
from pydantic_core import core_schema as cs

from gateway.schema.actions import (
    ClickAction,
    CodeInterpreterImageOutput,
    CodeInterpreterLogsOutput,
    ComputerScreenshotImage,
    ContainerReferenceEnvironment,
    CreateFileOperation,
    DeleteFileOperation,
    DoubleClickAction,
    DragAction,
    DragPoint,
    FileSearchResult,
    FindInPageAction,
    KeypressAction,
    LocalShellEnvironment,
    McpListedTool,
    MoveAction,
    OpenPageAction,
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
    TypeAction,
    UpdateFileOperation,
    WaitAction,
    WebSearchSource,
    attribute_list,
)
from gateway.schema.content import (
    ContainerFileCitationAnnotation,
    FileCitationAnnotation,
    FilePathAnnotation,
    InputFileContent,
    InputImageContent,
    InputTextContent,
    OutputTextContent,
    ReasoningTextContent,
    RefusalContent,
    SummaryTextContent,
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
    MouseButton,
    WebSearchCallStatus,
)
from gateway.schema.items import (
    ApplyPatchCall,
    ApplyPatchCallOutput,
    CodeInterpreterCall,
    ComputerCall,
    ComputerCallOutput,
    ConversationItemFields,
    CustomToolCall,
    CustomToolCallOutput,
    FileSearchCall,
    FunctionCall,
    FunctionCallOutput,
    ImageGenerationCall,
    McpApprovalRequest,
    McpApprovalResponse,
    McpCall,
    McpListTools,
    Message,
    Reasoning,
    ShellCall,
    ShellCallOutput,
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
    return cs.list_schema(cs.tagged_union_schema(parts, discriminator="type"), fail_fast=True)


def _literal(value: str) -> CoreSchema:
    return cs.literal_schema([value])


_ID = cs.str_schema(min_length=1)
"""An item's id. An empty one is refused: the usual conversion then takes a call's `call_id` instead."""

_NOTHING = cs.list_schema(cs.any_schema(), max_length=0)
"""An empty list: a non-empty one holds objects this reader does not make."""

_INPUT_TEXT = _object(
    InputTextContent,
    {"type": _literal("input_text"), "text": cs.str_schema(), "prompt_cache_breakpoint": _absent_or(cs.none_schema())},
)
_STR = cs.str_schema()
_INT = cs.int_schema()  # as pydantic reads an `int` field; one beyond 32 bits fails where `Int` shows it, either way

_ANNOTATIONS = cs.list_schema(
    cs.tagged_union_schema(
        {
            "file_citation": _object(
                FileCitationAnnotation,
                {"type": _literal("file_citation"), "file_id": _STR, "filename": _STR, "index": _INT},
            ),
            "url_citation": _object(
                UrlCitationAnnotation,
                {
                    "type": _literal("url_citation"),
                    "url": _STR,
                    "title": _STR,
                    "start_index": _INT,
                    "end_index": _INT,
                },
            ),
            "container_file_citation": _object(
                ContainerFileCitationAnnotation,
                {
                    "type": _literal("container_file_citation"),
                    "container_id": _STR,
                    "file_id": _STR,
                    "filename": _STR,
                    "start_index": _INT,
                    "end_index": _INT,
                },
            ),
            "file_path": _object(FilePathAnnotation, {"type": _literal("file_path"), "file_id": _STR, "index": _INT}),
        },
        discriminator="type",
    ),
    fail_fast=True,
)
"""An output text's annotations; one of a kind the gateway shows as `UnknownAnnotation` is not made here."""

_OUTPUT_TEXT = _object(
    OutputTextContent,
    {
        "type": _literal("output_text"),
        "text": _STR,
        "annotations": _ANNOTATIONS,
        "logprobs": _optional(_NOTHING),
    },
)

_CALLER = cs.tagged_union_schema(
    {
        # The REST model of a direct caller keeps an unknown `caller_id` member, and the conversion
        # reads it: only a direct caller without one is made here.
        "direct": _object(ToolCaller, {"type": _enum(ToolCallerType), "caller_id": _absent_or(cs.none_schema())}),
        "program": _object(ToolCaller, {"type": _enum(ToolCallerType), "caller_id": cs.str_schema()}),
    },
    discriminator="type",
)

_COMMON = {"item_id": "id"}
_LATER = frozenset({"conversation_id"})

_NO_BREAKPOINT = _absent_or(cs.none_schema())
"""A part's prompt cache breakpoint: only a part without one is made here."""

_REFUSAL = _object(RefusalContent, {"type": _literal("refusal"), "refusal": _STR})
_INPUT_IMAGE = _object(
    InputImageContent,
    {
        "type": _literal("input_image"),
        "detail": _enum(ImageDetail),
        "file_id": _optional(_STR),
        "image_url": _optional(_STR),
        "prompt_cache_breakpoint": _NO_BREAKPOINT,
    },
)
_INPUT_FILE = _object(
    InputFileContent,
    {
        "type": _literal("input_file"),
        "detail": _optional(_enum(FileDetail)),
        "file_data": _optional(_STR),
        "file_id": _optional(_STR),
        "file_url": _optional(_STR),
        "filename": _optional(_STR),
        "prompt_cache_breakpoint": _NO_BREAKPOINT,
    },
)
_TOOL_OUTPUT_PARTS = _parts(input_text=_INPUT_TEXT, input_image=_INPUT_IMAGE, input_file=_INPUT_FILE)

_MESSAGE = _object(
    Message,
    {
        "type": _literal("message"),
        "item_id": _ID,
        "status": _enum(CallStatus),
        "role": _enum(MessageRole),
        "content": _parts(
            input_text=_INPUT_TEXT,
            output_text=_OUTPUT_TEXT,
            refusal=_REFUSAL,
            input_image=_INPUT_IMAGE,
            input_file=_INPUT_FILE,
        ),
        "phase": _optional(_enum(MessagePhase)),
    },
    aliases=_COMMON,
    later=_LATER,
)

_FUNCTION_CALL = _object(
    FunctionCall,
    {
        "type": _literal("function_call"),
        "item_id": _ID,
        "call_id": cs.str_schema(),
        "name": cs.str_schema(),
        "arguments": cs.str_schema(),
        "status": _enum(CallStatus),
        "namespace": _optional(cs.str_schema()),
        "caller": _optional(_CALLER),
        "async_": _optional(cs.bool_schema()),
        "created_by": _optional(cs.str_schema()),
    },
    # The REST model takes the member by its alias, or by its field's name (`populate_by_name`).
    aliases={**_COMMON, "async_": [["async"], ["async_"]]},
    later=_LATER,
)


def _split_output(item: FunctionCallOutput | CustomToolCallOutput) -> FunctionCallOutput | CustomToolCallOutput:
    """`output` as the schema has it: a string as `output`, a list of parts as `outputContent`."""
    output: Any = item.output
    if isinstance(output, list):
        item.output, item.output_content = None, output
    else:
        item.output_content = None
    return item


_FUNCTION_CALL_OUTPUT = cs.no_info_after_validator_function(
    _split_output,
    _object(
        FunctionCallOutput,
        {
            "type": _literal("function_call_output"),
            "item_id": _ID,
            "call_id": _optional(cs.str_schema()),
            "output": cs.union_schema([_STR, _TOOL_OUTPUT_PARTS]),
            "status": _enum(CallStatus),
            "name": _optional(cs.str_schema()),
            "namespace": _optional(cs.str_schema()),
            "caller": _optional(_CALLER),
            "created_by": _optional(cs.str_schema()),
        },
        aliases=_COMMON,
        later=_LATER | {"output_content"},
    ),
)

_REASONING = _object(
    Reasoning,
    {
        "type": _literal("reasoning"),
        "item_id": _ID,
        "summary": _parts(
            summary_text=_object(SummaryTextContent, {"type": _literal("summary_text"), "text": cs.str_schema()})
        ),
        "content": _optional(
            _parts(
                reasoning_text=_object(
                    ReasoningTextContent, {"type": _literal("reasoning_text"), "text": cs.str_schema()}
                )
            )
        ),
        "encrypted_content": _optional(cs.str_schema()),
        "status": _optional(_enum(CallStatus)),
    },
    aliases=_COMMON,
    later=_LATER,
)

_WEB_SEARCH_ACTION = cs.tagged_union_schema(
    {
        "search": _object(
            SearchAction,
            {
                "type": _literal("search"),
                "query": _optional(_STR),
                "queries": _optional(cs.list_schema(_STR)),
                "sources": _optional(
                    cs.list_schema(_object(WebSearchSource, {"type": _literal("url"), "url": _STR}), fail_fast=True)
                ),
            },
        ),
        "open_page": _object(OpenPageAction, {"type": _literal("open_page"), "url": _optional(_STR)}),
        "find_in_page": _object(FindInPageAction, {"type": _literal("find_in_page"), "url": _STR, "pattern": _STR}),
    },
    discriminator="type",
)

_WEB_SEARCH_CALL = _object(
    WebSearchCall,
    {
        "type": _literal("web_search_call"),
        "item_id": _ID,
        "status": _enum(WebSearchCallStatus),
        "action": _WEB_SEARCH_ACTION,
    },
    aliases=_COMMON,
    later=_LATER,
)

_CUSTOM_TOOL_CALL = _object(
    CustomToolCall,
    {
        "type": _literal("custom_tool_call"),
        "item_id": _ID,
        "call_id": _STR,
        "name": _STR,
        "input": _STR,
        "namespace": _optional(_STR),
        "caller": _optional(_CALLER),
        "async_": _optional(cs.bool_schema()),
    },
    aliases={**_COMMON, "async_": [["async"], ["async_"]]},
    later=_LATER,
)

_CUSTOM_TOOL_CALL_OUTPUT = cs.no_info_after_validator_function(
    _split_output,
    _object(
        CustomToolCallOutput,
        {
            "type": _literal("custom_tool_call_output"),
            "item_id": _ID,
            "call_id": _STR,
            "output": cs.union_schema([_STR, _TOOL_OUTPUT_PARTS]),
            "caller": _optional(_CALLER),
        },
        aliases=_COMMON,
        later=_LATER | {"output_content"},
    ),
)

_MCP_CALL = _object(
    McpCall,
    {
        "type": _literal("mcp_call"),
        "item_id": _ID,
        "server_label": _STR,
        "name": _STR,
        "arguments": _STR,
        "approval_request_id": _optional(_STR),
        "output": _optional(_STR),
        # A failed call's error is one of several kinds: such a page goes the usual way.
        "error": _absent_or(cs.none_schema()),
        "status": _optional(_enum(McpCallStatus)),
    },
    aliases=_COMMON,
    later=_LATER,
)

_MCP_LIST_TOOLS = _object(
    McpListTools,
    {
        "type": _literal("mcp_list_tools"),
        "item_id": _ID,
        "server_label": _STR,
        "tools": cs.list_schema(
            _object(
                McpListedTool,
                {
                    "name": _STR,
                    "description": _optional(_STR),
                    "input_schema": cs.dict_schema(_STR, cs.any_schema()),
                    "annotations": _absent_or(cs.any_schema()),
                },
            ),
            fail_fast=True,
        ),
        "error": _optional(_STR),
    },
    aliases=_COMMON,
    later=_LATER,
)

_MCP_APPROVAL_REQUEST = _object(
    McpApprovalRequest,
    {"type": _literal("mcp_approval_request"), "item_id": _ID, "server_label": _STR, "name": _STR, "arguments": _STR},
    aliases=_COMMON,
    later=_LATER,
)

_MCP_APPROVAL_RESPONSE = _object(
    McpApprovalResponse,
    {
        "type": _literal("mcp_approval_response"),
        "item_id": _ID,
        "approval_request_id": _STR,
        "approve": cs.bool_schema(),
        "reason": _optional(_STR),
    },
    aliases=_COMMON,
    later=_LATER,
)

_IMAGE_GENERATION_CALL = _object(
    ImageGenerationCall,
    {
        "type": _literal("image_generation_call"),
        "item_id": _ID,
        "status": _enum(ImageGenerationCallStatus),
        "result": _optional(_STR),
        "action": _optional(_enum(ImageGenerationAction)),
        "background": _optional(_enum(ImageBackground)),
        "output_format": _optional(_enum(ImageOutputFormat)),
        "quality": _optional(_enum(ImageQuality)),
        "size": _optional(_STR),
        "revised_prompt": _optional(_STR),
        # A failed generation's error and an SVG's token counts: such a page goes the usual way.
        "error": _absent_or(cs.none_schema()),
        "svg_usage": _absent_or(cs.none_schema()),
    },
    aliases=_COMMON,
    later=_LATER,
)

_KEYS = _optional(cs.list_schema(_STR))
_POINT: dict[str, CoreSchema] = {"x": _INT, "y": _INT}

_COMPUTER_ACTION = cs.tagged_union_schema(
    {
        "click": _object(
            ClickAction, {"type": _literal("click"), "button": _enum(MouseButton), **_POINT, "keys": _KEYS}
        ),
        "double_click": _object(DoubleClickAction, {"type": _literal("double_click"), **_POINT, "keys": _KEYS}),
        "drag": _object(
            DragAction,
            {
                "type": _literal("drag"),
                "path": cs.list_schema(_object(DragPoint, _POINT), fail_fast=True),
                "keys": _KEYS,
            },
        ),
        "keypress": _object(KeypressAction, {"type": _literal("keypress"), "keys": cs.list_schema(_STR)}),
        "move": _object(MoveAction, {"type": _literal("move"), **_POINT, "keys": _KEYS}),
        "screenshot": _object(ScreenshotAction, {"type": _literal("screenshot")}),
        "scroll": _object(
            ScrollAction,
            {"type": _literal("scroll"), **_POINT, "scroll_x": _INT, "scroll_y": _INT, "keys": _KEYS},
        ),
        "type": _object(TypeAction, {"type": _literal("type"), "text": _STR}),
        "wait": _object(WaitAction, {"type": _literal("wait")}),
    },
    discriminator="type",
)

_SAFETY_CHECKS = cs.list_schema(
    _object(SafetyCheck, {"id": _STR, "code": _optional(_STR), "message": _optional(_STR)}), fail_fast=True
)

_COMPUTER_CALL = _object(
    ComputerCall,
    {
        "type": _literal("computer_call"),
        "item_id": _ID,
        "call_id": _STR,
        "status": _enum(CallStatus),
        "pending_safety_checks": _SAFETY_CHECKS,
        "action": _optional(_COMPUTER_ACTION),
        "actions": _optional(cs.list_schema(_COMPUTER_ACTION, fail_fast=True)),
    },
    aliases=_COMMON,
    later=_LATER,
)

_COMPUTER_CALL_OUTPUT = _object(
    ComputerCallOutput,
    {
        "type": _literal("computer_call_output"),
        "item_id": _ID,
        "call_id": _STR,
        "status": _enum(ComputerCallOutputStatus),
        "output": _object(
            ComputerScreenshotImage,
            {"type": _literal("computer_screenshot"), "file_id": _optional(_STR), "image_url": _optional(_STR)},
        ),
        "acknowledged_safety_checks": _optional(_SAFETY_CHECKS),
        "created_by": _optional(_STR),
    },
    aliases=_COMMON,
    later=_LATER,
)

_CODE_INTERPRETER_CALL = _object(
    CodeInterpreterCall,
    {
        "type": _literal("code_interpreter_call"),
        "item_id": _ID,
        "container_id": _STR,
        "code": _optional(_STR),
        "outputs": _optional(
            cs.list_schema(
                cs.tagged_union_schema(
                    {
                        "logs": _object(CodeInterpreterLogsOutput, {"type": _literal("logs"), "logs": _STR}),
                        "image": _object(CodeInterpreterImageOutput, {"type": _literal("image"), "url": _STR}),
                    },
                    discriminator="type",
                ),
                fail_fast=True,
            )
        ),
        "status": _enum(CodeInterpreterCallStatus),
    },
    aliases=_COMMON,
    later=_LATER,
)

_ATTRIBUTES = cs.no_info_after_validator_function(
    attribute_list, TypeAdapter(dict[str, str | float | bool]).core_schema
)
"""A result's attributes, read as the REST model reads them (the same union of value types), then
as the schema shows them."""

_FILE_SEARCH_CALL = _object(
    FileSearchCall,
    {
        "type": _literal("file_search_call"),
        "item_id": _ID,
        "queries": cs.list_schema(_STR),
        "status": _enum(FileSearchCallStatus),
        "results": _optional(
            cs.list_schema(
                _object(
                    FileSearchResult,
                    {
                        "file_id": _optional(_STR),
                        "filename": _optional(_STR),
                        "score": _optional(cs.float_schema()),
                        "text": _optional(_STR),
                        "attributes": _optional(_ATTRIBUTES),
                    },
                ),
                fail_fast=True,
            )
        ),
    },
    aliases=_COMMON,
    later=_LATER,
)

_SHELL_CALL = _object(
    ShellCall,
    {
        "type": _literal("shell_call"),
        "item_id": _ID,
        "call_id": _STR,
        "action": _object(
            ShellCallAction,
            {
                "commands": cs.list_schema(_STR),
                "timeout_ms": _optional(_INT),
                "max_output_length": _optional(_INT),
            },
        ),
        "status": _enum(CallStatus),
        "environment": _optional(
            cs.tagged_union_schema(
                {
                    "local": _object(LocalShellEnvironment, {"type": _literal("local")}),
                    "container_reference": _object(
                        ContainerReferenceEnvironment,
                        {"type": _literal("container_reference"), "container_id": _STR},
                    ),
                },
                discriminator="type",
            )
        ),
        "caller": _optional(_CALLER),
        "created_by": _optional(_STR),
    },
    aliases=_COMMON,
    later=_LATER,
)

_SHELL_CALL_OUTPUT = _object(
    ShellCallOutput,
    {
        "type": _literal("shell_call_output"),
        "item_id": _ID,
        "call_id": _STR,
        "output": cs.list_schema(
            _object(
                ShellCallOutputChunk,
                {
                    "stdout": _STR,
                    "stderr": _STR,
                    "outcome": cs.tagged_union_schema(
                        {
                            "timeout": _object(ShellTimeoutOutcome, {"type": _literal("timeout")}),
                            "exit": _object(ShellExitOutcome, {"type": _literal("exit"), "exit_code": _INT}),
                        },
                        discriminator="type",
                    ),
                    "created_by": _optional(_STR),
                },
            ),
            fail_fast=True,
        ),
        "status": _enum(CallStatus),
        "max_output_length": _optional(_INT),
        "caller": _optional(_CALLER),
        "created_by": _optional(_STR),
    },
    aliases=_COMMON,
    later=_LATER,
)

_APPLY_PATCH_CALL = _object(
    ApplyPatchCall,
    {
        "type": _literal("apply_patch_call"),
        "item_id": _ID,
        "call_id": _STR,
        "operation": cs.tagged_union_schema(
            {
                "create_file": _object(
                    CreateFileOperation, {"type": _literal("create_file"), "path": _STR, "diff": _STR}
                ),
                "delete_file": _object(DeleteFileOperation, {"type": _literal("delete_file"), "path": _STR}),
                "update_file": _object(
                    UpdateFileOperation, {"type": _literal("update_file"), "path": _STR, "diff": _STR}
                ),
            },
            discriminator="type",
        ),
        "status": _enum(ApplyPatchCallStatus),
        "caller": _optional(_CALLER),
        "created_by": _optional(_STR),
    },
    aliases=_COMMON,
    later=_LATER,
)

_APPLY_PATCH_CALL_OUTPUT = _object(
    ApplyPatchCallOutput,
    {
        "type": _literal("apply_patch_call_output"),
        "item_id": _ID,
        "call_id": _STR,
        "status": _enum(ApplyPatchCallOutputStatus),
        "output": _optional(_STR),
        "caller": _optional(_CALLER),
        "created_by": _optional(_STR),
    },
    aliases=_COMMON,
    later=_LATER,
)

_ITEM = cs.tagged_union_schema(
    {
        "message": _MESSAGE,
        "function_call": _FUNCTION_CALL,
        "function_call_output": _FUNCTION_CALL_OUTPUT,
        "reasoning": _REASONING,
        "web_search_call": _WEB_SEARCH_CALL,
        "file_search_call": _FILE_SEARCH_CALL,
        "image_generation_call": _IMAGE_GENERATION_CALL,
        "computer_call": _COMPUTER_CALL,
        "code_interpreter_call": _CODE_INTERPRETER_CALL,
        "computer_call_output": _COMPUTER_CALL_OUTPUT,
        "mcp_call": _MCP_CALL,
        "mcp_list_tools": _MCP_LIST_TOOLS,
        "mcp_approval_request": _MCP_APPROVAL_REQUEST,
        "mcp_approval_response": _MCP_APPROVAL_RESPONSE,
        "custom_tool_call": _CUSTOM_TOOL_CALL,
        "custom_tool_call_output": _CUSTOM_TOOL_CALL_OUTPUT,
        "shell_call": _SHELL_CALL,
        "shell_call_output": _SHELL_CALL_OUTPUT,
        "apply_patch_call": _APPLY_PATCH_CALL,
        "apply_patch_call_output": _APPLY_PATCH_CALL_OUTPUT,
    },
    discriminator="type",
)

_PAGE = SchemaValidator(
    cs.typed_dict_schema(
        {
            "object": cs.typed_dict_field(_literal("list"), required=False),
            # At the first item it does not take, the page goes the usual way: no need to read on.
            "data": cs.typed_dict_field(cs.list_schema(_ITEM, fail_fast=True)),
            "first_id": cs.typed_dict_field(cs.nullable_schema(cs.str_schema())),
            "last_id": cs.typed_dict_field(cs.nullable_schema(cs.str_schema())),
            "has_more": cs.typed_dict_field(cs.bool_schema()),
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
