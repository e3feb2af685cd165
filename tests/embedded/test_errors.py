"""Every refusal of the built-in API, through the official SDK: the right exception, param and code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
import yaml
from openai.types.conversations import Conversation

from gateway.app import create_api_app, create_app
from gateway.embedded import params
from tests.conftest import SettingsFactory
from tests.helpers import item_id, items
from tests.live import Recorder, serve
from tests.openapi import SPEC_PATH

Call = Callable[[openai.OpenAI, str], object]


def _user(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": text, **extra}


def _message(error: openai.APIStatusError) -> object:
    """The ``error.message`` of the body (the SDK's own message adds a prefix)."""
    assert isinstance(error.body, dict)
    return error.body["message"]


def _metadata(value: Any) -> dict[str, str]:
    return value  # type: ignore[no-any-return]


def _tools_item(levels: int) -> dict[str, Any]:
    """An MCP tool list whose request body (`{"items": [item]}`) nests objects and arrays ``levels`` deep."""
    schema: dict[str, Any] = {"type": "object"}
    for _ in range(levels - 6):  # the body, `items`, the item, `tools`, the tool, the schema itself
        schema = {"properties": schema}
    return {"type": "mcp_list_tools", "server_label": "docs", "tools": [{"name": "search", "input_schema": schema}]}


def _raw_item(item: dict[str, Any]) -> Any:
    """An item the SDK's types do not describe (a member they lack, a value they do not allow)."""
    return item


@pytest.fixture
def conversation_id(sdk: openai.OpenAI) -> str:
    return sdk.conversations.create(items=items(_user("first"), _user("second"))).id


BAD_REQUESTS: dict[str, tuple[Call, str | None, str]] = {
    "17 metadata pairs on create": (
        lambda sdk, _: sdk.conversations.create(metadata={f"k{i}": "v" for i in range(17)}),
        "metadata",
        "object_above_max_properties",
    ),
    "a 65-character metadata key on update": (
        lambda sdk, cid: sdk.conversations.update(cid, metadata={"k" * 65: "v"}),
        "metadata",
        "string_above_max_length",
    ),
    "a 513-character metadata value": (
        lambda sdk, _: sdk.conversations.create(metadata={"k": "v" * 513}),
        "metadata.k",
        "string_above_max_length",
    ),
    "a metadata value that is not a string": (
        lambda sdk, cid: sdk.conversations.update(cid, metadata=_metadata({"k": 1})),
        "metadata.k",
        "invalid_type",
    ),
    "metadata that is not an object": (
        lambda sdk, _: sdk.conversations.create(metadata=_metadata(["a"])),
        "metadata",
        "invalid_type",
    ),
    "an update without metadata": (
        lambda sdk, cid: sdk.post(f"/conversations/{cid}", cast_to=Conversation, body={}),
        "metadata",
        "missing_required_parameter",
    ),
    "21 items on create": (
        lambda sdk, _: sdk.conversations.create(items=items(*[_user() for _ in range(21)])),
        "items",
        "array_above_max_length",
    ),
    "21 items on append": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=items(*[_user() for _ in range(21)])),
        "items",
        "array_above_max_length",
    ),
    "limit 0": (
        lambda sdk, cid: sdk.conversations.items.list(cid, limit=0),
        "limit",
        "integer_below_min_value",
    ),
    "limit 101": (
        lambda sdk, cid: sdk.conversations.items.list(cid, limit=101),
        "limit",
        "integer_above_max_value",
    ),
    "a limit that is not a number": (
        lambda sdk, cid: sdk.conversations.items.list(cid, extra_query={"limit": "many"}),
        "limit",
        "invalid_type",
    ),
    "order sideways": (
        lambda sdk, cid: sdk.conversations.items.list(cid, order="sideways"),  # type: ignore[arg-type]
        "order",
        "invalid_value",
    ),
    "an unknown include on list": (
        lambda sdk, cid: sdk.conversations.items.list(cid, include=["message.secrets"]),  # type: ignore[list-item]
        "include",
        "invalid_value",
    ),
    "an unknown include on append": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=[], include=["nope"]),  # type: ignore[list-item]
        "include",
        "invalid_value",
    ),
    "a message without content": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=items({"type": "message", "role": "user"})),
        "items[0].content",
        "missing_required_parameter",
    ),
    "a message with an unknown role": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=items(_user(role="robot"))),
        "items[0].role",
        "invalid_value",
    ),
    "an unknown item type": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=items({"type": "hologram", "id": "x"})),
        "items[0].type",
        "invalid_value",
    ),
    "an unknown field deep inside an item": (
        lambda sdk, cid: sdk.conversations.items.create(
            cid,
            items=items(
                _user(),
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "a", "bold": True}]},
            ),
        ),
        "items[1].content[0].bold",
        "unknown_parameter",
    ),
    "an unknown type deep inside an item": (
        lambda sdk, cid: sdk.conversations.items.create(
            cid, items=items({"type": "message", "role": "user", "content": [{"type": "hologram", "text": "a"}]})
        ),
        "items[0].content[0].type",
        "invalid_value",
    ),
    "an unknown field beside a field named like its object's type": (
        lambda sdk, cid: sdk.conversations.items.create(
            cid,
            items=items(
                {
                    "type": "code_interpreter_call",
                    "container_id": "cntr_1",
                    "code": "print(2)",
                    "outputs": [{"type": "logs", "logs": "2", "level": "info"}],
                }
            ),
        ),
        "items[0].outputs[0].level",
        "unknown_parameter",
    ),
    "a field of the wrong type": (
        lambda sdk, cid: sdk.conversations.items.create(
            cid,
            items=items({"type": "function_call", "call_id": "c", "name": "f", "arguments": {"not": "a string"}}),
        ),
        "items[0].arguments",
        "invalid_type",
    ),
    "an MCP tool's input schema that is not an object": (
        lambda sdk, cid: sdk.conversations.items.create(
            cid,
            items=items(
                {
                    "type": "mcp_list_tools",
                    "server_label": "docs",
                    "tools": [{"name": "search", "input_schema": None}],
                }
            ),
        ),
        "items[0].tools[0].input_schema",
        "invalid_type",
    ),
    "a bad enum value inside an item": (
        lambda sdk, cid: sdk.conversations.items.create(
            cid, items=items({"type": "function_call_output", "call_id": "c", "output": "o", "status": "done"})
        ),
        "items[0].status",
        "invalid_value",
    ),
    "an item that is not an object": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=["hello"]),  # type: ignore[list-item]
        "items[0]",
        "invalid_type",
    ),
    "a compaction trigger": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=[{"type": "compaction_trigger"}]),
        "items[0].type",
        "invalid_value",
    ),
    "two items with one id": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=items(_user(id="msg_same"), _user(id="msg_same"))),
        "items[1].id",
        "invalid_value",
    ),
    "an item id past 1,024 characters": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=items(_user(id="m" * 1_025))),
        "items[0].id",
        "string_above_max_length",
    ),
    "an item id holding a slash": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=items(_user(id="msg/1"))),
        "items[0].id",
        "invalid_value",
    ),
    "an item id that is a dot segment": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=items(_user(id=".."))),
        "items[0].id",
        "invalid_value",
    ),
    "a reference to no item": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=[{"type": "item_reference", "id": "msg_nowhere"}]),
        "items[0].id",
        "invalid_value",
    ),
    "an after that was never in the conversation": (
        lambda sdk, cid: sdk.conversations.items.list(cid, after="msg_never"),
        "after",
        "invalid_value",
    ),
    "an unknown body parameter": (
        lambda sdk, _: sdk.conversations.create(extra_body={"title": "x"}),
        "title",
        "unknown_parameter",
    ),
    "a body that is not JSON": (
        lambda sdk, _: sdk.post("/conversations", cast_to=Conversation, content=b'{"metadata": '),
        None,
        "invalid_json",
    ),
    "an item nesting objects and arrays past 128 levels": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=[_tools_item(129)]),  # type: ignore[list-item]
        "items[0]",
        "invalid_value",
    ),
    "a body nesting past 1024 levels, more than the JSON parser reads": (
        lambda sdk, _: sdk.post(
            "/conversations", cast_to=Conversation, content=b'{"a":' + b"[" * 1100 + b"]" * 1100 + b"}"
        ),
        None,
        "invalid_value",
    ),
    "a function call output's call_id past 64 characters": (
        lambda sdk, cid: sdk.conversations.items.create(
            cid, items=[{"type": "function_call_output", "call_id": "c" * 65, "output": "ok"}]
        ),
        "items[0].call_id",
        "string_above_max_length",
    ),
    "an empty call_id of a shell call output": (
        lambda sdk, cid: sdk.conversations.items.create(
            cid,
            items=[_raw_item({"type": "shell_call_output", "call_id": "", "output": [], "status": "completed"})],
        ),
        "items[0].call_id",
        "empty_string",
    ),
    "a function output's namespace that is not a name": (
        lambda sdk, cid: sdk.conversations.items.create(
            cid, items=[_raw_item({"type": "function_call_output", "call_id": "c", "output": "", "namespace": "a b"})]
        ),
        "items[0].namespace",
        "invalid_value",
    ),
    "a program caller's id past 64 characters": (
        lambda sdk, cid: sdk.conversations.items.create(
            cid,
            items=[
                _raw_item(
                    {
                        "type": "function_call_output",
                        "call_id": "c",
                        "output": "",
                        "caller": {"type": "program", "caller_id": "p" * 65},
                    }
                )
            ],
        ),
        "items[0].caller.caller_id",
        "string_above_max_length",
    ),
    "a function output's text part past 10 MiB": (
        lambda sdk, cid: sdk.conversations.items.create(
            cid,
            items=[
                {
                    "type": "function_call_output",
                    "call_id": "c",
                    "output": [{"type": "input_text", "text": "x" * (10_485_760 + 1)}],
                }
            ],
        ),
        "items[0].output[0].text",
        "string_above_max_length",
    ),
    "a JSON body that is not an object": (
        lambda sdk, _: sdk.post("/conversations", cast_to=Conversation, body=[1, 2]),
        None,
        "invalid_type",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_bad_requests_are_400_with_param_and_code(sdk: openai.OpenAI, conversation_id: str, case: str) -> None:
    call, param, code = BAD_REQUESTS[case]
    with pytest.raises(openai.BadRequestError) as raised:
        call(sdk, conversation_id)
    assert raised.value.status_code == 400
    assert (raised.value.param, raised.value.code, raised.value.type) == (param, code, "invalid_request_error")
    assert raised.value.message


LONG = "x" * 1_000_000
LONG_VALUES: dict[str, tuple[Call, str, str]] = {
    "a role": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=[_raw_item(_user(role=LONG))]),
        "items[0].role",
        "invalid_value",
    ),
    "an item type": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=[_raw_item({"type": LONG})]),
        "items[0].type",
        "invalid_value",
    ),
    "a content part type": (
        lambda sdk, cid: sdk.conversations.items.create(
            cid, items=[_raw_item({**_user(), "content": [{"type": LONG, "text": "hi"}]})]
        ),
        "items[0].content[0].type",
        "invalid_value",
    ),
    "an item's unknown key": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=[_raw_item({**_user(), LONG: 1})]),
        "items[0]." + "x" * 80 + "…" + "x" * 20,
        "unknown_parameter",
    ),
    "an item reference's unknown key": (
        lambda sdk, cid: sdk.conversations.items.create(cid, items=[_raw_item({"id": "msg_1", LONG: 1})]),
        "items[0]." + "x" * 80 + "…" + "x" * 20,
        "unknown_parameter",
    ),
    "a body's unknown key": (
        lambda sdk, _: sdk.conversations.create(extra_body={LONG: 1}),
        "x" * 80 + "…" + "x" * 20,
        "unknown_parameter",
    ),
    "an order": (
        lambda sdk, cid: sdk.conversations.items.list(cid, extra_query={"order": LONG[:10_000]}),
        "order",
        "invalid_value",
    ),
    "an include": (
        lambda sdk, cid: sdk.conversations.items.list(cid, extra_query={"include": LONG[:10_000]}),
        "include",
        "invalid_value",
    ),
    "a limit that is not an integer": (
        lambda sdk, cid: sdk.conversations.items.list(cid, extra_query={"limit": LONG[:10_000]}),
        "limit",
        "invalid_type",
    ),
    "a limit of 4,000 digits": (
        lambda sdk, cid: sdk.conversations.items.list(cid, extra_query={"limit": "9" * 4_000}),
        "limit",
        "integer_above_max_value",
    ),
}


@pytest.mark.parametrize("case", sorted(LONG_VALUES))
def test_a_long_value_is_named_by_its_start_and_end_not_repeated(
    sdk: openai.OpenAI, conversation_id: str, case: str
) -> None:
    """A message names what the client sent; it need not hold it: a 1 MB role was a 1 MB error,
    and a 1 MB unknown key a 2 MB one (it is the `param` too)."""
    call, param, code = LONG_VALUES[case]
    with pytest.raises(openai.BadRequestError) as raised:
        call(sdk, conversation_id)
    assert (raised.value.param, raised.value.code) == (param, code)
    message = _message(raised.value)
    assert isinstance(message, str)
    assert len(message) < 1_000
    assert "x" * 80 + "…" + "x" * 20 in message or "9" * 80 + "…" + "9" * 20 in message


def test_a_duplicate_of_a_stored_item_id_is_refused_and_nothing_is_written(
    sdk: openai.OpenAI, conversation_id: str
) -> None:
    first = item_id(sdk.conversations.items.list(conversation_id, order="asc").data[0])
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.conversations.items.create(conversation_id, items=items(_user("new"), _user(id=first)))
    assert (raised.value.param, raised.value.code) == ("items[1].id", "invalid_value")
    assert len(sdk.conversations.items.list(conversation_id).data) == 2


@pytest.mark.parametrize("refused", ["msg/1", ".", "..", "m" * 1_025])
def test_an_item_id_no_url_could_name_is_refused_and_nothing_is_written(
    sdk: openai.OpenAI, conversation_id: str, refused: str
) -> None:
    """An item is read and deleted by a URL that names it: an id that is not one path segment
    (URLs drop `.` and `..`, `/` splits) or that makes the URL too long would be stored for good."""
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.conversations.items.create(conversation_id, items=items(_user("new"), _user(id=refused)))
    assert raised.value.param == "items[1].id"
    assert len(sdk.conversations.items.list(conversation_id).data) == 2


def test_an_item_id_at_the_bound_is_read_listed_after_and_deleted_by_its_url(
    sdk: openai.OpenAI, conversation_id: str
) -> None:
    """1,024 characters of four UTF-8 bytes each, every byte percent-encoded in the URL: 12 KiB."""
    longest = "\N{GRINNING FACE}" * 1_024
    created = sdk.conversations.items.create(conversation_id, items=items(_user("long", id=longest), _user("last")))
    last = item_id(created.data[1])
    assert item_id(sdk.conversations.items.retrieve(longest, conversation_id=conversation_id)) == longest
    include: list[Any] = ["message.output_text.logprobs", "message.input_image.image_url"]
    after = sdk.conversations.items.list(conversation_id, after=longest, order="asc", include=include)
    assert [item_id(item) for item in after.data] == [last]
    sdk.conversations.items.delete(longest, conversation_id=conversation_id)
    listed = [item_id(item) for item in sdk.conversations.items.list(conversation_id).data]
    assert len(listed) == 3
    assert longest not in listed


NOT_FOUND: dict[str, Call] = {
    "retrieve": lambda sdk, cid: sdk.conversations.retrieve(cid),
    "update": lambda sdk, cid: sdk.conversations.update(cid, metadata={"a": "b"}),
    "delete": lambda sdk, cid: sdk.conversations.delete(cid),
    "list items": lambda sdk, cid: sdk.conversations.items.list(cid),
    "append items": lambda sdk, cid: sdk.conversations.items.create(cid, items=items(_user())),
    "retrieve an item": lambda sdk, cid: sdk.conversations.items.retrieve("msg_1", conversation_id=cid),
    "delete an item": lambda sdk, cid: sdk.conversations.items.delete("msg_1", conversation_id=cid),
}


@pytest.mark.parametrize("call", sorted(NOT_FOUND))
@pytest.mark.parametrize("which", ["unknown", "deleted"])
def test_unknown_and_deleted_conversations_are_404(sdk: openai.OpenAI, call: str, which: str) -> None:
    conversation_id = "conv_doesnotexist"
    if which == "deleted":
        conversation_id = sdk.conversations.create(items=items(_user())).id
        sdk.conversations.delete(conversation_id)
    with pytest.raises(openai.NotFoundError) as raised:
        NOT_FOUND[call](sdk, conversation_id)
    assert _message(raised.value) == f"Conversation with id '{conversation_id}' not found."


def test_unknown_and_deleted_items_are_404(sdk: openai.OpenAI, conversation_id: str) -> None:
    deleted = item_id(sdk.conversations.items.list(conversation_id).data[0])
    sdk.conversations.items.delete(deleted, conversation_id=conversation_id)
    for missing in (deleted, "msg_unknown"):
        for call in (sdk.conversations.items.retrieve, sdk.conversations.items.delete):
            with pytest.raises(openai.NotFoundError) as raised:
                call(missing, conversation_id=conversation_id)
            assert _message(raised.value) == f"Item with id '{missing}' not found."


@pytest.mark.parametrize("path", ["/conversations/{id}/", "/conversations/{id}%2F", "/conversations/{id}/items/"])
def test_a_path_with_a_trailing_slash_is_404_not_a_redirect(
    sdk: openai.OpenAI, conversation_id: str, path: str
) -> None:
    """As OpenAI answers it. Starlette's routers redirect to the path without the slash by default,
    which a client following it would take for an answer, and the gateway took for a fault (an id of
    `conv_1/` is sent as `conv_1%2F`, which the server decodes before it routes)."""
    url = path.format(id=conversation_id)
    for call in (sdk.get, sdk.delete):
        with pytest.raises(openai.NotFoundError) as raised:
            call(url, cast_to=object)
        assert raised.value.response.json()["error"]["type"] == "invalid_request_error"
    assert sdk.conversations.retrieve(conversation_id).id == conversation_id


@pytest.mark.parametrize(
    "call",
    [
        lambda sdk, long: sdk.conversations.retrieve(long),
        lambda sdk, long: sdk.conversations.items.list(long),
        lambda sdk, long: sdk.conversations.items.retrieve(long, conversation_id="conv_1"),
        lambda sdk, long: sdk.conversations.items.list("conv_1", after=long),
        lambda sdk, long: sdk.conversations.delete(long),
        lambda sdk, long: sdk.get(f"/no-such-path/{long}", cast_to=object),
    ],
)
def test_a_url_longer_than_16_kib_is_414_naming_the_bound_not_the_id(sdk: openai.OpenAI, call: Call) -> None:
    """Past 65,535 bytes the server answers before the API sees the request (stock uvicorn with a
    plain 400); the API refuses sooner, at 16 KiB, in its own shape."""
    long = "conv_" + "a" * 17_000
    with pytest.raises(openai.APIStatusError) as raised:
        call(sdk, long)
    assert raised.value.status_code == 414
    assert raised.value.code == "url_too_long"
    assert _message(raised.value) == "The request's URL is longer than 16,384 bytes: use shorter ids."


def test_a_url_of_16_kib_is_read(sdk: openai.OpenAI) -> None:
    path = "/v1/conversations/"
    long = "conv_" + "a" * (16_384 - len(path) - len("conv_"))
    with pytest.raises(openai.NotFoundError) as raised:
        sdk.conversations.retrieve(long)
    assert _message(raised.value) == f"Conversation with id '{long}' not found."


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_compressed_body_is_415_naming_its_encoding(sdk: openai.OpenAI, encoding: str) -> None:
    """Not read as JSON (it is not JSON): the refusal names the cause."""
    with pytest.raises(openai.APIStatusError) as raised:
        sdk.conversations.create(metadata={"a": "b"}, extra_headers={"Content-Encoding": encoding})
    assert raised.value.status_code == 415
    assert raised.value.code == "unsupported_media_type"
    assert _message(raised.value) == f"Unsupported content encoding '{encoding}'. Send the body uncompressed."


@pytest.mark.parametrize(("header", "named"), [("identity, gzip", "gzip"), ("Deflate, identity", "deflate")])
def test_a_body_compressed_among_other_codings_is_415_naming_the_compression(
    sdk: openai.OpenAI, header: str, named: str
) -> None:
    with pytest.raises(openai.APIStatusError) as raised:
        sdk.conversations.create(metadata={"a": "b"}, extra_headers={"Content-Encoding": header})
    assert raised.value.status_code == 415
    assert _message(raised.value) == f"Unsupported content encoding '{named}'. Send the body uncompressed."


@pytest.mark.parametrize("header", ["", "identity", "Identity", "identity , identity"])
def test_a_body_whose_content_encoding_says_identity_or_nothing_is_read(sdk: openai.OpenAI, header: str) -> None:
    created = sdk.conversations.create(metadata={"a": "b"}, extra_headers={"Content-Encoding": header})
    assert sdk.conversations.retrieve(created.id).metadata == {"a": "b"}


def test_a_body_that_is_not_json_by_content_type_is_415(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.APIStatusError) as raised:
        sdk.conversations.create(metadata={"a": "b"}, extra_headers={"Content-Type": "text/plain"})
    assert raised.value.status_code == 415
    assert raised.value.code == "unsupported_media_type"


@pytest.fixture
def small_body_sdk(make_settings: SettingsFactory, recorded: list[Recorder]) -> Iterator[openai.OpenAI]:
    from gateway.app import create_app

    recorder = Recorder(create_app(make_settings(max_body_bytes=2048)))
    recorded.append(recorder)
    with serve(recorder) as url, openai.OpenAI(base_url=f"{url}/v1", api_key="k", max_retries=0) as client:
        yield client


def test_an_oversized_body_is_413(small_body_sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.APIStatusError) as raised:
        small_body_sdk.conversations.create(metadata={f"k{i}": "v" * 500 for i in range(8)})
    assert raised.value.status_code == 413
    assert raised.value.code == "request_too_large"


@pytest.fixture
def keyed_url(make_settings: SettingsFactory, recorded: list[Recorder]) -> Iterator[str]:
    from gateway.app import create_app

    recorder = Recorder(create_app(make_settings(api_keys=frozenset({"sk-alpha", "sk-beta"}))))
    recorded.append(recorder)
    with serve(recorder) as url:
        yield url


def test_with_configured_keys_another_key_is_401(keyed_url: str) -> None:
    with (
        openai.OpenAI(base_url=f"{keyed_url}/v1", api_key="sk-wrong", max_retries=0) as client,
        pytest.raises(openai.AuthenticationError) as raised,
    ):
        client.conversations.create()
    assert raised.value.code == "invalid_api_key"
    assert "sk-wrong" not in raised.value.message


def test_with_configured_keys_no_key_is_401(keyed_url: str) -> None:
    # The SDK will not send a request without a key; any HTTP client can.
    response = httpx.post(f"{keyed_url}/v1/conversations", json={})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


@pytest.mark.parametrize("authorization", ["sk-alpha", "Basic c2stYWxwaGE6", "Bearer", "Token sk-alpha"])
def test_an_authorization_that_is_not_bearer_is_401_not_the_keyless_tenant(
    live_url: str, keyed_url: str, authorization: str
) -> None:
    """A key sent with no scheme (or another) was taken for no key: with `GATEWAY_API_KEYS` unset,
    its conversations went to the keyless tenant, shared by every request without a key. OpenAI
    answers it 401, as the built-in API now does, with or without configured keys."""
    for url in (live_url, keyed_url):
        response = httpx.post(f"{url}/v1/conversations", json={}, headers={"Authorization": authorization})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_api_key"
        assert "'Bearer <key>'" in response.json()["error"]["message"]
    empty = httpx.post(f"{live_url}/v1/conversations", json={}, headers={"Authorization": ""})
    assert empty.status_code == 200  # an empty header is no key


def test_with_configured_keys_a_listed_key_works(keyed_url: str) -> None:
    with openai.OpenAI(base_url=f"{keyed_url}/v1", api_key="sk-beta", max_retries=0) as client:
        assert client.conversations.create().id.startswith("conv_")


def test_an_item_nesting_128_levels_is_stored_and_read_back(sdk: openai.OpenAI, conversation_id: str) -> None:
    """The limit's edge: what the API accepts, it answers with and lists (the gateway reads it too:
    tests/graphql/test_mutations.py)."""
    created = sdk.conversations.items.create(conversation_id, items=[_tools_item(128)])  # type: ignore[list-item]
    listed = sdk.conversations.items.list(conversation_id, order="desc", limit=1)
    assert item_id(listed.data[0]) == item_id(created.data[0])


def test_strings_at_the_write_forms_bounds_are_accepted(sdk: openai.OpenAI, conversation_id: str) -> None:
    item = {
        "type": "function_call_output",
        "call_id": "c" * 64,
        "output": "ok",
        "name": "n" * 128,
        "namespace": "tools_v2-a",
        "caller": {"type": "program", "caller_id": "p" * 64},
    }
    created = sdk.conversations.items.create(conversation_id, items=[_raw_item(item)])
    stored = created.data[0].model_dump()
    assert (stored["call_id"], stored["name"], stored["namespace"]) == (
        item["call_id"],
        item["name"],
        item["namespace"],
    )


def test_every_string_bound_of_the_write_forms_is_checked() -> None:
    """Each bound the spec's `*ItemParam` schemas put on a string is in gateway/embedded/params.py."""
    spec = yaml.safe_load(SPEC_PATH.read_text())
    schemas = spec["components"]["schemas"]
    checked = {(kind, path, bounds) for kind, fields in params._FIELDS.items() for path, bounds in fields}
    every_item = {(path, bounds) for path, bounds in params._EVERY_ITEM}
    found = 0
    for name, schema in schemas.items():
        if not name.endswith("ItemParam"):
            continue
        kind = schema["properties"]["type"]["enum"][0]
        for field, member in schema["properties"].items():
            for option in member.get("anyOf", [member]):
                if option.get("type") != "string" or not {"maxLength", "minLength", "pattern"} & option.keys():
                    continue
                bounds = params._Bounds(option.get("minLength"), option.get("maxLength"), option.get("pattern"))
                assert (kind, (field,), bounds) in checked, (name, field, bounds)
                found += 1
    assert found >= 15  # 17 in the spec of 2026-12
    assert (("caller", "caller_id"), params._Bounds(1, 64)) in every_item


@pytest.mark.parametrize("command", ["serve", "serve-api"])
def test_every_path_the_api_does_not_serve_is_answered_in_openais_shape(
    command: str, make_settings: SettingsFactory
) -> None:
    """Starlette's mount matches no path holding a newline (`%0A`), and `serve-api` answered every
    path outside its routes with a plain-text "Not Found" (or "Method Not Allowed"): a client of the
    API reads OpenAI's errors."""
    settings = make_settings()
    app = create_api_app(settings) if command == "serve-api" else create_app(settings)
    with serve(app) as url:
        newline = httpx.get(f"{url}/v1/conversations/conv_1%0A")
        outside = httpx.get(f"{url}/v1x") if command == "serve" else httpx.get(f"{url}/")
        method = httpx.delete(f"{url}/v1/conversations")
    assert (newline.status_code, newline.json()) == (
        404,
        {
            "error": {
                "message": "Invalid URL (GET /v1/conversations/conv_1).",  # Starlette's URL drops the newline
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        },
    )
    if command == "serve-api":
        assert outside.json()["error"]["message"] == "Invalid URL (GET /)."
    else:  # outside /v1, the gateway's own shape
        assert outside.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert method.status_code == 405
    assert method.json()["error"]["message"] == "Method DELETE is not allowed on /v1/conversations."
