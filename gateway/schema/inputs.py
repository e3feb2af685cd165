"""Write-side input types and their translation into REST request bodies.

`ConversationItemInput` is a one-of input: exactly one member says what kind of item it is.
The typed members cover the items a chat frontend writes; `raw` passes any other upstream item
through unchanged. Everything the gateway can check is checked here, before any upstream call:
each refusal is a `BAD_USER_INPUT` whose `extensions.path` is the offending input path.
"""

from enum import Enum
from typing import Any

import strawberry
from strawberry import UNSET

from gateway.jsoncodec import too_deep
from gateway.schema.base import JSON, described
from gateway.schema.enums import CallStatus, FileDetail, ImageDetail, MessagePhase
from gateway.schema.errors import bad_input

__all__ = [
    "ConversationItemInput",
    "MetadataEntryInput",
    "check_id",
    "item_bodies",
    "metadata_body",
]

MAX_METADATA_PAIRS, MAX_KEY, MAX_VALUE = 16, 64, 512
MAX_ITEMS_PER_CALL = 20


@strawberry.enum(description="Who a written message is from.")
class MessageInputRole(Enum):
    USER = strawberry.enum_value("user", description="The end user.")
    ASSISTANT = strawberry.enum_value("assistant", description="The model.")
    SYSTEM = strawberry.enum_value("system", description="System instructions.")
    DEVELOPER = strawberry.enum_value("developer", description="Developer instructions.")


@strawberry.input(description="One key-value pair of metadata.")
class MetadataEntryInput:
    key: str = described(f"The key (at most {MAX_KEY} characters).")
    value: str = described(f"The value (at most {MAX_VALUE} characters).")


@strawberry.input(description="Text given to the model.")
class InputTextContentInput:
    text: str = described("The text.")


@strawberry.input(description="Text the model produced (for assistant messages).")
class OutputTextContentInput:
    text: str = described("The text.")


@strawberry.input(description="An image given to the model: by URL (or data URL), or by file ID.")
class InputImageContentInput:
    image_url: str | None = described("The image's URL or data URL.", default=UNSET)
    file_id: str | None = described("The ID of an uploaded image file.", default=UNSET)
    detail: ImageDetail = described("How closely the model looks at the image.", default=ImageDetail.AUTO)


@strawberry.input(description="A file given to the model: by file ID, URL, or content.")
class InputFileContentInput:
    file_id: str | None = described("The ID of an uploaded file.", default=UNSET)
    file_url: str | None = described("The URL of the file.", default=UNSET)
    file_data: str | None = described("The file's content, base64-encoded.", default=UNSET)
    filename: str | None = described("The name of the file.", default=UNSET)
    detail: FileDetail | None = described("How closely the model looks at the file.", default=UNSET)


@strawberry.input(description="A refusal by the model (for assistant messages).")
class RefusalContentInput:
    refusal: str = described("The explanation of the refusal.")


@strawberry.input(one_of=True, description="One part of a message's content: set exactly one member.")
class MessageContentInput:
    input_text: InputTextContentInput | None = described("Text given to the model.", default=UNSET)
    output_text: OutputTextContentInput | None = described("Text the model produced.", default=UNSET)
    input_image: InputImageContentInput | None = described("An image given to the model.", default=UNSET)
    input_file: InputFileContentInput | None = described("A file given to the model.", default=UNSET)
    refusal: RefusalContentInput | None = described("A refusal by the model.", default=UNSET)


@strawberry.input(description="A message. Give either `text` or `content`.")
class MessageInput:
    role: MessageInputRole = described("Who the message is from.")
    text: str | None = described("The whole message as plain text (the upstream's string shortcut).", default=UNSET)
    content: list[MessageContentInput] | None = described("The parts of the message, in order.", default=UNSET)
    id: str | None = described("An ID for the item; the upstream makes one when absent.", default=UNSET)
    status: CallStatus | None = described("The message's status; `COMPLETED` when absent.", default=UNSET)
    phase: MessagePhase | None = described("For assistant messages: commentary or the final answer.", default=UNSET)


@strawberry.input(description="A call of a function tool by the model.")
class FunctionCallInput:
    call_id: str = described("The ID that links the call and its output.")
    name: str = described("The function's name.")
    arguments: str = described("The arguments, as a JSON string.")
    namespace: str | None = described("The namespace of the function.", default=UNSET)
    id: str | None = described("An ID for the item; the upstream makes one when absent.", default=UNSET)
    status: CallStatus | None = described("The call's status; `COMPLETED` when absent.", default=UNSET)


@strawberry.input(description="The result of a function call.")
class FunctionCallOutputInput:
    call_id: str = described("The ID of the call this answers.")
    output: str = described("The output, as a string (often JSON).")
    id: str | None = described("An ID for the item; the upstream makes one when absent.", default=UNSET)
    status: CallStatus | None = described("The output's status; `COMPLETED` when absent.", default=UNSET)


@strawberry.input(description="A call of a custom tool by the model.")
class CustomToolCallInput:
    call_id: str = described("The ID that links the call and its output.")
    name: str = described("The tool's name.")
    input: str = described("The input the model wrote for the tool.")
    namespace: str | None = described("The namespace of the tool.", default=UNSET)
    id: str | None = described("An ID for the item; the upstream makes one when absent.", default=UNSET)


@strawberry.input(description="The result of a custom tool call.")
class CustomToolCallOutputInput:
    call_id: str = described("The ID of the call this answers.")
    output: str = described("The output, as a string.")
    id: str | None = described("An ID for the item; the upstream makes one when absent.", default=UNSET)


@strawberry.input(description="A screenshot after a computer tool action: by URL or by file ID.")
class ComputerScreenshotInput:
    image_url: str | None = described("The screenshot's URL.", default=UNSET)
    file_id: str | None = described("The ID of an uploaded screenshot file.", default=UNSET)


@strawberry.input(description="A safety check the client acknowledges.")
class SafetyCheckInput:
    id: str = described("The ID of the check.")
    code: str | None = described("The kind of check.", default=UNSET)
    message: str | None = described("What the check found.", default=UNSET)


@strawberry.input(description="The result of a computer tool action.")
class ComputerCallOutputInput:
    call_id: str = described("The ID of the call this answers.")
    output: ComputerScreenshotInput = described("The screenshot after the action.")
    acknowledged_safety_checks: list[SafetyCheckInput] | None = described(
        "The safety checks the client acknowledges.", default=UNSET
    )
    id: str | None = described("An ID for the item; the upstream makes one when absent.", default=UNSET)


@strawberry.input(description="A person's answer to an MCP approval request.")
class McpApprovalResponseInput:
    approval_request_id: str = described("The ID of the request answered.")
    approve: bool = described("Whether the call is approved.")
    reason: str | None = described("Why.", default=UNSET)
    id: str | None = described("An ID for the item; the upstream makes one when absent.", default=UNSET)


@strawberry.input(description="An existing item, added again by its ID.")
class ItemReferenceInput:
    id: str = described("The upstream ID of the item.")


@strawberry.input(one_of=True, description="One item to write: set exactly one member.")
class ConversationItemInput:
    message: MessageInput | None = described("A message.", default=UNSET)
    function_call: FunctionCallInput | None = described("A function call.", default=UNSET)
    function_call_output: FunctionCallOutputInput | None = described("A function call's output.", default=UNSET)
    custom_tool_call: CustomToolCallInput | None = described("A custom tool call.", default=UNSET)
    custom_tool_call_output: CustomToolCallOutputInput | None = described("A custom tool call's output.", default=UNSET)
    computer_call_output: ComputerCallOutputInput | None = described("A computer tool action's output.", default=UNSET)
    mcp_approval_response: McpApprovalResponseInput | None = described(
        "An answer to an MCP approval request.", default=UNSET
    )
    item_reference: ItemReferenceInput | None = described("An existing item, by its ID.", default=UNSET)
    raw: JSON | None = described(
        'Any other item, as the upstream\'s JSON (`{"type": "reasoning", ...}`), passed through unchanged.',
        default=UNSET,
    )


def _given(value: Any) -> bool:
    return value is not UNSET and value is not None


def _fields(path: str, **values: Any) -> dict[str, Any]:
    """The given values, with enums as their upstream strings; empty strings refused."""
    body: dict[str, Any] = {}
    for name, value in values.items():
        if not _given(value):
            continue
        upstream_value = value.value if isinstance(value, Enum) else value
        if name in {"id", "call_id", "approval_request_id"} and not str(upstream_value).strip():
            raise bad_input(f"`{path}.{_camel(name)}` must not be empty.", path=f"{path}.{_camel(name)}")
        body[name] = upstream_value
    return body


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _content_part(part: MessageContentInput, path: str) -> dict[str, Any]:
    if _given(part.input_text):
        return {"type": "input_text", "text": part.input_text.text}  # type: ignore[union-attr]
    if _given(part.output_text):
        return {"type": "output_text", "text": part.output_text.text, "annotations": []}  # type: ignore[union-attr]
    if _given(part.refusal):
        return {"type": "refusal", "refusal": part.refusal.refusal}  # type: ignore[union-attr]
    if _given(part.input_image):
        image = part.input_image
        assert image is not None
        if not _given(image.image_url) and not _given(image.file_id):
            raise bad_input(f"`{path}.inputImage` needs `imageUrl` or `fileId`.", path=f"{path}.inputImage")
        return {
            "type": "input_image",
            **_fields(path, image_url=image.image_url, file_id=image.file_id, detail=image.detail),
        }
    file = part.input_file
    assert file is not None
    if not any(_given(value) for value in (file.file_id, file.file_url, file.file_data)):
        raise bad_input(f"`{path}.inputFile` needs `fileId`, `fileUrl` or `fileData`.", path=f"{path}.inputFile")
    fields = _fields(
        path,
        file_id=file.file_id,
        file_url=file.file_url,
        file_data=file.file_data,
        filename=file.filename,
        detail=file.detail,
    )
    return {"type": "input_file", **fields}


def _message(message: MessageInput, path: str) -> dict[str, Any]:
    has_text, has_content = _given(message.text), _given(message.content)
    if has_text == has_content:
        raise bad_input(f"`{path}` needs exactly one of `text` and `content`.", path=path)
    if has_content and not message.content:
        raise bad_input(f"`{path}.content` must have at least one part.", path=f"{path}.content")
    body = {
        "type": "message",
        **_fields(path, role=message.role, id=message.id, status=message.status, phase=message.phase),
    }
    if has_text:
        body["content"] = message.text
    else:
        body["content"] = [_content_part(part, f"{path}.content[{n}]") for n, part in enumerate(message.content or [])]
    return body


# Members whose input fields are the upstream item's fields, by the same names; each member's
# name is the item's `type`.
_FLAT_MEMBERS = (
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "custom_tool_call_output",
    "mcp_approval_response",
    "item_reference",
)


def _flat(value: Any, kind: str, path: str) -> dict[str, Any]:
    names = [field.python_name for field in value.__strawberry_definition__.fields]
    return {"type": kind, **_fields(path, **{name: getattr(value, name) for name in names})}


def _item(item: ConversationItemInput, path: str) -> dict[str, Any]:
    if _given(item.message):
        return _message(item.message, f"{path}.message")  # type: ignore[arg-type]
    if _given(item.computer_call_output):
        return _computer_output(item.computer_call_output, f"{path}.computerCallOutput")  # type: ignore[arg-type]
    for member in _FLAT_MEMBERS:
        value = getattr(item, member)
        if _given(value):
            return _flat(value, member, f"{path}.{_camel(member)}")
    return _raw(item.raw, f"{path}.raw")


def _computer_output(output: ComputerCallOutputInput, path: str) -> dict[str, Any]:
    screenshot = output.output
    if not _given(screenshot.image_url) and not _given(screenshot.file_id):
        raise bad_input(f"`{path}.output` needs `imageUrl` or `fileId`.", path=f"{path}.output")
    body = {
        "type": "computer_call_output",
        **_fields(path, call_id=output.call_id, id=output.id),
        "output": {
            "type": "computer_screenshot",
            **_fields(path, image_url=screenshot.image_url, file_id=screenshot.file_id),
        },
    }
    if _given(output.acknowledged_safety_checks):
        body["acknowledged_safety_checks"] = [
            _fields(path, id=check.id, code=check.code, message=check.message)
            for check in output.acknowledged_safety_checks or []
        ]
    return body


RAW_NESTING = 100
"""How deep `raw` may nest objects and arrays. The upstream's answer holds the item a few levels
down, and the gateway reads answers up to :data:`~gateway.jsoncodec.ANSWER_NESTING` levels: a
deeper item would be written and then unreadable. The built-in API accepts bodies up to
:data:`~gateway.jsoncodec.MAX_NESTING` levels."""


def _raw(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("type"), str) or not value["type"]:
        raise bad_input(
            f"`{path}` must be a JSON object with a string `type`, as the upstream defines items.", path=path
        )
    if too_deep(value, RAW_NESTING):
        raise bad_input(
            f"`{path}` nests objects and arrays more than {RAW_NESTING} levels deep; the limit is {RAW_NESTING}.",
            path=path,
        )
    return value


def item_bodies(items: list[ConversationItemInput], path: str, *, allow_empty: bool) -> list[dict[str, Any]]:
    """The REST bodies of ``items``, or a `BAD_USER_INPUT` naming the first bad input."""
    low = 0 if allow_empty else 1
    if not low <= len(items) <= MAX_ITEMS_PER_CALL:
        raise bad_input(
            f"`{path}` must have {low} to {MAX_ITEMS_PER_CALL} items; it has {len(items)}. "
            "Add more items with further addConversationItems calls.",
            path=path,
        )
    return [_item(item, f"{path}[{index}]") for index, item in enumerate(items)]


def metadata_body(entries: list[MetadataEntryInput], path: str) -> dict[str, str]:
    """The REST metadata map of ``entries``, or a `BAD_USER_INPUT` stating the limit broken."""
    if len(entries) > MAX_METADATA_PAIRS:
        raise bad_input(f"`{path}` has {len(entries)} entries; at most {MAX_METADATA_PAIRS} are allowed.", path=path)
    metadata: dict[str, str] = {}
    for index, entry in enumerate(entries):
        where = f"{path}[{index}]"
        if not entry.key:
            raise bad_input(f"`{where}.key` must not be empty.", path=f"{where}.key")
        if len(entry.key) > MAX_KEY:
            raise bad_input(
                f"`{where}.key` has {len(entry.key)} characters; at most {MAX_KEY} are allowed.", path=f"{where}.key"
            )
        if len(entry.value) > MAX_VALUE:
            raise bad_input(
                f"`{where}.value` has {len(entry.value)} characters; at most {MAX_VALUE} are allowed.",
                path=f"{where}.value",
            )
        if entry.key in metadata:
            raise bad_input(f"`{where}.key` repeats the key '{entry.key}'; keys must be unique.", path=f"{where}.key")
        metadata[entry.key] = entry.value
    return metadata


def check_id(value: str, path: str) -> str:
    if not value.strip():
        raise bad_input(f"`{path}` must not be empty.", path=path)
    return value
