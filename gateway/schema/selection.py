"""What an operation selects: the `include` values it needs, and the item pages it will ask for.

The upstream leaves some fields out unless `include` names them. The gateway finds the gated
fields in the selection itself (through fragments and `@skip`/`@include`), so a query that asks
for `logprobs` gets them without knowing the REST flag.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from graphql import GraphQLInterfaceType, GraphQLNamedType, GraphQLObjectType, GraphQLSchema, get_named_type
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from gateway.schema.enums import Includable

__all__ = [
    "INCLUDE_GATES",
    "current_field",
    "enum_value",
    "fields_named",
    "include_values",
    "includes_for",
    "int_argument",
]

INCLUDE_GATES: dict[tuple[str, str], str] = {
    ("OutputTextContent", "logprobs"): "message.output_text.logprobs",
    ("InputImageContent", "imageUrl"): "message.input_image.image_url",
    ("FileSearchCall", "results"): "file_search_call.results",
    ("SearchAction", "sources"): "web_search_call.action.sources",
    ("ComputerScreenshotImage", "imageUrl"): "computer_call_output.output.image_url",
    ("CodeInterpreterCall", "outputs"): "code_interpreter_call.outputs",
    ("Reasoning", "encryptedContent"): "reasoning.encrypted_content",
}
"""(GraphQL type, field) -> the `include` value without which the upstream leaves the field out."""


def _schema(info: Info) -> GraphQLSchema:
    # Strawberry's Info wraps graphql-core's; the field types are only known to the latter.
    schema: GraphQLSchema = info._raw_info.schema
    return schema


def current_field(info: Info) -> SelectedField:
    """The field being resolved, as selected (arguments, sub-selections)."""
    field = info.selected_fields[0]
    assert isinstance(field, SelectedField)  # the field being resolved is always a field
    return field


def _active(selection: Selection) -> bool:
    directives = selection.directives or {}
    if directives.get("skip", {}).get("if") is True:
        return False
    return directives.get("include", {}).get("if", True) is not False


def _field_type(schema: GraphQLSchema, type_name: str, field_name: str) -> str | None:
    parent: GraphQLNamedType | None = schema.type_map.get(type_name)
    if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return None
    field = parent.fields.get(field_name)
    return None if field is None else get_named_type(field.type).name


def _walk(schema: GraphQLSchema, selections: Sequence[Selection], type_name: str, found: set[str]) -> None:
    for selection in selections:
        if not _active(selection):
            continue
        if isinstance(selection, SelectedField):
            gate = INCLUDE_GATES.get((type_name, selection.name))
            if gate is not None:
                found.add(gate)
            child = _field_type(schema, type_name, selection.name)
            if child is not None and selection.selections:
                _walk(schema, selection.selections, child, found)
        elif isinstance(selection, InlineFragment | FragmentSpread):
            _walk(schema, selection.selections, selection.type_condition or type_name, found)


def includes_for(info: Info, field: SelectedField, type_name: str) -> frozenset[str]:
    """The `include` values the selection under ``field`` (of GraphQL type ``type_name``) needs."""
    found: set[str] = set()
    _walk(_schema(info), field.selections, type_name, found)
    return frozenset(found)


def fields_named(selections: Sequence[Selection], name: str, type_names: frozenset[str]) -> Iterator[SelectedField]:
    """Every active selection of field ``name`` directly in ``selections`` (aliases included),
    looking into fragments whose type condition is one of ``type_names``."""
    for selection in selections:
        if not _active(selection):
            continue
        if isinstance(selection, SelectedField):
            if selection.name == name:
                yield selection
        elif selection.type_condition is None or selection.type_condition in type_names:
            yield from fields_named(selection.selections, name, type_names)


def enum_value(value: Any) -> Any:
    """An enum argument read from a selection: a member, its name, or its value."""
    return getattr(value, "value", value)


def include_values(values: Iterable[Any] | None) -> frozenset[str]:
    """The upstream strings of an `include` argument (members, names or values)."""
    found: set[str] = set()
    for value in values or ():
        raw = str(enum_value(value))
        found.add(str(Includable[raw].value) if raw in Includable.__members__ else raw)
    return frozenset(found)


def int_argument(value: Any) -> int | None:
    """An Int argument read from a selection: literals arrive as the AST's strings."""
    if value is None or isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
