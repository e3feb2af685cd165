"""Message content parts, their annotations and log probabilities."""

from typing import Annotated, ClassVar, Literal

from gateway.rest.base import OPEN_UNION, OpenModel, RestModel

__all__ = [
    "Annotation",
    "ComputerScreenshotContent",
    "ContainerFileCitationAnnotation",
    "ContentPart",
    "FileCitationAnnotation",
    "FilePathAnnotation",
    "ImageDetail",
    "InputFileContent",
    "InputImageContent",
    "InputTextContent",
    "Logprob",
    "OutputTextContent",
    "PromptCacheBreakpoint",
    "ReasoningTextContent",
    "RefusalContent",
    "SummaryTextContent",
    "TextContent",
    "ToolOutputContent",
    "TopLogprob",
    "UnknownAnnotation",
    "UnknownContent",
    "UrlCitationAnnotation",
]

ImageDetail = Literal["low", "high", "auto", "original"]


class PromptCacheBreakpoint(RestModel):
    mode: Literal["explicit"]
    ttl: Literal["30m", "12h"] | None = None


class InputTextContent(RestModel):
    type: Literal["input_text"]
    text: str
    prompt_cache_breakpoint: PromptCacheBreakpoint | None = None


class FileCitationAnnotation(RestModel):
    type: Literal["file_citation"]
    file_id: str
    filename: str
    index: int


class UrlCitationAnnotation(RestModel):
    type: Literal["url_citation"]
    url: str
    title: str
    start_index: int
    end_index: int


class ContainerFileCitationAnnotation(RestModel):
    type: Literal["container_file_citation"]
    container_id: str
    file_id: str
    filename: str
    start_index: int
    end_index: int


class FilePathAnnotation(RestModel):
    type: Literal["file_path"]
    file_id: str
    index: int


class UnknownAnnotation(OpenModel):
    """An annotation whose `type` these models do not know yet."""


Annotation = Annotated[
    FileCitationAnnotation
    | UrlCitationAnnotation
    | ContainerFileCitationAnnotation
    | FilePathAnnotation
    | UnknownAnnotation,
    OPEN_UNION,
]


class TopLogprob(RestModel):
    token: str
    bytes: list[int]
    logprob: float


class Logprob(RestModel):
    token: str
    bytes: list[int]
    logprob: float
    top_logprobs: list[TopLogprob]


class OutputTextContent(RestModel):
    type: Literal["output_text"]
    text: str
    annotations: list[Annotation]
    logprobs: list[Logprob] | None = None
    emit_null: ClassVar[frozenset[str]] = frozenset({"logprobs"})


class TextContent(RestModel):
    type: Literal["text"]
    text: str


class SummaryTextContent(RestModel):
    type: Literal["summary_text"]
    text: str


class ReasoningTextContent(RestModel):
    type: Literal["reasoning_text"]
    text: str


class RefusalContent(RestModel):
    type: Literal["refusal"]
    refusal: str


class InputImageContent(RestModel):
    type: Literal["input_image"]
    detail: ImageDetail
    file_id: str | None = None
    image_url: str | None = None
    prompt_cache_breakpoint: PromptCacheBreakpoint | None = None
    emit_null: ClassVar[frozenset[str]] = frozenset({"file_id", "image_url"})


class ComputerScreenshotContent(RestModel):
    type: Literal["computer_screenshot"]
    detail: ImageDetail
    file_id: str | None = None
    image_url: str | None = None
    prompt_cache_breakpoint: PromptCacheBreakpoint | None = None
    emit_null: ClassVar[frozenset[str]] = frozenset({"file_id", "image_url"})


class InputFileContent(RestModel):
    type: Literal["input_file"]
    detail: Literal["auto", "low", "high"] | None = None
    file_data: str | None = None
    file_id: str | None = None
    file_url: str | None = None
    filename: str | None = None
    prompt_cache_breakpoint: PromptCacheBreakpoint | None = None


class UnknownContent(OpenModel):
    """A content part whose `type` these models do not know yet."""


ContentPart = Annotated[
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
    OPEN_UNION,
]
"""A part of a message's content."""

ToolOutputContent = Annotated[InputTextContent | InputImageContent | InputFileContent | UnknownContent, OPEN_UNION]
"""A part of a function or custom tool call's output, when it is not a plain string."""
