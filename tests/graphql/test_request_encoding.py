"""Request bodies sent compressed (`Content-Encoding`), and methods the endpoint does not take.

A compressed body is read as the plain one would be, bounded by the body limit once decompressed;
a coding the gateway does not read, a body that is not what its header says, or a method other
than GET and POST gets a GraphQL error with its code, and no upstream call.
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import pytest

from gateway.graphql_view import MAX_BODY_CODINGS
from tests.conftest import Gateway
from tests.graphql.conftest import Seed
from tests.graphql.harness import GraphQLClient, Recording

HEADERS = {"Authorization": "Bearer sk-test", "Content-Type": "application/json"}
WRITE = """mutation Send($id: ID!, $text: String!) {
  addConversationItems(input: {conversationId: $id, items: [{message: {role: USER, text: $text}}]}) {
    items { ... on Message { content { ... on InputTextContent { text } } } }
  }
}"""


def _deflate(data: bytes) -> bytes:
    return zlib.compress(data)


CODINGS: dict[str, tuple[str, Any]] = {
    "gzip": ("gzip", gzip.compress),
    "x-gzip": ("x-gzip", gzip.compress),
    "deflate": ("deflate", _deflate),
    "gzip, then identity": ("gzip, identity", gzip.compress),
    "deflate, then gzip": ("Deflate, GZIP", lambda data: gzip.compress(_deflate(data))),
    "two gzip members one after the other": ("gzip", lambda data: gzip.compress(data[:10]) + gzip.compress(data[10:])),
    "the most layers": (", ".join(["gzip"] * MAX_BODY_CODINGS), lambda data: _layers(data, MAX_BODY_CODINGS)),
}


def _layers(data: bytes, count: int) -> bytes:
    for _ in range(count):
        data = gzip.compress(data, compresslevel=0)
    return data


async def test_a_body_of_more_layers_than_the_gateway_reads_is_415_unread(
    graphql: GraphQLClient, upstream: Recording
) -> None:
    """Each layer is decompressed whole: 10,000 layers of 330 KB took 0.46 s of CPU, the loop held."""
    body = json.dumps({"query": "{ __typename }"}).encode()
    answer = await graphql.http.post(
        graphql.path,
        content=_layers(body, MAX_BODY_CODINGS + 1),
        headers={**HEADERS, "Content-Encoding": ",".join(["gzip"] * (MAX_BODY_CODINGS + 1))},
    )
    assert answer.status_code == 415
    error = answer.json()["errors"][0]
    assert error["extensions"] == {"code": "UNSUPPORTED_MEDIA_TYPE", "limit": MAX_BODY_CODINGS}
    assert error["message"] == (
        f"The request body's Content-Encoding lists {MAX_BODY_CODINGS + 1} codings; the gateway reads at most "
        f"{MAX_BODY_CODINGS}: compress the body once."
    )
    assert upstream.count == 0


@pytest.mark.parametrize("case", sorted(CODINGS))
async def test_a_compressed_body_is_read_as_the_plain_one(
    graphql: GraphQLClient, seed: Seed, upstream: Recording, case: str
) -> None:
    header, compress = CODINGS[case]
    conversation_id = await seed()
    body = json.dumps({"query": WRITE, "variables": {"id": conversation_id, "text": case}}).encode()
    answer = await graphql.http.post(
        graphql.path, content=compress(body), headers={**HEADERS, "Content-Encoding": header}
    )
    assert answer.status_code == 200, answer.text
    items = answer.json()["data"]["addConversationItems"]["items"]
    assert items == [{"content": [{"text": case}]}]
    assert upstream.count == 1


async def test_a_body_past_the_limit_once_decompressed_is_refused(gateway: Gateway) -> None:
    """1 MiB of spaces gzips to about a kilobyte: the limit counts what the body holds."""
    client, upstream = await gateway(max_request_bytes=4096)
    body = b'{"query": "{ __typename }' + b" " * 1_048_576 + b'"}'
    compressed = gzip.compress(body)
    assert len(compressed) < 4096
    answer = await client.http.post("/graphql", content=compressed, headers={**HEADERS, "Content-Encoding": "gzip"})
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["extensions"] == {"code": "REQUEST_TOO_LARGE", "limit": 4096}
    fits = await client.http.post(
        "/graphql",
        content=gzip.compress(b'{"query": "{ __typename }' + b" " * 4000 + b'"}'),
        headers={**HEADERS, "Content-Encoding": "gzip"},
    )
    assert fits.json() == {"data": {"__typename": "Query"}}
    assert upstream.count == 0


@pytest.mark.parametrize("coding", ["br", "zstd", "gzip, br"])
async def test_a_coding_the_gateway_does_not_read_is_415(
    graphql: GraphQLClient, upstream: Recording, coding: str
) -> None:
    answer = await graphql.http.post(graphql.path, content=b"\x00\x01", headers={**HEADERS, "Content-Encoding": coding})
    assert answer.status_code == 415
    assert answer.headers["accept-encoding"] == "gzip, deflate"
    (error,) = answer.json()["errors"]
    assert error["extensions"] == {"code": "UNSUPPORTED_MEDIA_TYPE"}
    assert "'br'" in error["message"] or "'zstd'" in error["message"]
    assert upstream.count == 0


BROKEN: dict[str, tuple[str, bytes, str]] = {
    "plain JSON said to be gzip": ("gzip", b'{"query": "{ __typename }"}', "incorrect header check"),
    "gzip cut short": ("gzip", gzip.compress(b'{"query": "{ __typename }"}')[:-6], "it ends early"),
    "deflate followed by more bytes": (
        "deflate",
        zlib.compress(b'{"query": "{ __typename }"}') + b"more",
        "more bytes follow its end",
    ),
    "an empty body said to be deflate": ("deflate", b"", "it ends early"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
async def test_a_body_that_is_not_what_its_coding_says_is_400(
    graphql: GraphQLClient, upstream: Recording, case: str
) -> None:
    coding, content, problem = BROKEN[case]
    accept = "application/graphql-response+json"
    answer = await graphql.http.post(
        graphql.path, content=content, headers={**HEADERS, "Content-Encoding": coding, "Accept": accept}
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == accept
    (error,) = answer.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert error["message"].startswith(f"The request body is not the {coding} data its Content-Encoding announces: ")
    assert error["message"].endswith(f"{problem}.")
    assert upstream.count == 0


async def test_a_get_is_answered_whatever_its_content_encoding(graphql: GraphQLClient, upstream: Recording) -> None:
    """A GET's body is not read, so the header that would describe it does not matter."""
    answer = await graphql.http.get(
        graphql.path, params={"query": "{ __typename }"}, headers={"Content-Encoding": "gzip"}
    )
    assert answer.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_another_method_is_405_with_a_graphql_error(
    graphql: GraphQLClient, upstream: Recording, method: str
) -> None:
    answer = await graphql.http.request(method, graphql.path, content=b'{"query": "{ __typename }"}', headers=HEADERS)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD, POST"
    (error,) = answer.json()["errors"]
    assert error["extensions"] == {"code": "METHOD_NOT_ALLOWED"}
    assert error["message"].startswith(f"{method} is not a method of the GraphQL endpoint")
    assert upstream.count == 0
