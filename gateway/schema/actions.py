"""The nested objects of tool-call items: actions, callers, outputs, operations and errors."""

from collections.abc import Mapping
from enum import Enum
from typing import Annotated, Any, ClassVar

import strawberry

from gateway.rest import actions as rest
from gateway.rest.tools import ToolDefinition as RestToolDefinition
from gateway.schema.base import JSON, described, raw_json, unknown_fields, upstream_type
from gateway.schema.convert import enum_converter, shows
from gateway.schema.enums import ModerationStage, MouseButton, ReasoningEffort

__all__ = [
    "ApplyPatchOperation",
    "CodeInterpreterOutput",
    "ComputerAction",
    "ComputerScreenshotImage",
    "ConfigurationReasoning",
    "ConfigurationText",
    "FileSearchResult",
    "ImageGenerationError",
    "ImageGenerationSvgUsage",
    "LocalShellExecAction",
    "McpListedTool",
    "McpToolCallError",
    "SafetyCheck",
    "ShellCallAction",
    "ShellCallOutputChunk",
    "ShellEnvironment",
    "ToolCaller",
    "ToolDefinition",
    "WebSearchAction",
    "attribute_list",
]


def _unknown(name: str, what: str) -> type[Any]:
    """An ``Unknown*`` member of a nested union: the upstream's ``type`` and the raw object."""

    @strawberry.type(
        name=name,
        description=(
            f"A {what} of a kind this gateway does not know yet, or of a known kind holding a value the "
            "schema has no name for yet."
        ),
    )
    class Unknown:
        type: str = described(f"The upstream's `type` of the {what}.")
        raw: JSON = described(f"The {what} as the upstream sent it.")
        rest_fields: ClassVar[dict[str, Any]] = unknown_fields()

    return Unknown


@strawberry.enum(description="What called a tool.")
class ToolCallerType(Enum):
    DIRECT = strawberry.enum_value("direct", description="The model called it directly.")
    PROGRAM = strawberry.enum_value("program", description="A program item called it.")


_caller_type = enum_converter(ToolCallerType)


# A caller of a kind the schema has no name for is a contract error, as an unknown enum value is
# (the REST models read it as an `UnknownCaller`, as their open unions read any new kind).
@shows(rest.DirectCaller, rest.ProgramCaller, rest.UnknownCaller)
@strawberry.type(description="What called a tool: the model directly, or a program item.")
class ToolCaller:
    type: ToolCallerType = described("Whether the model or a program called the tool.")
    caller_id: str | None = described("The ID of the program item that called the tool, for `PROGRAM`.")
    rest_fields: ClassVar[dict[str, Any]] = {
        "type": lambda model: _caller_type(getattr(model, "type", None)),
        "caller_id": lambda model: getattr(model, "caller_id", None),
    }


@strawberry.type(description="One attribute of a file search result.")
class FileSearchAttribute:
    key: str = described("The attribute's name.")
    string_value: str | None = described("The value, when it is a string.")
    number_value: float | None = described("The value, when it is a number.")
    boolean_value: bool | None = described("The value, when it is a boolean.")


def attribute_list(attributes: Mapping[str, str | float | bool] | None) -> list[FileSearchAttribute] | None:
    """A file's attributes as the schema shows them: one object per key, its value in the field of its type."""
    if attributes is None:
        return None
    return [
        FileSearchAttribute(
            key=key,
            string_value=value if isinstance(value, str) else None,
            number_value=float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None,
            boolean_value=value if isinstance(value, bool) else None,
        )
        for key, value in attributes.items()
    ]


@shows(rest.FileSearchResult)
@strawberry.type(description="A passage a file search found.")
class FileSearchResult:
    file_id: str | None = described("The ID of the file.")
    filename: str | None = described("The name of the file.")
    score: float | None = described("The relevance of the passage, from 0 to 1.")
    text: str | None = described("The passage.")
    attributes: list[FileSearchAttribute] | None = described("The file's attributes.")
    rest_fields: ClassVar[dict[str, Any]] = {"attributes": lambda model: attribute_list(model.attributes)}


@shows(rest.WebSearchSource)
@strawberry.type(description="A source a web search consulted.")
class WebSearchSource:
    type: str = upstream_type()
    url: str = described("The URL of the source.")


@shows(rest.WebSearchSearchAction)
@strawberry.type(description="A web search (`search`).")
class SearchAction:
    type: str = upstream_type()
    query: str | None = described("The search query.")
    queries: list[str] | None = described("All the queries of the search.")
    sources: list[WebSearchSource] | None = described(
        "The sources consulted. Selecting this field makes the gateway ask the upstream for them."
    )


@shows(rest.WebSearchOpenPageAction)
@strawberry.type(description="Opening a page found by a search (`open_page`).")
class OpenPageAction:
    type: str = upstream_type()
    url: str | None = described("The URL of the page.")


@shows(rest.WebSearchFindInPageAction)
@strawberry.type(description="Looking for a pattern in a page (`find_in_page`).")
class FindInPageAction:
    type: str = upstream_type()
    url: str = described("The URL of the page.")
    pattern: str = described("The pattern looked for.")


UnknownWebSearchAction = shows(rest.UnknownWebSearchAction)(_unknown("UnknownWebSearchAction", "web search action"))

WebSearchAction = Annotated[
    SearchAction | OpenPageAction | FindInPageAction | UnknownWebSearchAction,  # type: ignore[valid-type]
    strawberry.union("WebSearchAction", description="What a web search call did."),
]


@shows(rest.ImageGenerationModerationDetails)
@strawberry.type(description="Why moderation blocked an image generation.")
class ImageGenerationModerationDetails:
    categories: list[str] = described("The moderation categories that applied.")
    moderation_stage: ModerationStage = described("Whether the prompt or the image was blocked.")


@shows(rest.ImageGenerationError)
@strawberry.type(description="Why an image generation call failed.")
class ImageGenerationError:
    type: str = described("The kind of error.")
    message: str = described("What went wrong.")
    code: str | None = described("The error code.")
    param: str | None = described("The request parameter involved.")
    moderation_details: ImageGenerationModerationDetails | None = described("Details when moderation blocked it.")


@shows(rest.ImageGenerationSvgUsage)
@strawberry.type(description="Tokens used to generate an SVG image.")
class ImageGenerationSvgUsage:
    input_tokens: int = described("Input tokens.")
    output_tokens: int = described("Output tokens.")
    reasoning_tokens: int = described("Reasoning tokens.")
    total_tokens: int = described("All tokens.")
    model: str = described("The model that generated it.")


@shows(rest.SafetyCheck)
@strawberry.type(description="A safety check of a computer call.")
class SafetyCheck:
    id: str = described("The ID of the check.")
    code: str | None = described("The kind of check.")
    message: str | None = described("What the check found.")


@shows(rest.DragPoint)
@strawberry.type(description="A point on the screen.")
class DragPoint:
    x: int = described("The horizontal coordinate, in pixels.")
    y: int = described("The vertical coordinate, in pixels.")


_KEYS = "Keys held down during the action."


@shows(rest.ClickAction)
@strawberry.type(description="A mouse click (`click`).")
class ClickAction:
    type: str = upstream_type()
    button: MouseButton = described("The button clicked.")
    x: int = described("The horizontal coordinate, in pixels.")
    y: int = described("The vertical coordinate, in pixels.")
    keys: list[str] | None = described(_KEYS)


@shows(rest.DoubleClickAction)
@strawberry.type(description="A double click (`double_click`).")
class DoubleClickAction:
    type: str = upstream_type()
    x: int = described("The horizontal coordinate, in pixels.")
    y: int = described("The vertical coordinate, in pixels.")
    keys: list[str] | None = described(_KEYS)


@shows(rest.DragAction)
@strawberry.type(description="A drag along a path (`drag`).")
class DragAction:
    type: str = upstream_type()
    path: list[DragPoint] = described("The points of the path, in order.")
    keys: list[str] | None = described(_KEYS)


@shows(rest.KeypressAction)
@strawberry.type(description="Pressing keys together (`keypress`).")
class KeypressAction:
    type: str = upstream_type()
    keys: list[str] = described("The keys pressed.")


@shows(rest.MoveAction)
@strawberry.type(description="Moving the mouse (`move`).")
class MoveAction:
    type: str = upstream_type()
    x: int = described("The horizontal coordinate, in pixels.")
    y: int = described("The vertical coordinate, in pixels.")
    keys: list[str] | None = described(_KEYS)


@shows(rest.ScreenshotAction)
@strawberry.type(description="Taking a screenshot (`screenshot`).")
class ScreenshotAction:
    type: str = upstream_type()


@shows(rest.ScrollAction)
@strawberry.type(description="Scrolling (`scroll`).")
class ScrollAction:
    type: str = upstream_type()
    x: int = described("The horizontal coordinate of the pointer, in pixels.")
    y: int = described("The vertical coordinate of the pointer, in pixels.")
    scroll_x: int = described("The horizontal scroll distance, in pixels.")
    scroll_y: int = described("The vertical scroll distance, in pixels.")
    keys: list[str] | None = described(_KEYS)


@shows(rest.TypeAction)
@strawberry.type(description="Typing text (`type`).")
class TypeAction:
    type: str = upstream_type()
    text: str = described("The text typed.")


@shows(rest.WaitAction)
@strawberry.type(description="Waiting (`wait`).")
class WaitAction:
    type: str = upstream_type()


UnknownComputerAction = shows(rest.UnknownComputerAction)(_unknown("UnknownComputerAction", "computer action"))

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
    | UnknownComputerAction,  # type: ignore[valid-type]
    strawberry.union("ComputerAction", description="An action of a computer tool."),
]


@shows(rest.ComputerScreenshotOutput)
@strawberry.type(description="A screenshot returned by a computer tool.")
class ComputerScreenshotImage:
    type: str = upstream_type()
    file_id: str | None = described("The ID of an uploaded screenshot file.")
    image_url: str | None = described(
        "The screenshot's URL. Selecting this field makes the gateway ask the upstream for it."
    )


@shows(rest.ConfigurationReasoning)
@strawberry.type(description="Reasoning settings changed by a configuration update.")
class ConfigurationReasoning:
    effort: ReasoningEffort | None = described("The reasoning effort from now on.")


@shows(rest.PlainTextFormat)
@strawberry.type(description="Plain text output (`text`).")
class PlainTextFormat:
    type: str = upstream_type()


@shows(rest.JsonSchemaTextFormat)
@strawberry.type(description="Output that follows a JSON schema (`json_schema`).")
class JsonSchemaTextFormat:
    type: str = upstream_type()
    name: str = described("The name of the format.")
    json_schema: JSON = described("The JSON schema the output follows.", name="schema")
    description: str | None = described("What the format is for.")
    strict: bool | None = described("Whether the output must follow the schema exactly.")
    rest_fields: ClassVar[dict[str, Any]] = {"json_schema": lambda model: model.schema_}


UnknownTextFormat = shows(rest.UnknownTextFormat)(_unknown("UnknownTextFormat", "text format"))

TextFormat = Annotated[
    PlainTextFormat | JsonSchemaTextFormat | UnknownTextFormat,  # type: ignore[valid-type]
    strawberry.union("TextFormat", description="The format of text output."),
]


@shows(rest.ConfigurationText)
@strawberry.type(description="Text output settings changed by a configuration update.")
class ConfigurationText:
    format: TextFormat = described("The output format from now on.")


@shows(rest.CodeInterpreterLogsOutput)
@strawberry.type(description="What the code printed (`logs`).")
class CodeInterpreterLogsOutput:
    type: str = upstream_type()
    logs: str = described("The printed output.")


@shows(rest.CodeInterpreterImageOutput)
@strawberry.type(description="An image the code produced (`image`).")
class CodeInterpreterImageOutput:
    type: str = upstream_type()
    url: str = described("The URL of the image.")


UnknownCodeInterpreterOutput = shows(rest.UnknownCodeInterpreterOutput)(
    _unknown("UnknownCodeInterpreterOutput", "code interpreter output")
)

CodeInterpreterOutput = Annotated[
    CodeInterpreterLogsOutput | CodeInterpreterImageOutput | UnknownCodeInterpreterOutput,  # type: ignore[valid-type]
    strawberry.union("CodeInterpreterOutput", description="An output of a code interpreter call."),
]


@strawberry.type(description="An environment variable.")
class EnvironmentVariable:
    name: str = described("The variable's name.")
    value: str = described("The variable's value.")


@shows(rest.LocalShellExecAction)
@strawberry.type(description="A command to run on the local shell.")
class LocalShellExecAction:
    type: str = upstream_type()
    command: list[str] = described("The command and its arguments.")
    env: list[EnvironmentVariable] = described("Environment variables to set.")
    timeout_ms: int | None = described("How long the command may run, in milliseconds.")
    user: str | None = described("The user to run it as.")
    working_directory: str | None = described("The folder to run it in.")
    rest_fields: ClassVar[dict[str, Any]] = {
        "env": lambda model: [EnvironmentVariable(name=name, value=value) for name, value in model.env.items()]
    }


@shows(rest.ShellCallAction)
@strawberry.type(description="Commands to run in a shell.")
class ShellCallAction:
    commands: list[str] = described("The commands, in order.")
    timeout_ms: int | None = described("How long the commands may run, in milliseconds.")
    max_output_length: int | None = described("The most output characters to keep.")


@shows(rest.LocalShellEnvironment)
@strawberry.type(description="The client's own machine (`local`).")
class LocalShellEnvironment:
    type: str = upstream_type()


@shows(rest.ContainerReferenceEnvironment)
@strawberry.type(description="A container (`container_reference`).")
class ContainerReferenceEnvironment:
    type: str = upstream_type()
    container_id: str = described("The ID of the container.")


UnknownShellEnvironment = shows(rest.UnknownShellEnvironment)(_unknown("UnknownShellEnvironment", "shell environment"))

ShellEnvironment = Annotated[
    LocalShellEnvironment | ContainerReferenceEnvironment | UnknownShellEnvironment,  # type: ignore[valid-type]
    strawberry.union("ShellEnvironment", description="Where shell commands run."),
]


@shows(rest.ShellTimeoutOutcome)
@strawberry.type(description="The command ran out of time (`timeout`).")
class ShellTimeoutOutcome:
    type: str = upstream_type()


@shows(rest.ShellExitOutcome)
@strawberry.type(description="The command exited (`exit`).")
class ShellExitOutcome:
    type: str = upstream_type()
    exit_code: int = described("The exit code.")


UnknownShellOutcome = shows(rest.UnknownShellOutcome)(_unknown("UnknownShellOutcome", "shell outcome"))

ShellOutcome = Annotated[
    ShellTimeoutOutcome | ShellExitOutcome | UnknownShellOutcome,  # type: ignore[valid-type]
    strawberry.union("ShellOutcome", description="How a shell command ended."),
]


@shows(rest.ShellCallOutputChunk)
@strawberry.type(description="The output of one shell command.")
class ShellCallOutputChunk:
    stdout: str = described("What the command printed to standard output.")
    stderr: str = described("What the command printed to standard error.")
    outcome: ShellOutcome = described("How the command ended.")
    created_by: str | None = described("Who created this output.")


@shows(rest.CreateFileOperation)
@strawberry.type(description="Creating a file (`create_file`).")
class CreateFileOperation:
    type: str = upstream_type()
    path: str = described("The path of the file.")
    diff: str = described("The file's content, as a diff.")


@shows(rest.DeleteFileOperation)
@strawberry.type(description="Deleting a file (`delete_file`).")
class DeleteFileOperation:
    type: str = upstream_type()
    path: str = described("The path of the file.")


@shows(rest.UpdateFileOperation)
@strawberry.type(description="Changing a file (`update_file`).")
class UpdateFileOperation:
    type: str = upstream_type()
    path: str = described("The path of the file.")
    diff: str = described("The change, as a diff.")


UnknownPatchOperation = shows(rest.UnknownApplyPatchOperation)(_unknown("UnknownPatchOperation", "patch operation"))

ApplyPatchOperation = Annotated[
    CreateFileOperation | DeleteFileOperation | UpdateFileOperation | UnknownPatchOperation,  # type: ignore[valid-type]
    strawberry.union("ApplyPatchOperation", description="A change to a file."),
]


@shows(rest.McpListedTool)
@strawberry.type(description="A tool an MCP server offers.")
class McpListedTool:
    name: str = described("The tool's name.")
    description: str | None = described("What the tool does.")
    input_schema: JSON = described("The JSON schema of the tool's input.")
    annotations: JSON | None = described("The server's annotations of the tool.")


@shows(rest.McpProtocolError)
@strawberry.type(description="The MCP server broke the protocol (`mcp_protocol_error`).")
class McpProtocolError:
    type: str = upstream_type()
    code: int = described("The protocol error code.")
    message: str = described("What went wrong.")


@shows(rest.McpToolExecutionError)
@strawberry.type(description="The tool failed (`mcp_tool_execution_error`).")
class McpToolExecutionError:
    type: str = upstream_type()
    content: JSON = described("What the tool returned about its failure.")


@shows(rest.McpHttpError)
@strawberry.type(description="The MCP server answered with an HTTP error (`http_error`).")
class McpHttpError:
    type: str = upstream_type()
    code: int = described("The HTTP status.")
    message: str = described("What went wrong.")


UnknownMcpError = shows(rest.UnknownMcpError)(_unknown("UnknownMcpError", "MCP error"))

McpToolCallError = Annotated[
    McpProtocolError | McpToolExecutionError | McpHttpError | UnknownMcpError,  # type: ignore[valid-type]
    strawberry.union("McpToolCallError", description="Why an MCP tool call failed."),
]


@shows(RestToolDefinition)
@strawberry.type(
    description=(
        "A tool made available to the model. Tool definitions are a large, fast-moving family; their "
        "common fields are typed and the whole definition is in `definition`."
    )
)
class ToolDefinition:
    type: str = upstream_type()
    name: str | None = described("The tool's name, for tools that have one.")
    description: str | None = described("What the tool does, for tools that say.")
    server_label: str | None = described("The label of the MCP server, for MCP tools.")
    definition: JSON = described("The whole definition, as the upstream sent it.")
    rest_fields: ClassVar[dict[str, Any]] = {"definition": raw_json}
