"""The GraphiQL page loads every file from the gateway itself, each matching its `integrity` hash."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urljoin

import pytest

from tests.conftest import Gateway
from tests.graphql.harness import GraphQLClient


async def test_every_asset_is_local_and_matches_its_integrity_hash(graphql: GraphQLClient) -> None:
    """The page names its files relative to itself (tests/test_proxy.py serves it under a prefix)."""
    http = graphql.http
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.text
    assert "unpkg.com" not in html
    assert "https://" not in re.sub(r"<!--.*?-->", "", html, flags=re.DOTALL).split("<script>")[0]
    assets = re.findall(r'(?:src|href)="(static/graphiql/[^"]+)"\s+integrity="sha384-([^"]+)"', html)
    assert len(assets) == 7
    assert len(re.findall(r'(?:src|href)="(?!data:)', html)) == 7  # no other address (the icon is inline)
    for path, expected in assets:
        served = await http.get(urljoin("/graphql", path))
        assert served.status_code == 200, path
        digest = base64.b64encode(hashlib.sha384(served.content).digest()).decode()
        assert digest == expected, path


async def test_the_page_runs_only_its_own_scripts_talks_only_to_the_gateway_and_cannot_be_framed(
    graphql: GraphQLClient,
) -> None:
    """The page keeps the key a user gives it: another site framing it could have had a click
    there run an operation with it. tests/browser/test_graphiql.py runs the page under the policy."""
    page = await graphql.http.get("/graphql", headers={"Accept": "text/html"})
    policy = dict(directive.strip().split(" ", 1) for directive in page.headers["content-security-policy"].split(";"))
    inline = re.findall(r"<script>(.*?)</script>", page.text, flags=re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert policy == {
        "default-src": "'none'",
        "script-src": f"'self' 'sha256-{digest}'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "form-action": "'none'",
    }
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_the_page_opens_on_an_example_over_the_demo_data(graphql: GraphQLClient) -> None:
    html = (await graphql.http.get("/graphql", headers={"Accept": "text/html"})).text
    assert 'conversation(id: "conv_demo_weather")' in html


def test_the_example_query_is_valid_against_the_schema() -> None:
    from graphql import parse, validate

    from gateway.graphql_view import EXAMPLE_QUERY
    from tests.graphql.full_selection import schema

    assert validate(schema(), parse(EXAMPLE_QUERY)) == []


async def test_the_assets_may_be_kept_a_year_without_asking_again(graphql: GraphQLClient) -> None:
    """Their paths name their versions and the page pins their bytes: a browser need not revalidate."""
    http = graphql.http
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert "cache-control" not in page.headers  # the page itself is the gateway's, and may change
    for path in re.findall(r'(?:src|href)="(static/graphiql/[^"]+)"', page.text):
        served = await http.get(urljoin("/graphql", path))
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable", path
        again = await http.get(path, headers={"If-None-Match": served.headers["etag"]})
        assert again.status_code == 304, path
        assert again.headers["cache-control"] == "public, max-age=31536000, immutable", path


async def test_the_page_does_not_feed_the_editors_their_own_edits(graphql: GraphQLClient) -> None:
    """GraphiQL sets an editor to its prop after the next paint: fed each edit back, a key typed in
    between sent the cursor to the start (tests/browser types on a slowed CPU to see it)."""
    from gateway.graphql_view import _EDITS_FED_BACK

    html = (await graphql.http.get("/graphql", headers={"Accept": "text/html"})).text
    assert "function onEditQuery(newQuery)" in html
    for statement in _EDITS_FED_BACK:
        assert statement not in html


def test_a_strawberry_page_that_changed_is_refused_at_start() -> None:
    from strawberry.http.ides import get_graphql_ide_html

    from gateway.graphql_view import _offline_graphiql

    page = get_graphql_ide_html()
    assert "setVariables(newVariables);" not in _offline_graphiql(page)
    changed = page.replace("setVariables(newVariables);", "setVariables(newVariables, true);")
    with pytest.raises(RuntimeError, match="setVariables"):
        _offline_graphiql(changed)


async def test_the_servers_address_opened_in_a_browser_leads_to_graphiql(gateway: Gateway) -> None:
    """`make serve` prints the `/graphql` address, but `http://127.0.0.1:8000/` is what a person
    types: it was a plain-text 404, "Not Found". Without GraphiQL (introspection off) it is a 404."""
    graphql, upstream = await gateway()
    for method in ("GET", "HEAD"):
        answer = await graphql.http.request(method, "/", headers={"Accept": "text/html"})
        assert answer.status_code == 307
        assert answer.headers["location"] == "graphql"  # relative: it holds under a proxy's prefix
    page = await graphql.http.get("/", headers={"Accept": "text/html"}, follow_redirects=True)
    assert page.status_code == 200
    assert "<title>GraphiQL · Conversations gateway</title>" in page.text
    assert (await graphql.http.post("/", json={"query": "{ __typename }"})).status_code == 405
    closed, _ = await gateway(introspection=False)
    assert (await closed.http.get("/", headers={"Accept": "text/html"})).status_code == 404
    assert upstream.count == 0


async def test_a_path_the_gateway_does_not_serve_is_a_404_saying_what_it_serves(gateway: Gateway) -> None:
    """A client set up with `/graphq` got Starlette's plain-text "Not Found" and nothing more."""
    graphql, upstream = await gateway()
    for method in ("GET", "POST"):
        answer = await graphql.http.request(method, "/graphq", json={"query": "{ __typename }"})
        assert answer.status_code == 404
        assert answer.json() == {
            "errors": [
                {
                    "message": "There is nothing at '/graphq': this gateway serves GraphQL at /graphql "
                    "(GraphiQL there in a browser) and the built-in Conversations API at /v1.",
                    "extensions": {"code": "NOT_FOUND"},
                }
            ]
        }
    # The built-in API answers its own paths in OpenAI's shape.
    assert (await graphql.http.get("/v1/nope")).json()["error"]["message"] == "Invalid URL (GET /v1/nope)."
    closed, _ = await gateway(introspection=False, upstream_url="http://127.0.0.1:9/v1")
    answer = await closed.http.get("/", headers={"Accept": "text/html"})
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["message"] == "There is nothing at '/': this gateway serves GraphQL at /graphql."
    assert upstream.count == 0


async def test_a_method_a_path_does_not_take_is_a_405_naming_the_ones_it_takes(gateway: Gateway) -> None:
    graphql, _ = await gateway()
    answer = await graphql.http.post("/healthz")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD"
    assert answer.json() == {
        "errors": [
            {
                "message": "POST is not allowed at '/healthz': use GET, HEAD.",
                "extensions": {"code": "METHOD_NOT_ALLOWED"},
            }
        ]
    }


async def test_a_path_with_a_slash_too_many_is_sent_to_its_path_relative_to_it(gateway: Gateway) -> None:
    """`/graphql/` leads to `../graphql`, its query kept, whatever the method (307 keeps it).
    Starlette's own redirect named `http://<host>/graphql`, which behind a proxy serving the
    gateway under a prefix lost the prefix (tests/test_proxy.py)."""
    graphql, upstream = await gateway()
    http = graphql.http
    for method, path, location in (
        ("GET", "/graphql/", "../graphql"),
        ("GET", "/graphql/?query=%7B__typename%7D", "../graphql?query=%7B__typename%7D"),
        ("POST", "/graphql/", "../graphql"),
        ("HEAD", "/healthz/", "../healthz"),
    ):
        answer = await http.request(method, path, headers={"Accept": "text/html"})
        assert (answer.status_code, answer.headers["location"]) == (307, location), path
    followed = await http.post("/graphql/", json={"query": "{ __typename }"}, follow_redirects=True)
    assert followed.json() == {"data": {"__typename": "Query"}}
    # Two slashes, a mount's folder, an unknown path, and the built-in API's paths are 404s as before.
    for path in ("/graphql//", "/static/graphiql/", "/graphq/", "/v1/conversations/"):
        assert (await http.get(path)).status_code == 404, path
    assert upstream.count == 0
