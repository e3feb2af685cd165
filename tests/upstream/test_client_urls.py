"""The upstream client's URLs equal httpx's own parse of the same text.

The client builds each request's URL from its base's parsed parts instead of having httpx parse
the whole text again (``gateway.upstream.client._url``). Whatever ids and query values come in,
the result must be the URL httpx would have made.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gateway.jsoncodec import dumps
from gateway.upstream.client import UpstreamClient
from gateway.upstream.errors import UpstreamNotFound

BASES = ["http://127.0.0.1:8000/v1", "https://api.openai.com/v1/", "http://[::1]:9000/prefix/v1", "http://upstream"]

texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


@pytest.mark.parametrize("base", BASES)
@settings(max_examples=150, deadline=None)
@given(
    identifier=texts,
    params=st.lists(st.tuples(st.sampled_from(["after", "include[]", "limit", "order"]), texts), max_size=4),
)
def test_a_request_url_is_the_url_httpx_parses_from_the_same_text(
    base: str, identifier: str, params: list[tuple[str, str]]
) -> None:
    assume(identifier not in {"", ".", ".."} and "/" not in identifier)  # never sent: see the test below
    client = UpstreamClient(httpx.MockTransport(lambda request: httpx.Response(500)), base_url=base)
    path = f"/conversations/{quote(identifier, safe='')}/items"

    request = client.request("GET", path, params, None, {})

    text = base.rstrip("/") + path + (f"?{urlencode(params)}" if params else "")
    expected = httpx.URL(text)
    assert request.url == expected
    assert str(request.url) == str(expected)
    assert (request.url.raw_path, request.url.query, request.url.host, request.url.port) == (
        expected.raw_path,
        expected.query,
        expected.host,
        expected.port,
    )


@pytest.mark.parametrize("identifier", ["", ".", "..", "a/b", "conv_1/", "/", "../items"])
async def test_an_id_that_would_name_another_path_is_not_found_without_a_request(identifier: str) -> None:
    """`/conversations/../items` is `/items` once a URL's dot segments are resolved; `a%2Fb` is
    `a/b`, two segments, once a server decodes the path to route it."""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    session = UpstreamClient(httpx.MockTransport(answer), base_url=BASES[0]).session("sk-test")
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: session.get_conversation(identifier),
        lambda: session.list_items(identifier),
        lambda: session.get_item("conv_1", identifier),
        lambda: session.delete_item("conv_1", identifier),
    ]
    for call in calls:
        with pytest.raises(UpstreamNotFound, match="No conversation or item has the id"):
            await call()
    assert sent == []


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize(
    ("method", "body"), [("GET", None), ("DELETE", None), ("POST", {"metadata": {"k": "v"}}), ("POST", {})]
)
def test_a_request_is_the_request_httpx_makes_from_the_same_parts(base: str, method: str, body: Any) -> None:
    client = UpstreamClient(httpx.MockTransport(lambda request: httpx.Response(500)), base_url=base)
    headers = {"Accept": "application/json", "User-Agent": "test", "Authorization": "Bearer sk-test"}

    request = client.request(method, "/conversations/conv_1", [("include[]", "x")], body, headers)

    given = headers if body is None else {**headers, "Content-Type": "application/json"}
    content = None if body is None else dumps(body)
    expected = httpx.Request(method, str(request.url), headers=given, content=content)
    assert request.method == expected.method
    assert request.headers.raw == expected.headers.raw
    assert request.content == expected.content
