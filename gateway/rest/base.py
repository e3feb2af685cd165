"""The base of every REST model, and open (forward-compatible) discriminated unions.

The models mirror the JSON of OpenAI's Conversations API. They are read by two parties:

* the gateway's upstream client, which must accept whatever the real API sends, including
  fields and `type` values added after this code was written (``extra="allow"``, and a
  fallback member for every union);
* the built-in API, which validates what clients write and must refuse fields or types it
  does not know, as the real API does. It validates with ``context={"strict_input": True}``.

Fields that the spec marks required-but-nullable are optional here (the SDK treats them so),
but a faithful server always emits them: each model lists them in ``emit_null`` and
:meth:`RestModel.to_json` writes them as ``null`` when unset.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, ClassVar, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    ValidationInfo,
    model_serializer,
    model_validator,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

__all__ = ["OPEN_UNION", "STRICT_INPUT", "OpenModel", "RestModel"]

STRICT_INPUT = "strict_input"
"""Validation-context key: set it to reject unknown fields and unknown union members."""


def _strict(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get(STRICT_INPUT))


class RestModel(BaseModel):
    """A REST payload object: unknown fields are kept on read, refused on strict input."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    emit_null: ClassVar[frozenset[str]] = frozenset()
    """Required-but-nullable fields: always present in what the built-in API answers."""

    open_fields: ClassVar[bool] = False
    """True for objects that pass through whole: unknown fields are kept even on strict input."""

    @model_validator(mode="after")
    def _refuse_unknown_fields(self, info: ValidationInfo) -> Self:
        if _strict(info) and self.model_extra and not self.open_fields:
            name = next(iter(self.model_extra))
            raise PydanticCustomError("unknown_parameter", "Unknown parameter: '{name}'.", {"name": name})
        return self

    @model_serializer(mode="wrap")
    def _emit_required_nulls(self, handler: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        data = handler(self)
        for name in self.emit_null:
            data.setdefault(name, None)
        return data

    def to_json(self) -> dict[str, Any]:
        """The wire form: fields that were given (and the required nullable ones), by alias."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class OpenModel(RestModel):
    """The fallback member of an open union: any object with a `type` the models do not know.

    On read it keeps the whole object. On strict input it is refused, since the built-in API
    cannot store what it does not understand.
    """

    type: str

    @model_validator(mode="after")
    def _refuse_on_input(self, info: ValidationInfo) -> Self:
        if _strict(info):
            raise PydanticCustomError(
                "invalid_value",
                "Invalid value: '{type}'. This type is not supported here.",
                {"type": self.type},
            )
        return self


_UNKNOWN = "__unknown__"


class _OpenUnion:
    """Marks ``Annotated[A | B | UnknownX, OPEN_UNION]``: a union discriminated by ``type``.

    Every member but the last declares ``type`` as a ``Literal``; each of its values is a tag.
    The last member, an :class:`OpenModel`, takes any other ``type``.
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        *members, fallback = get_args(source)
        choices: dict[Hashable, CoreSchema] = {}
        for member in members:
            member_schema = handler.generate_schema(member)
            for value in get_args(member.model_fields["type"].annotation):
                choices[value] = member_schema
        choices[_UNKNOWN] = handler.generate_schema(fallback)
        known = frozenset(choices)

        def discriminate(value: Any) -> str | None:
            kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
            if not isinstance(kind, str):
                return None
            return kind if kind in known else _UNKNOWN

        return core_schema.tagged_union_schema(
            choices,
            discriminator=discriminate,
            custom_error_type="missing_required_parameter",
            custom_error_message="Missing required parameter: 'type'.",
        )


OPEN_UNION = _OpenUnion()
"""The marker of an open union: ``Annotated[A | B | UnknownX, OPEN_UNION]``."""
