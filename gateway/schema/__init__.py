"""The GraphQL schema of the gateway."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import (
    GraphQLAbstractType,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLTypeResolver,
    GraphQLUnionType,
)
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.types import ExecutionContext
from strawberry.types.base import StrawberryObjectDefinition

from gateway.schema.context import GatewayContext
from gateway.schema.conversation import Conversation
from gateway.schema.execution import BY_CLASS, execution_context_for
from gateway.schema.hooks import OperationHooks
from gateway.schema.items import ITEM_TYPES
from gateway.schema.limits import Limits
from gateway.schema.mutation import Mutation
from gateway.schema.query import Query
from gateway.schema.resolvers import call_resolvers_directly

__all__ = ["GatewayContext", "GatewaySchema", "Limits", "build_schema"]


class GatewaySchema(strawberry.Schema):
    """The schema, logging only what :func:`~gateway.schema.errors.code_errors` finds unexpected (with a request id).

    It has no schema extensions: its :class:`~gateway.schema.hooks.OperationHooks` run each operation's stages.
    """

    hooks: OperationHooks

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return self.hooks.runner(execution_context)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        return None


def build_schema(limits: Limits | None = None, *, introspection: bool = True) -> GatewaySchema:
    """The schema: reads and writes of conversations and items, every upstream item type included.

    ``limits`` are enforced before each operation runs; without introspection the schema cannot be
    queried for its own types.
    """
    schema = GatewaySchema(
        query=Query,
        mutation=Mutation,
        types=[Conversation, *ITEM_TYPES],
        config=StrawberryConfig(relay_max_results=500, name_converter=_KeptNames()),
    )
    schema.hooks = OperationHooks(limits or Limits(), introspection=introspection)
    _resolve_abstract_types_by_class(schema._schema)
    call_resolvers_directly(schema)
    schema.execution_context_class = execution_context_for(schema._schema, schema.hooks.limits.max_answer_bytes)
    return schema


class _KeptNames(NameConverter):
    """Strawberry's names, each converted to camelCase once.

    Strawberry converts every argument's Python name to its GraphQL name again on each resolver
    call (2% of the CPU of a query in `make profile`); the names are few and the conversion pure.
    """

    def __init__(self) -> None:
        super().__init__()
        self._converted: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        converted = self._converted.get(name)
        if converted is None:
            converted = self._converted[name] = super().apply_naming_config(name)
        return converted


def _resolve_abstract_types_by_class(schema: GraphQLSchema) -> None:
    """Name the runtime type of a union or interface value by its class, in one lookup.

    Strawberry's own resolver tries the members one by one (up to 30 for `ConversationItem`, for
    every item of every page). Every value the resolvers return is an instance of its concrete
    Strawberry class, so the class names the type; anything else goes to Strawberry's resolver.
    graphql-core still checks that the type belongs to the union or interface.
    """
    for named in schema.type_map.values():
        if isinstance(named, GraphQLUnionType | GraphQLInterfaceType) and named.resolve_type is not None:
            named.resolve_type = _by_class(named.resolve_type)


def _by_class(fallback: GraphQLTypeResolver) -> GraphQLTypeResolver:
    def resolve_type(value: Any, info: GraphQLResolveInfo[Any], abstract_type: GraphQLAbstractType) -> Any:
        definition = getattr(type(value), "__strawberry_definition__", None)
        if isinstance(definition, StrawberryObjectDefinition) and not definition.is_interface:
            return definition.name
        return fallback(value, info, abstract_type)

    setattr(resolve_type, BY_CLASS, True)
    return resolve_type
