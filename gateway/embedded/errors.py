"""The built-in API's one exception, rendered in OpenAI's error shape.

Everything the built-in API refuses is an :class:`ApiError`; the app turns it into
``{"error": {"message", "type", "param", "code"}}`` with its status. Store refusals and
pydantic validation errors are translated into it here, in one place.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from gateway.embedded.store import (
    ConversationNotFound,
    DuplicateItemId,
    ItemNotFound,
    StoreError,
    UnknownCursor,
)
from gateway.quoting import shortened
from gateway.rest import UNION_LABELS
from gateway.rest.resources import ErrorBody, ErrorDetail

__all__ = ["ApiError", "from_store_error", "from_validation_error"]

_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "bool_type": "a boolean",
    "list_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
}


class ApiError(Exception):
    """A refusal with an HTTP status and OpenAI's error fields."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.type = type
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        detail = ErrorDetail(message=self.message, type=self.type, param=self.param, code=self.code)
        return ErrorBody(error=detail).to_json()


def from_store_error(error: StoreError) -> ApiError:
    match error:
        case ConversationNotFound() | ItemNotFound():
            return ApiError(404, str(error))
        case DuplicateItemId(index=index):
            return ApiError(400, str(error), param=f"items[{index}].id", code="invalid_value")
        case UnknownCursor():
            return ApiError(400, str(error), param="after", code="invalid_value")
    return ApiError(400, str(error))


_SCALAR_LABELS = frozenset({"str", "int", "float", "bool", "dict", "list", "none", "json-or-python"})


def param_path(prefix: str, data: Any, loc: tuple[str | int, ...]) -> str:
    """``items[0].content[1].text`` from a pydantic error location over the data that was validated.

    Locations also name the union member that was tried (a ``type`` value, or a label such as
    ``str``, ``list[...]`` or an open union's); those steps are not part of the path. An object's
    ``type`` value is named once, before its fields: a field may have the same name (`logs`).
    """
    path = prefix
    tag_passed = False
    for step in loc:
        if isinstance(step, int):
            if isinstance(data, list):
                path += f"[{step}]"
                data = data[step] if step < len(data) else None
                tag_passed = False
        elif step in UNION_LABELS:
            continue
        elif isinstance(data, dict) and not tag_passed and data.get("type") == step:
            tag_passed = True
        elif isinstance(data, dict) and step in data:
            path += f".{shortened(step)}"  # a key the client sent: named, not repeated whole
            data = data[step]
            tag_passed = False
        elif isinstance(data, dict) and "[" not in step and step not in _SCALAR_LABELS:
            path += f".{shortened(step)}"  # a field the data lacks
            data = None
    return path


def from_validation_error(error: ValidationError, prefix: str, data: Any) -> ApiError:
    detail = _most_specific(error.errors())
    path = param_path(prefix, data, detail["loc"])
    kind = detail["type"]
    if kind == "unknown_parameter":
        name = detail.get("ctx", {}).get("name", "")
        path = f"{path}.{name}"
        return ApiError(400, f"Unknown parameter: '{path}'.", param=path, code="unknown_parameter")
    if kind in {"missing", "missing_required_parameter"}:
        if kind == "missing_required_parameter":
            path = f"{path}.type"
        return ApiError(400, f"Missing required parameter: '{path}'.", param=path, code="missing_required_parameter")
    if kind in {"literal_error", "invalid_value", "enum"}:
        return ApiError(400, f"Invalid value for '{path}': {detail['msg']}.", param=path, code="invalid_value")
    expected = _TYPE_NAMES.get(kind)
    if expected is not None:
        got = _json_type_name(detail.get("input"))
        message = f"Invalid type for '{path}': expected {expected}, but got {got} instead."
        return ApiError(400, message, param=path, code="invalid_type")
    return ApiError(400, f"Invalid value for '{path}': {detail['msg']}.", param=path, code="invalid_value")


def _most_specific(errors: list[ErrorDetails]) -> ErrorDetails:
    # A failed `str | list[...]` reports one error per member; the deepest one says most.
    return max(errors, key=lambda detail: len(detail["loc"]))


def _json_type_name(value: Any) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int():
            return "an integer"
        case float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "an array"
        case dict():
            return "an object"
    return "a value"
