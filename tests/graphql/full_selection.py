"""Select every field of a GraphQL type, and check a REST object against what came back.

Fields inside a fragment are aliased ``<Type>__<field>``: members of one union may use a name
with different types (`detail` is an `ImageDetail` on one part and a `FileDetail` on another),
which GraphQL forbids in one selection set without aliases.
"""

from __future__ import annotations

import enum
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    get_named_type,
)

from gateway.schema import actions, enums

__all__ = ["check_rest_object", "schema", "selection_for"]

SNAPSHOT = Path(__file__).resolve().parents[2] / "schema.graphql"


@cache
def schema() -> GraphQLSchema:
    return build_schema(SNAPSHOT.read_text())


def selection_for(type_name: str, depth: int = 0) -> str:
    """``{ ... }`` selecting every field of ``type_name``, recursively."""
    named = schema().type_map[type_name]
    if isinstance(named, GraphQLUnionType):
        fragments = " ".join(
            f"... on {member.name} {_fields(member, alias=member.name, depth=depth)}" for member in named.types
        )
        return f"{{ __typename {fragments} }}"
    assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
    return _fields(named, alias=None, depth=depth)


def _fields(named: GraphQLObjectType | GraphQLInterfaceType, alias: str | None, depth: int) -> str:
    parts = []
    for name, field in named.fields.items():
        if field.args:
            continue
        inner = get_named_type(field.type)
        selection = (
            "" if not isinstance(inner, GraphQLObjectType | GraphQLUnionType) else selection_for(inner.name, depth + 1)
        )
        label = f"{alias}__{name}: {name}" if alias else name
        parts.append(f"{label} {selection}".strip())
    return "{ " + " ".join(parts) + " }"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@cache
def _enum_names(type_name: str) -> dict[str, str]:
    cls = getattr(enums, type_name, None) or getattr(actions, type_name)
    assert issubclass(cls, enum.Enum)
    return {member.value: member.name for member in cls}


def _read(got: dict[str, Any], type_name: str, field: str, aliased: bool) -> Any:
    key = f"{type_name}__{field}" if aliased else field
    assert key in got, f"{type_name}.{field} was not returned"
    return got[key]


def check_rest_object(rest: dict[str, Any], got: Any, type_name: str, aliased: bool = False) -> None:
    """Every field of the REST object ``rest`` is in ``got`` (the GraphQL object of ``type_name``)."""
    named = schema().type_map[type_name]
    if isinstance(named, GraphQLUnionType):
        type_name, aliased = got["__typename"], True
        named = schema().type_map[type_name]
    assert isinstance(named, GraphQLObjectType), type_name
    if type_name == "ToolDefinition" or type_name.startswith("Unknown"):
        field = "definition" if type_name == "ToolDefinition" else "raw"
        assert _read(got, type_name, field, aliased) == rest
        return
    for key, value in rest.items():
        _check_field(named, key, value, got=got, type_name=type_name, aliased=aliased)


def _check_field(
    named: GraphQLObjectType, key: str, value: Any, *, got: dict[str, Any], type_name: str, aliased: bool
) -> None:
    if key == "id" and "itemId" in named.fields:
        assert _read(got, type_name, "itemId", aliased) == value
        return
    if key == "output" and "outputContent" in named.fields:
        field = "output" if isinstance(value, str) else "outputContent"
        if field == "outputContent":
            _compare(value, _read(got, type_name, field, aliased), named.fields[field].type)
        else:
            assert _read(got, type_name, field, aliased) == value
        return
    if (type_name, key) == ("FileSearchResult", "attributes"):
        entries = _read(got, type_name, "attributes", aliased)
        assert {entry["key"]: _attribute(entry) for entry in entries} == value
        return
    if (type_name, key) == ("LocalShellExecAction", "env"):
        assert {entry["name"]: entry["value"] for entry in _read(got, type_name, "env", aliased)} == value
        return
    field = _camel(key)
    assert field in named.fields, f"{type_name} has no field for `{key}`"
    _compare(value, _read(got, type_name, field, aliased), named.fields[field].type)


def _attribute(entry: dict[str, Any]) -> Any:
    for name in ("stringValue", "numberValue", "booleanValue"):
        if entry[name] is not None:
            return entry[name]
    return None


def _compare(value: Any, got: Any, graphql_type: Any) -> None:
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    if value is None:
        assert got is None
        return
    if isinstance(graphql_type, GraphQLList):
        assert isinstance(got, list)
        assert len(got) == len(value)
        for element, returned in zip(value, got, strict=True):
            _compare(element, returned, graphql_type.of_type)
        return
    if isinstance(graphql_type, GraphQLEnumType):
        assert got == _enum_names(graphql_type.name)[value]
        return
    if isinstance(graphql_type, GraphQLObjectType | GraphQLUnionType):
        check_rest_object(value, got, graphql_type.name)
        return
    assert got == value
