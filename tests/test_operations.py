"""Operational endpoints and settings: /healthz, /readyz, CORS, demo data."""

from __future__ import annotations

import contextlib
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
