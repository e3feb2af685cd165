"""Errors at the GraphQL edge: every failure becomes a GraphQL error with a stable `extensions.code`.

Resolvers raise :class:`GatewayError` for what the gateway itself refuses, and let upstream
exceptions (:mod:`gateway.upstream.errors`) propagate. :func:`code_errors` translates both in
one place when the operation ends:

    UpstreamNotFound            NOT_FOUND
    UpstreamUnauthenticated     UNAUTHENTICATED (MalformedKey too: a key, organization or project that is
                                not printable ASCII; NotBearer: an Authorization that is not Bearer)
    UpstreamForbidden           FORBIDDEN (ScopeWithoutKey too: an organization or project without a key)
    UpstreamRateLimited         RATE_LIMITED (with retryAfter when the upstream said)
    UpstreamBadRequest          BAD_USER_INPUT (with the upstream's param)
    UpstreamTimeout             UPSTREAM_TIMEOUT
    other upstream failures     UPSTREAM_UNAVAILABLE (a circuit kept open after repeated failures too)
    UpstreamBudgetExhausted     OPERATION_TOO_EXPENSIVE
    too many tokens             TOO_MANY_TOKENS (the other limits carry their codes already)
    a variable of the wrong type BAD_USER_INPUT (with the input path)
    an upstream value the schema's type cannot hold (an integer beyond 32 bits for an `Int`)
                                UPSTREAM_UNAVAILABLE (as an enum value it has no name for)
    validation stopped by graphql-core's bounds (fragments nested or spread too often)
                                OPERATION_TOO_COMPLEX
    GraphQL syntax/validation   GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED
    anything else               INTERNAL_SERVER_ERROR, masked, logged with the request id
"""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError, Node
from graphql.validation.validate import ValidationAbortedError
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from gateway.quoting import shorten_quoted
from gateway.schema.convert import UpstreamContractError
from gateway.upstream.client import ORGANIZATION_HEADER, PROJECT_HEADER
from gateway.upstream.errors import (
    MalformedKey,
    NotBearer,
    PagesDoNotAdvance,
    ScopeWithoutKey,
    UpstreamBadRequest,
    UpstreamBudgetExhausted,
    UpstreamError,
    UpstreamForbidden,
    UpstreamInvalidResponse,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamServerError,
    UpstreamTimeout,
    UpstreamUnauthenticated,
    UpstreamUnexpectedStatus,
    UpstreamWrongPath,
)

__all__ = ["GatewayError", "bad_input", "code_errors", "document_coded", "drop_tracebacks", "too_complex_error"]

logger = logging.getLogger("gateway.errors")

_VARIABLE_PATH = re.compile(r" at (\.[^:]+):")
_VARIABLE_NAME = re.compile(r"^Variable '\$([^']+)'")
_VARIABLE_VALUE = re.compile(r"^Variable '\$[^']+' has invalid value\b")
"""graphql-core's message for a variable's value that does not fit its type. Its other messages
that begin "Variable '$" are the document's (a variable never used, not defined, of the wrong
type for where it is used, with a default that does not fit)."""
_TOKENS = re.compile(r"Document contains more than (\d+) tokens")
_ONE_OF = re.compile(r"^OneOf Input Object '(\w+)' must specify exactly one key")
_UNREPRESENTABLE = re.compile(r"^(Int|Float|String|Boolean|ID|Enum '\w+') cannot represent ")
"""graphql-core's message for a result value its type cannot serialize: not the client's document."""


class GatewayError(Exception):
    """A refusal by the gateway itself, with its code and extra `extensions` entries."""

    def __init__(self, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extensions = extensions


_TOO_COMPLEX = (
    "The document is too complex to validate: {what}. Select each field once, spread each fragment "
    "only where it is needed, or split the operation."
)


def too_complex_error(what: str, node: Node, limit: int) -> ValidationAbortedError:
    """The error that stops the validation of a document past the gateway's bound (raised inside a
    validation rule, it ends the validation, and graphql-core reports it as the last error)."""
    extensions = {"code": "OPERATION_TOO_COMPLEX", "limit": limit}
    return ValidationAbortedError(_TOO_COMPLEX.format(what=what), node, extensions=extensions)


def bad_input(message: str, **extensions: Any) -> GatewayError:
    """A `BAD_USER_INPUT` error; name the offending argument or input path in ``extensions``."""
    return GatewayError(message, "BAD_USER_INPUT", **extensions)


def _credentials_refused(error: UpstreamUnauthenticated | UpstreamForbidden) -> tuple[str, str, dict[str, Any]]:
    """The code and message of a key, organization or project refused (by the gateway or the upstream)."""
    match error:
        case MalformedKey(header="Authorization"):
            message = (
                "The API key has characters no API key has (only printable ASCII). Send a valid key as a Bearer token."
            )
            return "UNAUTHENTICATED", message, {}
        case MalformedKey(header=header):
            message = (
                f"The {header} header has characters no such id has (only printable ASCII): send the id, or no header."
            )
            return "UNAUTHENTICATED", message, {}
        case NotBearer():
            message = (
                "The Authorization header is not 'Bearer <key>' (another scheme, or the key with no "
                "scheme): send 'Authorization: Bearer <key>', or no Authorization header."
            )
            return "UNAUTHENTICATED", message, {}
        case UpstreamUnauthenticated(code="mismatched_organization" | "mismatched_project" as code):
            header = ORGANIZATION_HEADER if code == "mismatched_organization" else PROJECT_HEADER
            what = header.removeprefix("OpenAI-").lower()
            message = f"The upstream refused the {header} sent with the API key: it is not the key's {what}."
            return "UNAUTHENTICATED", message, {}
        case UpstreamUnauthenticated():
            # The upstream's message may quote part of the key: never pass it on.
            return "UNAUTHENTICATED", "The upstream refused the API key. Send a valid key as a Bearer token.", {}
        case ScopeWithoutKey(headers=headers):
            message = (
                f"{' and '.join(headers)} may be sent only with a key of the request's own: without one, the "
                "gateway's key is used, in the organization and project it was set up with. Send your key as a "
                "Bearer token with it, or leave the header out."
            )
            return "FORBIDDEN", message, {}
    return "FORBIDDEN", "The API key may not do this.", {}


def _upstream(error: UpstreamError) -> tuple[str, str, dict[str, Any]]:
    match error:
        case UpstreamNotFound():
            return "NOT_FOUND", error.message, {}
        case UpstreamUnauthenticated() | UpstreamForbidden():
            return _credentials_refused(error)
        case UpstreamRateLimited(retry_after=retry_after):
            extra = {} if retry_after is None else {"retryAfter": retry_after}
            return "RATE_LIMITED", "The upstream is rate limiting this key; try again later.", extra
        case UpstreamBadRequest(param=param):
            return "BAD_USER_INPUT", error.message, {} if param is None else {"upstreamParam": param}
        case UpstreamTimeout():
            return "UPSTREAM_TIMEOUT", str(error), {}
        case UpstreamServerError(status=status):
            return "UPSTREAM_UNAVAILABLE", f"The upstream failed (HTTP {status}).", {}
        case UpstreamWrongPath():
            return "UPSTREAM_UNAVAILABLE", error.message, {}
        case UpstreamUnexpectedStatus(status=status):
            message = (
                f"The upstream answered HTTP {status}, which the API does not answer with (is the upstream URL right?)."
            )
            return "UPSTREAM_UNAVAILABLE", message, {}
        case UpstreamInvalidResponse():
            return "UPSTREAM_UNAVAILABLE", str(error), {}
        case UpstreamBudgetExhausted():
            return "OPERATION_TOO_EXPENSIVE", str(error), {}
    return "UPSTREAM_UNAVAILABLE", str(error), {}


def _variable_error_path(message: str) -> str | None:
    """`input.items[0].message.role` from "Variable '$input' has invalid value at .items[0].message.role: ..."."""
    name = _VARIABLE_NAME.search(message)
    if name is None:
        return None
    where = _VARIABLE_PATH.search(message)
    return name.group(1) + (where.group(1) if where else "")


def _one_of_path(type_fields: frozenset[str], value: Any, path: str) -> str | None:
    """Where in the variables an object of a one-of type sets no member or several."""
    if isinstance(value, dict):
        if set(value) <= type_fields and len(value) != 1:
            return path
        for key, inner in value.items():
            found = _one_of_path(type_fields, inner, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found = _one_of_path(type_fields, inner, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _in_a_mutation(context: ExecutionContext) -> bool:
    try:
        return context.operation_type is OperationType.MUTATION
    except RuntimeError:  # no operation to be found (not the case once a result is completed)
        return False


def _graphql_coded(error: GraphQLError, extensions: dict[str, Any], context: ExecutionContext) -> str:
    """The message of an error graphql-core raised itself, its code set in ``extensions``."""
    message = error.message
    one_of = _ONE_OF.match(message)
    if _VARIABLE_VALUE.match(message):
        # A variable's value does not fit its type (a bad enum value, a missing required
        # field): the client's input, at the path graphql-core names.
        extensions["code"] = "BAD_USER_INPUT"
        path = _variable_error_path(message)
        if path is not None:
            extensions["path"] = path
    elif one_of is not None and context.variables:
        extensions["code"] = "BAD_USER_INPUT"
        named = context.schema._schema.type_map.get(one_of.group(1))
        fields = frozenset(getattr(named, "fields", {}))
        path = _one_of_path(fields, context.variables, "")
        if path is not None:
            extensions["path"] = path
            message = f"`{path}`: {message}"
    elif error.path is not None and _UNREPRESENTABLE.match(message):
        # Raised while the result was completed: a value the upstream sent, which the document
        # was right to ask for (the gateway's own leaves, ids and cursors, always fit).
        extensions["code"] = "UPSTREAM_UNAVAILABLE"
        message = f"The upstream sent a value the schema cannot represent ({message})."
        if _in_a_mutation(context):
            # Only a write that succeeded has a result to complete: say so, lest it be sent again.
            message += " The write was applied; only its result cannot be shown."
    else:
        return document_coded(error, extensions)
    # graphql-core names a value, field or fragment whole: a 400 KB enum value was a 400 KB error.
    return shorten_quoted(message)


def document_coded(error: GraphQLError, extensions: dict[str, Any]) -> str:
    """The message of an error in a document itself (it does not parse, or does not validate), its
    code set in ``extensions`` if it has none."""
    message = error.message
    if (tokens := _TOKENS.search(message)) is not None:
        extensions.update(code="TOO_MANY_TOKENS", limit=int(tokens.group(1)))
        message = f"The document has more than {tokens.group(1)} tokens; the limit is {tokens.group(1)}."
    elif message == "Validation aborted." and "code" not in extensions:
        # graphql-core stopped validating: its fragments nest too deep or are spread too often
        # (its own bounds; the gateway's field-merging bound reports itself, with its limit).
        extensions["code"] = "OPERATION_TOO_COMPLEX"
        message = _TOO_COMPLEX.format(what="its fragments are spread, or nested, more often than the gateway checks")
    elif "code" not in extensions:
        syntax = message.startswith("Syntax Error")
        extensions["code"] = "GRAPHQL_PARSE_FAILED" if syntax else "GRAPHQL_VALIDATION_FAILED"
    # graphql-core names a value, field or fragment whole: a 400 KB enum value was a 400 KB error.
    return shorten_quoted(message)


def _tell_contract_break(context: ExecutionContext, error: GraphQLError, message: str) -> None:
    """Tells the operator (`gateway.upstream`, at most a line a second) of an answer found to break
    the API's contract after its models read it: a value GraphQL cannot hold, pages that do not
    advance. The models' own refusals are told where they are made (the upstream client)."""
    loaders = getattr(context.context, "loaders", None)
    if loaders is not None:
        where = ".".join(str(step) for step in error.path or ())
        loaders.session.unreadable.tell(f"the field {where}: {message}")


def _coded(error: GraphQLError, request_id: str | None, context: ExecutionContext) -> GraphQLError:
    original = error.original_error
    extensions: dict[str, Any] = dict(error.extensions or {})
    message = error.message
    if original is None or isinstance(original, GraphQLError):
        message = _graphql_coded(error, extensions, context)
    elif isinstance(original, GatewayError):
        extensions.update(original.extensions, code=original.code)
        message = original.message
    elif isinstance(original, UpstreamError):
        code, message, extra = _upstream(original)
        extensions.update(extra, code=code)
        if isinstance(original, PagesDoNotAdvance):
            _tell_contract_break(context, error, message)
    elif isinstance(original, UpstreamContractError):
        extensions["code"] = "UPSTREAM_UNAVAILABLE"
        message = str(original)
        _tell_contract_break(context, error, message)
    elif "code" not in extensions:
        logger.error("unexpected error (request %s)", request_id, exc_info=original)
        extensions["code"] = "INTERNAL_SERVER_ERROR"
        message = "Unexpected error."
        if request_id is not None:
            extensions["requestId"] = request_id
    coded = GraphQLError(message, path=error.path, extensions=extensions)
    # Where it is in the document, as the original found it: given its nodes, a new error would
    # find each one's line and column again by reading the document from its start (for 5,000
    # failed `nodes` ids, a third of the operation's CPU).
    coded.nodes, coded.source, coded.positions = error.nodes, error.source, error.positions
    coded.locations = error.locations
    return coded


def code_errors(context: ExecutionContext) -> None:
    """Gives every error of the operation's result its `extensions.code` and masks unexpected ones.

    The coded errors replace the originals, which are then let go of their tracebacks: each one's
    frames hold the execution that holds the error, a reference cycle that would keep the whole
    request (every item it fetched) until the cycle collector runs. The coded errors carry no
    traceback, and unexpected errors are logged with theirs before it goes.
    """
    result = context.result
    errors = getattr(result, "errors", None)
    if result is not None and errors:
        request_id = getattr(context.context, "request_id", None)
        result.errors = [_coded(error, request_id, context) for error in errors]
        for error in errors:
            drop_tracebacks(error)


def drop_tracebacks(error: BaseException) -> None:
    """Clears the traceback of ``error`` and of every error it wraps or was raised from."""
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        for linked in (getattr(current, "original_error", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                pending.append(linked)
