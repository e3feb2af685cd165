"""Errors are located in the document by bisection.

graphql-core found each failed field's line and column by reading the document from its start: a
request of 5,000 failed `nodes` ids in a document padded to 100 KB took 10 s of CPU, the event
loop held throughout (the body may be 1 MiB).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from graphql import Source
from graphql.language import location as graphql_location

from gateway.schema.locations import location
from tests.graphql.harness import GraphQLClient

TEXT = "query Q($ids: [ID!]!) {\r\n  a: nodes(ids: $ids) { id }\r  b: nodes(ids: $ids) {\n\n id }\n}\r\n"


def test_a_location_is_the_one_graphql_core_finds_at_every_position() -> None:
    source = Source(TEXT + "# a comment\n" * 3)
    for position in range(len(source.body) + 1):
        assert location(source, position) == source.get_location(position), position


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts graphql-core's own reads of a document to locate an error."""
    counted: list[int] = []
    get_location, get_locations = Source.get_location, graphql_location.get_locations

    def counting_location(self: Source, position: int) -> Any:
        counted.append(position)
        return get_location(self, position)

    def counting_locations(locations: Any) -> Any:
        counted.append(len(locations))
        return get_locations(locations)

    monkeypatch.setattr(Source, "get_location", counting_location)
    monkeypatch.setattr(graphql_location, "get_locations", counting_locations)
    return counted


async def test_failed_fields_are_located_without_reading_the_document_again(
    graphql: GraphQLClient, scans: list[int]
) -> None:
    """Every place of 49 `nodes` fails (a bad id): 4,900 errors, each at its field, a hundred of them
    at a field of two nodes (merged under one name, across a CRLF), in a document padded to 100 KB.
    Each error is located where graphql-core locates it, and graphql-core never reads the document
    to do it."""
    aliases = "\n".join(f"  a{n}: nodes(ids: $ids) {{ id }}" for n in range(48))
    merged = "  b: nodes(ids: $ids) { id }\r\n  b: nodes(ids: $ids) { id }"
    document = f"query($ids: [ID!]!) {{\n{aliases}\n{merged}\n}}\n#" + "p" * 100_000 + "\n"
    body = await graphql.execute(document, {"ids": ["x"] * 100})

    assert scans == []
    errors = body["errors"]
    assert len(errors) == 4_900
    source = Source(document)
    expected: dict[str, list[dict[str, int]]] = {}
    for found in re.finditer(r"\b([ab]\d*): nodes", document):
        expected.setdefault(found.group(1), []).append(source.get_location(found.start())._asdict())
    assert len(expected["b"]) == 2
    for error in errors:
        assert error["locations"] == expected[error["path"][0]], error
