"""The executor's shortcuts answer exactly what graphql-core's own path answers.

``gateway/schema/execution.py`` completes plain leaf fields without graphql-core's per-field
machinery, and ``build_schema`` resolves union and interface members by class. Both must be
invisible: the same data, the same errors at the same paths.
"""

from __future__ import annotations

import enum
from typing import Any

import httpx
import pytest
import strawberry

from gateway.schema import execution
from tests.graphql.conftest import Seed
from tests.graphql.full_selection import selection_for
from tests.graphql.harness import GraphQLClient
from tests.samples import ITEM_SAMPLES


async def test_every_field_of_every_item_type_is_the_same_without_the_shortcuts(
    seed: Seed, graphql: GraphQLClient, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation_id = await seed(*(ITEM_SAMPLES[kind] for kind in sorted(ITEM_SAMPLES)))
    selection = selection_for("ConversationItem")
    query = f"""query($c: ID!) {{
      conversation(id: $c) {{ __typename conversationId createdAt metadata {{ key value }}
        items(first: 100) {{ edges {{ cursor node {selection} }} pageInfo {{ hasNextPage endCursor }} }} }}
      node(id: "Q29udmVyc2F0aW9uOmNvbnZfbm9uZQ==") {{ __typename }}
    }}"""
    fast = await graphql.execute(query, {"c": conversation_id})
    assert len(fast["data"]["conversation"]["items"]["edges"]) == len(ITEM_SAMPLES)

    shortcut_classes = [cls for cls in _subclasses(execution.GatewayExecutionContext) if cls.leaf_fields]
    assert shortcut_classes, "the schema does not use the gateway's execution context"
    for cls in shortcut_classes:
        monkeypatch.setattr(cls, "leaf_fields", {})
    monkeypatch.setattr(execution.GatewayExecutionContext, "execute_field", _graphql_core_execute_field)
    plain = await graphql.execute(query, {"c": conversation_id})

    assert fast == plain


def _graphql_core_execute_field(self: Any, *arguments: Any) -> Any:
    return super(execution.GatewayExecutionContext, self).execute_field(*arguments)


def _subclasses(cls: type[Any]) -> list[type[Any]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


class Colour(enum.Enum):
    RED = "red"


@strawberry.type
class Thing:
    name: str
    colour: Colour
    size: int | None


@strawberry.type
class Things:
    @strawberry.field
    def things(self) -> list[Thing | None]:
        broken: Any = Thing(name=None, colour="mauve", size=2**40)  # type: ignore[arg-type]
        return [Thing(name="ok", colour=Colour.RED, size=None), broken]


async def test_values_the_leaf_types_refuse_are_reported_as_graphql_core_reports_them() -> None:
    """A null for a non-null leaf, an unknown enum value, an Int out of range: located errors, as ever."""
    query = "{ things { __typename name colour size } }"
    plain = strawberry.Schema(Things)
    shortcut = strawberry.Schema(Things)
    shortcut.execution_context_class = execution.execution_context_for(shortcut._schema)
    assert shortcut.execution_context_class.leaf_fields  # the shortcut is on for these fields

    expected, got = await plain.execute(query), await shortcut.execute(query)

    assert (
        got.data
        == expected.data
        == {"things": [{"__typename": "Thing", "name": "ok", "colour": "RED", "size": None}, None]}
    )
    assert [(error.message, error.path) for error in got.errors or []] == [
        (error.message, error.path) for error in expected.errors or []
    ]
    assert got.errors
