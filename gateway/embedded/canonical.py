"""From what a client writes to the canonical item the built-in API stores.

The rules are the contract's decisions: a string `content` becomes one `input_text` part
(`output_text` for the assistant); the seed's Chat-style parts `{"type": "text"}` and
`{"type": "image_url"}` become `input_text`/`output_text` and `input_image`; a missing `status`
becomes `completed`; a missing `id` is minted with the type's prefix. The result is validated
against the item's model with unknown fields refused, and against the bounds of the spec's
write-side forms (:mod:`gateway.embedded.params`), so only well-formed items are stored.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from gateway.embedded.errors import ApiError, from_validation_error
from gateway.embedded.params import check_params
from gateway.quoting import quoted, shortened
from gateway.rest import ITEM_MODELS, Refusal, RestModel, refusal

__all__ = ["MAX_ITEM_ID_LENGTH", "ItemReferenceRequest", "canonical_items", "new_id"]

MAX_ITEM_ID_LENGTH = 1_024
"""The longest id (in characters) a client may give an item it writes. An item id is one segment of
the URLs that read and delete the item and the `after` of the page that follows it; percent-encoded
at up to 12 bytes a character (four UTF-8 bytes, each written `%XX`), such URLs stay within the
API's 16 KiB (`MAX_URL_BYTES`). A longer id would be stored and then be unreachable alone."""

_NOT_SEGMENTS = frozenset({".", ".."})

_PREFIXES: dict[str, str] = {
    "message": "msg",
    "function_call": "fc",
    "function_call_output": "fco",
    "file_search_call": "fs",
    "web_search_call": "ws",
    "image_generation_call": "ig",
    "computer_call": "cu",
    "computer_call_output": "cuo",
    "tool_search_call": "tsc",
    "tool_search_output": "tso",
    "additional_tools": "at",
    "configuration_update": "cfg",
    "reasoning": "rs",
    "program": "prg",
    "program_output": "prgo",
    "compaction": "cmp",
    "code_interpreter_call": "ci",
    "local_shell_call": "lsh",
    "local_shell_call_output": "lsho",
    "shell_call": "sh",
    "shell_call_output": "sho",
    "apply_patch_call": "apc",
    "apply_patch_call_output": "apco",
    "mcp_list_tools": "mcpl",
    "mcp_approval_request": "mcpr",
    "mcp_approval_response": "mcpa",
    "mcp_call": "mcp",
    "custom_tool_call": "ctc",
    "custom_tool_call_output": "ctco",
}
_MODELS: dict[str, type[RestModel]] = {
    model.model_fields["type"].annotation.__args__[0]: model  # type: ignore[union-attr]
    for model in ITEM_MODELS
}
_ADAPTERS: dict[str, TypeAdapter[Any]] = {kind: TypeAdapter(model) for kind, model in _MODELS.items()}
_INPUT_ROLES = ("user", "assistant", "system", "developer")


def new_id(prefix: str) -> str:
    """``<prefix>_`` and 48 hexadecimal characters, as the upstream's ids look."""
    return f"{prefix}_{secrets.token_hex(24)}"


@dataclass(frozen=True, slots=True)
class ItemReferenceRequest:
    """An ``item_reference`` at ``index``: the caller resolves it against the store."""

    index: int
    item_id: str


def canonical_items(items: Any, param: str = "items") -> list[dict[str, Any] | ItemReferenceRequest]:
    """Validate and canonicalise the ``items`` array of a request body, or raise :class:`ApiError`."""
    if not isinstance(items, list):
        raise ApiError(400, f"Invalid type for '{param}': expected an array.", param=param, code="invalid_type")
    if len(items) > 20:
        raise ApiError(
            400,
            f"Invalid '{param}': array too long. Expected an array with maximum length 20, "
            f"but got an array with length {len(items)} instead.",
            param=param,
            code="array_above_max_length",
        )
    return [_canonical_item(item, f"{param}[{index}]", index) for index, item in enumerate(items)]


def _canonical_item(item: Any, param: str, index: int) -> dict[str, Any] | ItemReferenceRequest:
    if not isinstance(item, dict):
        raise ApiError(400, f"Invalid type for '{param}': expected an object.", param=param, code="invalid_type")
    kind = item.get("type")
    if kind is None:
        kind = "message" if "role" in item else "item_reference" if "id" in item else None
    if kind == "item_reference":
        return _reference(item, param, index)
    if kind == "compaction_trigger":
        raise ApiError(
            400,
            f"Invalid value for '{param}.type': 'compaction_trigger' asks the Responses API to compact a "
            "context; a conversation cannot store it.",
            param=f"{param}.type",
            code="invalid_value",
        )
    if not isinstance(kind, str):
        raise ApiError(
            400,
            f"Missing required parameter: '{param}.type'.",
            param=f"{param}.type",
            code="missing_required_parameter",
        )
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        known = ", ".join(sorted([*_ADAPTERS, "item_reference"]))
        raise ApiError(
            400,
            f"Invalid value: {quoted(kind)}. Supported values for '{param}.type' are: {known}.",
            param=f"{param}.type",
            code="invalid_value",
        )
    document = dict(item, type=kind)
    if kind == "message":
        _canonical_message(document, param)
    if "status" in _MODELS[kind].model_fields and document.get("status") is None:
        document["status"] = "completed"
    if document.get("id") is None:
        document["id"] = new_id(_PREFIXES[kind])
    if kind == "local_shell_call_output":
        document.setdefault("call_id", document["id"])  # the spec requires it; the SDK's `id` is the call id
    if not isinstance(document["id"], str) or not document["id"]:
        raise ApiError(
            400,
            f"Invalid '{param}.id': expected a non-empty string.",
            param=f"{param}.id",
            code="invalid_value",
        )
    _check_item_id(document["id"], f"{param}.id")
    canonical = _validated(adapter, document, param).to_json()
    check_params(canonical, param)
    return canonical


def _check_item_id(item_id: str, param: str) -> None:
    """Refuse an id the item could not be read or deleted by: it is one path segment of a URL."""
    if len(item_id) > MAX_ITEM_ID_LENGTH:
        message = (
            f"Invalid '{param}': string too long. Expected a string with maximum length "
            f"{MAX_ITEM_ID_LENGTH}, but got a string with length {len(item_id)} instead."
        )
        raise ApiError(400, message, param=param, code="string_above_max_length")
    if item_id in _NOT_SEGMENTS or "/" in item_id:
        message = (
            f"Invalid '{param}': '{item_id}' cannot be an item id. An item's id is a segment of the URLs "
            "that read and delete it, so it cannot be '.' or '..' or contain '/'."
        )
        raise ApiError(400, message, param=param, code="invalid_value")


def _validated(adapter: TypeAdapter[Any], document: dict[str, Any], param: str) -> RestModel:
    """The item's model; its fields and types must all be known (the real API refuses others)."""
    try:
        model: RestModel = adapter.validate_python(document)
    except ValidationError as error:
        raise from_validation_error(error, param, document) from None
    refused = refusal(model)
    if refused is not None:
        raise _refused(refused, param)
    return model


def _refused(refused: Refusal, param: str) -> ApiError:
    path = param + "".join(f"[{step}]" if isinstance(step, int) else f".{shortened(step)}" for step in refused.location)
    if refused.code == "unknown_parameter":
        return ApiError(400, f"Unknown parameter: '{path}'.", param=path, code="unknown_parameter")
    known = ", ".join(refused.known_types)
    return ApiError(
        400,
        f"Invalid value: {quoted(refused.type)}. Supported values for '{path}' are: {known}.",
        param=path,
        code="invalid_value",
    )


def _reference(item: dict[str, Any], param: str, index: int) -> ItemReferenceRequest:
    extra = set(item) - {"type", "id"}
    if extra:
        name = f"{param}.{shortened(sorted(extra)[0])}"
        raise ApiError(400, f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")
    item_id = item.get("id")
    if not isinstance(item_id, str) or not item_id:
        raise ApiError(
            400,
            f"Missing required parameter: '{param}.id'.",
            param=f"{param}.id",
            code="missing_required_parameter",
        )
    return ItemReferenceRequest(index, item_id)


def _canonical_message(document: dict[str, Any], param: str) -> None:
    role = document.get("role")
    if role not in _INPUT_ROLES:
        raise ApiError(
            400,
            f"Invalid value: {quoted(role) if isinstance(role, str) else shortened(repr(role))}. "
            f"Supported values for '{param}.role' are: {', '.join(_INPUT_ROLES)}.",
            param=f"{param}.role",
            code="invalid_value" if role is not None else "missing_required_parameter",
        )
    text_type = "output_text" if role == "assistant" else "input_text"
    content = document.get("content")
    if isinstance(content, str):
        document["content"] = [_text_part(text_type, content)]
    elif isinstance(content, list):
        document["content"] = [_canonical_part(part, text_type) for part in content]


def _text_part(text_type: str, text: Any) -> dict[str, Any]:
    if text_type == "output_text":
        return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
    return {"type": "input_text", "text": text}


def _canonical_part(part: Any, text_type: str) -> Any:
    if not isinstance(part, dict):
        return part
    kind = part.get("type")
    if kind == "text" and set(part) <= {"type", "text"}:
        return _text_part(text_type, part.get("text"))
    if kind == "image_url" and set(part) <= {"type", "image_url", "detail"}:
        url = part.get("image_url")
        if isinstance(url, dict):
            url = url.get("url")
        return {
            "type": "input_image",
            "image_url": url,
            "detail": part.get("detail", "auto"),
            "file_id": None,
        }
    if kind == "input_image":
        return {"detail": "auto", **part}
    if kind == "output_text":
        return {"annotations": [], "logprobs": [], **part}
    return part
