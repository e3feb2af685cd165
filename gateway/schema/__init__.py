"""The GraphQL schema of the gateway."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from gateway.schema.context import GatewayContext
from gateway.schema.conversation import Conversation
from gateway.schema.errors import ErrorCodes
from gateway.schema.items import ITEM_TYPES
from gateway.schema.limits import Limits, limit_extensions
from gateway.schema.mutation import Mutation
from gateway.schema.oplog import OperationLog
from gateway.schema.parse_cache import DocumentCache
from gateway.schema.query import Query

__all__ = ["GatewayContext", "Limits", "build_schema"]


class GatewaySchema(strawberry.Schema):
    """The schema, logging only what :class:`ErrorCodes` finds unexpected (with a request id)."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        return None


def build_schema(limits: Limits | None = None, *, introspection: bool = True) -> strawberry.Schema:
    """The schema: reads and writes of conversations and items, every upstream item type included.

    ``limits`` are enforced before each operation runs; without introspection the schema cannot be
    queried for its own types.
    """
    # The log is outermost, so that it sees the codes ErrorCodes gives when the operation ends.
    extensions: list[Any] = [
        OperationLog,
        ErrorCodes,
        *limit_extensions(limits or Limits()),
        # Clients send the same few documents again and again: parse and validate each once.
        lambda: DocumentCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        types=[Conversation, *ITEM_TYPES],
        extensions=extensions,
        config=StrawberryConfig(relay_max_results=500),
    )
