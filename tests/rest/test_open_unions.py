"""Open unions read any `type`, refuse malformed known objects, and `refusal` names what strict input may not hold."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from gateway.rest import ConversationItem, Refusal, refusal
from gateway.rest.actions import CodeInterpreterLogsOutput, UnknownCodeInterpreterOutput
from gateway.rest.content import InputTextContent, UnknownContent
from gateway.rest.items import CodeInterpreterCall, Message, UnknownItem
from tests.samples import ITEM_SAMPLES

ITEM: TypeAdapter[ConversationItem] = TypeAdapter(ConversationItem)


def _stored(kind: str) -> dict[str, Any]:
    """The sample as the built-in API stores it: with an id."""
    return {"id": f"{kind}_1", **ITEM_SAMPLES[kind]}


def _message(*parts: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "message", "id": "msg_1", "role": "user", "status": "completed", "content": list(parts), **extra}


def test_each_member_is_read_by_its_type() -> None:
    item = ITEM.validate_python(_message({"type": "input_text", "text": "hi"}))

    assert isinstance(item, Message)
    assert isinstance(item.content[0], InputTextContent)


def test_an_unknown_type_is_read_whole_as_the_fallback() -> None:
    part = {"type": "hologram", "frames": [1, 2], "fps": 60}
    item = ITEM.validate_json(ITEM.dump_json(ITEM.validate_python(_message(part))))
    future = ITEM.validate_python({"type": "hologram_call", "id": "holo_1", "projection": {"fps": 60}})

    assert isinstance(item, Message)
    (read,) = item.content
    assert isinstance(read, UnknownContent)
    assert read.to_json() == part
    assert isinstance(future, UnknownItem)
    assert future.to_json() == {"type": "hologram_call", "id": "holo_1", "projection": {"fps": 60}}


@pytest.mark.parametrize(
    ("part", "where"),
    [
        ({"type": "input_text"}, "text"),  # a known type missing a required field
        ({"type": "input_text", "text": 5}, "text"),
        ({"text": "no type"}, "type"),
        ({"type": 5, "text": "a"}, "type"),
    ],
)
def test_a_malformed_object_of_a_known_type_is_an_error_not_an_unknown_type(part: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError) as raised:
        ITEM.validate_python(_message(part))

    assert any(error["loc"][-1] == where for error in raised.value.errors())


def test_a_field_named_like_its_objects_type_is_read() -> None:
    item = ITEM.validate_python(_stored("code_interpreter_call"))

    assert isinstance(item, CodeInterpreterCall)
    assert isinstance(item.outputs, list)
    assert isinstance(item.outputs[0], CodeInterpreterLogsOutput)
    assert item.outputs[0].logs == "2\n"


def test_well_formed_input_has_no_refusal() -> None:
    for kind in ITEM_SAMPLES:
        assert refusal(ITEM.validate_python(_stored(kind))) is None, kind


def test_the_deepest_unknown_field_is_refused() -> None:
    item = ITEM.validate_python(
        _message({"type": "input_text", "text": "a"}, {"type": "input_text", "text": "b", "bold": True}, x=1)
    )

    assert refusal(item) == Refusal(("content", 1, "bold"), "unknown_parameter")


def test_an_unknown_type_is_refused_with_the_types_its_union_takes() -> None:
    outputs = [{"type": "logs", "logs": "1"}, {"type": "video", "url": "u"}]
    item = ITEM.validate_python({**_stored("code_interpreter_call"), "outputs": outputs})

    assert isinstance(item, CodeInterpreterCall)
    assert isinstance(item.outputs, list)
    assert isinstance(item.outputs[1], UnknownCodeInterpreterOutput)
    assert refusal(item) == Refusal(("outputs", 1, "type"), "invalid_value", ("image", "logs"), "video")


def test_objects_that_pass_through_whole_may_hold_anything() -> None:
    sample = _stored("additional_tools")
    tools = [{**sample["tools"][0], "anything": {"new": True}}]

    assert refusal(ITEM.validate_python({**sample, "tools": tools})) is None
