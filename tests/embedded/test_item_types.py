"""Each of the 29 item types, written in its param form, reads back as the right SDK class."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai.types.responses import ResponseIncludable, ResponseInputItemParam

from gateway.rest import INCLUDABLE
from tests.samples import ITEM_SAMPLES, SDK_CLASSES

ALL_INCLUDES: list[ResponseIncludable] = sorted(INCLUDABLE)  # type: ignore[arg-type]


def _param(item: dict[str, Any]) -> ResponseInputItemParam:
    return item  # type: ignore[return-value]


def _subset(written: Any, read: Any) -> bool:
    """Everything written is in what was read (which may add ids, statuses and nulls)."""
    if isinstance(written, dict):
        return isinstance(read, dict) and all(_subset(value, read.get(key)) for key, value in written.items())
    if isinstance(written, list):
        return isinstance(read, list) and len(written) == len(read) and all(map(_subset, written, read))
    return bool(written == read)


def test_the_samples_cover_every_type_of_the_sdk_union() -> None:
    from typing import get_args

    from openai.types.conversations.conversation_item import ConversationItem

    members = get_args(get_args(ConversationItem)[0])
    assert len(members) == 29
    assert sorted(SDK_CLASSES.values()) == sorted(member.__name__ for member in members)
    assert set(ITEM_SAMPLES) == set(SDK_CLASSES)


@pytest.mark.parametrize("kind", sorted(ITEM_SAMPLES))
def test_each_item_type_round_trips(sdk: openai.OpenAI, kind: str) -> None:
    sample = ITEM_SAMPLES[kind]
    conversation = sdk.conversations.create()
    created = sdk.conversations.items.create(
        conversation_id=conversation.id, items=[_param(sample)], include=ALL_INCLUDES
    )
    (item,) = created.data
    assert type(item).__name__ == SDK_CLASSES[kind]
    assert item.id
    retrieved = sdk.conversations.items.retrieve(item.id, conversation_id=conversation.id, include=ALL_INCLUDES)
    listed = sdk.conversations.items.list(conversation_id=conversation.id, include=ALL_INCLUDES).data
    assert type(retrieved).__name__ == SDK_CLASSES[kind]
    assert [entry.id for entry in listed] == [item.id]
    assert retrieved == item == listed[0]
    assert _subset(sample, retrieved.model_dump(mode="json", by_alias=True))


@pytest.mark.parametrize(
    ("kind", "path", "hidden"),
    [
        ("message", ("content", 0, "logprobs"), []),
        ("file_search_call", ("results",), None),
        ("code_interpreter_call", ("outputs",), None),
        ("computer_call_output", ("output", "image_url"), "absent"),
        ("reasoning", ("encrypted_content",), "absent"),
        ("web_search_call", ("action", "sources"), "absent"),
    ],
)
async def test_include_gated_fields_show_only_when_included(
    api: Any, kind: str, path: tuple[str | int, ...], hidden: Any
) -> None:
    conversation = (await api.post("/conversations", json={"items": [ITEM_SAMPLES[kind]]})).json()
    page = (await api.get(f"/conversations/{conversation['id']}/items")).json()
    item_id = page["data"][0]["id"]

    def dig(document: Any) -> Any:
        for step in path:
            if isinstance(step, str) and step not in document:
                return "absent"
            document = document[step]
        return document

    assert dig(page["data"][0]) == hidden
    stored = dig(ITEM_SAMPLES[kind])
    # Both query forms: the SDK's include[]=... and the OpenAPI default include=...
    for name in ("include", "include[]"):
        url = f"/conversations/{conversation['id']}/items/{item_id}"
        shown = (await api.get(url, params={name: [_include_for(kind)]})).json()
        assert dig(shown) == stored


def _include_for(kind: str) -> str:
    return {
        "message": "message.output_text.logprobs",
        "file_search_call": "file_search_call.results",
        "code_interpreter_call": "code_interpreter_call.outputs",
        "computer_call_output": "computer_call_output.output.image_url",
        "reasoning": "reasoning.encrypted_content",
        "web_search_call": "web_search_call.action.sources",
    }[kind]


async def test_an_item_reference_copies_the_named_item(api: Any) -> None:
    source = (await api.post("/conversations", json={"items": [ITEM_SAMPLES["function_call"]]})).json()
    original = (await api.get(f"/conversations/{source['id']}/items")).json()["data"][0]
    target = (await api.post("/conversations", json={})).json()
    added = await api.post(f"/conversations/{target['id']}/items", json={"items": [{"id": original["id"]}]})
    assert added.status_code == 200
    assert added.json()["data"] == [original]
    # Items outlive their conversation: a reference still resolves after it is deleted.
    assert (await api.delete(f"/conversations/{source['id']}")).status_code == 200
    again = await api.post("/conversations", json={"items": [{"type": "item_reference", "id": original["id"]}]})
    assert again.status_code == 200


async def test_integers_beyond_64_bits_are_kept_exactly(api: Any) -> None:
    """A JSON value a field takes as it is (a tool search's arguments) may hold any integer."""
    big = 123456789012345678901234567890
    item = {**ITEM_SAMPLES["tool_search_call"], "arguments": {"n": big, "m": -(2**70), "s": "1234567890123456789012"}}
    body = json.dumps({"items": [item]}).encode()  # the SDK's JSON, integers written out whole
    created = await api.post("/conversations", content=body, headers={"Content-Type": "application/json"})
    assert created.status_code == 200, created.text

    listed = await api.get(f"/conversations/{created.json()['id']}/items")

    (stored,) = json.loads(listed.content)["data"]  # read by the standard library: exact integers
    assert stored["arguments"] == {"n": big, "m": -(2**70), "s": "1234567890123456789012"}
