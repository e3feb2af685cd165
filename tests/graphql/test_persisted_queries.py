"""Automatic persisted queries: a document sent once with its hash is then run from its hash alone."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest

from gateway.persisted import PersistedQueries, sha256_hex
from tests.conftest import Gateway
from tests.graphql.conftest import Seed
from tests.graphql.harness import Recording

KEY = {"Authorization": "Bearer sk-test"}
JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
READ = "query Read($id: ID!) { conversation(id: $id) { conversationId metadata { key value } } }"
WRITE = 'mutation Write { createConversation(input: {metadata: [{key: "by", value: "hash"}]}) { conversation { id } } }'
NOT_FOUND = {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}


def _hashed(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}


async def _post(http: httpx.AsyncClient, body: dict[str, Any], accept: str = JSON) -> httpx.Response:
    return await http.post("/graphql", json=body, headers={**KEY, "Accept": accept})


async def _get(http: httpx.AsyncClient, params: dict[str, Any], accept: str = JSON) -> httpx.Response:
    encoded = {name: value if isinstance(value, str) else json.dumps(value) for name, value in params.items()}
    return await http.get("/graphql", params=encoded, headers={**KEY, "Accept": accept})


@pytest.mark.parametrize(("accept", "status"), [(JSON, 200), (GRAPHQL_RESPONSE, 400)])
async def test_a_hash_the_gateway_has_not_seen_is_not_found_and_nothing_runs(
    accept: str, status: int, http: httpx.AsyncClient, upstream: Recording
) -> None:
    """As any request that does not run: status 200 and `data: null` for `application/json`, 400
    and no `data` for `application/graphql-response+json`. Kept by no cache: the client sends
    the document next, and the same request then finds it."""
    body = {"errors": [NOT_FOUND]} | ({"data": None} if accept == JSON else {})
    for answer in (
        await _post(http, {"extensions": _hashed(READ), "variables": {"id": "conv_x"}}, accept),
        await _get(http, {"extensions": _hashed(READ)}, accept),
    ):
        assert answer.status_code == status
        assert answer.headers["content-type"] == accept
        assert answer.headers["cache-control"] == "private, no-cache, must-revalidate"
        assert answer.json() == body
    assert upstream.count == 0


async def test_a_document_sent_with_its_hash_is_then_run_from_the_hash_alone(
    http: httpx.AsyncClient, upstream: Recording, seed: Seed
) -> None:
    first = await seed(metadata={"n": "1"})
    second = await seed(metadata={"n": "2"})
    whole = await _post(http, {"query": READ, "variables": {"id": first}, "extensions": _hashed(READ)})
    assert whole.status_code == 200
    assert whole.headers["cache-control"] == "no-store"  # an answer that ran is no cache's either
    calls = upstream.count
    assert calls == 1

    posted = await _post(http, {"variables": {"id": second}, "extensions": _hashed(READ)})
    got = await _get(http, {"variables": {"id": first}, "extensions": _hashed(READ)})
    upper = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(READ).upper()}}
    got_upper = await _get(http, {"variables": {"id": first}, "extensions": upper})

    assert whole.json() == {
        "data": {"conversation": {"conversationId": first, "metadata": [{"key": "n", "value": "1"}]}}
    }
    assert posted.json() == {
        "data": {"conversation": {"conversationId": second, "metadata": [{"key": "n", "value": "2"}]}}
    }
    assert got.json() == got_upper.json() == whole.json()
    assert upstream.count == 4 * calls  # the same calls as the document's


@pytest.mark.parametrize(
    "query",
    [
        "{ conversation(id: ) { id } }",  # does not parse
        "{ nope }",  # does not validate
        "{ conversation(id: $missing) { id } }",  # a variable not defined
    ],
)
async def test_a_document_that_does_not_run_is_not_kept(query: str, http: httpx.AsyncClient) -> None:
    refused = await _post(http, {"query": query, "extensions": _hashed(query)})
    assert refused.json()["errors"]
    again = await _post(http, {"extensions": _hashed(query)})
    assert again.json()["errors"] == [NOT_FOUND]


async def test_a_document_whose_hash_is_not_its_own_is_refused_and_not_kept(
    http: httpx.AsyncClient, upstream: Recording
) -> None:
    """Else a client could put its document under another's hash, and have that one's users run it."""
    other = "{ __typename }"
    refused = await _post(http, {"query": WRITE, "extensions": _hashed(other)})
    assert refused.status_code == 400
    assert refused.json() == {
        "errors": [
            {
                "message": "The persisted query's `sha256Hash` is not the SHA-256 of the document sent with it: hash "
                "the document's exact text (as UTF-8), or send the document without a hash.",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }
    assert (await _post(http, {"extensions": _hashed(other)})).json()["errors"] == [NOT_FOUND]
    assert upstream.count == 0


@pytest.mark.parametrize(
    ("persisted", "message"),
    [
        ("abc", "The `persistedQuery` extension must be an object: "),
        ({"version": 2, "sha256Hash": "ab" * 32}, "The persisted query's `version` must be 1"),
        ({"version": True, "sha256Hash": "ab" * 32}, "The persisted query's `version` must be 1"),
        ({"sha256Hash": "ab" * 32}, "The persisted query's `version` must be 1"),
        ({"version": 1, "sha256Hash": "ab"}, "The persisted query's `sha256Hash` must be the document's SHA-256"),
        ({"version": 1, "sha256Hash": "g" * 64}, "The persisted query's `sha256Hash` must be the document's SHA-256"),
        ({"version": 1}, "The persisted query's `sha256Hash` must be the document's SHA-256"),
    ],
)
@pytest.mark.parametrize("with_document", [True, False])
async def test_a_persisted_query_extension_of_the_wrong_shape_is_refused_saying_why(
    persisted: object, message: str, with_document: bool, http: httpx.AsyncClient
) -> None:
    body: dict[str, Any] = {"extensions": {"persistedQuery": persisted}}
    if with_document:
        body["query"] = "{ __typename }"
    for answer in (await _post(http, body), await _get(http, body)):
        assert answer.status_code == 400
        (error,) = answer.json()["errors"]
        assert error["message"].startswith(message)
        assert error["extensions"] == {"code": "BAD_REQUEST"}


async def test_a_kept_mutation_is_run_by_its_hash_over_post_but_refused_over_get(
    http: httpx.AsyncClient, upstream: Recording
) -> None:
    """A GET must not write, whether it carries the mutation's text or only its hash: a page on
    any origin can make a browser send one."""
    created = await _post(http, {"query": WRITE, "extensions": _hashed(WRITE)})
    assert created.json()["data"]["createConversation"]["conversation"]["id"]
    assert upstream.count == 1

    refused = await _get(http, {"extensions": _hashed(WRITE)})
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"
    assert refused.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert upstream.count == 1  # nothing written

    again = await _post(http, {"extensions": _hashed(WRITE)})
    assert again.json()["data"]["createConversation"]["conversation"]["id"]
    assert upstream.count == 2


async def test_with_persisted_queries_off_a_hash_alone_is_not_supported_and_a_document_runs(gateway: Gateway) -> None:
    graphql, upstream = await gateway(persisted_queries=False)
    query = "{ __typename }"
    whole = await _post(graphql.http, {"query": query, "extensions": _hashed(query)})
    alone = await _post(graphql.http, {"extensions": _hashed(query)})
    bad_shape = await _post(graphql.http, {"query": query, "extensions": {"persistedQuery": "x"}})
    assert whole.json() == bad_shape.json() == {"data": {"__typename": "Query"}}
    assert alone.status_code == 400
    assert alone.json() == {
        "errors": [{"message": "PersistedQueryNotSupported", "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"}}]
    }
    assert upstream.count == 0


def test_the_store_drops_the_least_recently_used_past_its_count_or_its_bytes() -> None:
    store = PersistedQueries(max_documents=3, max_bytes=10_000)
    documents = [f"{{ a{n}: __typename }}" for n in range(5)]
    for document in documents[:3]:
        store.keep(sha256_hex(document), document)
    assert store.get(sha256_hex(documents[0])) == documents[0]  # now the most recently used
    store.keep(sha256_hex(documents[3]), documents[3])
    assert store.get(sha256_hex(documents[1])) is None
    assert [store.get(sha256_hex(document)) for document in (documents[0], documents[2], documents[3])] == [
        documents[0],
        documents[2],
        documents[3],
    ]
    assert len(store) == 3

    heavy = "{ __typename }" + " " * 4000
    for copy in range(3):
        store.keep(sha256_hex(heavy + "#" * copy), heavy + "#" * copy)
    assert len(store) == 2  # three would weigh more than 10,000 bytes
    assert store.kept_bytes <= 10_000
    too_heavy = " " * 10_000
    store.keep(sha256_hex(too_heavy), too_heavy)
    assert store.get(sha256_hex(too_heavy)) is None
    assert len(store) == 2
