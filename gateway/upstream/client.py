"""The Conversations API client: one async method per REST endpoint of the contract.

:class:`UpstreamClient` is process-wide: it holds the one shared ``httpx.AsyncClient`` (owned by
the app's lifespan) and the configuration. Each GraphQL request gets an :class:`UpstreamSession`
from it, carrying that request's key, its concurrency bound and its count of upstream calls;
nothing in a session outlives its request or is shared with another.

Reads (GET) are retried with jittered exponential backoff on 429, 5xx, timeouts and lost
connections, honouring ``Retry-After``; writes are never retried, since the upstream's writes are
not idempotent.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter, ValidationError

from gateway.rest import Conversation, ConversationDeleted, ConversationItem, ConversationItemList
from gateway.upstream.errors import (
    UpstreamError,
    UpstreamInvalidResponse,
    UpstreamRateLimited,
    error_for_status,
    error_for_transport,
)

__all__ = ["RetryPolicy", "UpstreamClient", "UpstreamSession"]

T = TypeVar("T")

_CONVERSATION: TypeAdapter[Conversation] = TypeAdapter(Conversation)
_DELETED: TypeAdapter[ConversationDeleted] = TypeAdapter(ConversationDeleted)
_ITEM: TypeAdapter[ConversationItem] = TypeAdapter(ConversationItem)
_ITEM_LIST: TypeAdapter[ConversationItemList] = TypeAdapter(ConversationItemList)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How reads are retried. ``attempts`` counts the first try."""

    attempts: int = 3
    base_delay: float = 0.1
    max_delay: float = 2.0
    max_retry_after: float = 5.0
    """A longer ``Retry-After`` is not waited for: the rate-limit error goes to the client."""

    def delay(self, attempt: int, error: UpstreamError) -> float | None:
        """Seconds to wait before try ``attempt + 1``, or None to give up now."""
        if attempt >= self.attempts or not error.retryable:
            return None
        if isinstance(error, UpstreamRateLimited) and error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_retry_after else None
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not cryptography


def _segment(identifier: str) -> str:
    return quote(identifier, safe="")


def _include(include: Collection[str]) -> list[tuple[str, str]]:
    return [("include[]", value) for value in sorted(include)]


class UpstreamClient:
    """The process-wide client; hand out one :meth:`session` per GraphQL request."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        server_key: str | None = None,
        retry: RetryPolicy | None = None,
        concurrency: int = 16,
    ) -> None:
        self.http = http
        self.retry = retry or RetryPolicy()
        self.concurrency = concurrency
        self._server_key = server_key

    def session(self, api_key: str | None) -> UpstreamSession:
        """A session for one request: the client's own key if it sent one, else the server's."""
        return UpstreamSession(self, api_key or self._server_key)


class UpstreamSession:
    """One request's access to the upstream: its key, a concurrency bound and a call count."""

    def __init__(self, client: UpstreamClient, api_key: str | None) -> None:
        self._client = client
        self._headers = {"Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._slots = asyncio.Semaphore(client.concurrency)
        self.calls = 0
        """Upstream requests this session has sent, retries included."""

    # Conversations

    async def create_conversation(
        self, *, items: Sequence[Mapping[str, Any]] | None, metadata: Mapping[str, str] | None
    ) -> Conversation:
        body: dict[str, Any] = {"metadata": metadata}
        if items is not None:
            body["items"] = list(items)
        return await self._call("POST", "/conversations", _CONVERSATION, json=body)

    async def get_conversation(self, conversation_id: str) -> Conversation:
        return await self._call("GET", f"/conversations/{_segment(conversation_id)}", _CONVERSATION)

    async def update_conversation(self, conversation_id: str, metadata: Mapping[str, str] | None) -> Conversation:
        path = f"/conversations/{_segment(conversation_id)}"
        return await self._call("POST", path, _CONVERSATION, json={"metadata": metadata})

    async def delete_conversation(self, conversation_id: str) -> ConversationDeleted:
        return await self._call("DELETE", f"/conversations/{_segment(conversation_id)}", _DELETED)

    # Items

    async def create_items(
        self, conversation_id: str, items: Sequence[Mapping[str, Any]], include: Collection[str] = ()
    ) -> ConversationItemList:
        path = f"/conversations/{_segment(conversation_id)}/items"
        return await self._call("POST", path, _ITEM_LIST, json={"items": list(items)}, params=_include(include))

    async def list_items(
        self,
        conversation_id: str,
        *,
        after: str | None = None,
        limit: int = 20,
        order: str = "desc",
        include: Collection[str] = (),
    ) -> ConversationItemList:
        params = [("limit", str(limit)), ("order", order), *_include(include)]
        if after is not None:
            params.append(("after", after))
        path = f"/conversations/{_segment(conversation_id)}/items"
        return await self._call("GET", path, _ITEM_LIST, params=params)

    async def get_item(self, conversation_id: str, item_id: str, include: Collection[str] = ()) -> ConversationItem:
        path = f"/conversations/{_segment(conversation_id)}/items/{_segment(item_id)}"
        return await self._call("GET", path, _ITEM, params=_include(include))

    async def delete_item(self, conversation_id: str, item_id: str) -> Conversation:
        path = f"/conversations/{_segment(conversation_id)}/items/{_segment(item_id)}"
        return await self._call("DELETE", path, _CONVERSATION)

    # Transport

    async def _call(
        self,
        method: str,
        path: str,
        adapter: TypeAdapter[T],
        *,
        params: list[tuple[str, str]] | None = None,
        json: Any = None,
    ) -> T:
        response = await self._send(method, path, params=params, json=json)
        try:
            return adapter.validate_json(response.content)
        except ValidationError as error:
            message = f"The upstream's answer to {method} {path.split('/')[1]} is not what the API defines."
            raise UpstreamInvalidResponse(message) from error

    async def _send(self, method: str, path: str, *, params: list[tuple[str, str]] | None, json: Any) -> httpx.Response:
        retry = self._client.retry
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._send_once(method, path, params=params, json=json)
            except UpstreamError as error:
                delay = retry.delay(attempt, error) if method == "GET" else None
                if delay is None:
                    raise
            await asyncio.sleep(delay)

    async def _send_once(
        self, method: str, path: str, *, params: list[tuple[str, str]] | None, json: Any
    ) -> httpx.Response:
        async with self._slots:
            self.calls += 1
            try:
                response = await self._client.http.request(
                    method,
                    path.lstrip("/"),
                    params=httpx.QueryParams(tuple(params or ())),
                    json=json,
                    headers=self._headers,
                )
            except httpx.TransportError as error:
                raise error_for_transport(error) from None
        if not response.is_success:
            raise error_for_status(response)
        return response
