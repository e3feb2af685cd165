"""The GraphQL schema of the gateway."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from gateway.schema.context import GatewayContext
from gateway.schema.conversation import Conversation
from gateway.schema.errors import ErrorCodes
from gateway.schema.items import ITEM_TYPES
from gateway.schema.mutation import Mutation
from gateway.schema.query import Query

__all__ = ["GatewayContext", "build_schema"]


class GatewaySchema(strawberry.Schema):
    """The schema, logging only what :class:`ErrorCodes` finds unexpected (with a request id)."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        return None


def build_schema() -> strawberry.Schema:
    """The schema: reads and writes of conversations and items, every upstream item type included."""
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        types=[Conversation, *ITEM_TYPES],
        extensions=[ErrorCodes],
        config=StrawberryConfig(relay_max_results=500),
    )
