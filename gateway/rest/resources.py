"""Top-level REST resources: the conversation, the item list page, the deleted marker, errors."""

from typing import ClassVar, Literal

from gateway.rest.base import RestModel
from gateway.rest.items import ConversationItem

__all__ = [
    "INCLUDABLE",
    "MAX_URL_BYTES",
    "Conversation",
    "ConversationDeleted",
    "ConversationItemList",
    "ErrorBody",
    "ErrorDetail",
    "Includable",
    "Metadata",
]

Metadata = dict[str, str]

Includable = Literal[
    "file_search_call.results",
    "web_search_call.results",
    "web_search_call.action.sources",
    "message.input_image.image_url",
    "computer_call_output.output.image_url",
    "code_interpreter_call.outputs",
    "reasoning.encrypted_content",
    "message.output_text.logprobs",
]
"""The values of the `include` query parameter."""

INCLUDABLE: frozenset[str] = frozenset(Includable.__args__)  # type: ignore[attr-defined]

MAX_URL_BYTES = 16_384
"""The longest request URL (path and query, percent-encoded) the built-in API reads, and the gateway's
upstream client sends. HTTP servers and the proxies in front of public APIs refuse longer ones with
bounds of their own, about this size (Cloudflare's is 16 KB; the gateway's own servers 65,535 bytes),
some with a page of their own: the built-in API answers 414 in OpenAI's error shape, and the
client refuses such a URL before sending it, whatever the upstream. Only an outsized id makes one."""


class Conversation(RestModel):
    id: str
    object: Literal["conversation"] = "conversation"
    created_at: int
    metadata: Metadata | None


class ConversationDeleted(RestModel):
    id: str
    object: Literal["conversation.deleted"] = "conversation.deleted"
    deleted: bool


class ConversationItemList(RestModel):
    object: Literal["list"] = "list"
    data: list[ConversationItem]
    first_id: str | None
    last_id: str | None
    has_more: bool


class ErrorDetail(RestModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None
    emit_null: ClassVar[frozenset[str]] = frozenset({"param", "code"})


class ErrorBody(RestModel):
    """OpenAI's error envelope: ``{"error": {"message", "type", "param", "code"}}``."""

    error: ErrorDetail
