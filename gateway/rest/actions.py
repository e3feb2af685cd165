"""The nested objects of tool-call items: actions, callers, outputs, operations and errors."""

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from gateway.rest.base import OPEN_UNION, OpenModel, RestModel

__all__ = [
    "ApplyPatchOperation",
    "Caller",
    "CodeInterpreterOutput",
    "ComputerAction",
    "ComputerScreenshotOutput",
    "ConfigurationReasoning",
    "ConfigurationText",
    "CreateFileOperation",
    "DeleteFileOperation",
    "DirectCaller",
    "FileSearchResult",
    "ImageGenerationError",
    "ImageGenerationModerationDetails",
    "ImageGenerationSvgUsage",
    "LocalShellExecAction",
    "McpListedTool",
    "McpToolCallError",
    "ProgramCaller",
    "SafetyCheck",
    "ShellCallAction",
    "ShellCallOutputChunk",
    "ShellEnvironment",
    "ShellOutcome",
    "TextFormat",
    "UpdateFileOperation",
    "WebSearchAction",
    "WebSearchSource",
]


class DirectCaller(RestModel):
    type: Literal["direct"]


class ProgramCaller(RestModel):
    type: Literal["program"]
    caller_id: str


class UnknownCaller(OpenModel):
    """A caller kind these models do not know yet."""


Caller = Annotated[DirectCaller | ProgramCaller | UnknownCaller, OPEN_UNION]


class FileSearchResult(RestModel):
    attributes: dict[str, str | float | bool] | None = None
    file_id: str | None = None
    filename: str | None = None
    score: float | None = None
    text: str | None = None


class WebSearchSource(RestModel):
    type: Literal["url"]
    url: str


class WebSearchSearchAction(RestModel):
    type: Literal["search"]
    query: str | None = None
    queries: list[str] | None = None
    sources: list[WebSearchSource] | None = None


class WebSearchOpenPageAction(RestModel):
    type: Literal["open_page"]
    url: str | None = None


class WebSearchFindInPageAction(RestModel):
    type: Literal["find_in_page"]
    url: str
    pattern: str


class UnknownWebSearchAction(OpenModel):
    """A web search action these models do not know yet."""


WebSearchAction = Annotated[
    WebSearchSearchAction | WebSearchOpenPageAction | WebSearchFindInPageAction | UnknownWebSearchAction, OPEN_UNION
]


class ImageGenerationModerationDetails(RestModel):
    categories: list[str]
    moderation_stage: Literal["input", "output", "unknown"]


class ImageGenerationError(RestModel):
    type: str
    message: str
    code: str | None = None
    param: str | None = None
    moderation_details: ImageGenerationModerationDetails | None = None


class ImageGenerationSvgUsage(RestModel):
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    total_tokens: int
    model: str


class SafetyCheck(RestModel):
    id: str
    code: str | None = None
    message: str | None = None


class DragPoint(RestModel):
    x: int
    y: int


MouseButton = Literal["left", "right", "wheel", "back", "forward"]


class ClickAction(RestModel):
    type: Literal["click"]
    button: MouseButton
    x: int
    y: int
    keys: list[str] | None = None


class DoubleClickAction(RestModel):
    type: Literal["double_click"]
    x: int
    y: int
    keys: list[str] | None = None
    emit_null: ClassVar[frozenset[str]] = frozenset({"keys"})


class DragAction(RestModel):
    type: Literal["drag"]
    path: list[DragPoint]
    keys: list[str] | None = None


class KeypressAction(RestModel):
    type: Literal["keypress"]
    keys: list[str]


class MoveAction(RestModel):
    type: Literal["move"]
    x: int
    y: int
    keys: list[str] | None = None


class ScreenshotAction(RestModel):
    type: Literal["screenshot"]


class ScrollAction(RestModel):
    type: Literal["scroll"]
    x: int
    y: int
    scroll_x: int
    scroll_y: int
    keys: list[str] | None = None


class TypeAction(RestModel):
    type: Literal["type"]
    text: str


class WaitAction(RestModel):
    type: Literal["wait"]


class UnknownComputerAction(OpenModel):
    """A computer action these models do not know yet."""


ComputerAction = Annotated[
    ClickAction
    | DoubleClickAction
    | DragAction
    | KeypressAction
    | MoveAction
    | ScreenshotAction
    | ScrollAction
    | TypeAction
    | WaitAction
    | UnknownComputerAction,
    OPEN_UNION,
]


class ComputerScreenshotOutput(RestModel):
    type: Literal["computer_screenshot"]
    file_id: str | None = None
    image_url: str | None = None


class ConfigurationReasoning(RestModel):
    effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] | None = None


class PlainTextFormat(RestModel):
    type: Literal["text"]


class JsonSchemaTextFormat(RestModel):
    type: Literal["json_schema"]
    name: str
    schema_: dict[str, Any] = Field(alias="schema")
    description: str | None = None
    strict: bool | None = None


class UnknownTextFormat(OpenModel):
    """A text format these models do not know yet."""


TextFormat = Annotated[PlainTextFormat | JsonSchemaTextFormat | UnknownTextFormat, OPEN_UNION]


class ConfigurationText(RestModel):
    format: TextFormat


class CodeInterpreterLogsOutput(RestModel):
    type: Literal["logs"]
    logs: str


class CodeInterpreterImageOutput(RestModel):
    type: Literal["image"]
    url: str


class UnknownCodeInterpreterOutput(OpenModel):
    """A code interpreter output these models do not know yet."""


CodeInterpreterOutput = Annotated[
    CodeInterpreterLogsOutput | CodeInterpreterImageOutput | UnknownCodeInterpreterOutput, OPEN_UNION
]


class LocalShellExecAction(RestModel):
    type: Literal["exec"]
    command: list[str]
    env: dict[str, str]
    timeout_ms: int | None = None
    user: str | None = None
    working_directory: str | None = None


class ShellCallAction(RestModel):
    commands: list[str]
    timeout_ms: int | None = None
    max_output_length: int | None = None
    emit_null: ClassVar[frozenset[str]] = frozenset({"timeout_ms", "max_output_length"})


class LocalShellEnvironment(RestModel):
    type: Literal["local"]


class ContainerReferenceEnvironment(RestModel):
    type: Literal["container_reference"]
    container_id: str


class UnknownShellEnvironment(OpenModel):
    """A shell environment these models do not know yet."""


ShellEnvironment = Annotated[
    LocalShellEnvironment | ContainerReferenceEnvironment | UnknownShellEnvironment, OPEN_UNION
]


class ShellTimeoutOutcome(RestModel):
    type: Literal["timeout"]


class ShellExitOutcome(RestModel):
    type: Literal["exit"]
    exit_code: int


class UnknownShellOutcome(OpenModel):
    """A shell outcome these models do not know yet."""


ShellOutcome = Annotated[ShellTimeoutOutcome | ShellExitOutcome | UnknownShellOutcome, OPEN_UNION]


class ShellCallOutputChunk(RestModel):
    stdout: str
    stderr: str
    outcome: ShellOutcome
    created_by: str | None = None


class CreateFileOperation(RestModel):
    type: Literal["create_file"]
    path: str
    diff: str


class DeleteFileOperation(RestModel):
    type: Literal["delete_file"]
    path: str


class UpdateFileOperation(RestModel):
    type: Literal["update_file"]
    path: str
    diff: str


class UnknownApplyPatchOperation(OpenModel):
    """A patch operation these models do not know yet."""


ApplyPatchOperation = Annotated[
    CreateFileOperation | DeleteFileOperation | UpdateFileOperation | UnknownApplyPatchOperation, OPEN_UNION
]


class McpListedTool(RestModel):
    name: str
    input_schema: dict[str, Any]  # an object, as the API defines it (the schema's `inputSchema: JSON!`)
    annotations: Any = None
    description: str | None = None


class McpProtocolError(RestModel):
    type: Literal["mcp_protocol_error"]
    code: int
    message: str


class McpToolExecutionError(RestModel):
    type: Literal["mcp_tool_execution_error"]
    content: Any


class McpHttpError(RestModel):
    type: Literal["http_error"]
    code: int
    message: str


class UnknownMcpError(OpenModel):
    """An MCP error kind these models do not know yet."""


McpToolCallError = Annotated[McpProtocolError | McpToolExecutionError | McpHttpError | UnknownMcpError, OPEN_UNION]
