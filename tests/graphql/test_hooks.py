"""The operation's stages (`gateway/schema/hooks.py`): documents parsed and validated once, errors as usual."""

from __future__ import annotations

import gc
import logging
import sys
import tracemalloc
from types import ModuleType
from typing import Any

import pytest
from graphql import DocumentNode, GraphQLError, get_introspection_query, parse

from gateway import graphql_view
from gateway.schema import build_schema, hooks, limits
from gateway.schema.limits import Limits
from tests.conftest import Gateway


class _Counted:
    """Wraps a function of `hooks` and counts its calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str, module: ModuleType = hooks) -> None:
        self.calls = 0
        inner = getattr(module, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return inner(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)


def _error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def _codes(errors: list[GraphQLError] | None) -> list[tuple[str, Any]]:
    return [(error.message, (error.extensions or {}).get("code")) for error in errors or []]


async def test_a_document_is_parsed_and_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parses, validations = _Counted(monkeypatch, "parse"), _Counted(monkeypatch, "validate_document")
    schema = build_schema()

    results = [await schema.execute("{ __typename }") for _ in range(3)]

    assert [result.data for result in results] == [{"__typename": "Query"}] * 3
    assert (parses.calls, validations.calls) == (1, 1)


async def test_an_invalid_document_is_validated_once_and_refused_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    validations = _Counted(monkeypatch, "validate_document")
    schema = build_schema()

    results = [await schema.execute("{ nope }") for _ in range(3)]

    expected = [
        ("Cannot query field 'nope' on type 'Query'. Did you mean 'node' or 'nodes'?", "GRAPHQL_VALIDATION_FAILED")
    ]
    assert [_codes(result.errors) for result in results] == [expected] * 3
    assert validations.calls == 1


async def test_a_document_that_does_not_parse_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = build_schema()

    results = [await schema.execute("{ conversation(") for _ in range(2)]

    for result in results:
        ((message, code),) = _codes(result.errors)
        assert code == "GRAPHQL_PARSE_FAILED"
        assert message.startswith("Syntax Error")
    assert not schema.hooks._documents


async def test_the_cache_keeps_the_most_recently_used_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    parses = _Counted(monkeypatch, "parse")
    schema = build_schema()
    schema.hooks = hooks.OperationHooks(Limits(), cache_size=2)

    for query in ("{ a: __typename }", "{ b: __typename }", "{ a: __typename }", "{ c: __typename }"):
        assert not (await schema.execute(query)).errors
    assert parses.calls == 3  # `a` was used again before `c` came: `b` went out
    assert not (await schema.execute("{ a: __typename }")).errors
    assert parses.calls == 3
    assert not (await schema.execute("{ b: __typename }")).errors
    assert parses.calls == 4


def _typenames(n: int, count: int = 4990) -> str:
    """A document of ``count`` + 2 tokens and a comment (``n``) that makes it new."""
    return f"# {n}\n{{ " + "__typename " * count + "}"


async def test_the_cache_is_bounded_by_what_its_documents_weigh() -> None:
    """1,024 new documents of 15,000 tokens each, 60 KB apiece and within every limit, held 3 GB
    in the cache when only their number was bounded."""
    schema = build_schema()
    heavy = hooks.weight(parse(_typenames(0)), _typenames(0))
    schema.hooks = hooks.OperationHooks(Limits(), cache_bytes=3 * heavy + 100)

    for n in range(10):  # each refused by the bound on merging same-named fields, and kept with its errors
        assert _codes((await schema.execute(_typenames(n))).errors)[0][1] == "OPERATION_TOO_COMPLEX"
    kept = schema.hooks
    assert len(kept._documents) == 3
    assert kept.cached_bytes == 3 * heavy  # the last three, 7 to 9

    # One heavier than the whole budget is answered as usual, and not kept; light documents fill
    # what is left as the heavy ones go.
    padded = "# " + "x" * (2 * heavy) + "\n{ __typename }"  # weighs twice its text
    assert (await schema.execute(padded)).data == {"__typename": "Query"}
    assert len(kept._documents) == 3
    assert not (await schema.execute("{ a: __typename }")).errors
    assert len(kept._documents) == 3  # the oldest heavy one went to make room
    for name in "bcdef":
        assert not (await schema.execute(f"{{ {name}: __typename }}")).errors
    assert len(kept._documents) == 8  # two heavy ones and six light
    assert kept.cached_bytes <= 3 * heavy + 100


@pytest.mark.parametrize(
    "query",
    [
        _typenames(0),
        "{ " + "a " * 14_990 + "}",  # the most tokens a document of this size can have
        "# " + "x" * 1_000_000 + "\n{ __typename }",
        '{ f(a: "' + "x" * 500_000 + '") }',
        get_introspection_query(descriptions=True),
    ],
    ids=["typenames", "one-letter fields", "a long comment", "a long string", "introspection"],
)
def test_the_weight_of_a_document_is_not_below_what_parsing_it_allocates(query: str) -> None:
    tracemalloc.start()
    try:
        document = parse(query, max_tokens=15_000)
        allocated = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert allocated <= hooks.weight(document, query) <= 3 * allocated + 2 * len(query)


async def test_each_token_limit_has_its_own_document() -> None:
    query = "{ a: __typename b: __typename c: __typename }"
    roomy, tight = build_schema(Limits(max_tokens=100)), build_schema(Limits(max_tokens=5))

    assert not (await roomy.execute(query)).errors
    ((_, code),) = _codes((await tight.execute(query)).errors)

    assert code == "TOO_MANY_TOKENS"


async def test_an_error_of_the_budget_estimate_is_masked_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(document: DocumentNode, *args: Any) -> int:
        raise RuntimeError("estimate failed")

    monkeypatch.setattr("gateway.schema.limits.estimate_upstream_calls", fail)
    schema = build_schema()

    with caplog.at_level(logging.ERROR, logger="gateway"):
        result = await schema.execute("{ __typename }")

    assert result.data is None
    assert _codes(result.errors) == [("Unexpected error.", "INTERNAL_SERVER_ERROR")]
    (record,) = caplog.records
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "estimate failed"


async def test_an_estimate_is_kept_only_when_it_reads_no_variable(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    estimates = _Counted(monkeypatch, "estimate_upstream_calls", module=limits)
    client, _ = await gateway()
    plain = '{ conversation(id: "conv_none") { id } }'
    # Nine pages of `$n` items: 9 calls for 20 items each, 54 (past the budget of 50) for 500.
    sized = (
        "query($n: Int) { "
        + " ".join(
            f'c{k}: conversation(id: "conv_none") {{ items(first: $n) {{ nodes {{ __typename }} }} }}' for k in range(9)
        )
        + " }"
    )

    for _ in range(3):
        assert _error_codes(await client.execute(plain)) == ["NOT_FOUND"]
    assert estimates.calls == 1

    codes = [_error_codes(await client.execute(sized, {"n": n})) for n in (20, 500, 20)]

    assert codes == [["NOT_FOUND"] * 9, ["OPERATION_TOO_EXPENSIVE"], ["NOT_FOUND"] * 9]
    assert estimates.calls == 4


async def test_several_operations_without_an_operation_name_are_a_request_error(gateway: Gateway) -> None:
    """The specification's GetOperation: Strawberry alone would run the first operation."""
    client, upstream = await gateway()
    two = 'query A { __typename } query B { conversation(id: "conv_1") { conversationId } }'
    for _ in range(2):  # the first time validated, the second from the cache
        response = await client.http.post(
            "/graphql", json={"query": two}, headers={"Accept": "application/graphql-response+json"}
        )
        assert response.status_code == 400
        assert response.json() == {
            "errors": [
                {
                    "message": "The document holds 2 operations (A, B); name the one to run in `operationName`.",
                    "extensions": {"code": "BAD_REQUEST"},
                }
            ]
        }
    assert upstream.count == 0
    named = await client.http.post("/graphql", json={"query": two, "operationName": "A"})
    assert named.json() == {"data": {"__typename": "Query"}}
    # A document that does not validate says so first.
    invalid = await client.execute("query A { __typename } query B { nope }")
    assert [error["extensions"]["code"] for error in invalid["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]


async def test_a_get_is_parsed_once_within_the_token_limit_for_its_method_check(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GET's query is parsed to refuse a mutation before it runs. That parse had no token limit
    and no cache: a 64 KB query of 32,000 tokens took 0.6 s of CPU before the limit refused it."""
    client, _ = await gateway(max_tokens=100)
    tokens: list[int | None] = []

    def parse_noting(source: str, **options: Any) -> DocumentNode:
        tokens.append(options.get("max_tokens"))
        return parse(source, **options)

    monkeypatch.setattr(hooks, "parse", parse_noting)
    # Where the method check once parsed on its own (it now has no parse of its own to call).
    monkeypatch.setattr(graphql_view, "parse", parse_noting, raising=False)
    for _ in range(2):
        answer = await client.http.get("/graphql", params={"query": "{ a: __typename }"})
        assert answer.json() == {"data": {"a": "Query"}}
    assert tokens == [100]  # once, for the method check and the operation alike

    # A document that does not parse: once for both (Strawberry then parses it to report the
    # error), and again for the next request, as such documents are not kept.
    for parses in ([100, 100], [100, 100, 100]):
        answer = await client.http.get("/graphql", params={"query": "{" + " __typename" * 200 + " }"})
        assert _error_codes(answer.json()) == ["TOO_MANY_TOKENS"]
        assert tokens == parses

    mutation = await client.http.get("/graphql", params={"query": "mutation { __typename }"})
    assert mutation.status_code == 405
    assert tokens[3:] == [100]


def test_a_document_let_go_is_freed_without_the_cycle_collector() -> None:
    """The lexer links each token both ways: each document was a chain of cycles as long as its
    tokens, garbage that waited for a full collection, which a server's settings make rare. Under
    `gateway serve`, 400 new documents of 15,000 tokens left it at 293 MiB resident; 106 now."""
    operation_hooks = hooks.OperationHooks(Limits(), cache_size=1)
    gc.collect()
    gc.disable()
    try:
        for n in range(5):  # the cache keeps the last one: four are let go
            operation_hooks.parsed(_typenames(n), 15_000)
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable < 100  # it was each of their 4,992 tokens, and more


def test_documents_that_fail_to_parse_are_not_kept() -> None:
    """The last failure is kept for Strawberry's own parse of the same text, and was held while the
    next document was parsed: each failure's traceback then kept the one before, tokens and all,
    and 400 failing documents of 165 KB took a server to 4 GB resident."""
    operation_hooks = hooks.OperationHooks(Limits())

    def fail(n: int) -> None:
        with pytest.raises(GraphQLError, match="Syntax Error"):
            operation_hooks.parsed(_typenames(n) + ")", 15_000)  # all its tokens read, then refused

    fail(0)
    gc.collect()
    before = sys.getallocatedblocks()
    for n in range(1, 11):
        fail(n)
    gc.collect()
    assert sys.getallocatedblocks() - before < 5_000  # it was all ten: about 550,000 blocks


async def test_operations_whose_documents_fail_to_parse_leave_nothing_to_the_cycle_collector() -> None:
    """Each failure's tokens were a chain of cycles, twice (the hooks' parse and Strawberry's own,
    which reports the error), left for a full collection: 400 failing documents of 165 KB kept
    `gateway serve` at 202 MiB resident, against 86 MiB once they are freed as they go."""
    schema = build_schema()
    await schema.execute("{ __typename )")  # the first failure, and what any failure imports or caches
    gc.collect()
    gc.disable()
    try:
        for n in range(4):  # read whole, refused at the end: the hooks keep the last failure
            result = await schema.execute(_typenames(n) + ")")
            assert _codes(result.errors)[0][1] == "GRAPHQL_PARSE_FAILED"
        del result
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable < 100  # it was each of their 4,992 tokens, twice, and more
