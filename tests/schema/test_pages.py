"""Pages of messages read straight into the GraphQL objects give what the REST models and the
conversion give, and are refused (for the usual path) whenever anything differs."""

from __future__ import annotations

import enum
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import core_schema as cs

from gateway.schema import pages
from gateway.schema.content import InputTextContent
from gateway.schema.convert import UpstreamContractError
from gateway.schema.items import item_to_graphql
from gateway.schema.pages import MessagePage, read_message_page
from gateway.upstream.client import _ITEM_LIST

CONVERSATION = "conv_pages"
_MISSING = object()


def _state(value: Any) -> Any:
    """A value as plain data: objects as their class and attributes, recursively."""
    if isinstance(value, list):
        return [_state(item) for item in value]
    if isinstance(value, enum.Enum):
        return (type(value).__name__, value.value)
    if hasattr(value, "__dict__"):
        return (type(value).__name__, {name: _state(item) for name, item in sorted(vars(value).items())})
    return value


def _usual(body: bytes) -> tuple[list[Any], bool] | None:
    """The page as the gateway reads it otherwise: REST models, then GraphQL objects (None: refused)."""
    try:
        page = _ITEM_LIST.validate_json(body)
        return [item_to_graphql(model, CONVERSATION) for model in page.data], page.has_more
    except (ValidationError, UpstreamContractError):
        return None


def _json(members: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in members.items() if value is not _MISSING}


def _maybe(*values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from([_MISSING, *values])


_PLAIN_PART = st.one_of(
    st.builds(
        lambda text, breakpoint, extra: _json(
            {"type": "input_text", "text": text, "prompt_cache_breakpoint": breakpoint, **extra}
        ),
        st.text(max_size=5),
        _maybe(None),
        st.sampled_from([{}, {"unknown": 1}]),
    ),
    st.builds(
        lambda text, logprobs: _json({"type": "output_text", "text": text, "annotations": [], "logprobs": logprobs}),
        st.text(max_size=5),
        _maybe([], None),
    ),
)
_OTHER_PART = st.sampled_from(
    [
        {"type": "input_text", "text": None},
        {"type": "input_text", "text": 3},
        {"type": "input_text", "text": "a", "prompt_cache_breakpoint": {"type": "ephemeral"}},
        {"type": "output_text", "text": "a"},
        {"type": "output_text", "text": "a", "annotations": [{"type": "file_path", "file_id": "file_1", "index": 0}]},
        {
            "type": "output_text",
            "text": "a",
            "annotations": [],
            "logprobs": [{"token": "a", "logprob": -0.1, "bytes": [97]}],
        },
        {"type": "refusal", "refusal": "no"},
        {"type": "a_future_part", "anything": True},
        {"text": "no type"},
    ]
)

_PLAIN_MESSAGE = st.builds(
    lambda identifier, status, role, content, phase, extra: _json(
        {
            "id": identifier,
            "type": "message",
            "status": status,
            "role": role,
            "content": content,
            "phase": phase,
            **extra,
        }
    ),
    st.sampled_from(["msg_1", "msg_2", ""]),
    st.sampled_from(["completed", "in_progress", "incomplete"]),
    st.sampled_from(["user", "assistant", "system", "developer", "tool", "unknown", "critic", "discriminator"]),
    st.lists(_PLAIN_PART, max_size=3),
    _maybe(None, "commentary", "final_answer"),
    st.sampled_from([{}, {"created_by": "someone"}, {"conversation_id": "conv_other"}]),
)
_CHANGES: st.SearchStrategy[dict[str, Any]] = st.sampled_from(
    [
        {"id": 7},
        {"id": _MISSING},
        {"type": "function_call"},
        {"type": _MISSING},
        {"status": "done"},
        {"status": _MISSING},
        {"role": "robot"},
        {"role": None},
        {"phase": "aside"},
        {"content": "text"},
        {"content": _MISSING},
    ]
)


@st.composite
def _message_items(draw: st.DrawFn) -> dict[str, Any]:
    """A plain message, or one changed in one place: a value or a part the reader does not take."""
    message = draw(_PLAIN_MESSAGE)
    change = draw(st.sampled_from(["none", "none", "field", "part"]))
    if change == "field":
        message = _json({**message, **draw(_CHANGES)})
    elif change == "part":
        parts = list(message.get("content", []))
        parts.insert(draw(st.integers(0, len(parts))), draw(_OTHER_PART))
        message["content"] = parts
    return message


_PAGE = st.builds(
    lambda data, kind, first, has_more, extra: orjson.dumps(
        _json({"object": kind, "data": data, "first_id": first, "last_id": first, "has_more": has_more, **extra})
    ),
    st.lists(
        st.one_of(_message_items(), _message_items(), _message_items(), st.just({"id": "x", "type": "a_future_item"})),
        max_size=4,
    ),
    st.sampled_from(["list", "list", "list", _MISSING, "page"]),
    st.sampled_from([None, "msg_1", "msg_1", _MISSING]),
    st.sampled_from([True, False, True, False, "yes", _MISSING]),
    st.sampled_from([{}, {"next": "x"}]),
)


@settings(max_examples=800, deadline=None)
@given(_PAGE)
def test_a_page_read_straight_is_the_page_read_the_usual_way(body: bytes) -> None:
    straight = read_message_page(body, CONVERSATION)
    usual = _usual(body)
    if straight is None:
        return  # read the usual way, with the usual errors
    assert usual is not None, "read straight, though the REST models refuse it"
    assert (_state(straight.data), straight.has_more) == (_state(usual[0]), usual[1])


def _page(*items: dict[str, Any]) -> bytes:
    return orjson.dumps({"object": "list", "data": list(items), "first_id": None, "last_id": None, "has_more": False})


_TEXT = {"type": "input_text", "text": "hello"}
_REPLY = {"type": "output_text", "text": "hi", "annotations": [], "logprobs": []}


def _message(**changes: Any) -> dict[str, Any]:
    return _json(
        {"id": "msg_1", "type": "message", "status": "completed", "role": "user", "content": [_TEXT], **changes}
    )


def test_a_page_of_plain_messages_is_read_straight() -> None:
    body = _page(_message(), _message(id="msg_2", role="assistant", content=[_REPLY], phase="final_answer"))
    page = read_message_page(body, CONVERSATION)
    assert isinstance(page, MessagePage)
    usual = _usual(body)
    assert usual is not None
    assert _state(page.data) == _state(usual[0])
    assert [message.conversation_id for message in page.data] == [CONVERSATION] * 2


@pytest.mark.parametrize(
    "item",
    [
        _message(role="robot"),  # an enum value the schema has no name for: the usual error
        _message(status=_MISSING),
        _message(content=[{"type": "refusal", "refusal": "no"}]),
        _message(content=[{"type": "a_future_part"}]),
        _message(content=[{**_REPLY, "annotations": [{"type": "file_path", "file_id": "file_1", "index": 0}]}]),
        _message(content=[{**_REPLY, "logprobs": [{"token": "a", "logprob": 0, "bytes": [], "top_logprobs": []}]}]),
        _message(content=[{**_TEXT, "prompt_cache_breakpoint": {"type": "ephemeral"}}]),
        {"id": "fc_1", "type": "function_call", "call_id": "c", "name": "f", "arguments": "{}", "status": "completed"},
        {"id": "x_1", "type": "a_future_item"},
    ],
)
def test_anything_but_a_plain_message_sends_the_page_the_usual_way(item: dict[str, Any]) -> None:
    assert read_message_page(_page(_message(), item), CONVERSATION) is None


def test_a_graphql_field_the_reader_does_not_make_is_an_error_at_import() -> None:
    """A field added to a GraphQL type would otherwise be missing from the objects read straight."""
    with pytest.raises(RuntimeError, match=r"makes InputTextContent with \['text', 'type'\], not \['prompt_cache"):
        pages._object(InputTextContent, {"type": cs.str_schema(), "text": cs.str_schema()})
