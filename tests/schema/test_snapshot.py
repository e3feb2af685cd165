"""`schema.graphql` is the printed schema, and everything in it is described."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    build_schema,
)

from gateway.cli import main, schema_sdl

SNAPSHOT = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_the_committed_schema_is_the_printed_schema() -> None:
    assert SNAPSHOT.read_text() == schema_sdl(), "schema.graphql is stale: run `.venv/bin/gateway export-schema`"


def test_export_schema_writes_the_snapshot(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    assert main(["export-schema", "--output", str(target)]) == 0
    assert target.read_text() == SNAPSHOT.read_text()


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    schema = build_schema(SNAPSHOT.read_text())
    missing: list[str] = []
    for name, named in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not named.description:
            missing.append(name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in named.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for argument_name, argument in getattr(field, "args", {}).items():
                    if not argument.description:
                        missing.append(f"{name}.{field_name}({argument_name})")
        if isinstance(named, GraphQLEnumType):
            missing += [f"{name}.{value}" for value, definition in named.values.items() if not definition.description]
        if isinstance(named, GraphQLUnionType) and not named.types:
            missing.append(f"{name} has no members")
    assert missing == []


def test_the_item_union_has_every_upstream_type_and_the_fallback() -> None:
    schema = build_schema(SNAPSHOT.read_text())
    union = schema.type_map["ConversationItem"]
    assert isinstance(union, GraphQLUnionType)
    assert len(union.types) == 30
    assert "UnknownConversationItem" in {member.name for member in union.types}
