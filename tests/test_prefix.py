"""`GATEWAY_PATH_PREFIX`: a proxy that passes its prefix on (an AWS Application Load Balancer's path
rules, an Ingress without a rewrite) reaches every path of the gateway under it; the paths without
it are served as before. tests/test_proxy.py runs nginx passing `/gw` on."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urljoin

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from tests.conftest import SettingsFactory

KEY = {"Authorization": "Bearer sk-test"}


@pytest.fixture
async def prefixed(make_settings: SettingsFactory) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(path_prefix="/api/gw"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
    ):
        yield client


async def test_every_path_is_served_under_the_prefix_and_without_it(prefixed: httpx.AsyncClient) -> None:
    for root in ("/api/gw", ""):
        answer = await prefixed.post(f"{root}/graphql", json={"query": "{ __typename }"}, headers=KEY)
        assert answer.json() == {"data": {"__typename": "Query"}}, root
        assert (await prefixed.get(f"{root}/healthz")).json() == {"status": "ok"}, root
        created = await prefixed.post(f"{root}/v1/conversations", json={}, headers=KEY)
        assert created.json()["object"] == "conversation", root
        page = await prefixed.get(f"{root}/graphql", headers={"Accept": "text/html"})
        files = re.findall(r'(?:src|href)="(static/graphiql/[^"]+)"', page.text)
        assert len(files) == 7
        for name in files:
            assert (await prefixed.get(urljoin(f"{root}/graphql", name))).status_code == 200, (root, name)


async def test_the_prefix_alone_and_its_root_lead_to_graphiql(prefixed: httpx.AsyncClient) -> None:
    """Each redirect relative to the path asked for, so that it holds however the proxy maps it."""
    html = {"Accept": "text/html"}
    for path, location in (
        ("/api/gw", "gw/"),
        ("/api/gw?x=1", "gw/?x=1"),
        ("/api/gw/", "graphql"),
        ("/api/gw/graphql/", "../graphql"),
    ):
        answer = await prefixed.get(path, headers=html)
        assert (answer.status_code, answer.headers["location"]) == (307, location), path
    page = await prefixed.get("/api/gw", headers=html, follow_redirects=True)
    assert (page.status_code, str(page.url)) == (200, "http://gateway/api/gw/graphql")


async def test_errors_name_the_path_the_client_sent(prefixed: httpx.AsyncClient) -> None:
    """A path it does not serve is named whole; the built-in API's own paths are answered in
    OpenAI's shape under the prefix too."""
    missing = await prefixed.get("/api/gw/graphq")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["message"].startswith("There is nothing at '/api/gw/graphq':")
    api = await prefixed.get("/api/gw/v1/nope", headers=KEY)
    assert api.status_code == 404
    assert api.json()["error"]["message"] == "Invalid URL (GET /api/gw/v1/nope)."
    # Another prefix, or one that only begins the same way, is no prefix.
    for path in ("/api/graphql", "/api/gwx/graphql"):
        assert (await prefixed.post(path, json={"query": "{ __typename }"})).status_code == 404, path


@pytest.mark.parametrize("prefix", ["gw", "/gw/", "/", "/g w", "/gw?x", "/gw%2F", "//gw"])
def test_a_prefix_that_is_no_path_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="must be a path such as /gw"):
        Settings(path_prefix=prefix)
