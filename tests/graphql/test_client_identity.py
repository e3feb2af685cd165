"""Which client sent each operation: the name and version it gives in Apollo's headers
(`apollographql-client-name`, `-version`: Apollo Client's `clientAwareness`) or GraphQL Hive's
(`x-graphql-client-name`, `-version`; Hive Router's `graphql-client-name`, `-version`), in the
operation's log line and span. For a team that
deprecates a field or ships a dangerous change: which clients, and which of their versions, still
send the operations it touches."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from gateway.persisted import sha256_hex
from gateway.schema.context import client_identity
from tests.conftest import Gateway

APOLLO = {"apollographql-client-name": "web-chat", "apollographql-client-version": "4.2.0"}
HIVE = {"x-graphql-client-name": "ios-chat", "x-graphql-client-version": "2.0.1 (311)"}


@pytest.mark.parametrize(
    ("headers", "identity"),
    [
        ([], (None, None)),
        ([(b"apollographql-client-name", b"web")], ("web", None)),
        ([(b"x-graphql-client-version", b" 7 ")], (None, "7")),
        (
            [(b"x-graphql-client-name", b"hive"), (b"apollographql-client-name", b"apollo")],
            ("apollo", None),
        ),
        ([(b"apollographql-client-name", b"first"), (b"apollographql-client-name", b"second")], ("first", None)),
        ([(b"apollographql-client-name", b"  "), (b"x-graphql-client-name", b"hive")], ("hive", None)),
        ([(b"graphql-client-version", b"3"), (b"x-graphql-client-version", b"2")], (None, "2")),
        ([(b"graphql-client-name", b"router-style")], ("router-style", None)),
        ([(b"Apollographql-Client-Name", b"Caf\xe9")], ("Café", None)),
    ],
)
def test_the_client_is_named_by_apollos_headers_before_hives_and_hive_routers(
    headers: list[tuple[bytes, bytes]], identity: tuple[str | None, str | None]
) -> None:
    assert client_identity(headers) == identity


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(record.getMessage()) for record in caplog.records if record.name == "gateway.operations"]


async def test_each_operations_line_names_the_client_that_sent_it(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.operations")
    graphql, _ = await gateway()
    long_name = "n" * 5_000
    for headers in (APOLLO, HIVE, {}, {"apollographql-client-name": long_name}):
        answer = await graphql.http.post("/graphql", json={"query": "query Hello { __typename }"}, headers=headers)
        assert answer.json() == {"data": {"__typename": "Query"}}
    # A document the gateway does not have is refused, and its line names the client too.
    unknown = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex("query Unknown { __typename }")}}
    await graphql.http.post("/graphql", json={"extensions": unknown}, headers=APOLLO)

    named = [(line.get("clientName"), line.get("clientVersion"), line["errorCodes"]) for line in _lines(caplog)]
    assert named == [
        ("web-chat", "4.2.0", []),
        ("ios-chat", "2.0.1 (311)", []),
        (None, None, []),
        (f"{long_name[:160]}…{long_name[-40:]}", None, []),
        ("web-chat", "4.2.0", ["PERSISTED_QUERY_NOT_FOUND"]),
    ]
    assert "clientName" not in _lines(caplog)[2]  # a line names only what the client gave
