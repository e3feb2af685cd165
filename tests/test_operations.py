"""Operational endpoints and settings: /healthz, /readyz, CORS, demo data."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.app import create_api_app, create_app
from gateway.settings import Settings
from tests.conftest import Gateway, SettingsFactory
from tests.live import free_port, serve


@contextlib.contextmanager
def _upstream_on(port: int, database: Path) -> Iterator[str]:
    """`gateway serve-api` on a fixed port, so that it can be stopped and started again."""
    with serve(create_api_app(Settings(database=database)), port=port) as url:
        yield url


def test_readyz_follows_the_upstream(tmp_path: Path) -> None:
    port = free_port()
    upstream_url = f"http://127.0.0.1:{port}/v1"
    gateway = create_app(Settings(database=tmp_path / "unused.sqlite3", upstream_url=upstream_url, upstream_attempts=1))
    with serve(gateway) as url:
        with _upstream_on(port, tmp_path / "api.sqlite3"):
            assert httpx.get(f"{url}/readyz").json() == {"status": "ready"}
        down = httpx.get(f"{url}/readyz")
        assert down.status_code == 503
        assert down.json()["status"] == "unavailable"
        assert httpx.get(f"{url}/healthz").status_code == 200  # alive all the same
        with _upstream_on(port, tmp_path / "api.sqlite3"):
            assert httpx.get(f"{url}/readyz").status_code == 200


def test_readyz_fails_when_the_upstream_refuses_the_key(tmp_path: Path) -> None:
    port = free_port()
    api = create_api_app(Settings(database=tmp_path / "api.sqlite3", api_keys=frozenset({"sk-right"})))
    with serve(api, port=port):
        wrong = create_app(
            Settings(database=tmp_path / "x.sqlite3", upstream_url=f"http://127.0.0.1:{port}/v1", api_key="sk-wrong")
        )
        with serve(wrong) as url:
            answer = httpx.get(f"{url}/readyz")
    assert answer.status_code == 503
    assert "key" in answer.json()["reason"]
    assert "sk-wrong" not in answer.text


@pytest.mark.parametrize(("origin", "allowed"), [("https://app.example.com", True), ("https://evil.example", False)])
async def test_cors_allows_only_the_configured_origins(gateway: Gateway, origin: str, allowed: bool) -> None:
    graphql, _ = await gateway(cors_origins=frozenset({"https://app.example.com"}))
    client = graphql.http
    preflight = await client.options(
        "/graphql",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, content-encoding",
        },
    )
    actual = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": origin})
    if allowed:
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == origin
        assert "content-encoding" in preflight.headers["access-control-allow-headers"].lower()
        assert actual.headers["access-control-allow-origin"] == origin
    else:
        assert preflight.status_code == 400
        assert "access-control-allow-origin" not in actual.headers


async def test_cors_is_closed_by_default(gateway: Gateway) -> None:
    graphql, _ = await gateway()
    answer = await graphql.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://app.example.com"}
    )
    assert "access-control-allow-origin" not in answer.headers


async def test_demo_data_is_written_once_into_an_empty_database(make_settings: SettingsFactory) -> None:
    settings = make_settings(demo=True)
    for _ in range(2):
        app = create_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as client,
        ):
            answer = await client.post(
                "/graphql",
                json={
                    "query": '{ conversation(id: "conv_demo_weather") { items(first: 20) { nodes { __typename } } } }'
                },
            )
    kinds = [node["__typename"] for node in answer.json()["data"]["conversation"]["items"]["nodes"]]
    assert kinds == ["Message", "Message", "Reasoning", "FunctionCall", "FunctionCallOutput", "Message"]


def _example_of(page: str) -> str:
    """The query GraphiQL's page opens with."""
    found = re.search(r"const EXAMPLE_QUERY = `(.*?)`;", page, re.DOTALL)
    assert found is not None
    return found.group(1)


async def _demo_run(settings: Settings) -> tuple[str, list[str]]:
    """One start of a gateway with ``settings``: the conversation its GraphiQL example reads, and
    the kinds of items the example finds there with the server's key."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as client,
    ):
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        (script,) = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in page.headers["content-security-policy"]  # the page's own script runs
        example = _example_of(page.text)
        answer = (await client.post("/graphql", json={"query": example})).json()
    assert "errors" not in answer, answer
    conversation = answer["data"]["conversation"]
    return conversation["conversationId"], [node["__typename"] for node in conversation["items"]["nodes"]]


async def test_demo_data_of_another_key_in_the_database_leaves_this_key_a_copy_of_its_own(
    make_settings: SettingsFactory,
) -> None:
    """`make serve`, then `make serve` again with `OPENAI_API_KEY` set in the shell: the second
    start failed with a traceback (UNIQUE constraint failed: conversations.id), as the first key
    held the demo's ids. Now each key has its copy, and GraphiQL's example reads the server key's."""
    kinds = ["Message", "Message", "Reasoning", "FunctionCall", "FunctionCallOutput", "Message"]
    first = await _demo_run(make_settings(demo=True))
    assert first == ("conv_demo_weather", kinds)
    second = await _demo_run(make_settings(demo=True, api_key="sk-shell"))
    assert second[0].startswith("conv_demo_weather_")
    assert second[1] == kinds
    for settings, expected in (
        (make_settings(demo=True, api_key="sk-shell"), second),
        (make_settings(demo=True), first),
    ):
        assert await _demo_run(settings) == expected  # found again, not written again
    other = await _demo_run(make_settings(demo=True, api_key="sk-other"))
    assert other[0] not in {first[0], second[0]}
