"""The seed document's calls, made by the official SDK (sync and async) against a real socket.

The seed writes Chat-style parts (`{"type": "text"}`, `{"type": "image_url"}`) that the SDK's
TypedDicts do not describe; items are built as plain dicts and passed through ``_items``.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai.types.conversations import Conversation, ConversationDeletedResource, Message

from tests.helpers import items


def _message(item: object) -> Message:
    assert isinstance(item, Message)
    return item


def _text(item: object, index: int = 0) -> object:
    return getattr(_message(item).content[index], "text", None)


def _seed_message(role: str, text: str) -> dict[str, Any]:
    return {"type": "message", "role": role, "content": [{"type": "text", "text": text}]}


def test_seed_workflow_with_the_sync_client(sdk: openai.OpenAI) -> None:
    conversation = sdk.conversations.create(metadata={"user_id": "user_123"})
    assert conversation.id.startswith("conv_")
    assert conversation.metadata == {"user_id": "user_123"}

    created = sdk.conversations.items.create(
        conversation_id=conversation.id,
        items=items(
            _seed_message("system", "You are a helpful Python tutor."),
            _seed_message("user", "How do I read a file in Python?"),
        ),
    )
    system_item, user_item = (_message(item) for item in created.data)
    assert user_item.content[0].type == "input_text"
    assert (created.first_id, created.last_id, created.has_more) == (system_item.id, user_item.id, False)

    listed = list(sdk.conversations.items.list(conversation_id=conversation.id, order="asc"))
    assert [item.id for item in listed] == [system_item.id, user_item.id]

    reply = sdk.conversations.items.create(
        conversation_id=conversation.id, items=items(_seed_message("assistant", "Use open()."))
    )
    assistant_item = _message(reply.data[0])
    assert assistant_item.content[0].type == "output_text"

    sdk.conversations.update(
        conversation_id=conversation.id, metadata={"user_id": "user_123", "status": "resolved", "topic": "file_io"}
    )
    updated = sdk.conversations.retrieve(conversation_id=conversation.id)
    assert updated.metadata == {"user_id": "user_123", "status": "resolved", "topic": "file_io"}
    assert updated.created_at == conversation.created_at

    after_delete = sdk.conversations.items.delete(user_item.id, conversation_id=conversation.id)
    assert isinstance(after_delete, Conversation)
    assert after_delete.id == conversation.id
    remaining = [item.id for item in sdk.conversations.items.list(conversation_id=conversation.id, order="asc")]
    assert remaining == [system_item.id, assistant_item.id]

    deleted = sdk.conversations.delete(conversation_id=conversation.id)
    assert isinstance(deleted, ConversationDeletedResource)
    assert (deleted.id, deleted.deleted, deleted.object) == (conversation.id, True, "conversation.deleted")
    with pytest.raises(openai.NotFoundError):
        sdk.conversations.retrieve(conversation_id=conversation.id)


def test_bare_and_multimodal_creates(sdk: openai.OpenAI) -> None:
    empty = sdk.conversations.create()
    assert empty.metadata is None
    assert list(sdk.conversations.items.list(conversation_id=empty.id)) == []

    started = sdk.conversations.create(
        items=[
            {"type": "message", "role": "system", "content": "You are a helpful coding assistant."},
            {"type": "message", "role": "user", "content": "How do I reverse a string in Python?"},
        ],
        metadata={"user_id": "user_123", "session": "session_abc"},
    )
    first, second = sdk.conversations.items.list(conversation_id=started.id, order="asc")
    assert _message(first).role == "system"
    assert _message(first).content[0].type == "input_text"
    assert _text(second) == "How do I reverse a string in Python?"

    image_message = {
        "type": "message",
        "role": "user",
        "content": [
            {"type": "text", "text": "What's in this image?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/image.jpg"}},
        ],
    }
    image = _message(
        sdk.conversations.items.create(
            conversation_id=empty.id, items=items(image_message), include=["message.input_image.image_url"]
        ).data[0]
    )
    text_part, image_part = image.content
    assert text_part.type == "input_text"
    assert image_part.type == "input_image"
    assert image_part.image_url == "https://example.com/image.jpg"
    hidden = _message(sdk.conversations.items.retrieve(image.id, conversation_id=empty.id))
    assert getattr(hidden.content[1], "image_url", "missing") is None


async def test_seed_workflow_with_the_async_client(async_sdk: openai.AsyncOpenAI) -> None:
    conversation = await async_sdk.conversations.create(metadata={"user_id": "user_123"})
    await async_sdk.conversations.items.create(
        conversation_id=conversation.id, items=items(_seed_message("user", "Hello!"))
    )
    texts = [_text(item) async for item in await async_sdk.conversations.items.list(conversation_id=conversation.id)]
    assert texts == ["Hello!"]
    item = _message((await async_sdk.conversations.items.list(conversation_id=conversation.id)).data[0])
    fetched = await async_sdk.conversations.items.retrieve(item.id, conversation_id=conversation.id)
    assert fetched == item
    await async_sdk.conversations.update(conversation.id, metadata=None)
    assert (await async_sdk.conversations.retrieve(conversation.id)).metadata is None
    await async_sdk.conversations.delete(conversation_id=conversation.id)
    with pytest.raises(openai.NotFoundError):
        await async_sdk.conversations.delete(conversation_id=conversation.id)


def test_an_sdk_set_up_with_an_organization_and_project_reads_the_keys_conversations(
    sdk: openai.OpenAI, live_url: str
) -> None:
    """OpenAI's SDKs send `OpenAI-Organization` and `OpenAI-Project` when given them (or
    `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID`). The built-in API has neither organizations nor
    projects: it takes the headers and keeps each key's conversations, whatever they say."""
    created = sdk.conversations.create(metadata={"made": "without"})
    with openai.OpenAI(
        base_url=f"{live_url}/v1",
        api_key="sk-test-one",
        organization="org-any",
        project="proj_any",
        max_retries=0,
        _strict_response_validation=True,
    ) as scoped:
        assert scoped.conversations.retrieve(created.id).metadata == {"made": "without"}
        again = scoped.conversations.create(metadata={"made": "with"})
    assert sdk.conversations.retrieve(again.id).metadata == {"made": "with"}
