"""The base of every REST model, and open (forward-compatible) discriminated unions.

The models mirror the JSON of OpenAI's Conversations API. They are read by two parties:

* the gateway's upstream client, which must accept whatever the real API sends, including
  fields and `type` values added after this code was written (``extra="allow"``, and a
  fallback member for every union);
* the built-in API, which must refuse fields or types it does not know, as the real API does.
  It validates as the client does, then asks :func:`refusal` what the validated model holds
  that the models do not know.

Validation runs in pydantic's Rust core only (no Python validator or discriminator is called
for a well-formed object): the gateway reads every upstream answer through these models, and
a Python call per object doubled the cost of reading a page.

Fields that the spec marks required-but-nullable are optional here (the SDK treats them so),
but a faithful server always emits them: each model lists them in ``emit_null`` and
:meth:`RestModel.to_json` writes them as ``null`` when unset.
"""

import types
import typing
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, model_serializer
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

__all__ = [
    "KNOWN_AS_OTHER",
    "OPEN_UNION",
    "UNION_LABELS",
    "KnownAsOther",
    "OpenModel",
    "Refusal",
    "RestModel",
    "refusal",
]


class RestModel(BaseModel):
    """A REST payload object: unknown fields are kept (and :func:`refusal` names them)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    emit_null: ClassVar[frozenset[str]] = frozenset()
    """Required-but-nullable fields: always present in what the built-in API answers."""

    open_fields: ClassVar[bool] = False
    """True for objects that pass through whole: their unknown fields are no refusal."""

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
    """The fallback member of an open union: any object with a `type` the union does not know.

    On read it keeps the whole object. :func:`refusal` names it: the built-in API cannot store
    what it does not understand.
    """

    type: str


_KNOWN_MEMBER, _OTHER_MEMBER = "known type", "other type"
UNION_LABELS = frozenset({_KNOWN_MEMBER, _OTHER_MEMBER})
"""The steps an open union adds to a validation error's location (not fields of the data)."""


KnownAsOther = Callable[["OpenModel", type["RestModel"]], None]
"""Told of an object of a known type read as its union's fallback: the object, and the member it failed."""

KNOWN_AS_OTHER = "known_as_other"
"""The key of a validation's context that makes every open union lenient: ``{KNOWN_AS_OTHER: told}``
reads an object of a known type that its member refuses (a value the upstream added to a closed set
since, say) as the fallback, whole, and tells ``told`` (a :data:`KnownAsOther`). For reading what an
upstream sends; what a client writes is validated without it, and such an object is refused."""


class _OpenUnion:
    """Marks ``Annotated[A | B | UnknownX, OPEN_UNION]``: a union discriminated by ``type``.

    Every member but the last declares ``type`` as a ``Literal``; each of its values is a tag.
    The last member, an :class:`OpenModel`, takes any other ``type``. An object is first
    validated as the member its tag names (in Rust); only when that fails is the fallback tried,
    and the fallback refuses a known tag, so a malformed known object is an error, not unknown,
    unless the validation's context has :data:`KNOWN_AS_OTHER`.
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        *members, fallback = get_args(source)
        choices: dict[Hashable, CoreSchema] = {}
        by_tag: dict[Hashable, type[RestModel]] = {}
        for member in members:
            member_schema = handler.generate_schema(member)
            for value in get_args(member.model_fields["type"].annotation):
                choices[value] = member_schema
                by_tag[value] = member
        known = frozenset(choices)

        def other(model: OpenModel, info: core_schema.ValidationInfo) -> OpenModel:
            if model.type in known:
                context = info.context
                told = context.get(KNOWN_AS_OTHER) if isinstance(context, dict) else None
                if told is None:
                    raise PydanticCustomError("invalid_value", "Invalid '{type}' object.", {"type": model.type})
                told(model, by_tag[model.type])
            return model

        tagged = core_schema.tagged_union_schema(
            choices,
            discriminator="type",
            custom_error_type="missing_required_parameter",
            custom_error_message="Missing required parameter: 'type'.",
        )
        return core_schema.union_schema(
            [
                (tagged, _KNOWN_MEMBER),
                (
                    core_schema.with_info_after_validator_function(other, handler.generate_schema(fallback)),
                    _OTHER_MEMBER,
                ),
            ],
            mode="left_to_right",
        )


OPEN_UNION = _OpenUnion()
"""The marker of an open union: ``Annotated[A | B | UnknownX, OPEN_UNION]``."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """What strict input may not hold: a field the models do not know, or a type a union does not."""

    location: tuple[str | int, ...]
    """JSON keys and list indexes, from the validated object to the refused field (or `type`)."""
    code: str
    """``unknown_parameter`` or ``invalid_value`` (an unknown type)."""
    known_types: tuple[str, ...] = ()
    """For an unknown type: the types its union takes."""
    type: str = ""
    """For an unknown type: the type given."""


def refusal(model: RestModel) -> Refusal | None:
    """The deepest field or union member of ``model`` that the models do not know, if any.

    Objects that pass through whole (``open_fields``) may hold anything. Of several refusals the
    deepest is named, the first of equally deep ones.
    """
    found: Refusal | None = None
    for candidate in _refusals(model, (), ()):
        if found is None or len(candidate.location) > len(found.location):
            found = candidate
    return found


def _refusals(value: Any, location: tuple[str | int, ...], known: tuple[str, ...]) -> Iterator[Refusal]:
    if isinstance(value, OpenModel):
        yield Refusal((*location, "type"), "invalid_value", known, value.type)
    elif isinstance(value, RestModel):
        fields = type(value).model_fields
        for name in fields.keys() & value.model_fields_set:
            field = fields[name]
            # pydantic keeps a field's own marks apart from its annotation.
            marked = any(mark is OPEN_UNION for mark in field.metadata)
            known_types = _union_types(field.annotation) if marked else _types_of(field.annotation)
            yield from _refusals(getattr(value, name), (*location, field.alias or name), known_types)
        if value.model_extra and not value.open_fields:
            yield Refusal((*location, next(iter(value.model_extra))), "unknown_parameter")
    elif isinstance(value, list | tuple):
        for index, element in enumerate(value):
            yield from _refusals(element, (*location, index), known)
    elif isinstance(value, dict):
        for key, element in value.items():
            yield from _refusals(element, (*location, key), known)


def _types_of(annotation: Any) -> tuple[str, ...]:
    """The tags of the open union ``annotation`` holds (through lists and optionals), if any."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        union, *marks = get_args(annotation)
        return _union_types(union) if any(mark is OPEN_UNION for mark in marks) else _types_of(union)
    if origin in (list, tuple, typing.Union, types.UnionType):
        return tuple(sorted({tag for inner in get_args(annotation) for tag in _types_of(inner)}))
    return ()


def _union_types(union: Any) -> tuple[str, ...]:
    *members, _ = get_args(union)
    return tuple(sorted(tag for member in members for tag in get_args(member.model_fields["type"].annotation)))
