"""Enums for every closed set of strings the upstream uses. Each value is the upstream's string."""

from enum import Enum

import strawberry

__all__ = [
    "ApplyPatchCallOutputStatus",
    "ApplyPatchCallStatus",
    "CallStatus",
    "CodeInterpreterCallStatus",
    "ComputerCallOutputStatus",
    "FileDetail",
    "FileSearchCallStatus",
    "ImageBackground",
    "ImageDetail",
    "ImageGenerationAction",
    "ImageGenerationCallStatus",
    "ImageOutputFormat",
    "ImageQuality",
    "Includable",
    "ItemOrder",
    "McpCallStatus",
    "MessagePhase",
    "MessageRole",
    "ModerationStage",
    "MouseButton",
    "ProgramOutputStatus",
    "PromptCacheMode",
    "PromptCacheTtl",
    "ReasoningEffort",
    "ToolExecution",
    "WebSearchCallStatus",
]


@strawberry.enum(description="The order of items in a connection.")
class ItemOrder(Enum):
    ASC = strawberry.enum_value("asc", description="Oldest first, as a chat reads.")
    DESC = strawberry.enum_value("desc", description="Newest first.")


@strawberry.enum(
    description=(
        "Fields the upstream leaves out unless asked. The gateway asks for them by itself when a query "
        "selects them; naming one here asks even when it is not selected."
    )
)
class Includable(Enum):
    FILE_SEARCH_CALL_RESULTS = strawberry.enum_value(
        "file_search_call.results", description="The results of file search calls."
    )
    WEB_SEARCH_CALL_RESULTS = strawberry.enum_value(
        "web_search_call.results", description="The results of web search calls."
    )
    WEB_SEARCH_CALL_ACTION_SOURCES = strawberry.enum_value(
        "web_search_call.action.sources", description="The sources a web search action consulted."
    )
    MESSAGE_INPUT_IMAGE_IMAGE_URL = strawberry.enum_value(
        "message.input_image.image_url", description="The URLs of images in input messages."
    )
    COMPUTER_CALL_OUTPUT_OUTPUT_IMAGE_URL = strawberry.enum_value(
        "computer_call_output.output.image_url", description="The screenshot URLs of computer call outputs."
    )
    CODE_INTERPRETER_CALL_OUTPUTS = strawberry.enum_value(
        "code_interpreter_call.outputs", description="The outputs of code interpreter calls."
    )
    REASONING_ENCRYPTED_CONTENT = strawberry.enum_value(
        "reasoning.encrypted_content", description="The encrypted content of reasoning items."
    )
    MESSAGE_OUTPUT_TEXT_LOGPROBS = strawberry.enum_value(
        "message.output_text.logprobs", description="The log probabilities of output text tokens."
    )


@strawberry.enum(description="Who a message is from.")
class MessageRole(Enum):
    UNKNOWN = strawberry.enum_value("unknown", description="The role is not known.")
    USER = strawberry.enum_value("user", description="The end user.")
    ASSISTANT = strawberry.enum_value("assistant", description="The model.")
    SYSTEM = strawberry.enum_value("system", description="System instructions.")
    CRITIC = strawberry.enum_value("critic", description="A critic model.")
    DISCRIMINATOR = strawberry.enum_value("discriminator", description="A discriminator model.")
    DEVELOPER = strawberry.enum_value("developer", description="Developer instructions.")
    TOOL = strawberry.enum_value("tool", description="A tool.")


@strawberry.enum(description="Whether an assistant message is intermediate commentary or the final answer.")
class MessagePhase(Enum):
    COMMENTARY = strawberry.enum_value("commentary", description="Intermediate commentary.")
    FINAL_ANSWER = strawberry.enum_value("final_answer", description="The final answer.")


@strawberry.enum(description="The status of a message or tool call.")
class CallStatus(Enum):
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Still being produced.")
    COMPLETED = strawberry.enum_value("completed", description="Finished.")
    INCOMPLETE = strawberry.enum_value("incomplete", description="Stopped before it finished.")


@strawberry.enum(description="The status of a file search call.")
class FileSearchCallStatus(Enum):
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Started.")
    SEARCHING = strawberry.enum_value("searching", description="Searching the files.")
    COMPLETED = strawberry.enum_value("completed", description="Finished.")
    INCOMPLETE = strawberry.enum_value("incomplete", description="Stopped before it finished.")
    FAILED = strawberry.enum_value("failed", description="Failed.")


@strawberry.enum(description="The status of a web search call.")
class WebSearchCallStatus(Enum):
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Started.")
    SEARCHING = strawberry.enum_value("searching", description="Searching the web.")
    COMPLETED = strawberry.enum_value("completed", description="Finished.")
    FAILED = strawberry.enum_value("failed", description="Failed.")
    INCOMPLETE = strawberry.enum_value("incomplete", description="Stopped before it finished.")


@strawberry.enum(description="The status of an image generation call.")
class ImageGenerationCallStatus(Enum):
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Started.")
    COMPLETED = strawberry.enum_value("completed", description="Finished.")
    GENERATING = strawberry.enum_value("generating", description="Generating the image.")
    FAILED = strawberry.enum_value("failed", description="Failed.")


@strawberry.enum(description="The status of a computer call output.")
class ComputerCallOutputStatus(Enum):
    COMPLETED = strawberry.enum_value("completed", description="Finished.")
    INCOMPLETE = strawberry.enum_value("incomplete", description="Stopped before it finished.")
    FAILED = strawberry.enum_value("failed", description="Failed.")
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Still being produced.")


@strawberry.enum(description="The terminal status of a program output.")
class ProgramOutputStatus(Enum):
    COMPLETED = strawberry.enum_value("completed", description="The program finished.")
    INCOMPLETE = strawberry.enum_value("incomplete", description="The program stopped before it finished.")


@strawberry.enum(description="The status of a code interpreter call.")
class CodeInterpreterCallStatus(Enum):
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Started.")
    COMPLETED = strawberry.enum_value("completed", description="Finished.")
    INCOMPLETE = strawberry.enum_value("incomplete", description="Stopped before it finished.")
    INTERPRETING = strawberry.enum_value("interpreting", description="Running the code.")
    FAILED = strawberry.enum_value("failed", description="Failed.")


@strawberry.enum(description="The status of an apply-patch call.")
class ApplyPatchCallStatus(Enum):
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Being applied.")
    COMPLETED = strawberry.enum_value("completed", description="Applied.")


@strawberry.enum(description="The status of an apply-patch call's output.")
class ApplyPatchCallOutputStatus(Enum):
    COMPLETED = strawberry.enum_value("completed", description="The patch was applied.")
    FAILED = strawberry.enum_value("failed", description="The patch could not be applied.")


@strawberry.enum(description="The status of an MCP tool call.")
class McpCallStatus(Enum):
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Started.")
    COMPLETED = strawberry.enum_value("completed", description="Finished.")
    INCOMPLETE = strawberry.enum_value("incomplete", description="Stopped before it finished.")
    CALLING = strawberry.enum_value("calling", description="Calling the MCP server.")
    FAILED = strawberry.enum_value("failed", description="Failed.")


@strawberry.enum(description="Where a tool search ran.")
class ToolExecution(Enum):
    SERVER = strawberry.enum_value("server", description="On the platform.")
    CLIENT = strawberry.enum_value("client", description="In the client's code.")


@strawberry.enum(description="How closely the model looks at an image.")
class ImageDetail(Enum):
    LOW = strawberry.enum_value("low", description="Low detail, fewer tokens.")
    HIGH = strawberry.enum_value("high", description="High detail.")
    AUTO = strawberry.enum_value("auto", description="The model chooses.")
    ORIGINAL = strawberry.enum_value("original", description="The image as uploaded.")


@strawberry.enum(description="How closely the model looks at a file.")
class FileDetail(Enum):
    AUTO = strawberry.enum_value("auto", description="The model chooses.")
    LOW = strawberry.enum_value("low", description="Low detail.")
    HIGH = strawberry.enum_value("high", description="High detail.")


@strawberry.enum(description="A mouse button.")
class MouseButton(Enum):
    LEFT = strawberry.enum_value("left", description="The left button.")
    RIGHT = strawberry.enum_value("right", description="The right button.")
    WHEEL = strawberry.enum_value("wheel", description="The wheel button.")
    BACK = strawberry.enum_value("back", description="The back button.")
    FORWARD = strawberry.enum_value("forward", description="The forward button.")


@strawberry.enum(description="What an image generation call did.")
class ImageGenerationAction(Enum):
    GENERATE = strawberry.enum_value("generate", description="Made a new image.")
    EDIT = strawberry.enum_value("edit", description="Edited an image.")
    AUTO = strawberry.enum_value("auto", description="The model chose.")


@strawberry.enum(description="The background of a generated image.")
class ImageBackground(Enum):
    TRANSPARENT = strawberry.enum_value("transparent", description="Transparent.")
    OPAQUE = strawberry.enum_value("opaque", description="Opaque.")
    AUTO = strawberry.enum_value("auto", description="The model chose.")


@strawberry.enum(description="The file format of a generated image.")
class ImageOutputFormat(Enum):
    PNG = strawberry.enum_value("png", description="PNG.")
    WEBP = strawberry.enum_value("webp", description="WebP.")
    JPEG = strawberry.enum_value("jpeg", description="JPEG.")
    GIF = strawberry.enum_value("gif", description="GIF.")
    SVG = strawberry.enum_value("svg", description="SVG.")


@strawberry.enum(description="The quality of a generated image.")
class ImageQuality(Enum):
    LOW = strawberry.enum_value("low", description="Low.")
    MEDIUM = strawberry.enum_value("medium", description="Medium.")
    HIGH = strawberry.enum_value("high", description="High.")
    XHIGH = strawberry.enum_value("xhigh", description="Extra high.")
    MAX = strawberry.enum_value("max", description="The highest.")
    AUTO = strawberry.enum_value("auto", description="The model chose.")


@strawberry.enum(description="How much effort a reasoning model spends.")
class ReasoningEffort(Enum):
    NONE = strawberry.enum_value("none", description="No reasoning.")
    MINIMAL = strawberry.enum_value("minimal", description="Minimal.")
    LOW = strawberry.enum_value("low", description="Low.")
    MEDIUM = strawberry.enum_value("medium", description="Medium.")
    HIGH = strawberry.enum_value("high", description="High.")
    XHIGH = strawberry.enum_value("xhigh", description="Extra high.")
    MAX = strawberry.enum_value("max", description="The most.")


@strawberry.enum(description="The stage at which moderation blocked an image generation.")
class ModerationStage(Enum):
    INPUT = strawberry.enum_value("input", description="The prompt was blocked.")
    OUTPUT = strawberry.enum_value("output", description="The generated image was blocked.")
    UNKNOWN = strawberry.enum_value("unknown", description="The stage is not known.")


@strawberry.enum(description="How a prompt cache breakpoint is set.")
class PromptCacheMode(Enum):
    EXPLICIT = strawberry.enum_value("explicit", description="Set explicitly by the client.")


@strawberry.enum(description="How long a prompt cache entry lives.")
class PromptCacheTtl(Enum):
    THIRTY_MINUTES = strawberry.enum_value("30m", description="30 minutes.")
    TWELVE_HOURS = strawberry.enum_value("12h", description="12 hours.")
