"""What the built-in API leaves out of an item unless the request's `include` names it.

The contract's decision: without the matching `include` value, `logprobs` is `[]`,
file-search `results`, code-interpreter `outputs` and input-image URLs are `null`, and
`encrypted_content` and web-search `sources` are absent. A computer call output's screenshot
URL is absent too: the spec does not allow it to be null. The stored item keeps everything.
"""

from __future__ import annotations

from typing import Any

from gateway.jsoncodec import dumps, loads

__all__ = ["present", "shown_as_stored"]


def present(item: dict[str, Any], include: frozenset[str]) -> dict[str, Any]:
    """The item as a response shows it for this `include` set (a copy where anything changes)."""
    gate = _GATES.get(item.get("type", ""))
    return item if gate is None else gate(item, include)


def shown_as_stored(document: bytes) -> bool:
    """Whether every response shows the item stored as ``document`` as it is, byte for byte,
    whatever the request's `include`: a page of such items needs no parsing and writing again.

    :func:`present` only blanks or leaves out what an `include` value it lacks gates, each value
    its own part, and a value that is there changes nothing: what the emptiest `include` leaves
    as it is, any other leaves as it is too. So the test is the response for no `include`, made
    as a response makes it (parsed, presented, written), against the stored bytes.
    """
    return dumps(present(loads(document), frozenset())) == document


def _message(item: dict[str, Any], include: frozenset[str]) -> dict[str, Any]:
    logprobs = "message.output_text.logprobs" in include
    images = "message.input_image.image_url" in include
    if logprobs and images:
        return item
    content = item.get("content")
    if not isinstance(content, list):
        return item
    return {**item, "content": [_content_part(part, logprobs=logprobs, images=images) for part in content]}


def _content_part(part: Any, *, logprobs: bool, images: bool) -> Any:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind == "output_text" and not logprobs:
        return {**part, "logprobs": []}
    if kind == "input_image" and not images:
        return {**part, "image_url": None}
    return part


def _nulled(field: str, include_value: str) -> Any:
    def gate(item: dict[str, Any], include: frozenset[str]) -> dict[str, Any]:
        return item if include_value in include else {**item, field: None}

    return gate


def _reasoning(item: dict[str, Any], include: frozenset[str]) -> dict[str, Any]:
    if "reasoning.encrypted_content" in include or "encrypted_content" not in item:
        return item
    return {key: value for key, value in item.items() if key != "encrypted_content"}


def _web_search(item: dict[str, Any], include: frozenset[str]) -> dict[str, Any]:
    action = item.get("action")
    if "web_search_call.action.sources" in include or not isinstance(action, dict) or "sources" not in action:
        return item
    return {**item, "action": {key: value for key, value in action.items() if key != "sources"}}


def _computer_output(item: dict[str, Any], include: frozenset[str]) -> dict[str, Any]:
    output = item.get("output")
    if "computer_call_output.output.image_url" in include or not isinstance(output, dict):
        return item
    # The spec types this `image_url` as a non-nullable string, so it is left out rather than null.
    return {**item, "output": {key: value for key, value in output.items() if key != "image_url"}}


_GATES: dict[str, Any] = {
    "message": _message,
    "file_search_call": _nulled("results", "file_search_call.results"),
    "code_interpreter_call": _nulled("outputs", "code_interpreter_call.outputs"),
    "reasoning": _reasoning,
    "web_search_call": _web_search,
    "computer_call_output": _computer_output,
}
