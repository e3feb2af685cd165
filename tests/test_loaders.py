"""The per-request DataLoaders over the built-in API (ASGI, a real SQLite file)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.app import create_app
from gateway.loaders import ItemPage, Loaders, PageKey
from gateway.rest import ConversationItemList
from gateway.schema.pages import ReadPage, read_item_page
from gateway.upstream import UpstreamClient
from tests.conftest import SettingsFactory


class _Held(httpx.AsyncBaseTransport):
    """Passes requests to the built-in API, holding those whose path ends with ``held`` until released."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.held = "\0"
        self.release = asyncio.Event()
        self.holding = asyncio.Event()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if request.url.path.endswith(self.held):
            self.holding.set()
            await self.release.wait()
        return await self.inner.handle_async_request(request)


def _texts(page: ItemPage) -> list[str]:
    assert isinstance(page, ConversationItemList)  # these loaders have no page reader
    return [item.model_dump()["content"][0]["text"] for item in page.data]


@pytest.fixture
async def transport(make_settings: SettingsFactory) -> AsyncIterator[_Held]:
    app = create_app(make_settings())
    async with app.router.lifespan_context(app):
        yield _Held(httpx.ASGITransport(app=app))


async def test_each_caller_resumes_when_its_own_answer_arrives(transport: _Held) -> None:
    """One batch fetches both pages at once, but the first caller need not wait for the second page."""
    session = UpstreamClient(transport, base_url="http://gateway.test/v1").session("sk-test")
    first, second = [
        (await session.create_conversation(items=[{"role": "user", "content": name}], metadata=None)).id
        for name in ("first", "second")
    ]
    loaders = Loaders(session)
    transport.paths.clear()
    transport.held = f"/{second}/items"

    first_page = asyncio.ensure_future(loaders.page(PageKey(first, "asc", None, 10, frozenset())))
    second_page = asyncio.ensure_future(loaders.page(PageKey(second, "asc", None, 10, frozenset())))
    # Wait for the first page only while the second is held; the release is a guard against a hang.
    asyncio.get_running_loop().call_later(10, transport.release.set)
    done, _ = await asyncio.wait({first_page, second_page}, return_when=asyncio.FIRST_COMPLETED)

    assert done == {first_page}
    assert not transport.release.is_set()
    assert _texts(first_page.result()) == ["first"]
    assert sorted(transport.paths) == sorted([f"/v1/conversations/{first}/items", f"/v1/conversations/{second}/items"])
    transport.release.set()
    assert _texts(await second_page) == ["second"]
    assert len(transport.paths) == 2  # one batch: each page fetched once, both at the same time


async def test_a_conversation_primed_after_a_write_costs_no_call(transport: _Held) -> None:
    session = UpstreamClient(transport, base_url="http://gateway.test/v1").session("sk-test")
    created = await session.create_conversation(items=None, metadata={"topic": "primed"})
    loaders = Loaders(session)
    transport.paths.clear()

    loaders.prime_conversation(created)
    assert (await loaders.conversation(created.id)).metadata == {"topic": "primed"}
    assert transport.paths == []
    loaders.forget_conversation(created.id)
    assert (await loaders.conversation(created.id)).metadata == {"topic": "primed"}
    assert transport.paths == [f"/v1/conversations/{created.id}"]


async def test_a_fetch_shared_by_two_callers_outlives_one_of_them_cancelled(transport: _Held) -> None:
    session = UpstreamClient(transport, base_url="http://gateway.test/v1").session("sk-test")
    conversation_id = (await session.create_conversation(items=[{"role": "user", "content": "kept"}], metadata=None)).id
    loaders = Loaders(session)
    transport.paths.clear()
    transport.held = "/items"
    key = PageKey(conversation_id, "asc", None, 10, frozenset())

    leaving = asyncio.ensure_future(loaders.page(key))
    staying = asyncio.ensure_future(loaders.page(key))
    await transport.holding.wait()  # the one fetch is on its way
    leaving.cancel()
    await asyncio.sleep(0)
    transport.release.set()

    assert _texts(await staying) == ["kept"]
    assert leaving.cancelled()
    assert len(transport.paths) == 1


async def test_pages_go_the_usual_way_once_the_reader_refuses_one(transport: _Held) -> None:
    """A page the reader refuses sends the request's later pages to the REST models at once."""
    session = UpstreamClient(transport, base_url="http://gateway.test/v1").session("sk-test")
    first, second, third = [
        (await session.create_conversation(items=[{"role": "user", "content": name}], metadata=None)).id
        for name in ("first", "second", "third")
    ]
    offered: list[str] = []

    def reader(body: bytes, conversation_id: str) -> ItemPage | None:
        offered.append(conversation_id)
        return None if conversation_id == second else read_item_page(body, conversation_id)

    loaders = Loaders(session, reader)
    pages = [await loaders.page(PageKey(name, "asc", None, 10, frozenset())) for name in (first, second, third)]

    assert offered == [first, second]
    assert isinstance(pages[0], ReadPage)
    assert [isinstance(page, ConversationItemList) for page in pages[1:]] == [True, True]
    assert [page.data[0].content[0].text for page in pages] == ["first", "second", "third"]
