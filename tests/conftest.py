"""Fixtures: apps built by factories per test, a real SQLite file, a real socket, spec checks."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

from gateway import app as app_module
from gateway import cli as cli_module
from gateway.app import YOUNG_COLLECTION_THRESHOLD, create_app
from gateway.schema import GatewaySchema
from gateway.settings import Settings
from tests.graphql.harness import GraphQLClient, Recording
from tests.live import Recorder, serve
from tests.openapi import validate_response

SettingsFactory = Callable[..., Settings]
Gateway = Callable[..., Awaitable[tuple[GraphQLClient, Recording]]]


def pytest_collection_finish(session: pytest.Session) -> None:
    """The cycle collector as `gateway serve` sets it: what collecting imported (the gateway, the
    SDK, hypothesis, every test module) lives as long as the run, frozen so that full passes do
    not scan it again, and the youngest generation collected every 50,000 allocations, not 700.
    The suite builds a gateway per test, each cyclic garbage once closed: the collector's time in
    a full run went from 60 to 27 s."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test talks to loopback servers: a proxy set for the machine (a CI's, for the package
    registries) must not carry those requests. Tests of proxies set their own."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def make_settings(tmp_path: Path) -> SettingsFactory:
    def make(**overrides: Any) -> Settings:
        return Settings(database=tmp_path / "conversations.sqlite3", **overrides)

    return make


@pytest.fixture
def recorded() -> Iterator[list[Recorder]]:
    """Recorders whose responses are all validated against the OpenAPI spec when the test ends."""
    recorders: list[Recorder] = []
    yield recorders
    for recorder in recorders:
        for response in recorder.responses:
            validate_response(response)


@pytest.fixture(scope="session")
def _shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder(create_app(Settings(database=tmp_path_factory.mktemp("live") / "conversations.sqlite3")))
    with serve(recorder) as url:
        yield recorder, url


@pytest.fixture
def live_url(_shared_server: tuple[Recorder, str]) -> Iterator[str]:
    """``gateway serve`` with the built-in API on a real loopback socket, shared by the session.

    Tests stay independent by working on conversations they create. The responses a test
    caused are validated against the OpenAPI spec when it ends.
    """
    recorder, url = _shared_server
    start = len(recorder.responses)
    yield url
    for response in recorder.responses[start:]:
        validate_response(response)


@pytest.fixture
async def api(make_settings: SettingsFactory, recorded: list[Recorder]) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the built-in API through ASGI (no socket), base URL ``/v1``."""
    app = create_app(make_settings())
    recorder = Recorder(app)
    recorded.append(recorder)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=recorder)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test/v1") as client:
            yield client


@pytest.fixture
def sdk(live_url: str) -> Iterator[openai.OpenAI]:
    """The official SDK on the live socket, validating every response against its own types."""
    with openai.OpenAI(
        base_url=f"{live_url}/v1", api_key="sk-test-one", max_retries=0, _strict_response_validation=True
    ) as client:
        yield client


@pytest.fixture
async def async_sdk(live_url: str) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        base_url=f"{live_url}/v1", api_key="sk-test-one", max_retries=0, _strict_response_validation=True
    ) as client:
        yield client


@pytest.fixture
async def gateway(make_settings: SettingsFactory) -> AsyncIterator[Gateway]:
    """Start gateways over the built-in API with the given settings (ASGI, no socket); each one's
    upstream calls are recorded. All are closed when the test ends."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**settings: Any) -> tuple[GraphQLClient, Recording]:
            upstream = Recording()
            app = create_app(make_settings(**settings), upstream_transport=upstream.wrap)
            await stack.enter_async_context(app.router.lifespan_context(app))
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")
            )
            return GraphQLClient(http), upstream

        yield start


@pytest.fixture
def deprecating(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gateways made while it is active serve a schema that deprecates `Conversation.createdAt`,
    `MessageInputRole.SYSTEM` and `CreateConversationInput.metadata`."""
    made = app_module.schema_for

    def schema_for(settings: Settings) -> GatewaySchema:
        schema = made(settings)
        types = schema._schema.type_map
        conversation, role, create = types["Conversation"], types["MessageInputRole"], types["CreateConversationInput"]
        assert isinstance(conversation, GraphQLObjectType)
        assert isinstance(role, GraphQLEnumType)
        assert isinstance(create, GraphQLInputObjectType)
        conversation.fields["createdAt"].deprecation_reason = "Read it from the first item."
        role.values["SYSTEM"].deprecation_reason = "Use DEVELOPER."
        create.fields["metadata"].deprecation_reason = "Set it with updateConversation."
        return schema

    monkeypatch.setattr(app_module, "schema_for", schema_for)
    monkeypatch.setattr(cli_module, "schema_for", schema_for)
