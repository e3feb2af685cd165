"""The `ConversationItem` union: all 29 upstream item types and `UnknownConversationItem`.

Each type is named after the upstream `type` in PascalCase (`function_call_output` ->
`FunctionCallOutput`). Every item is a Relay node whose global id names its conversation and
itself, and implements `ConversationItemFields` (`itemId`, `conversationId`, `type`), so a client
can read those without a fragment per type.
"""

from typing import Annotated, Any, ClassVar, Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.rest import UnknownItem
from gateway.rest import items as rest
from gateway.rest.base import RestModel
from gateway.schema.actions import (
    ApplyPatchOperation,
    CodeInterpreterOutput,
    ComputerAction,
    ComputerScreenshotImage,
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
    ToolCaller,
    ToolDefinition,
    WebSearchAction,
)
from gateway.schema.base import JSON, described, raw_json
from gateway.schema.content import MessageContent, ReasoningTextContent, SummaryTextContent, ToolOutputContent
from gateway.schema.convert import UpstreamContractError, shows, to_graphql
from gateway.schema.enums import (
    ApplyPatchCallOutputStatus,
    ApplyPatchCallStatus,
    CallStatus,
    CodeInterpreterCallStatus,
    ComputerCallOutputStatus,
    FileSearchCallStatus,
    ImageBackground,
    ImageGenerationAction,
    ImageGenerationCallStatus,
    ImageOutputFormat,
    ImageQuality,
    McpCallStatus,
    MessagePhase,
    MessageRole,
    ProgramOutputStatus,
    ToolExecution,
    WebSearchCallStatus,
)
from gateway.schema.errors import bad_input
from gateway.schema.ids import global_id, parse_global_id
from gateway.upstream.reading import SHOWN_AS_UNKNOWN

__all__ = [
    "ITEM_TYPES",
    "ConversationItem",
    "ConversationItemFields",
    "conversation_id_of",
    "item_argument_ids",
    "item_global_id",
    "item_ids_of",
    "item_node_id",
    "item_to_graphql",
]


def item_node_id(conversation_id: str, item_id: str) -> str:
    """The node id inside an item's global id: items are only unique within their conversation."""
    return f"{conversation_id}:{item_id}"


@strawberry.interface(description="The fields every conversation item has, whatever its type.")
class ConversationItemFields(relay.Node):
    item_id: str = described("The upstream's ID of the item (`msg_...`, `fc_...`, ...).")
    conversation_id: str = described("The upstream's ID of the conversation the item belongs to (`conv_...`).")
    type: str = described("The upstream's `type` of the item (`message`, `function_call`, ...).")

    @classmethod
    def resolve_id(cls, root: Self, *, info: Info) -> str:
        # From the object alone, never from `info`: gateway/schema/execution.py reads ids without one.
        return item_node_id(root.conversation_id, root.item_id)


def _string_output(model: Any) -> str | None:
    return model.output if isinstance(model.output, str) else None


def _content_output(model: Any) -> list[Any] | None:
    return None if isinstance(model.output, str) else [to_graphql(part) for part in model.output]


_OUTPUT = "The output, when it is a string."
_OUTPUT_CONTENT = "The output, when it is a list of content parts."
_CALL_ID = (
    "The ID that links a call and its output. Nullable on every item type, though only some outputs lack it, "
    "so that calls and outputs can be selected together in one query."
)
_CREATED_BY = "Who created the item."
_CALLER = "What called the tool."


@shows(rest.Message)
@strawberry.type(description="A message from the user, the model, the system or the developer (`message`).")
class Message(ConversationItemFields):
    role: MessageRole = described("Who the message is from.")
    status: CallStatus = described("Whether the message is complete.")
    content: list[MessageContent] = described("The parts of the message, in order.")
    phase: MessagePhase | None = described("For assistant messages: commentary or the final answer.")


@shows(rest.FunctionCall)
@strawberry.type(description="A call of a function tool by the model (`function_call`).")
class FunctionCall(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    name: str = described("The function's name.")
    arguments: str = described("The arguments, as a JSON string.")
    status: CallStatus = described("Whether the call is complete.")
    namespace: str | None = described("The namespace of the function.")
    caller: ToolCaller | None = described(_CALLER)
    async_: bool | None = described("Whether the call runs asynchronously.", name="async")
    created_by: str | None = described(_CREATED_BY)


@shows(rest.FunctionCallOutput)
@strawberry.type(description="The result of a function call (`function_call_output`).")
class FunctionCallOutput(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    output: str | None = described(_OUTPUT)
    output_content: list[ToolOutputContent] | None = described(_OUTPUT_CONTENT)
    status: CallStatus = described("Whether the output is complete.")
    name: str | None = described("The function's name.")
    namespace: str | None = described("The namespace of the function.")
    caller: ToolCaller | None = described(_CALLER)
    created_by: str | None = described(_CREATED_BY)
    rest_fields: ClassVar[dict[str, Any]] = {"output": _string_output, "output_content": _content_output}


@shows(rest.FileSearchCall)
@strawberry.type(description="A search of uploaded files (`file_search_call`).")
class FileSearchCall(ConversationItemFields):
    queries: list[str] = described("The queries searched for.")
    status: FileSearchCallStatus = described("How far the search got.")
    results: list[FileSearchResult] | None = described(
        "What the search found. Selecting this field makes the gateway ask the upstream for it."
    )


@shows(rest.WebSearchCall)
@strawberry.type(description="A web search (`web_search_call`).")
class WebSearchCall(ConversationItemFields):
    status: WebSearchCallStatus = described("How far the search got.")
    action: WebSearchAction = described("What the search did.")


@shows(rest.ImageGenerationCall)
@strawberry.type(description="An image generated by the model (`image_generation_call`).")
class ImageGenerationCall(ConversationItemFields):
    status: ImageGenerationCallStatus = described("How far the generation got.")
    result: str | None = described("The image, base64-encoded.")
    action: ImageGenerationAction | None = described("Whether an image was made or edited.")
    background: ImageBackground | None = described("The background of the image.")
    output_format: ImageOutputFormat | None = described("The file format of the image.")
    quality: ImageQuality | None = described("The quality of the image.")
    size: str | None = described("The size, as `WIDTHxHEIGHT`.")
    revised_prompt: str | None = described("The prompt after the model rewrote it.")
    error: ImageGenerationError | None = described("Why the generation failed, if it did.")
    svg_usage: ImageGenerationSvgUsage | None = described("Tokens used, for SVG images.")


@shows(rest.ComputerCall)
@strawberry.type(description="An action of the computer tool (`computer_call`).")
class ComputerCall(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    status: CallStatus = described("Whether the call is complete.")
    pending_safety_checks: list[SafetyCheck] = described("Safety checks the client must acknowledge.")
    action: ComputerAction | None = described("The action to perform.")
    actions: list[ComputerAction] | None = described("The actions to perform, in order.")


@shows(rest.ComputerCallOutput)
@strawberry.type(description="The result of a computer tool action (`computer_call_output`).")
class ComputerCallOutput(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    status: ComputerCallOutputStatus = described("Whether the output is complete.")
    output: ComputerScreenshotImage = described("The screenshot after the action.")
    acknowledged_safety_checks: list[SafetyCheck] | None = described("The safety checks the client acknowledged.")
    created_by: str | None = described(_CREATED_BY)


@shows(rest.ToolSearchCall)
@strawberry.type(description="A search for tools (`tool_search_call`).")
class ToolSearchCall(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    execution: ToolExecution = described("Where the search ran.")
    status: CallStatus = described("Whether the search is complete.")
    arguments: JSON | None = described(
        "The arguments of the search, as sent: any JSON value, null included (the REST API gives them no type)."
    )
    created_by: str | None = described(_CREATED_BY)


@shows(rest.ToolSearchOutput)
@strawberry.type(description="The tools a tool search found (`tool_search_output`).")
class ToolSearchOutput(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    execution: ToolExecution = described("Where the search ran.")
    status: CallStatus = described("Whether the output is complete.")
    tools: list[ToolDefinition] = described("The tools found.")
    created_by: str | None = described(_CREATED_BY)


@shows(rest.AdditionalTools)
@strawberry.type(description="Tools made available from this point of the conversation on (`additional_tools`).")
class AdditionalTools(ConversationItemFields):
    role: MessageRole = described("Who provided the tools.")
    tools: list[ToolDefinition] = described("The tool definitions.")


@shows(rest.ConfigurationUpdate)
@strawberry.type(description="A change of the model's settings (`configuration_update`).")
class ConfigurationUpdate(ConversationItemFields):
    reasoning: ConfigurationReasoning | None = described("New reasoning settings.")
    text: ConfigurationText | None = described("New text output settings.")


@shows(rest.Reasoning)
@strawberry.type(description="The model's reasoning (`reasoning`).")
class Reasoning(ConversationItemFields):
    summary: list[SummaryTextContent] = described("A summary of the reasoning.")
    content: list[ReasoningTextContent] | None = described("The reasoning text.")
    encrypted_content: str | None = described(
        "The reasoning, encrypted for reuse in later requests. Selecting this field makes the gateway "
        "ask the upstream for it."
    )
    status: CallStatus | None = described("Whether the reasoning is complete.")


@shows(rest.Program)
@strawberry.type(description="A program run by programmatic tool calling (`program`).")
class Program(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    code: str = described("The JavaScript source of the program.")
    fingerprint: str = described("An opaque replay fingerprint to send back unchanged.")


@shows(rest.ProgramOutput)
@strawberry.type(description="The result of a program (`program_output`).")
class ProgramOutput(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    result: str = described("What the program produced.")
    status: ProgramOutputStatus = described("Whether the program finished.")


@shows(rest.Compaction)
@strawberry.type(description="A compacted summary of earlier context (`compaction`).")
class Compaction(ConversationItemFields):
    encrypted_content: str = described("The compacted context, encrypted.")
    created_by: str | None = described(_CREATED_BY)


@shows(rest.CodeInterpreterCall)
@strawberry.type(description="Code run by the code interpreter (`code_interpreter_call`).")
class CodeInterpreterCall(ConversationItemFields):
    container_id: str = described("The ID of the container the code ran in.")
    code: str | None = described("The code.")
    outputs: list[CodeInterpreterOutput] | None = described(
        "What the code produced. Selecting this field makes the gateway ask the upstream for it."
    )
    status: CodeInterpreterCallStatus = described("How far the run got.")


@shows(rest.LocalShellCall)
@strawberry.type(description="A command for the local shell tool (`local_shell_call`).")
class LocalShellCall(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    action: LocalShellExecAction = described("The command to run.")
    status: CallStatus = described("Whether the call is complete.")


@shows(rest.LocalShellCallOutput)
@strawberry.type(description="The output of a local shell command (`local_shell_call_output`).")
class LocalShellCallOutput(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    output: str | None = described("The output, as a JSON string (nullable like every string `output`).")
    status: CallStatus | None = described("Whether the output is complete.")


@shows(rest.ShellCall)
@strawberry.type(description="Commands for the shell tool (`shell_call`).")
class ShellCall(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    action: ShellCallAction = described("The commands to run.")
    status: CallStatus = described("Whether the call is complete.")
    environment: ShellEnvironment | None = described("Where the commands run.")
    caller: ToolCaller | None = described(_CALLER)
    created_by: str | None = described(_CREATED_BY)


@shows(rest.ShellCallOutput)
@strawberry.type(description="The output of shell commands (`shell_call_output`).")
class ShellCallOutput(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    output: list[ShellCallOutputChunk] = described("The output of each command, in order.")
    status: CallStatus = described("Whether the output is complete.")
    max_output_length: int | None = described("The most output characters kept.")
    caller: ToolCaller | None = described(_CALLER)
    created_by: str | None = described(_CREATED_BY)


@shows(rest.ApplyPatchCall)
@strawberry.type(description="A file change for the apply-patch tool (`apply_patch_call`).")
class ApplyPatchCall(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    operation: ApplyPatchOperation = described("The change to make.")
    status: ApplyPatchCallStatus = described("Whether the change is complete.")
    caller: ToolCaller | None = described(_CALLER)
    created_by: str | None = described(_CREATED_BY)


@shows(rest.ApplyPatchCallOutput)
@strawberry.type(description="The result of a file change (`apply_patch_call_output`).")
class ApplyPatchCallOutput(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    status: ApplyPatchCallOutputStatus = described("Whether the change was made.")
    output: str | None = described("What the tool reported.")
    caller: ToolCaller | None = described(_CALLER)
    created_by: str | None = described(_CREATED_BY)


@shows(rest.McpListTools)
@strawberry.type(description="The tools an MCP server offers (`mcp_list_tools`).")
class McpListTools(ConversationItemFields):
    server_label: str = described("The label of the MCP server.")
    tools: list[McpListedTool] = described("The tools.")
    error: str | None = described("Why the tools could not be listed, if they could not.")


@shows(rest.McpApprovalRequest)
@strawberry.type(description="A request for a person to approve an MCP tool call (`mcp_approval_request`).")
class McpApprovalRequest(ConversationItemFields):
    server_label: str = described("The label of the MCP server.")
    name: str = described("The tool to run.")
    arguments: str = described("The arguments, as a JSON string.")


@shows(rest.McpApprovalResponse)
@strawberry.type(description="A person's answer to an approval request (`mcp_approval_response`).")
class McpApprovalResponse(ConversationItemFields):
    approval_request_id: str = described("The ID of the request answered.")
    approve: bool = described("Whether the call was approved.")
    reason: str | None = described("Why.")


@shows(rest.McpCall)
@strawberry.type(description="A call of a tool on an MCP server (`mcp_call`).")
class McpCall(ConversationItemFields):
    server_label: str = described("The label of the MCP server.")
    name: str = described("The tool run.")
    arguments: str = described("The arguments, as a JSON string.")
    approval_request_id: str | None = described("The approval request this call answers to.")
    output: str | None = described("What the tool returned.")
    error: McpToolCallError | None = described("Why the call failed, if it did.")
    status: McpCallStatus | None = described("How far the call got.")


@shows(rest.CustomToolCall)
@strawberry.type(description="A call of a custom tool by the model (`custom_tool_call`).")
class CustomToolCall(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    name: str = described("The tool's name.")
    input: str = described("The input the model wrote for the tool.")
    namespace: str | None = described("The namespace of the tool.")
    caller: ToolCaller | None = described(_CALLER)
    async_: bool | None = described("Whether the call runs asynchronously.", name="async")


@shows(rest.CustomToolCallOutput)
@strawberry.type(description="The result of a custom tool call (`custom_tool_call_output`).")
class CustomToolCallOutput(ConversationItemFields):
    call_id: str | None = described(_CALL_ID)
    output: str | None = described(_OUTPUT)
    output_content: list[ToolOutputContent] | None = described(_OUTPUT_CONTENT)
    caller: ToolCaller | None = described(_CALLER)
    rest_fields: ClassVar[dict[str, Any]] = {"output": _string_output, "output_content": _content_output}


@shows(UnknownItem)
@strawberry.type(
    description=(
        "An item of a type this gateway does not know yet, or of a known type holding a value its schema "
        "has no name for yet (a new role, status or kind of caller). Queries keep working when the upstream "
        "adds either; `type` says what the item is, `raw` has the whole item."
    )
)
class UnknownConversationItem(ConversationItemFields):
    raw: JSON = described("The item as the upstream sent it.")
    rest_fields: ClassVar[dict[str, Any]] = {"raw": raw_json}


ITEM_TYPES: tuple[type[ConversationItemFields], ...] = (
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
    UnknownConversationItem,
)

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
    | UnknownConversationItem,
    strawberry.union(
        "ConversationItem",
        description="An item of a conversation: a message, a tool call or output, reasoning, and more.",
    ),
]


_ITEM_TYPE_NAMES = frozenset(cls.__name__ for cls in ITEM_TYPES)
_CONVERSATION = frozenset({"Conversation"})
_NODE_TYPE_NAMES = _ITEM_TYPE_NAMES | _CONVERSATION


def upstream_id(item: Any) -> Any:
    """The upstream's id of an item of a page: a REST model's `id`, or a GraphQL object's `item_id`."""
    return item.item_id if isinstance(item, ConversationItemFields) else item.id


def item_ids_of(global_id: str) -> tuple[str, str] | None:
    """``(conversation id, item id)`` if ``global_id`` is an item's global id, else None."""
    parsed = parse_global_id(global_id, _ITEM_TYPE_NAMES)
    return None if parsed is None else _item_node_ids(parsed[1])


def _item_node_ids(node_id: str) -> tuple[str, str] | None:
    conversation_id, _, item_id = node_id.partition(":")
    if not conversation_id or not item_id:
        return None  # not an id this gateway made (it joins two non-empty ids)
    return conversation_id, item_id


def item_argument_ids(value: str, argument: str, *, extension: str = "argument") -> tuple[str, str] | None:
    """:func:`item_ids_of` for an argument that names an item, by its global id or (None) its
    upstream id: a conversation's global id is refused here, without an upstream call, as no item
    has it. One parse tells the three apart."""
    parsed = parse_global_id(value, _NODE_TYPE_NAMES)
    if parsed is None:
        return None
    type_name, node_id = parsed
    if type_name == "Conversation":
        raise bad_input(
            f"`{argument}` is the global id of a conversation, not of an item; "
            "give the item's `id` or its upstream id.",
            **{extension: argument},
        )
    return _item_node_ids(node_id)


def item_global_id(value: str) -> str | None:
    """The global id (as its `id` field gives it) of the item ``value`` names, if ``value`` is an
    item's global id; None for an upstream id, which does not say the item's type."""
    parsed = parse_global_id(value, _NODE_TYPE_NAMES)
    if parsed is None or parsed[0] == "Conversation":
        return None
    return global_id(*parsed)


def conversation_id_of(value: str, argument: str = "id", *, extension: str = "argument") -> str:
    """The upstream conversation id from a `Conversation` global id or an upstream id (`conv_...`).

    An item's global id is refused here, without an upstream call: it can name no conversation.
    ``extension`` names the key that points the client at ``argument`` (`path` for an input's field).
    """
    if not value.strip():
        raise bad_input(f"`{argument}` must not be empty.", **{extension: argument})
    parsed = parse_global_id(value, _NODE_TYPE_NAMES)
    if parsed is None:
        return value
    type_name, node_id = parsed
    if type_name != "Conversation":
        raise bad_input(
            f"`{argument}` is the global id of an item ({type_name}), not of a conversation; "
            "give the conversation's `id` or its `conv_...` id.",
            **{extension: argument},
        )
    return node_id


def item_to_graphql(model: RestModel | ConversationItemFields, conversation_id: str) -> ConversationItemFields:
    """The GraphQL object of an upstream item of ``conversation_id`` (itself when a page reader
    made it one already: gateway/schema/pages.py)."""
    if isinstance(model, ConversationItemFields):
        return model
    item_id = getattr(model, "id", None) or getattr(model, "call_id", None) or ""
    kind = getattr(model, "type", "")
    try:
        node: ConversationItemFields = to_graphql(model, item_id=item_id, conversation_id=conversation_id, type=kind)
    except UpstreamContractError as error:
        # A value the schema has no name for (a new kind of tool caller, say): the item is shown
        # whole, as one of a type the models do not know is (gateway/upstream/reading.py).
        reason = str(error)
        SHOWN_AS_UNKNOWN.note(kind, item_id, lambda: reason)
        unknown = UnknownItem.model_validate(model.to_json())
        node = to_graphql(unknown, item_id=item_id, conversation_id=conversation_id, type=kind)
    return node
