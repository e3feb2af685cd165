"""Whatever operation the schema takes, the gateway answers with data or errors a client can act on.

Operations are drawn from the committed schema.graphql, so a field or input added later is drawn
too: queries by hypothesis-graphql, with every argument written in the document; mutations with
their input as a variable, drawn by a strategy over the schema's input types here, as
hypothesis-graphql does not know `@oneOf` (each of its items would be refused by validation). Ids
are those of a conversation holding one item of each type, in both their forms, or any text.

No answer may carry an `INTERNAL_SERVER_ERROR`, an error without a code, or a code saying the
upstream failed: the built-in API is healthy, so such a code means the gateway sent it a request it
could not take as meant (an id holding `/` once made it answer with a redirect, and five such
requests opened the circuit for every client). Both ways the gateway runs: in-process, and over
sockets through the transport that reaches OpenAI (which writes each URL itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import hypothesis_graphql
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from gateway.schema.ids import global_id
from tests.graphql.conftest import Seed
from tests.graphql.full_selection import SNAPSHOT, schema, selection_for
from tests.graphql.harness import GraphQLClient
from tests.samples import ITEM_SAMPLES

EXPECTED_CODES = frozenset(
    {
        "BAD_USER_INPUT",
        "NOT_FOUND",
        "OPERATION_TOO_EXPENSIVE",
        "OPERATION_TOO_COMPLEX",
        "OPERATION_TOO_DEEP",
        "TOO_MANY_ALIASES",
        "TOO_MANY_TOKENS",
    }
)
"""What a well-formed operation with arbitrary arguments may be answered with."""

ODD_IDS = ["", " ", ".", "..", "/", "a/", "a/b", "conv_1/..", "%2F", "?", "#", "conv_1?limit=1", "\\", "\u00e9"]
"""Ids a URL could mistake for something else."""

texts = st.text(max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)


@dataclass(frozen=True)
class Ref:
    """An id of the conversation made for the example, resolved when the example runs."""

    name: str


REFS = [Ref("conversation"), Ref("conversation global"), Ref("item"), Ref("item global"), Ref("call")]


def _scalar(kind: GraphQLScalarType) -> st.SearchStrategy[Any]:
    match kind.name:
        case "ID":
            return st.sampled_from(REFS) | st.sampled_from(ODD_IDS) | texts
        case "String":
            return texts | st.sampled_from(["call_1", "x" * 600, "{}", '{"a": 1}']) | st.sampled_from(REFS)
        case "Int":
            return st.integers(-(2**31), 2**31 - 1)
        case "Float":
            return st.floats(allow_nan=False, allow_infinity=False)
        case "Boolean":
            return st.booleans()
        case "DateTime":
            return st.sampled_from(["2025-01-01T00:00:00Z", "1970-01-01T00:00:00+00:00", "yesterday"])
        case "JSON":
            return json_values
    msg = f"a scalar this test does not know: {kind.name}; add a strategy for it"
    raise AssertionError(msg)


def _value(kind: GraphQLInputType, depth: int) -> st.SearchStrategy[Any]:
    """A value of ``kind``, null where the type allows it."""
    if isinstance(kind, GraphQLNonNull):
        return _present(kind.of_type, depth)
    return st.none() | _present(kind, depth)


def _present(kind: GraphQLInputType, depth: int) -> st.SearchStrategy[Any]:
    """A value of ``kind`` other than null."""
    if isinstance(kind, GraphQLNonNull):
        return _present(kind.of_type, depth)
    if isinstance(kind, GraphQLList):
        return st.lists(st.deferred(lambda: _value(kind.of_type, depth + 1)), max_size=3 if depth < 4 else 0)
    if isinstance(kind, GraphQLEnumType):
        return st.sampled_from(list(kind.values))
    if isinstance(kind, GraphQLScalarType):
        return _scalar(kind)
    assert isinstance(kind, GraphQLInputObjectType)
    fields = kind.fields
    if kind.is_one_of:
        return st.one_of([_member(name, field.type, depth + 1) for name, field in fields.items()])
    required = {name: _value(field.type, depth + 1) for name, field in fields.items() if _required(field.type)}
    optional = {name: _value(field.type, depth + 1) for name, field in fields.items() if not _required(field.type)}
    return st.fixed_dictionaries(required, optional=optional)


def _member(name: str, kind: GraphQLInputType, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    """``{name: value}``, a `@oneOf` input's one member (null there is refused, even for `JSON`)."""

    def drawn() -> st.SearchStrategy[Any]:
        return _present(kind, depth)

    return st.deferred(drawn).filter(lambda value: value is not None).map(lambda value: {name: value})


def _required(kind: GraphQLInputType) -> bool:
    return isinstance(kind, GraphQLNonNull)


def _mutations(graphql_schema: GraphQLSchema) -> st.SearchStrategy[tuple[str, Any]]:
    mutation = graphql_schema.mutation_type
    assert mutation is not None
    cases = []
    for name, field in mutation.fields.items():
        (argument,) = field.args.values()
        payload = field.type
        assert not isinstance(payload, GraphQLNonNull | GraphQLList)
        document = f"mutation($input: {argument.type}) {{ {name}(input: $input) {selection_for(payload.name)} }}"
        cases.append(st.tuples(st.just(document), _present(argument.type, 0)))
    return st.one_of(cases)


def _resolve(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, Ref):
        return ids[value.name]
    if isinstance(value, dict):
        return {key: _resolve(member, ids) for key, member in value.items()}
    if isinstance(value, list):
        return [_resolve(member, ids) for member in value]
    return value


def _check(body: dict[str, Any]) -> None:
    for error in body.get("errors", []):
        code = (error.get("extensions") or {}).get("code")
        assert code in EXPECTED_CODES, error


async def _example_ids(seed: Seed, graphql: GraphQLClient) -> dict[str, str]:
    conversation_id = await seed(
        {"role": "user", "content": "hi"},
        {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
    )
    data = await graphql.data(
        "query($id: ID!) { conversation(id: $id) { id items(first: 2) { nodes { ... on Node { id } } } } }",
        {"id": conversation_id},
    )
    node_ids = [node["id"] for node in data["conversation"]["items"]["nodes"]]
    item = await graphql.data("query($id: ID!) { node(id: $id) { ... on Message { itemId } } }", {"id": node_ids[0]})
    return {
        "conversation": conversation_id,
        "conversation global": data["conversation"]["id"],
        "item": item["node"]["itemId"],
        "item global": node_ids[0],
        "call": "call_1",
    }


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(case=_mutations(schema()))
async def test_no_mutation_gets_an_internal_or_upstream_error(
    case: tuple[str, Any], seed: Seed, graphql: GraphQLClient
) -> None:
    document, value = case
    ids = await _example_ids(seed, graphql)
    _check(await graphql.execute(document, {"input": _resolve(value, ids)}))


class Pool:
    """Ids and cursors of a conversation holding one item of each type, made once for the test."""

    ids: list[str]
    cursors: list[str]

    def __init__(self) -> None:
        self.ids = []
        self.cursors = []


POOL = Pool()


def _pooled(values: list[str]) -> st.SearchStrategy[str]:
    """One of ``values`` as they are when the example is drawn (the fixture fills them first)."""
    return st.integers(0, 10_000).map(lambda index: values[index % len(values)])


QUERY_SCALARS = {
    "ID": (_pooled(POOL.ids) | st.sampled_from(ODD_IDS) | texts).map(nodes.String),
    "String": (_pooled(POOL.cursors) | texts).map(nodes.String),
    "DateTime": st.just("2025-01-01T00:00:00Z").map(nodes.String),
    "JSON": st.just("{}").map(nodes.String),
}


@pytest.fixture
async def pool(seed: Seed, graphql: GraphQLClient) -> Pool:
    conversation_id = await seed(*ITEM_SAMPLES.values(), metadata={"topic": "all types"})
    data = await graphql.data(
        "query($id: ID!) { conversation(id: $id) { id items(first: 100) { "
        "edges { cursor node { ... on Node { id } } } } } }",
        {"id": conversation_id},
    )
    edges = data["conversation"]["items"]["edges"]
    POOL.ids[:] = [conversation_id, data["conversation"]["id"], *(edge["node"]["id"] for edge in edges)]
    POOL.ids += [global_id("Message", f"{conversation_id}:msg_missing")]
    POOL.cursors[:] = [edge["cursor"] for edge in edges]
    return POOL


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(document=hypothesis_graphql.queries(SNAPSHOT.read_text(), custom_scalars=QUERY_SCALARS))
async def test_no_query_gets_an_internal_or_upstream_error(document: str, pool: Pool, graphql: GraphQLClient) -> None:
    assert pool.ids
    _check(await graphql.execute(document))
