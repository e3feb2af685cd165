"""Message content parts, their annotations and log probabilities."""

from typing import Annotated, Any, ClassVar

import strawberry

from gateway.rest import content as rest
from gateway.schema.base import JSON, described, unknown_fields, upstream_type
from gateway.schema.convert import shows
from gateway.schema.enums import FileDetail, ImageDetail, PromptCacheMode, PromptCacheTtl

__all__ = ["Annotation", "MessageContent", "ToolOutputContent"]


@shows(rest.PromptCacheBreakpoint)
@strawberry.type(description="Marks the end of a prompt prefix to cache.")
class PromptCacheBreakpoint:
    mode: PromptCacheMode = described("How the breakpoint was set.")
    ttl: PromptCacheTtl | None = described("How long the cached prefix lives.")


@shows(rest.InputTextContent)
@strawberry.type(description="Text given to the model (`input_text`).")
class InputTextContent:
    type: str = upstream_type()
    text: str = described("The text.")
    prompt_cache_breakpoint: PromptCacheBreakpoint | None = described("A prompt cache breakpoint after this part.")


@shows(rest.FileCitationAnnotation)
@strawberry.type(description="A citation of a file (`file_citation`).")
class FileCitationAnnotation:
    type: str = upstream_type()
    file_id: str = described("The ID of the file cited.")
    filename: str = described("The name of the file cited.")
    index: int = described("The position of the citation in the text.")


@shows(rest.UrlCitationAnnotation)
@strawberry.type(description="A citation of a web page (`url_citation`).")
class UrlCitationAnnotation:
    type: str = upstream_type()
    url: str = described("The URL of the page.")
    title: str = described("The title of the page.")
    start_index: int = described("Where the cited span starts in the text.")
    end_index: int = described("Where the cited span ends in the text.")


@shows(rest.ContainerFileCitationAnnotation)
@strawberry.type(description="A citation of a file in a container (`container_file_citation`).")
class ContainerFileCitationAnnotation:
    type: str = upstream_type()
    container_id: str = described("The ID of the container.")
    file_id: str = described("The ID of the file cited.")
    filename: str = described("The name of the file cited.")
    start_index: int = described("Where the cited span starts in the text.")
    end_index: int = described("Where the cited span ends in the text.")


@shows(rest.FilePathAnnotation)
@strawberry.type(description="A path to a file the model produced (`file_path`).")
class FilePathAnnotation:
    type: str = upstream_type()
    file_id: str = described("The ID of the file.")
    index: int = described("The position of the path in the text.")


@shows(rest.UnknownAnnotation)
@strawberry.type(
    description=(
        "An annotation of a kind this gateway does not know yet, or of a known kind holding a value the "
        "schema has no name for yet."
    )
)
class UnknownAnnotation:
    type: str = described("The upstream's `type` of the annotation.")
    raw: JSON = described("The annotation as the upstream sent it.")
    rest_fields: ClassVar[dict[str, Any]] = unknown_fields()


Annotation = Annotated[
    FileCitationAnnotation
    | UrlCitationAnnotation
    | ContainerFileCitationAnnotation
    | FilePathAnnotation
    | UnknownAnnotation,
    strawberry.union("Annotation", description="An annotation of output text."),
]


@shows(rest.TopLogprob)
@strawberry.type(description="One of the most likely tokens at a position.")
class TopLogprob:
    token: str = described("The token.")
    bytes: list[int] = described("The token's UTF-8 bytes.")
    logprob: float = described("The log probability of the token.")


@shows(rest.Logprob)
@strawberry.type(description="The log probability of one output token.")
class Logprob:
    token: str = described("The token.")
    bytes: list[int] = described("The token's UTF-8 bytes.")
    logprob: float = described("The log probability of the token.")
    top_logprobs: list[TopLogprob] = described("The most likely tokens at this position.")


@shows(rest.OutputTextContent)
@strawberry.type(description="Text the model produced (`output_text`).")
class OutputTextContent:
    type: str = upstream_type()
    text: str = described("The text.")
    annotations: list[Annotation] = described("Citations and file paths in the text.")
    logprobs: list[Logprob] | None = described(
        "Log probabilities of the tokens. Selecting this field makes the gateway ask the upstream for them."
    )


@shows(rest.TextContent)
@strawberry.type(description="Plain text (`text`).")
class TextContent:
    type: str = upstream_type()
    text: str = described("The text.")


@shows(rest.SummaryTextContent)
@strawberry.type(description="A summary of reasoning (`summary_text`).")
class SummaryTextContent:
    type: str = upstream_type()
    text: str = described("The summary.")


@shows(rest.ReasoningTextContent)
@strawberry.type(description="Reasoning text (`reasoning_text`).")
class ReasoningTextContent:
    type: str = upstream_type()
    text: str = described("The reasoning.")


@shows(rest.RefusalContent)
@strawberry.type(description="A refusal by the model (`refusal`).")
class RefusalContent:
    type: str = upstream_type()
    refusal: str = described("The explanation of the refusal.")


@shows(rest.InputImageContent)
@strawberry.type(description="An image given to the model (`input_image`).")
class InputImageContent:
    type: str = upstream_type()
    detail: ImageDetail = described("How closely the model looks at the image.")
    file_id: str | None = described("The ID of an uploaded image file.")
    image_url: str | None = described(
        "The image's URL or data URL. Selecting this field makes the gateway ask the upstream for it."
    )
    prompt_cache_breakpoint: PromptCacheBreakpoint | None = described("A prompt cache breakpoint after this part.")


@shows(rest.ComputerScreenshotContent)
@strawberry.type(description="A screenshot from a computer tool (`computer_screenshot`).")
class ComputerScreenshotContent:
    type: str = upstream_type()
    detail: ImageDetail = described("How closely the model looks at the screenshot.")
    file_id: str | None = described("The ID of an uploaded screenshot file.")
    image_url: str | None = described("The screenshot's URL.")
    prompt_cache_breakpoint: PromptCacheBreakpoint | None = described("A prompt cache breakpoint after this part.")


@shows(rest.InputFileContent)
@strawberry.type(description="A file given to the model (`input_file`).")
class InputFileContent:
    type: str = upstream_type()
    detail: FileDetail | None = described("How closely the model looks at the file.")
    file_data: str | None = described("The file's content, base64-encoded.")
    file_id: str | None = described("The ID of an uploaded file.")
    file_url: str | None = described("The URL of the file.")
    filename: str | None = described("The name of the file.")
    prompt_cache_breakpoint: PromptCacheBreakpoint | None = described("A prompt cache breakpoint after this part.")


@shows(rest.UnknownContent)
@strawberry.type(
    description=(
        "A content part of a kind this gateway does not know yet, or of a known kind holding a value the "
        "schema has no name for yet (an image's new `detail`, say)."
    )
)
class UnknownContent:
    type: str = described("The upstream's `type` of the part.")
    raw: JSON = described("The part as the upstream sent it.")
    rest_fields: ClassVar[dict[str, Any]] = unknown_fields()


MessageContent = Annotated[
    InputTextContent
    | OutputTextContent
    | TextContent
    | SummaryTextContent
    | ReasoningTextContent
    | RefusalContent
    | InputImageContent
    | ComputerScreenshotContent
    | InputFileContent
    | UnknownContent,
    strawberry.union("MessageContent", description="A part of a message's content."),
]

ToolOutputContent = Annotated[
    InputTextContent | InputImageContent | InputFileContent | UnknownContent,
    strawberry.union("ToolOutputContent", description="A part of a tool call's output."),
]
