"""The spec check used by every test must be able to fail."""

from __future__ import annotations

import jsonschema
import pytest

from tests.openapi import KEPT_SPEC_PATH, SHARED_SPEC_PATH, RecordedResponse, validate_response


def test_a_conversation_without_object_is_refused() -> None:
    body = {"id": "conv_1", "created_at": 1, "metadata": None}
    with pytest.raises(jsonschema.ValidationError):
        validate_response(RecordedResponse("GET", "/v1/conversations/conv_1", 200, body))


def test_an_item_missing_a_required_field_is_refused() -> None:
    item = {"type": "function_call", "id": "fc_1", "call_id": "c", "arguments": "{}", "status": "completed"}
    page = {"object": "list", "data": [item], "first_id": "fc_1", "last_id": "fc_1", "has_more": False}
    with pytest.raises(jsonschema.ValidationError):
        validate_response(RecordedResponse("GET", "/v1/conversations/conv_1/items", 200, page))


def test_errors_must_have_openai_shape() -> None:
    validate_response(
        RecordedResponse(
            "GET",
            "/v1/conversations/x",
            404,
            {"error": {"message": "m", "type": "t", "param": None, "code": None}},
        )
    )
    with pytest.raises(jsonschema.ValidationError):
        validate_response(RecordedResponse("GET", "/v1/conversations/x", 404, {"detail": "Not Found"}))


@pytest.mark.skipif(not SHARED_SPEC_PATH.exists(), reason="no shared/ beside this checkout: the copy is all there is")
def test_the_kept_copy_of_the_spec_is_the_shared_one() -> None:
    assert KEPT_SPEC_PATH.read_bytes() == SHARED_SPEC_PATH.read_bytes()
