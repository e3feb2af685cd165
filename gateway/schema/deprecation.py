"""Which deprecated parts of the schema a document uses, by their schema coordinates.

A field is deprecated before it goes (README, *When the schema changes*); it can go once nothing
asks for it. Each operation's log line, span and the metrics say which deprecated fields,
arguments, input fields and enum values its document names, so that a team sees who still uses
them (with the client names of the log line) and when the last use stopped.

The coordinates are those of the GraphQL schema coordinates proposal: `Type.field`,
`Type.field(argument:)`, `@directive(argument:)`, `Input.field` and `Enum.VALUE`. An enum value
given in a variable is not in the document, and is not seen.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLSchema,
    ObjectFieldNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    visit,
)

__all__ = ["deprecated_uses"]


def deprecated_uses(schema: GraphQLSchema, document: DocumentNode) -> tuple[str, ...]:
    """The coordinates of the deprecated parts of ``schema`` that ``document`` names, sorted, each
    once. For a valid document: it walks the whole document, all its operations and fragments."""
    type_info = TypeInfo(schema)
    found = _DeprecatedUses(type_info)
    visit(document, TypeInfoVisitor(type_info, found))
    return tuple(sorted(found.coordinates))


class _DeprecatedUses(Visitor):
    """Collects coordinates as graphql-core's `NoDeprecatedCustomRule` finds deprecated uses, with
    the field's name taken from the document (a code-first schema's fields have no AST node)."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.coordinates: set[str] = set()
        self._fields: list[str] = []

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self._fields.append(node.name.value)
        field = self.type_info.get_field_def()
        if field is not None and field.deprecation_reason is not None:
            self.coordinates.add(f"{self.type_info.get_parent_type()}.{node.name.value}")

    def leave_field(self, *_: Any) -> None:
        self._fields.pop()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        argument = self.type_info.get_argument()
        if argument is None or argument.deprecation_reason is None:
            return
        directive = self.type_info.get_directive()
        if directive is not None:
            self.coordinates.add(f"@{directive.name}({node.name.value}:)")
        elif self._fields:
            self.coordinates.add(f"{self.type_info.get_parent_type()}.{self._fields[-1]}({node.name.value}:)")

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        parent = get_named_type(self.type_info.get_parent_input_type())
        if isinstance(parent, GraphQLInputObjectType):
            field = parent.fields.get(node.name.value)
            if field is not None and field.deprecation_reason is not None:
                self.coordinates.add(f"{parent.name}.{node.name.value}")

    def enter_enum_value(self, node: EnumValueNode, *_: Any) -> None:
        value = self.type_info.get_enum_value()
        enum = get_named_type(self.type_info.get_input_type())
        if value is not None and value.deprecation_reason is not None and isinstance(enum, GraphQLEnumType):
            self.coordinates.add(f"{enum.name}.{node.value}")
