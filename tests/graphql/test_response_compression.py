"""Answers go gzip-compressed to clients that accept gzip, from 1 KiB on: GraphQL answers,
GraphiQL's scripts and the built-in API's; `GATEWAY_COMPRESS_RESPONSES=false` switches it off."""

from __future__ import annotations

import gzip
import json
import socket
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest

from gateway.app import create_api_app, create_app
from gateway.compression import MINIMUM_COMPRESSED_BYTES, accepts_gzip
from tests.conftest import Gateway, SettingsFactory
from tests.graphql.conftest import Seed, messages
from tests.graphql.harness import GraphQLClient, Recording
from tests.live import serve

KEY = {"Authorization": "Bearer sk-test"}
PAGE = """query Page($id: ID!) {
  conversation(id: $id) {
    items(first: 60) {
      edges { cursor node { ... on Message { itemId role content { ... on InputTextContent { text } } } } }
    }
  }
}"""
SCRIPT = "/static/graphiql/graphiql@3.8.3/graphiql.min.js"
STATIC = Path(__file__).resolve().parents[2] / "gateway" / "static" / "graphiql" / "graphiql@3.8.3" / "graphiql.min.js"


async def _raw(http: httpx.AsyncClient, request: httpx.Request) -> tuple[httpx.Response, bytes]:
    """The answer and its body as it came over the wire (httpx would decompress it)."""
    answer = await http.send(request, stream=True)
    try:
        body = b"".join([chunk async for chunk in answer.aiter_raw()])
    finally:
        await answer.aclose()
    return answer, body


def _page_request(http: httpx.AsyncClient, conversation_id: str, accept_encoding: str | None) -> httpx.Request:
    request = http.build_request(
        "POST", "/graphql", json={"query": PAGE, "variables": {"id": conversation_id}}, headers=KEY
    )
    if accept_encoding is None:
        del request.headers["accept-encoding"]
    else:
        request.headers["accept-encoding"] = accept_encoding
    return request


@pytest.mark.parametrize("accept_encoding", ["gzip", "gzip, deflate, br, zstd", "br;q=1, gzip;q=0.5", "x-gzip", "*"])
async def test_an_answer_goes_compressed_to_a_client_that_accepts_gzip(
    graphql: GraphQLClient, seed: Seed, upstream: Recording, accept_encoding: str
) -> None:
    conversation_id = await seed(*messages(40))
    plain, plain_body = await _raw(graphql.http, _page_request(graphql.http, conversation_id, "identity"))
    assert "content-encoding" not in plain.headers
    assert len(plain_body) > MINIMUM_COMPRESSED_BYTES
    answer, body = await _raw(graphql.http, _page_request(graphql.http, conversation_id, accept_encoding))
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in answer.headers["vary"].lower()
    assert int(answer.headers["content-length"]) == len(body) < len(plain_body) / 2
    assert json.loads(gzip.decompress(body)) == json.loads(plain_body)
    assert len(json.loads(plain_body)["data"]["conversation"]["items"]["edges"]) == 40
    assert upstream.count == 2  # the same two calls for each answer, compressed or not


@pytest.mark.parametrize("accept_encoding", [None, "", "identity", "gzip;q=0", "deflate, br", "*, gzip;q=0", "*;q=0"])
async def test_an_answer_goes_as_it_is_to_a_client_that_does_not_accept_gzip(
    graphql: GraphQLClient, seed: Seed, accept_encoding: str | None
) -> None:
    conversation_id = await seed(*messages(40))
    answer, body = await _raw(graphql.http, _page_request(graphql.http, conversation_id, accept_encoding))
    assert answer.status_code == 200
    assert "content-encoding" not in answer.headers
    assert int(answer.headers["content-length"]) == len(body) > MINIMUM_COMPRESSED_BYTES
    assert len(json.loads(body)["data"]["conversation"]["items"]["edges"]) == 40


async def test_an_answer_past_128_kib_is_compressed_in_a_worker_thread(
    graphql: GraphQLClient, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starlette compresses a body that large off the event loop; the answer is the same."""
    threaded: list[int] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(function: Any, *arguments: Any, **options: Any) -> Any:
        if getattr(function, "__name__", "") == "_compress_body":  # Starlette's, given the body
            threaded.append(len(arguments[0]))
        return await run_sync(function, *arguments, **options)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    long = [{"role": "user", "content": f"{n} " + "lorem ipsum dolor sit amet " * 100} for n in range(60)]
    conversation_id = await seed(*long)
    _, plain_body = await _raw(graphql.http, _page_request(graphql.http, conversation_id, "identity"))
    assert len(plain_body) > 128 * 1024
    # Over the network the built-in API compresses its page for the gateway's client too.
    assert len(plain_body) not in threaded
    answer, body = await _raw(graphql.http, _page_request(graphql.http, conversation_id, "gzip"))
    assert answer.headers["content-encoding"] == "gzip"
    assert len(plain_body) in threaded
    assert json.loads(gzip.decompress(body)) == json.loads(plain_body)


async def test_a_small_answer_goes_as_it_is(graphql: GraphQLClient) -> None:
    request = graphql.http.build_request("POST", "/graphql", json={"query": "{ __typename }"})
    request.headers["accept-encoding"] = "gzip"
    answer, body = await _raw(graphql.http, request)
    assert "content-encoding" not in answer.headers
    assert json.loads(body) == {"data": {"__typename": "Query"}}


async def test_an_error_answer_in_graphql_response_media_goes_compressed(graphql: GraphQLClient) -> None:
    """The middleware's own answers (here a request that does not parse, 400) are compressed too."""
    query = "{ " + "conversation(id: 1) " * 200
    request = graphql.http.build_request(
        "POST", "/graphql", json={"query": query}, headers={"Accept": "application/graphql-response+json"}
    )
    request.headers["accept-encoding"] = "gzip"
    answer, body = await _raw(graphql.http, request)
    plain = await graphql.http.post(
        "/graphql",
        json={"query": query},
        headers={"Accept": "application/graphql-response+json", "Accept-Encoding": "identity"},
    )
    assert answer.status_code == plain.status_code == 400
    assert answer.headers["content-type"] == plain.headers["content-type"] == "application/graphql-response+json"
    if len(plain.content) >= MINIMUM_COMPRESSED_BYTES:
        assert answer.headers["content-encoding"] == "gzip"
        assert json.loads(gzip.decompress(body)) == plain.json()
    else:
        assert "content-encoding" not in answer.headers


async def test_graphiqls_script_goes_compressed(graphql: GraphQLClient) -> None:
    """3.5 MB of JavaScript, streamed in pieces of 64 KiB, each compressed as it goes: under a third."""
    request = graphql.http.build_request("GET", SCRIPT)
    request.headers["accept-encoding"] = "gzip, deflate, br"
    answer, body = await _raw(graphql.http, request)
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["content-type"].startswith("text/javascript")
    original = STATIC.read_bytes()
    assert len(body) < len(original) / 3
    assert gzip.decompress(body) == original


async def test_a_compressed_files_etag_is_weak_and_still_revalidates(graphql: GraphQLClient) -> None:
    """Its bytes are not the file's: a strong ETag would promise they are (to `If-Range`, say)."""
    plain = await graphql.http.get(SCRIPT, headers={"Accept-Encoding": "identity"})
    strong = plain.headers["etag"]
    assert strong.startswith('"')
    compressed = await graphql.http.get(SCRIPT, headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["content-encoding"] == "gzip"
    assert compressed.headers["etag"] == f"W/{strong}"
    again = await graphql.http.get(
        SCRIPT, headers={"Accept-Encoding": "gzip", "If-None-Match": compressed.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


async def test_the_built_in_apis_answers_go_compressed(graphql: GraphQLClient, seed: Seed) -> None:
    """Through the gateway's `/v1` (and `gateway serve-api` on the network transport), as OpenAI's."""
    conversation_id = await seed(*messages(40))
    request = graphql.http.build_request("GET", f"/v1/conversations/{conversation_id}/items", headers=KEY)
    request.headers["accept-encoding"] = "gzip"
    answer, body = await _raw(graphql.http, request)
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(body))["data"]) == 20


@pytest.mark.parametrize(
    "path", ["/graphql", SCRIPT, "/v1/conversations/{id}/items"], ids=["graphql", "graphiql", "built-in API"]
)
async def test_switched_off_nothing_is_compressed(gateway: Gateway, path: str) -> None:
    client, _ = await gateway(compress_responses=False)
    http = client.http
    created = await http.post("/v1/conversations", json={"items": messages(20)}, headers=KEY)
    conversation_id = created.json()["id"]
    arguments: dict[str, Any] = {"headers": KEY}
    if path == "/graphql":
        arguments["json"] = {"query": PAGE, "variables": {"id": conversation_id}}
    request = http.build_request("POST" if path == "/graphql" else "GET", path.format(id=conversation_id), **arguments)
    request.headers["accept-encoding"] = "gzip"
    answer, body = await _raw(http, request)
    assert answer.status_code == 200
    assert "content-encoding" not in answer.headers
    assert int(answer.headers["content-length"]) == len(body) > MINIMUM_COMPRESSED_BYTES


async def test_accept_encoding_on_several_lines_is_read_as_one_list(graphql: GraphQLClient, seed: Seed) -> None:
    """A field sent on several lines is one comma-separated list (RFC 9110, 5.3): gzip on the
    second line counts (only the first line was read)."""
    conversation_id = await seed(*messages(40))
    lines = [("Accept-Encoding", "br"), ("Accept-Encoding", "gzip"), *KEY.items()]
    request = graphql.http.build_request(
        "POST", "/graphql", json={"query": PAGE, "variables": {"id": conversation_id}}, headers=lines
    )
    answer, body = await _raw(graphql.http, request)
    assert answer.headers["content-encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(body))["data"]["conversation"]["items"]["edges"]) == 40


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        (None, False),
        ("", False),
        ("gzip", True),
        ("GZIP", True),
        ("deflate, gzip;q=0.1", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("gzip;q=nonsense", False),
        ("x-gzip", True),
        ("*", True),
        ("*;q=0", False),
        ("*, gzip;q=0", False),
        ("gzip;q=0, *", False),
        ("identity", False),
        ("br, zstd", False),
        ("gzipped", False),
    ],
)
def test_accept_encoding_is_read_by_its_quality_values(header: str | None, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


@pytest.mark.parametrize("compress", [True, False])
async def test_serve_api_compresses_unless_switched_off(make_settings: SettingsFactory, compress: bool) -> None:
    """`gateway serve-api`'s app: the bench runs it switched off, so its answers to both clients come alike."""
    app = create_api_app(make_settings(compress_responses=compress))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test", headers=KEY) as http:
            created = await http.post("/v1/conversations", json={"items": messages(20)})
            request = http.build_request("GET", f"/v1/conversations/{created.json()['id']}/items")
            request.headers["accept-encoding"] = "gzip"
            answer, body = await _raw(http, request)
    assert answer.status_code == 200
    assert (answer.headers.get("content-encoding") == "gzip") is compress
    assert len(json.loads(gzip.decompress(body) if compress else body)["data"]) == 20


def _http_1_0(url: str, path: str) -> tuple[bytes, bytes]:
    """The head and body of an HTTP/1.0 GET of ``path`` that accepts gzip, read until the server closes."""
    address = httpx.URL(url)
    with socket.create_connection((address.host, address.port or 80), timeout=10) as connection:
        connection.sendall(
            f"GET {path} HTTP/1.0\r\nHost: gateway\r\nAccept-Encoding: gzip\r\n"
            "Authorization: Bearer sk-test\r\n\r\n".encode()
        )
        received = b"".join(iter(lambda: connection.recv(65536), b""))
    head, _, body = received.partition(b"\r\n\r\n")
    return head, body


def test_an_http_1_0_client_gets_every_answer_whole_with_its_length(make_settings: SettingsFactory) -> None:
    """uvicorn sends a body of unknown length chunked, whatever the request's version, and a file is
    compressed as it is sent: GraphiQL's script went to an HTTP/1.0 client in chunks, which HTTP/1.0
    does not have (RFC 9112 forbids `Transfer-Encoding` in an answer to it; `ab` counts the chunks'
    sizes as bytes of the file). Such a client gets every answer uncompressed, with its
    `Content-Length`, as nginx's `gzip_http_version 1.1` has it."""
    with serve(create_app(make_settings())) as url:
        for path in (SCRIPT, "/graphql?query=%7B__typename%7D", "/v1/conversations/conv_x", "/healthz", "/graphq"):
            head, body = _http_1_0(url, path)
            fields = dict(line.split(b": ", 1) for line in head.lower().split(b"\r\n")[1:])
            assert b"transfer-encoding" not in fields, path
            assert b"content-encoding" not in fields, path
            assert int(fields[b"content-length"]) == len(body), path
            if path == SCRIPT:
                assert body == STATIC.read_bytes()
