"""HEAD is answered as GET would be, without the body: status and headers alike (RFC 9110, 9.3.2)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.graphql.conftest import Seed, messages
from tests.graphql.harness import GraphQLClient

KEY = {"Authorization": "Bearer sk-test"}
NOT_COMPARED = {"date", "server", "x-request-id", "transfer-encoding"}
"""Headers that differ between any two answers, and the framing uvicorn adds to a body of unknown
length (`chunked`), which a HEAD, having none, is not sent with."""


@pytest.mark.parametrize("accept_encoding", ["gzip", "identity"])
@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/static/graphiql/graphiql@3.8.3/graphiql.min.js", "*/*"),
        ("/graphql", "text/html"),  # the GraphiQL page
        ("/graphql?query=" + quote("{ __schema { types { name description } } }"), "application/json"),
        ("/graphql?query=" + quote("mutation { __typename }"), "application/json"),  # 405, Allow: POST
        ("/v1/conversations/{id}/items", "application/json"),
        ("/healthz", "*/*"),
    ],
)
async def test_head_has_the_status_and_headers_of_get_and_no_body(
    graphql: GraphQLClient, seed: Seed, path: str, accept: str, accept_encoding: str
) -> None:
    """Compressed answers included: their HEAD went uncompressed (a file's length and strong `ETag`),
    and `/graphql`, whose 405 names HEAD among its methods, refused HEAD with 405."""
    conversation_id = await seed(*messages(30))
    headers = {**KEY, "Accept": accept, "Accept-Encoding": accept_encoding}
    url = path.replace("{id}", conversation_id)
    get = await graphql.http.get(url, headers=headers)
    head = await graphql.http.head(url, headers=headers)

    assert head.status_code == get.status_code
    assert get.status_code in {200, 405}
    assert [(name, value) for name, value in head.headers.multi_items() if name not in NOT_COMPARED] == [
        (name, value) for name, value in get.headers.multi_items() if name not in NOT_COMPARED
    ]
    assert head.content == b""
    assert get.content
    assert (get.headers.get("content-encoding") == "gzip") == (accept_encoding == "gzip" and len(get.content) >= 1024)
