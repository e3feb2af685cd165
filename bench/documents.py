"""What the most expensive documents within the limits cost the gateway: `make bench-documents`.

A document is parsed and validated before any limit on upstream calls applies, and a new one is
not in any cache: its CPU is spent on the event loop, which serves nobody else meanwhile. For
each shape of document that makes that work grow faster than the document, this takes the largest
one within the token limit (15,000), posts it to the gateway (the whole HTTP stack over ASGI, the
built-in API behind it) and prints the process's CPU time for the request, its code and how many
selections it expands to. Each document is new to the gateway (nothing cached). In-process,
loopback only, about half a minute.

    .venv/bin/python bench/documents.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse, print_ast
from graphql.language import Lexer, Source, TokenKind

from gateway.app import create_app
from gateway.schema.limits import Limits, _Shape
from gateway.settings import Settings

MAX_TOKENS = Limits().max_tokens
MAX_SELECTIONS = Limits().max_selections
FRAGMENTS = Path(__file__).parent.parent / "examples" / "operations" / "fragments.graphql"


def _tokens(document: str) -> int:
    lexer, count = Lexer(Source(document)), 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def _largest(make: Callable[[int], str], most: int, *, answerable: bool) -> int:
    """The largest ``n`` up to ``most`` for which ``make(n)`` is within the token limit (a few
    tokens to spare: graphql-core counts a little differently) and, if ``answerable``, within the
    limit on selections."""

    def fits(n: int) -> bool:
        document = make(n)
        return _tokens(document) <= MAX_TOKENS - 10 and (not answerable or _selections(document) <= MAX_SELECTIONS)

    low, high = 1, most
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _doubling(levels: int) -> str:
    fragments = " ".join(
        f"fragment F{level} on Conversation {{ conversationId ...F{level + 1} ...F{level + 1} }}"
        for level in range(levels)
    )
    last = f"fragment F{levels} on Conversation {{ id }}"
    return f"query($id: ID!) {{ conversation(id: $id) {{ ...F0 }} }} {fragments} {last}"


def _message_fields() -> str:
    """The examples' fragment of every message field."""
    document = parse(FRAGMENTS.read_text())
    (fragment,) = [
        node
        for node in document.definitions
        if isinstance(node, FragmentDefinitionNode) and node.name.value == "MessageFields"
    ]
    return print_ast(fragment)


def _examples_spread(times: int) -> str:
    """The examples' fragment of every message field, spread ``times`` times on one page."""
    return (
        "query($id: ID!) { conversation(id: $id) { items(first: 20) { nodes { "
        + "...MessageFields " * times
        + "} } } } "
        + _message_fields()
    )


_FULL_TYPE = (
    "fragment FullType on __Type { name kind description fields(includeDeprecated: true) { name description "
    "args { name description type { name kind ofType { name kind ofType { name kind } } } defaultValue } "
    "type { name kind ofType { name kind ofType { name kind ofType { name kind } } } } isDeprecated "
    "deprecationReason } inputFields { name description type { name kind ofType { name kind } } } "
    "interfaces { name } possibleTypes { name } enumValues(includeDeprecated: true) { name description } }"
)


def _schemas(n: int) -> str:
    """The schema's types with every field of each, under ``n`` aliases."""
    return "{ " + " ".join(f"s{k}: __schema {{ types {{ ...FullType }} }}" for k in range(n)) + " } " + _FULL_TYPE


def _type_lists(n: int) -> str:
    """The schema's types by name and description, under ``n`` aliases: 3n + 1 introspection fields."""
    return "{ __schema { " + " ".join(f"t{k}: types {{ name description }}" for k in range(n)) + " } }"


SHAPES: dict[str, tuple[Callable[[int], str], int]] = {
    "one field repeated under one field": (
        lambda n: "query($id: ID!) { conversation(id: $id) { " + "items { nodes { __typename } } " * n + "} }",
        20_000,
    ),
    "one root field repeated": (lambda n: "{ " + 'conversation(id: "conv_x") { conversationId } ' * n + "}", 20_000),
    "one field repeated, arguments differing": (
        lambda n: (
            "query($id: ID!) { conversation(id: $id) { "
            + " ".join(f"items(first: {k % 50 + 1}) {{ nodes {{ __typename }} }}" for k in range(n))
            + " } }"
        ),
        20_000,
    ),
    "same names on several item types": (
        lambda n: (
            "query($id: ID!) { conversation(id: $id) { items { nodes { "
            + " ".join(f"... on {kind} {{ id status }}" for kind in ["Message", "FunctionCall", "Reasoning"] * n)
            + " } } } }"
        ),
        20_000,
    ),
    "__typename repeated": (lambda n: "{ " + "__typename " * n + "}", 20_000),
    # 40 levels: 3 KB. Expanded, it would be 2**41 selections.
    "fragments doubling at each level": (_doubling, 40),
    "the examples' message fragment spread again and again": (_examples_spread, 20_000),
    # As many aliases as the alias limit allows.
    "the whole schema's introspection under aliases": (_schemas, 250),
}
ANSWERED: dict[str, tuple[Callable[[int], str], int]] = {
    "the examples' message fragment spread up to the selection limit": (_examples_spread, 20_000),
    # Up to the 500 introspection fields of good-faith introspection.
    "the schema's type names under aliases, up to the introspection limit": (_type_lists, 166),
}


def _selections(document: str) -> int:
    parsed = parse(document, max_tokens=10**6)
    shape = _Shape(parsed)
    return max(
        shape.of(node.selection_set)[1] for node in parsed.definitions if isinstance(node, OperationDefinitionNode)
    )


async def _run(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(database=Path(folder) / "bench.sqlite3"))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": "Bearer sk-bench"}
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
                items = [{"role": "user", "content": f"message {n}"} for n in range(20)]
                created = await client.post("/v1/conversations", json={"items": items})
                variables = {"id": created.json()["id"]}
                print(f"largest document of each shape within {MAX_TOKENS} tokens, new to the gateway each time")
                print("CPU ms of the request (median of runs), its answer, selections once fragments are spread")
                shapes = [(name, shape, False) for name, shape in SHAPES.items()]
                shapes += [(name, shape, True) for name, shape in ANSWERED.items()]
                for name, (make, most), answerable in shapes:
                    document = make(_largest(make, most, answerable=answerable))
                    times, answer = [], ""
                    for run in range(repeat):
                        # A comment makes each run a new document: nothing of it is cached.
                        fresh = f"# run {run} {time.time_ns()}\n{document}"
                        started = time.process_time()
                        response = await client.post("/graphql", json={"query": fresh, "variables": variables})
                        times.append((time.process_time() - started) * 1000)
                        errors = response.json().get("errors") or []
                        answer = errors[0]["extensions"]["code"] if errors else "answered"
                    print(
                        f"{statistics.median(times):8.0f} ms  {answer:24} {_selections(document):>16,}  {name}"
                        f" ({_tokens(document)} tokens)"
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each document (a new one each time)")
    asyncio.run(_run(parser.parse_args().repeat))


if __name__ == "__main__":
    main()
