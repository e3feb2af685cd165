"""The built-in Conversations REST API: the eight endpoints of the contract, on SQLite.

``create_embedded_api(store, ...)`` returns a Starlette app meant to be mounted at ``/v1``
(or served alone by ``gateway serve-api``). Every refusal is OpenAI's error shape with a 4xx
status; nothing a client sends produces a 500.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.embedded.canonical import ItemReferenceRequest, canonical_items, new_id
from gateway.embedded.errors import ApiError, from_store_error
from gateway.embedded.includes import present
from gateway.embedded.store import ConversationStore, StoredItem, StoreError
from gateway.jsoncodec import MAX_NESTING, dumps, loads, parse_too_deep, too_deep
from gateway.negotiation import content_codings
from gateway.quoting import quoted, shortened
from gateway.rest import INCLUDABLE, MAX_URL_BYTES

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "JSONResponse",
    "bearer_key",
    "create_embedded_api",
    "http_error",
    "not_bearer",
    "read_body",
    "tenant_of",
]

logger = logging.getLogger("gateway.api")

DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024
_METADATA_PAIRS, _METADATA_KEY, _METADATA_VALUE = 16, 64, 512

Handler = Callable[[Request], Awaitable[Response]]


NO_STORE = (b"cache-control", b"no-store")
"""On every JSON answer the gateway and the built-in API give: what a key may see, as it is now, is
no cache's to keep. Without it, a proxy told to cache GETs (nginx's `proxy_cache_valid`, a CDN's
rule), which keys them by URL alone, served one key's conversation to another key's requests, and
a conversation's items from before a write (tests/test_proxy.py). Apollo Server answers
`no-store` for the same reason."""


class JSONResponse(Response):
    """A JSON answer, which no cache may keep (:data:`NO_STORE`)."""

    media_type = "application/json"

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        super().init_headers(headers)
        self.raw_headers.append(NO_STORE)

    def render(self, content: Any) -> bytes:
        return dumps(content)


class _JSONBytes(JSONResponse):
    """A response of JSON already written (as :class:`JSONResponse` would write it)."""

    def render(self, content: Any) -> bytes:
        written: bytes = content
        return written


def bearer_key(authorization: str | None) -> str | None:
    """The key of an ``Authorization: Bearer <key>`` header, or None."""
    scheme, _, key = (authorization or "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" and key.strip() else None


def not_bearer(authorization: str | None, key: str | None) -> bool:
    """Whether an `Authorization` header was sent that is not `Bearer <key>` (the key with no scheme,
    another scheme, `Bearer` alone), given the ``key`` :func:`bearer_key` read from it: its sender
    meant a key, and acting without one would act as someone else (the gateway's key, or the
    keyless tenant). An empty header is no key."""
    return key is None and bool((authorization or "").strip())


def tenant_of(api_key: str | None) -> str:
    """The owner of the conversations a key creates: a digest, so no key is ever stored."""
    return "" if api_key is None else hashlib.sha256(api_key.encode()).hexdigest()[:32]


class _Api:
    def __init__(self, store: ConversationStore, api_keys: Collection[str] | None, max_body_bytes: int) -> None:
        self.store = store
        self.api_keys = frozenset(api_keys) if api_keys else None
        self.max_body_bytes = max_body_bytes

    def tenant(self, request: Request) -> str:
        authorization = request.headers.get("authorization")
        key = bearer_key(authorization)
        if not_bearer(authorization, key):
            message = (
                "The Authorization header is not 'Bearer <key>'. Send the API key as 'Authorization: Bearer <key>'."
            )
            raise ApiError(401, message, code="invalid_api_key")
        if self.api_keys is not None and key not in self.api_keys:
            message = (
                "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'."
                if key is None
                else "Incorrect API key provided."
            )
            raise ApiError(401, message, code="invalid_api_key")
        return tenant_of(key)

    async def body(self, request: Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        raw = await read_body(request, self.max_body_bytes)
        if not raw.strip():
            return {}
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise ApiError(
                415,
                f"Unsupported content type '{content_type}'. Send 'application/json'.",
                code="unsupported_media_type",
            )
        codings = content_codings(request.headers.get("content-encoding"))
        if codings:
            raise ApiError(
                415,
                f"Unsupported content encoding '{codings[0]}'. Send the body uncompressed.",
                code="unsupported_media_type",
            )
        try:
            body = loads(raw)
        except orjson.JSONDecodeError as error:
            if parse_too_deep(error):
                raise _too_deep(None) from None
            raise ApiError(
                400, "We could not parse the JSON body of your request. Send valid JSON.", code="invalid_json"
            ) from None
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.", code="invalid_type")
        if too_deep(body, MAX_NESTING):
            raise _too_deep(_deep_member(body))
        return body

    async def create_conversation(self, request: Request) -> Response:
        tenant = self.tenant(request)
        body = await self.body(request)
        _refuse_unknown(body, {"items", "metadata"})
        metadata = _metadata(body.get("metadata"))
        items = await self.resolve(tenant, canonical_items(body.get("items") or []))
        record = await self.store.create_conversation(tenant, new_id("conv"), metadata, items)
        return JSONResponse(record.to_json())

    async def get_conversation(self, request: Request) -> Response:
        record = await self.store.get_conversation(self.tenant(request), request.path_params["conversation_id"])
        return JSONResponse(record.to_json())

    async def update_conversation(self, request: Request) -> Response:
        tenant = self.tenant(request)
        body = await self.body(request)
        _refuse_unknown(body, {"metadata"})
        if "metadata" not in body:
            raise ApiError(
                400,
                "Missing required parameter: 'metadata'.",
                param="metadata",
                code="missing_required_parameter",
            )
        metadata = _metadata(body["metadata"])
        record = await self.store.update_conversation(tenant, request.path_params["conversation_id"], metadata)
        return JSONResponse(record.to_json())

    async def delete_conversation(self, request: Request) -> Response:
        conversation_id = request.path_params["conversation_id"]
        await self.store.delete_conversation(self.tenant(request), conversation_id)
        return JSONResponse({"id": conversation_id, "object": "conversation.deleted", "deleted": True})

    async def create_items(self, request: Request) -> Response:
        tenant = self.tenant(request)
        include = _include(request)
        body = await self.body(request)
        _refuse_unknown(body, {"items"})
        if "items" not in body:
            raise ApiError(
                400, "Missing required parameter: 'items'.", param="items", code="missing_required_parameter"
            )
        items = await self.resolve(tenant, canonical_items(body["items"]))
        stored = await self.store.add_items(tenant, request.path_params["conversation_id"], items)
        return JSONResponse(_list_body([present(item, include) for item in stored], has_more=False))

    async def list_items(self, request: Request) -> Response:
        tenant = self.tenant(request)
        include = _include(request)
        query = request.query_params
        _refuse_unknown(dict(query), {"after", "limit", "order", "include", "include[]"}, where="query")
        page = await self.store.list_items(
            tenant,
            request.path_params["conversation_id"],
            after=query.get("after") or None,
            limit=_limit(query.get("limit")),
            order=_order(query.get("order")),
        )
        items = page.items
        shown = [_shown(item, include) for item in items]
        first, last = (items[0].item_id, items[-1].item_id) if items else (None, None)
        return _JSONBytes(_list_json(shown, first, last, has_more=page.has_more))

    async def get_item(self, request: Request) -> Response:
        tenant = self.tenant(request)
        include = _include(request)
        params = request.path_params
        item = await self.store.get_item(tenant, params["conversation_id"], params["item_id"])
        return _JSONBytes(_shown(item, include))

    async def delete_item(self, request: Request) -> Response:
        params = request.path_params
        record = await self.store.delete_item(self.tenant(request), params["conversation_id"], params["item_id"])
        return JSONResponse(record.to_json())

    async def resolve(self, tenant: str, items: list[dict[str, Any] | ItemReferenceRequest]) -> list[dict[str, Any]]:
        """Replace each ``item_reference`` by a copy of the item it names."""
        references = [item.item_id for item in items if isinstance(item, ItemReferenceRequest)]
        found = await self.store.find_items(tenant, references) if references else {}
        resolved: list[dict[str, Any]] = []
        for item in items:
            if not isinstance(item, ItemReferenceRequest):
                resolved.append(item)
            elif item.item_id in found:
                resolved.append(found[item.item_id])
            else:
                param = f"items[{item.index}].id"
                raise ApiError(400, f"Item with id '{item.item_id}' not found.", param=param, code="invalid_value")
        return resolved


def _deep_member(body: dict[str, Any]) -> str | None:
    """The member of ``body`` (`items[3]`, `metadata`) that nests too deeply, or None for the body."""
    for key, value in body.items():
        if isinstance(value, list):
            for index, element in enumerate(value):
                if too_deep(element, MAX_NESTING - 2):
                    return f"{key}[{index}]"
        elif too_deep(value, MAX_NESTING - 1):
            return key
    return None


def _too_deep(param: str | None) -> ApiError:
    """The error for a body nested more than :data:`MAX_NESTING` levels deep, in ``param``."""
    where = f"'{param}'" if param else "The request body"
    return ApiError(
        400,
        f"{where} nests objects and arrays more than {MAX_NESTING} levels deep; the API accepts up to {MAX_NESTING}.",
        param=param,
        code="invalid_value",
    )


async def read_body(request: Request, limit: int) -> bytearray:
    """The request's body, refused with 413 past ``limit`` bytes: by its declared length before a
    byte of it is read, else as soon as what has arrived passes the limit."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise _too_large(limit)
    return raw


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"The request body is larger than {limit} bytes.", code="request_too_large")


def _refuse_unknown(values: dict[str, Any], known: set[str], where: str = "body") -> None:
    for name in values:
        if name not in known:
            named = shortened(name)
            message = f"Unknown parameter: '{named}'." + (" (in the query string)" if where == "query" else "")
            raise ApiError(400, message, param=named, code="unknown_parameter")


def _metadata(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ApiError(400, "Invalid type for 'metadata': expected an object.", param="metadata", code="invalid_type")
    if len(value) > _METADATA_PAIRS:
        message = (
            f"Invalid 'metadata': too many properties. Expected an object with at most {_METADATA_PAIRS} "
            f"properties, but got an object with {len(value)} properties instead."
        )
        raise ApiError(400, message, param="metadata", code="object_above_max_properties")
    for key, item in value.items():
        if len(key) > _METADATA_KEY:
            message = (
                f"Invalid 'metadata': key '{key[:20]}...' is too long. Keys have at most {_METADATA_KEY} "
                f"characters; this one has {len(key)}."
            )
            raise ApiError(400, message, param="metadata", code="string_above_max_length")
        if not isinstance(item, str):
            param = f"metadata.{key}"
            raise ApiError(400, f"Invalid type for '{param}': expected a string.", param=param, code="invalid_type")
        if len(item) > _METADATA_VALUE:
            param = f"metadata.{key}"
            message = (
                f"Invalid '{param}': string too long. Expected a string with maximum length {_METADATA_VALUE}, "
                f"but got a string with length {len(item)} instead."
            )
            raise ApiError(400, message, param=param, code="string_above_max_length")
    return dict(value)


def _include(request: Request) -> frozenset[str]:
    values = [*request.query_params.getlist("include"), *request.query_params.getlist("include[]")]
    for value in values:
        if value not in INCLUDABLE:
            known = ", ".join(sorted(INCLUDABLE))
            message = f"Invalid value: {quoted(value)}. Supported values for 'include' are: {known}."
            raise ApiError(400, message, param="include", code="invalid_value")
    return frozenset(values)


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return 20
    try:
        limit = int(raw)
    except ValueError:
        raise ApiError(
            400,
            f"Invalid type for 'limit': expected an integer, but got {quoted(raw)}.",
            param="limit",
            code="invalid_type",
        ) from None
    if 1 <= limit <= 100:
        return limit
    shown = shortened(str(limit))  # up to 4,300 digits parse
    if limit < 1:
        raise ApiError(
            400,
            f"Invalid 'limit': integer below minimum value. Expected a value >= 1, but got {shown} instead.",
            param="limit",
            code="integer_below_min_value",
        )
    raise ApiError(
        400,
        f"Invalid 'limit': integer above maximum value. Expected a value <= 100, but got {shown} instead.",
        param="limit",
        code="integer_above_max_value",
    )


def _order(raw: str | None) -> Any:
    if raw is None or raw == "":
        return "desc"
    if raw not in ("asc", "desc"):
        raise ApiError(
            400,
            f"Invalid value: {quoted(raw)}. Supported values for 'order' are: 'asc' and 'desc'.",
            param="order",
            code="invalid_value",
        )
    return raw


def _shown(item: StoredItem, include: frozenset[str]) -> bytes:
    """The item as a response shows it for this `include`, as JSON: the stored document itself
    when every response shows it as it is (most items), else parsed, presented and written."""
    return item.document if item.as_stored else dumps(present(item.load(), include))


def _list_json(items: list[bytes], first_id: str | None, last_id: str | None, *, has_more: bool) -> bytes:
    """``dumps(_list_body(...))`` of items already written as JSON, byte for byte."""
    return b"".join(
        (
            b'{"object":"list","data":[',
            b",".join(items),
            b'],"first_id":',
            dumps(first_id),
            b',"last_id":',
            dumps(last_id),
            b',"has_more":',
            b"true" if has_more else b"false",
            b"}",
        )
    )


def _list_body(items: list[dict[str, Any]], *, has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": has_more,
    }


def _url_too_long(request: Request) -> ApiError | None:
    scope = request.scope
    path = scope.get("raw_path") or scope["path"].encode()
    if len(path) + len(scope.get("query_string", b"")) <= MAX_URL_BYTES:
        return None
    message = f"The request's URL is longer than {MAX_URL_BYTES:,} bytes: use shorter ids."
    return ApiError(414, message, code="url_too_long")


def _guarded(handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        too_long = _url_too_long(request)
        if too_long is not None:
            raise too_long
        try:
            return await handler(request)
        except StoreError as error:
            raise from_store_error(error) from None
        except (ApiError, HTTPException, ClientDisconnect):
            raise
        except Exception as error:  # logged whole, answered as OpenAI answers it
            return _failed(request, error)

    return endpoint


def _failed(request: Request, error: Exception) -> Response:
    """A request the API could not carry out (the disk full, the file unreadable): logged with its
    traceback, and answered 500 in OpenAI's shape, the connection kept.

    Left to Starlette, the error reached the server after its 500 was sent: uvicorn logged it,
    then closed the connection, so that a client's next request on it (sent as the 500 came) was
    reset; and under the gateway, which calls this API in-process, it was logged nowhere.
    """
    client_request_id = request.headers.get("x-client-request-id")  # the gateway's, for one of its operations
    logger.error(
        "The built-in API could not carry out %s %s%s: %s",
        request.method,
        shortened(request.url.path, 300),
        f" (request {shortened(client_request_id, 100)})" if client_request_id else "",
        shortened(f"{type(error).__name__}: {error}", 300),
        exc_info=error,
    )
    return _unexpected_response()


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def http_error(request: Request, exc: Exception) -> Response:
    """An HTTP error of Starlette's (no such path, a method a path does not take) in OpenAI's shape."""
    assert isinstance(exc, HTTPException)
    too_long = _url_too_long(request)
    if too_long is not None:
        return await _api_error(request, too_long)
    if exc.status_code == 404:
        message = f"Invalid URL ({request.method} {request.url.path})."
    elif exc.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}."
    else:
        message = str(exc.detail)
    body = ApiError(exc.status_code, message).body()
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def _unexpected_response() -> Response:
    body = ApiError(500, "The server had an error while processing your request.", type="server_error").body()
    return JSONResponse(body, status_code=500)


async def _unexpected(request: Request, exc: Exception) -> Response:
    return _unexpected_response()


def create_embedded_api(
    store: ConversationStore,
    *,
    api_keys: Collection[str] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Starlette:
    """The REST API over ``store``. With ``api_keys``, only those bearer keys are accepted.

    The store's life (``open``/``close``) belongs to the caller.
    """
    api = _Api(store, api_keys, max_body_bytes)
    conversation = "/conversations/{conversation_id}"
    routes = [
        Route("/conversations", _guarded(api.create_conversation), methods=["POST"]),
        Route(conversation, _guarded(api.get_conversation), methods=["GET"]),
        Route(conversation, _guarded(api.update_conversation), methods=["POST"]),
        Route(conversation, _guarded(api.delete_conversation), methods=["DELETE"]),
        Route(f"{conversation}/items", _guarded(api.create_items), methods=["POST"]),
        Route(f"{conversation}/items", _guarded(api.list_items), methods=["GET"]),
        Route(f"{conversation}/items/{{item_id}}", _guarded(api.get_item), methods=["GET"]),
        Route(f"{conversation}/items/{{item_id}}", _guarded(api.delete_item), methods=["DELETE"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={ApiError: _api_error, HTTPException: http_error, Exception: _unexpected},
    )
    # A path with a trailing slash is a 404, as OpenAI answers it, not a redirect to the path without
    # it (Starlette's default): a client following it would take it for an answer.
    app.router.redirect_slashes = False
    return app
