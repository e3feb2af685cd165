"""A shorter path through graphql-core's executor for plain leaf fields.

Most fields of a page are leaves read straight off an object (`itemId`, `role`, `text`, ...).
For each, graphql-core builds a resolve-info object, reads the field's arguments, calls
Strawberry's wrapper around `getattr`, and checks the result for awaitables before it completes
the value: about as much CPU as the rest of the operation's fields together. For a field that
Strawberry itself calls "basic" (no resolver, no extensions) and whose type is a scalar or an enum,
:class:`GatewayExecutionContext` reads the attribute and completes the leaf directly.

Anything unusual takes graphql-core's own path, which then behaves exactly as it always does:
a null value (whose error needs the full context), a value the leaf type cannot serialize, an
executor with field middleware. ``__typename`` is answered from the parent type, as graphql-core
answers it.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

__all__ = ["GatewayExecutionContext", "execution_context_for"]

LeafFields = dict[tuple[str, str], tuple[str, GraphQLLeafType]]


def _leaf_fields(schema: GraphQLSchema) -> LeafFields:
    """(object type, field) -> (attribute, leaf type) for every basic scalar or enum field."""
    found: LeafFields = {}
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for name, field in named.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
                continue
            leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if is_leaf_type(leaf):
                found[named.name, name] = (definition.python_name, leaf)
    return found


class GatewayExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the leaf-field path described in the module."""

    leaf_fields: LeafFields = {}  # noqa: RUF012 - set once per schema by execution_context_for

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if middleware is None or not middleware.middlewares:
            field_name = field_details_list[0].node.name.value
            if field_name == "__typename":
                return parent_type.name
            leaf = self.leaf_fields.get((parent_type.name, field_name))
            if leaf is not None:
                value = getattr(source, leaf[0], None)
                if value is not None:
                    try:
                        coerced = leaf[1].coerce_output_value(value)
                    except Exception:  # graphql-core's path reports it, located
                        coerced = Undefined
                    if coerced is not Undefined and coerced is not None:
                        return coerced
        return super().execute_field(parent_type, source, field_details_list, path, position_context)


def execution_context_for(schema: GraphQLSchema) -> type[GatewayExecutionContext]:
    """The execution context class for ``schema``, its leaf fields found once."""
    return type(
        "GatewayExecutionContext",
        (GatewayExecutionContext,),
        {"leaf_fields": _leaf_fields(schema), "__module__": __name__},
    )
