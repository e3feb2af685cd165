"""The conversation items: all 29 members of the upstream's `ConversationItem` union.

Each model is named after its `type` in PascalCase (`function_call_output` ->
`FunctionCallOutput`), the same rule the GraphQL schema follows. An item whose `type` is
not one of these is read as :class:`UnknownItem` and keeps its whole JSON.
"""

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from gateway.rest.actions import (
    ApplyPatchOperation,
    Caller,
    CodeInterpreterOutput,
    ComputerAction,
    ComputerScreenshotOutput,
    ConfigurationReasoning,
    ConfigurationText,
    FileSearchResult,
    ImageGenerationError,
    ImageGenerationSvgUsage,
    LocalShellExecAction,
    McpListedTool,
    McpToolCallError,
    SafetyCheck,
    ShellCallAction,
    ShellCallOutputChunk,
    ShellEnvironment,
    WebSearchAction,
)
from gateway.rest.base import OPEN_UNION, OpenModel, RestModel
from gateway.rest.content import (
    ContentPart,
    ReasoningTextContent,
    SummaryTextContent,
    ToolOutputContent,
)
from gateway.rest.tools import ToolDefinition

__all__ = [
    "ITEM_MODELS",
    "AdditionalTools",
    "ApplyPatchCall",
    "ApplyPatchCallOutput",
    "CodeInterpreterCall",
    "Compaction",
    "ComputerCall",
    "ComputerCallOutput",
    "ConfigurationUpdate",
    "ConversationItem",
    "CustomToolCall",
    "CustomToolCallOutput",
    "FileSearchCall",
    "FunctionCall",
    "FunctionCallOutput",
    "ImageGenerationCall",
    "LocalShellCall",
    "LocalShellCallOutput",
    "McpApprovalRequest",
    "McpApprovalResponse",
    "McpCall",
    "McpListTools",
    "Message",
    "MessageRole",
    "Program",
    "ProgramOutput",
    "Reasoning",
    "ShellCall",
    "ShellCallOutput",
    "ToolSearchCall",
    "ToolSearchOutput",
    "UnknownItem",
    "WebSearchCall",
]

MessageRole = Literal["unknown", "user", "assistant", "system", "critic", "discriminator", "developer", "tool"]
CallStatus = Literal["in_progress", "completed", "incomplete"]


class Message(RestModel):
    type: Literal["message"]
    id: str
    status: CallStatus
    role: MessageRole
    content: list[ContentPart]
    phase: Literal["commentary", "final_answer"] | None = None


class FunctionCall(RestModel):
    type: Literal["function_call"]
    id: str
    call_id: str
    name: str
    arguments: str
    status: CallStatus
    namespace: str | None = None
    caller: Caller | None = None
    async_: bool | None = Field(default=None, alias="async")
    created_by: str | None = None


class FunctionCallOutput(RestModel):
    type: Literal["function_call_output"]
    id: str
    call_id: str | None = None
    output: str | list[ToolOutputContent]
    status: CallStatus
    name: str | None = None
    namespace: str | None = None
    caller: Caller | None = None
    created_by: str | None = None


class FileSearchCall(RestModel):
    type: Literal["file_search_call"]
    id: str
    queries: list[str]
    status: Literal["in_progress", "searching", "completed", "incomplete", "failed"]
    results: list[FileSearchResult] | None = None


class WebSearchCall(RestModel):
    type: Literal["web_search_call"]
    id: str
    status: Literal["in_progress", "searching", "completed", "failed", "incomplete"]
    action: WebSearchAction


class ImageGenerationCall(RestModel):
    type: Literal["image_generation_call"]
    id: str
    status: Literal["in_progress", "completed", "generating", "failed"]
    result: str | None = None
    action: Literal["generate", "edit", "auto"] | None = None
    background: Literal["transparent", "opaque", "auto"] | None = None
    output_format: Literal["png", "webp", "jpeg", "gif", "svg"] | None = None
    quality: Literal["low", "medium", "high", "xhigh", "max", "auto"] | None = None
    size: str | None = None
    revised_prompt: str | None = None
    error: ImageGenerationError | None = None
    svg_usage: ImageGenerationSvgUsage | None = None
    emit_null: ClassVar[frozenset[str]] = frozenset({"result"})


class ComputerCall(RestModel):
    type: Literal["computer_call"]
    id: str
    call_id: str
    status: CallStatus
    pending_safety_checks: list[SafetyCheck]
    action: ComputerAction | None = None
    actions: list[ComputerAction] | None = None


class ComputerCallOutput(RestModel):
    type: Literal["computer_call_output"]
    id: str
    call_id: str
    status: Literal["completed", "incomplete", "failed", "in_progress"]
    output: ComputerScreenshotOutput
    acknowledged_safety_checks: list[SafetyCheck] | None = None
    created_by: str | None = None


class ToolSearchCall(RestModel):
    type: Literal["tool_search_call"]
    id: str
    call_id: str | None = None
    execution: Literal["server", "client"]
    status: CallStatus
    arguments: Any
    created_by: str | None = None
    emit_null: ClassVar[frozenset[str]] = frozenset({"call_id"})


class ToolSearchOutput(RestModel):
    type: Literal["tool_search_output"]
    id: str
    call_id: str | None = None
    execution: Literal["server", "client"]
    status: CallStatus
    tools: list[ToolDefinition]
    created_by: str | None = None
    emit_null: ClassVar[frozenset[str]] = frozenset({"call_id"})


class AdditionalTools(RestModel):
    type: Literal["additional_tools"]
    id: str
    role: MessageRole
    tools: list[ToolDefinition]


class ConfigurationUpdate(RestModel):
    type: Literal["configuration_update"]
    id: str
    reasoning: ConfigurationReasoning | None = None
    text: ConfigurationText | None = None


class Reasoning(RestModel):
    type: Literal["reasoning"]
    id: str
    summary: list[SummaryTextContent]
    content: list[ReasoningTextContent] | None = None
    encrypted_content: str | None = None
    status: CallStatus | None = None


class Program(RestModel):
    type: Literal["program"]
    id: str
    call_id: str
    code: str
    fingerprint: str


class ProgramOutput(RestModel):
    type: Literal["program_output"]
    id: str
    call_id: str
    result: str
    status: Literal["completed", "incomplete"]


class Compaction(RestModel):
    type: Literal["compaction"]
    id: str
    encrypted_content: str
    created_by: str | None = None


class CodeInterpreterCall(RestModel):
    type: Literal["code_interpreter_call"]
    id: str
    container_id: str
    code: str | None = None
    outputs: list[CodeInterpreterOutput] | None = None
    status: Literal["in_progress", "completed", "incomplete", "interpreting", "failed"]
    emit_null: ClassVar[frozenset[str]] = frozenset({"code", "outputs"})


class LocalShellCall(RestModel):
    type: Literal["local_shell_call"]
    id: str
    call_id: str
    action: LocalShellExecAction
    status: CallStatus


class LocalShellCallOutput(RestModel):
    type: Literal["local_shell_call_output"]
    id: str
    call_id: str | None = None
    """In the spec, not in the SDK (whose `id` is the call's id); the built-in API fills it from `id`."""
    output: str
    status: CallStatus | None = None


class ShellCall(RestModel):
    type: Literal["shell_call"]
    id: str
    call_id: str
    action: ShellCallAction
    status: CallStatus
    environment: ShellEnvironment | None = None
    caller: Caller | None = None
    created_by: str | None = None
    emit_null: ClassVar[frozenset[str]] = frozenset({"environment"})


class ShellCallOutput(RestModel):
    type: Literal["shell_call_output"]
    id: str
    call_id: str
    output: list[ShellCallOutputChunk]
    status: CallStatus
    max_output_length: int | None = None
    caller: Caller | None = None
    created_by: str | None = None
    emit_null: ClassVar[frozenset[str]] = frozenset({"max_output_length"})


class ApplyPatchCall(RestModel):
    type: Literal["apply_patch_call"]
    id: str
    call_id: str
    operation: ApplyPatchOperation
    status: Literal["in_progress", "completed"]
    caller: Caller | None = None
    created_by: str | None = None


class ApplyPatchCallOutput(RestModel):
    type: Literal["apply_patch_call_output"]
    id: str
    call_id: str
    status: Literal["completed", "failed"]
    output: str | None = None
    caller: Caller | None = None
    created_by: str | None = None


class McpListTools(RestModel):
    type: Literal["mcp_list_tools"]
    id: str
    server_label: str
    tools: list[McpListedTool]
    error: str | None = None


class McpApprovalRequest(RestModel):
    type: Literal["mcp_approval_request"]
    id: str
    server_label: str
    name: str
    arguments: str


class McpApprovalResponse(RestModel):
    type: Literal["mcp_approval_response"]
    id: str
    approval_request_id: str
    approve: bool
    reason: str | None = None


class McpCall(RestModel):
    type: Literal["mcp_call"]
    id: str
    server_label: str
    name: str
    arguments: str
    approval_request_id: str | None = None
    output: str | None = None
    error: McpToolCallError | None = None
    status: Literal["in_progress", "completed", "incomplete", "calling", "failed"] | None = None


class CustomToolCall(RestModel):
    type: Literal["custom_tool_call"]
    id: str | None = None
    call_id: str
    name: str
    input: str
    namespace: str | None = None
    caller: Caller | None = None
    async_: bool | None = Field(default=None, alias="async")


class CustomToolCallOutput(RestModel):
    type: Literal["custom_tool_call_output"]
    id: str | None = None
    call_id: str
    output: str | list[ToolOutputContent]
    caller: Caller | None = None


class UnknownItem(OpenModel):
    """An item whose `type` these models do not know yet; its whole JSON is kept."""

    id: str | None = None


ITEM_MODELS: tuple[type[RestModel], ...] = (
    Message,
    FunctionCall,
    FunctionCallOutput,
    FileSearchCall,
    WebSearchCall,
    ImageGenerationCall,
    ComputerCall,
    ComputerCallOutput,
    ToolSearchCall,
    ToolSearchOutput,
    AdditionalTools,
    ConfigurationUpdate,
    Reasoning,
    Program,
    ProgramOutput,
    Compaction,
    CodeInterpreterCall,
    LocalShellCall,
    LocalShellCallOutput,
    ShellCall,
    ShellCallOutput,
    ApplyPatchCall,
    ApplyPatchCallOutput,
    McpListTools,
    McpApprovalRequest,
    McpApprovalResponse,
    McpCall,
    CustomToolCall,
    CustomToolCallOutput,
)
"""Every known item model, in the order of the upstream's union."""

ConversationItem = Annotated[
    Message
    | FunctionCall
    | FunctionCallOutput
    | FileSearchCall
    | WebSearchCall
    | ImageGenerationCall
    | ComputerCall
    | ComputerCallOutput
    | ToolSearchCall
    | ToolSearchOutput
    | AdditionalTools
    | ConfigurationUpdate
    | Reasoning
    | Program
    | ProgramOutput
    | Compaction
    | CodeInterpreterCall
    | LocalShellCall
    | LocalShellCallOutput
    | ShellCall
    | ShellCallOutput
    | ApplyPatchCall
    | ApplyPatchCallOutput
    | McpListTools
    | McpApprovalRequest
    | McpApprovalResponse
    | McpCall
    | CustomToolCall
    | CustomToolCallOutput
    | UnknownItem,
    OPEN_UNION,
]
"""One conversation item of any type; unknown types read as :class:`UnknownItem`."""
