"""What can go wrong when the gateway calls the Conversations API.

    UpstreamError
    ├── UpstreamStatusError          the upstream answered with an error status
    │   ├── UpstreamBadRequest       400 (and 413, 414, 415, 422, 431): `param` names the offending input
    │   ├── UpstreamUnauthenticated  401
    │   │   ├── MalformedKey         a key, organization or project no such id can be (not printable
    │   │   │                        ASCII): never sent
    │   │   └── NotBearer            an `Authorization` header that is not `Bearer <key>`: never sent
    │   ├── UpstreamForbidden        403
    │   │   └── ScopeWithoutKey      an organization or project sent with no key of its own, where the
    │   │                            gateway's key would be used: never sent
    │   ├── UpstreamNotFound         404
    │   ├── UpstreamRateLimited      429, with `retry_after` seconds when the upstream said
    │   ├── UpstreamServerError      5xx, 408 and 409 (retried, as OpenAI's SDK retries them)
    │   └── UpstreamUnexpectedStatus any other status (a redirect, a 410): not the API's, not retried
    │       └── UpstreamWrongPath    a 404 that is not the API's (the upstream URL is not its base)
    ├── UpstreamTimeout              no answer in time (connect, read, write or pool)
    │   └── OperationDeadline        the GraphQL operation's own deadline passed
    ├── UpstreamUnavailable          no connection (refused, reset, DNS, TLS)
    │   └── CircuitOpen              the upstream failed repeatedly: not called for a while
    ├── UpstreamInvalidResponse      an answer that is not the JSON the contract promises
    │   ├── PagesDoNotAdvance        a page repeating an item of an earlier one
    │   └── UpstreamAnswerTooLarge   an answer longer than the gateway reads: not read to its end
    └── UpstreamBudgetExhausted      the operation used up its budget of upstream calls
        └── AnswerBudgetExhausted    ... or of bytes of upstream answers

HTTP statuses are translated in :func:`error_for_status`, transport failures in
:func:`error_for_transport`. Besides those, the client (gateway/upstream/client.py) raises what
it refuses to send (`MalformedKey`, `NotBearer`, `ScopeWithoutKey`, `CircuitOpen`, `UpstreamBudgetExhausted`,
`OperationDeadline`, `UpstreamNotFound` for an id no resource can have) and `UpstreamInvalidResponse`
for an answer it cannot read.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Sequence
from typing import Any

import httpx

__all__ = [
    "AnswerBudgetExhausted",
    "CircuitOpen",
    "MalformedKey",
    "NotBearer",
    "OperationDeadline",
    "PagesDoNotAdvance",
    "ScopeWithoutKey",
    "UpstreamAnswerTooLarge",
    "UpstreamBadRequest",
    "UpstreamBudgetExhausted",
    "UpstreamConnectionLost",
    "UpstreamError",
    "UpstreamForbidden",
    "UpstreamInvalidResponse",
    "UpstreamNotFound",
    "UpstreamRateLimited",
    "UpstreamServerError",
    "UpstreamStatusError",
    "UpstreamTimeout",
    "UpstreamUnauthenticated",
    "UpstreamUnavailable",
    "UpstreamUnexpectedStatus",
    "UpstreamWrongPath",
    "abridged",
    "error_for_status",
    "error_for_transport",
]


def abridged(text: str, limit: int = 1000) -> str:
    """``text`` with its middle left out past ``limit`` characters: an upstream's message or
    `param` is passed on to clients, and it may repeat a long value the client sent."""
    if len(text) <= limit:
        return text
    tail = limit // 5
    return f"{text[: limit - tail]}[… {len(text) - limit:,} characters left out …]{text[-tail:]}"


class UpstreamError(Exception):
    """Base of every failure of a call to the upstream. Messages never carry keys or URLs."""

    retryable = False


class UpstreamStatusError(UpstreamError):
    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code


class UpstreamBadRequest(UpstreamStatusError):
    pass


class UpstreamUnauthenticated(UpstreamStatusError):
    pass


class MalformedKey(UpstreamUnauthenticated):
    """A key, organization or project with characters no such id has (HTTP headers carry ASCII):
    refused before any call. ``header`` names the request header it came in."""

    def __init__(self, header: str = "Authorization") -> None:
        self.header = header
        what = "The API key" if header == "Authorization" else f"The {header} header"
        super().__init__(401, f"{what} has characters no such id has.")


class NotBearer(UpstreamUnauthenticated):
    """An `Authorization` header that is not `Bearer <key>` (the key alone, another scheme): refused
    before any call, not taken for no key, which would act as the gateway's key."""

    def __init__(self) -> None:
        super().__init__(401, "The Authorization header is not 'Bearer <key>'.")


class UpstreamForbidden(UpstreamStatusError):
    pass


class ScopeWithoutKey(UpstreamForbidden):
    """An `OpenAI-Organization` or `OpenAI-Project` a request sent without a key of its own, where
    the gateway's key (and the organization and project set with it) would be used: refused before
    any call, so that a client cannot move the gateway's key to another organization or project."""

    def __init__(self, headers: Sequence[str]) -> None:
        self.headers = tuple(headers)
        super().__init__(403, f"{' and '.join(self.headers)} sent without a key of the request's own.")


class UpstreamNotFound(UpstreamStatusError):
    pass


class UpstreamRateLimited(UpstreamStatusError):
    retryable = True

    def __init__(self, status: int, message: str, *, retry_after: float | None = None, **fields: Any) -> None:
        super().__init__(status, message, **fields)
        self.retry_after = retry_after


class UpstreamServerError(UpstreamStatusError):
    retryable = True


class UpstreamUnexpectedStatus(UpstreamStatusError):
    """A status the API does not answer with (a redirect, 410, 418, ...): something in between, or
    a wrong upstream URL. Sending the request again would get the same answer."""


class UpstreamWrongPath(UpstreamUnexpectedStatus):
    """A 404 that is not the API's: bare, or OpenAI's "Invalid URL" for a path it does not serve.
    The gateway calls only the API's paths, so the upstream URL is not the API's base (its `/v1`
    left out, say): taken for a missing conversation, it had every read answered NOT_FOUND and
    `/readyz` ready."""


class UpstreamTimeout(UpstreamError):
    retryable = True


class UpstreamUnavailable(UpstreamError):
    retryable = True


class UpstreamConnectionLost(UpstreamUnavailable):
    """The connection failed after the request went out: a write may have been applied."""


class UpstreamInvalidResponse(UpstreamError):
    pass


class PagesDoNotAdvance(UpstreamInvalidResponse):
    """A page repeats an item of an earlier page of the same scan (a cache in between that ignores
    the query string, say)."""


class UpstreamAnswerTooLarge(UpstreamInvalidResponse):
    """An answer longer than ``limit`` bytes (decompressed), the most the gateway reads of one: the
    rest is not read, and the connection is closed. Asking again would get the same answer, so it
    is not retried, nor held against the upstream by the circuit breaker."""

    def __init__(self, limit: int, message: str | None = None) -> None:
        super().__init__(message or f"The upstream's answer is longer than {limit} bytes.")
        self.limit = limit


class OperationDeadline(UpstreamTimeout):
    """The operation's deadline passed: not the upstream's fault, so not retried or held against it."""

    retryable = False

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent
        """Whether the call had been sent (a write may then have been applied)."""


class CircuitOpen(UpstreamUnavailable):
    retryable = False


class UpstreamBudgetExhausted(UpstreamError):
    pass


class AnswerBudgetExhausted(UpstreamBudgetExhausted):
    """The operation's upstream answers came to more than its budget of bytes
    (`upstream_bytes_budget`): the answer under way is not read on, and no further call is sent."""

    def __init__(self, message: str, *, budget: int, sent: bool) -> None:
        super().__init__(message)
        self.budget = budget
        self.sent = sent
        """Whether the call had been sent (a write may then have been applied)."""


_BY_STATUS: dict[int, type[UpstreamStatusError]] = {
    400: UpstreamBadRequest,
    401: UpstreamUnauthenticated,
    403: UpstreamForbidden,
    404: UpstreamNotFound,
    413: UpstreamBadRequest,
    # The request line or headers are too long for the upstream (or a proxy in front of it): an
    # id of a megabyte, say. The client's request, not a failing upstream.
    414: UpstreamBadRequest,
    415: UpstreamBadRequest,
    422: UpstreamBadRequest,
    431: UpstreamBadRequest,
    429: UpstreamRateLimited,
}


_PLAIN_MESSAGES = {
    414: "The upstream refused the request's URL as too long (HTTP 414): send shorter ids.",
    431: "The upstream refused the request's headers as too long (HTTP 431).",
}
"""Messages for statuses that come from a server or proxy in front of the API, without OpenAI's JSON."""

_WRONG_PATH = (
    "The upstream does not serve the API's paths (it answered 404 to a path the API has): its URL should be "
    "the API's base, such as https://api.openai.com/v1."
)

_RETRIED = frozenset({408, 409})
"""Statuses below 500 that OpenAI's SDK sends again (a request timeout, a conflict)."""


def _retry_after(response: httpx.Response) -> float | None:
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = response.headers.get(header)
        if value is not None:
            try:
                seconds = float(value) / divisor
            except ValueError:
                continue
            if seconds >= 0:
                return seconds
    return None


def error_for_status(response: httpx.Response, path: str = "") -> UpstreamStatusError:
    """The exception for an error response to ``path`` (as sent, percent-encoded), with OpenAI's
    `message`/`param`/`code` when present."""
    message, param, code = (
        _PLAIN_MESSAGES.get(response.status_code, f"The upstream answered {response.status_code}."),
        None,
        None,
    )
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        message = abridged(str(error.get("message") or message))
        param = abridged(error["param"]) if isinstance(error.get("param"), str) else None
        code = error.get("code") if isinstance(error.get("code"), str) else None
    status = response.status_code
    if status == 404 and "%" not in path and (not isinstance(error, dict) or message.startswith("Invalid URL")):
        # Only for a path of plain characters, as every id the API makes is: a client's id holding
        # others (a newline, `%0A`) may reach no route of a server that decodes it, and would
        # otherwise have it taken for a wrong upstream URL, counted towards opening the breaker.
        return UpstreamWrongPath(status, _WRONG_PATH, code=code)
    cls = _BY_STATUS.get(status) or (
        UpstreamServerError if status >= 500 or status in _RETRIED else UpstreamUnexpectedStatus
    )
    if cls is UpstreamRateLimited:
        return UpstreamRateLimited(
            response.status_code, message, retry_after=_retry_after(response), param=param, code=code
        )
    return cls(response.status_code, message, param=param, code=code)


def error_for_transport(error: httpx.TransportError) -> UpstreamError:
    """A transport failure as an upstream error; the message names no host or credential."""
    if isinstance(error, httpx.TimeoutException):
        kind = type(error).__name__.removesuffix("Timeout").lower() or "request"
        return UpstreamTimeout(f"The upstream did not answer in time ({kind} timeout).")
    if isinstance(error, httpx.RemoteProtocolError):
        return UpstreamConnectionLost("The upstream closed the connection in the middle of its answer.")
    if isinstance(error, httpx.NetworkError) and not isinstance(error, httpx.ConnectError):
        return UpstreamConnectionLost("The connection to the upstream was lost during the call.")
    why = _why_unreachable(error)
    return UpstreamUnavailable(
        f"The upstream could not be reached: {why}." if why else "The upstream could not be reached."
    )


def _why_unreachable(error: BaseException) -> str | None:
    """What kept the connection from being made, in words that name no host: the standard
    library's exception at the end of the chain (the transport's, then aiohttp's or httpcore's)."""
    seen: BaseException | None = error
    for _ in range(10):  # a chain is a few links long; a cycle would be a bug, not a reason to hang
        if seen is None:
            break
        if isinstance(seen, ssl.SSLCertVerificationError):
            return "its TLS certificate was not accepted (SSL_CERT_FILE and SSL_CERT_DIR name the certificates trusted)"
        if isinstance(seen, ssl.SSLError):
            return "the TLS handshake failed (does the upstream URL's scheme, http or https, match the server?)"
        if isinstance(seen, socket.gaierror):
            return "its host name did not resolve"
        if isinstance(seen, ConnectionRefusedError):
            return "the connection was refused"
        seen = seen.__cause__ or seen.__context__
    return None
