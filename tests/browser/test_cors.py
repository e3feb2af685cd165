"""A page of another origin, in a real browser (Debian's Chromium), calling the gateway as a frontend does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.live import gateway_process, serve

# The page's own script sends the request with `fetch`, as a frontend's GraphQL client does.
CALL = """async ([url, headers]) => {
  try {
    const answer = await fetch(url + "/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    return { status: answer.status, requestId: answer.headers.get("x-request-id"), body: await answer.json() };
  } catch (error) {
    return { failed: String(error) };
  }
}"""


OWN_HEADERS = {"X-Request-Id": "frontend-0001", "apollographql-client-name": "web", "apollographql-client-version": "1"}


async def _page(request: Request) -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>A frontend</title>")


def _call(browser: Browser, page_url: str, gateway_url: str, headers: dict[str, str]) -> Any:
    """What the page at ``page_url`` gets from a POST of `{ __typename }` to the gateway (no
    request of the browser's is intercepted: its CORS preflight is its own)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(page_url)
        return page.evaluate(CALL, [gateway_url, headers])
    finally:
        context.close()


def test_a_page_of_an_allowed_origin_sends_its_headers_and_reads_the_answers_request_id(
    browser: Browser, tmp_path: Path
) -> None:
    """Its GraphQL client may send headers of its own (Apollo Client's `apollographql-client-name`
    and `-version`, a request id of its own to follow a request through the logs): the browser asks
    the gateway first whether it takes them. And the page reads `X-Request-Id` from an answer
    only if the gateway says it may: the id that finds a failed request in the gateway's log."""
    with serve(Starlette(routes=[Route("/", _page)])) as page_url:
        settings = {"GATEWAY_CORS_ORIGINS": page_url}
        with gateway_process("serve", "--database", str(tmp_path / "cors.sqlite3"), env=settings) as url:
            plain = _call(browser, f"{page_url}/", url, {})
            own = _call(
                browser,
                f"{page_url}/",
                url,
                {
                    "X-Request-Id": "frontend-0001",
                    "apollographql-client-name": "web",
                    "apollographql-client-version": "1",
                },
            )
            # The same page served from another origin (by another host name), not allowed.
            elsewhere = _call(browser, f"{page_url.replace('127.0.0.1', 'localhost')}/", url, {})
    assert plain["status"] == 200
    assert plain["body"] == {"data": {"__typename": "Query"}}
    assert len(plain["requestId"]) == 32  # the gateway's own id, readable by the page
    assert own == {"status": 200, "requestId": "frontend-0001", "body": {"data": {"__typename": "Query"}}}
    assert "failed" in elsewhere  # the browser keeps the answer from a page of an origin not allowed
