"""The gateway behind nginx, configured as the README's *Behind a reverse proxy* has it: under a
path prefix of the proxy's own (`/gw/`), with nginx's request ids.

Debian's nginx and `gateway serve --demo` run as processes, over sockets."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from tests.live import PROXY_PREFIX, gateway_process, nginx_in_front

LOAD = 'query Load { conversation(id: "conv_demo_weather") { conversationId items(last: 2) { nodes { __typename } } } }'


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL nginx serves `gateway serve --demo` at (`http://127.0.0.1:<port>/gw`)."""
    folder = tmp_path_factory.mktemp("proxy")
    with (
        gateway_process("serve", "--demo", "--database", str(folder / "demo.sqlite3")) as gateway,
        nginx_in_front(gateway, folder) as url,
    ):
        yield url


def test_graphiql_and_its_files_open_under_the_prefix(proxied: str) -> None:
    """The page at `/gw/graphql` names its files relative to itself, so they come through the
    proxy too, each matching its `integrity` hash; `/gw/` and `/gw/graphql/` lead to it."""
    url = proxied
    html = {"Accept": "text/html"}
    with httpx.Client() as client:
        for start in (f"{url}/", f"{url}/graphql/", f"{url}/graphql"):
            page = client.get(start, headers=html, follow_redirects=True)
            assert (page.status_code, str(page.url)) == (200, f"{url}/graphql"), start
            assert "<title>GraphiQL · Conversations gateway</title>" in page.text
        files = re.findall(r'(?:src|href)="([^"]+)"\s+integrity="sha384-([^"]+)"', page.text)
        assert len(files) == 7
        for name, expected in files:
            served = client.get(page.url.join(name))
            assert served.status_code == 200, name
            assert str(served.url).startswith(f"{url}/static/graphiql/"), name
            assert base64.b64encode(hashlib.sha384(served.content).digest()).decode() == expected, name


def test_a_query_goes_through_with_nginxs_request_id_in_the_answer_and_both_logs(tmp_path: Path) -> None:
    """nginx's `$request_id` (the README's block sends it as `X-Request-Id`) is the gateway's
    request id: in its answer, its operation log line, and nginx's access log line for the request."""
    printed: list[str] = []
    with (
        gateway_process("serve", "--demo", "--database", str(tmp_path / "demo.sqlite3"), output=printed) as gateway,
        nginx_in_front(gateway, tmp_path) as url,
        httpx.Client() as client,
    ):
        answer = client.post(f"{url}/graphql", json={"query": LOAD})
        assert answer.json() == {
            "data": {
                "conversation": {
                    "conversationId": "conv_demo_weather",
                    "items": {"nodes": [{"__typename": "FunctionCallOutput"}, {"__typename": "Message"}]},
                }
            }
        }
        # A query by GET with a slash too many keeps its query through the relative redirect.
        got = client.get(f"{url}/graphql/", params={"query": "{ __typename }"}, follow_redirects=True)
        assert got.json() == {"data": {"__typename": "Query"}}
    request_id = answer.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert f'{request_id} 200 - "POST {PROXY_PREFIX}/graphql HTTP/1.1"' in (tmp_path / "access.log").read_text()
    logged = [json.loads(line) for line in printed[0].splitlines() if line.startswith("{")]
    assert [(line["requestId"], line["operationName"]) for line in logged][:1] == [(request_id, "Load")]


def test_a_document_over_the_gateways_limit_gets_the_gateways_own_answer(
    proxied: str,
) -> None:
    """The block lets bodies of up to 2 MiB through (nginx's own default, 1 MiB, is the gateway's
    bound, and nginx answers past it with an HTML page): the gateway's 413 comes back, in GraphQL's
    shape with its code."""
    url = proxied
    document = "{ __typename }" + " " * (1536 * 1024)
    answer = httpx.post(f"{url}/graphql", json={"query": document})
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


def test_the_built_in_api_under_the_prefix_with_the_openai_sdk(proxied: str) -> None:
    url = proxied
    with openai.OpenAI(base_url=f"{url}/v1", api_key="sk-proxied", max_retries=0) as sdk:
        conversation = sdk.conversations.create(
            items=[{"type": "message", "role": "user", "content": "Through nginx?"}], metadata={"via": "nginx"}
        )
        items = sdk.conversations.items.list(conversation.id)
        assert [item.type for item in items.data] == ["message"]
        assert sdk.conversations.retrieve(conversation.id).metadata == {"via": "nginx"}
    # The gateway reads what the SDK wrote, through the proxy, with the same key.
    answer = httpx.post(
        f"{url}/graphql",
        json={"query": f'{{ conversation(id: "{conversation.id}") {{ metadataValue(key: "via") }} }}'},
        headers={"Authorization": "Bearer sk-proxied"},
    )
    assert answer.json() == {"data": {"conversation": {"metadataValue": "nginx"}}}


def test_a_proxy_told_to_cache_keeps_no_answer_of_the_gateway(tmp_path: Path) -> None:
    """An operator who has nginx cache GETs (`proxy_cache_valid 200 10m`: the answers a CDN would
    keep, keyed by URL alone, with persisted queries' short GETs in mind) gets no answer of the
    gateway kept: each says `Cache-Control: no-store`, which nginx honours.

    Before, nginx kept them: a GET with another client's key got the server's conversation from
    nginx's cache (that key has none: on the built-in API each key has its own), and a GET after a
    write got the items from before it. The same held for the built-in API's answers at `/gw/v1`."""
    query = '{ conversation(id: "conv_demo_weather") { items(last: 1) { nodes { ... on Message { role } } } } }'
    with (
        gateway_process("serve", "--demo", "--database", str(tmp_path / "demo.sqlite3")) as gateway,
        nginx_in_front(gateway, tmp_path, caching=True) as url,
        httpx.Client(base_url=url) as client,
    ):
        read = {"query": query}
        first = client.get("/graphql", params=read)
        assert first.headers["cache-control"] == "no-store"
        assert first.json() == {"data": {"conversation": {"items": {"nodes": [{"role": "ASSISTANT"}]}}}}
        other = client.get("/graphql", params=read, headers={"Authorization": "Bearer sk-another"})
        assert other.json()["data"] == {"conversation": None}
        assert other.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        sent = client.post(
            "/graphql",
            json={
                "query": "mutation($input: AddConversationItemsInput!) { addConversationItems(input: $input) "
                "{ items { __typename } } }",
                "variables": {
                    "input": {
                        "conversationId": "conv_demo_weather",
                        "items": [{"message": {"role": "USER", "content": [{"inputText": {"text": "And now?"}}]}}],
                    }
                },
            },
        )
        assert sent.json() == {"data": {"addConversationItems": {"items": [{"__typename": "Message"}]}}}
        assert client.get("/graphql", params=read).json() == {
            "data": {"conversation": {"items": {"nodes": [{"role": "USER"}]}}}
        }
        # The built-in API's answers through the proxy, likewise.
        path = "/v1/conversations/conv_demo_weather/items?limit=1"
        assert client.get(path).json()["data"][0]["content"][0]["text"] == "And now?"
        assert client.get(path, headers={"Authorization": "Bearer sk-another"}).status_code == 404
        assert client.get("/healthz").headers["cache-control"] == "no-store"
    cached = [line for line in (tmp_path / "access.log").read_text().splitlines() if " HIT " in line]
    assert cached == []


def test_a_proxy_that_passes_its_prefix_on_reaches_a_gateway_told_it(tmp_path: Path) -> None:
    """nginx with `proxy_pass http://gateway;` passes `/gw/...` on whole, as an AWS Application Load
    Balancer's path rules do: with `GATEWAY_PATH_PREFIX=/gw` the gateway serves it all there (before
    it, every path was a 404 naming `/gw/...`, and nginx's wait for `/gw/healthz` failed)."""
    database = str(tmp_path / "demo.sqlite3")
    with (
        gateway_process(
            "serve", "--demo", "--database", database, env={"GATEWAY_PATH_PREFIX": PROXY_PREFIX}
        ) as gateway,
        nginx_in_front(gateway, tmp_path, strip=False) as url,
        httpx.Client() as client,
    ):
        page = client.get(url, headers={"Accept": "text/html"}, follow_redirects=True)  # `/gw`, no slash
        assert (page.status_code, str(page.url)) == (200, f"{url}/graphql")
        for name in re.findall(r'(?:src|href)="(static/graphiql/[^"]+)"', page.text):
            assert client.get(page.url.join(name)).status_code == 200, name
        assert client.post(f"{url}/graphql", json={"query": LOAD}).json()["data"]["conversation"]["conversationId"] == (
            "conv_demo_weather"
        )
        with openai.OpenAI(base_url=f"{url}/v1", api_key="sk-whole", max_retries=0) as sdk:
            created = sdk.conversations.create(metadata={"via": "a whole path"})
            assert sdk.conversations.retrieve(created.id).metadata == {"via": "a whole path"}
        missing = client.get(f"{url}/nope")
        assert missing.json()["errors"][0]["message"].startswith(f"There is nothing at '{PROXY_PREFIX}/nope':")
