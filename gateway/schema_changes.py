"""What changed between two versions of the GraphQL schema, as a client generated from the older one sees it.

`gateway diff-schema` and the release check in the tests read it. A schema comes from a file (SDL
or an introspection result) or from a running GraphQL endpoint, introspected. The changes are graphql-core's
(`find_schema_changes`, the port of graphql-js's `findBreakingChanges`), in three kinds:

- **breaking**: an operation or a generated type of the older schema may fail against the newer
  one (a field or a type removed, a field that may now be null, a new required argument);
- **dangerous**: every operation still validates, but a client may meet what it was not
  generated for (a new member of a union, a new value of an enum, a changed default);
- **deprecation**: a field, argument, input field or enum value newly marked `@deprecated`: it
  still works, and a later breaking release may remove it (graphql-core does not report these;
  this module finds them);
- **safe**: additions and new descriptions.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
from graphql import (
    BreakingChange,
    DangerousChange,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    Source,
    build_client_schema,
    build_schema,
    find_schema_changes,
    get_introspection_query,
    specified_directives,
)

__all__ = [
    "SchemaChange",
    "UnreadableSchema",
    "compare",
    "introspect",
    "read_schema",
    "read_schema_file",
    "read_schema_from",
]

INTROSPECTION_QUERY = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    input_value_deprecation=True,
    one_of=True,
)
"""What `introspect` asks: everything SDL can say, so that a live schema and its SDL compare equal."""

_SPECIFIED_DIRECTIVES = frozenset(directive.name for directive in specified_directives)
_DIRECTIVE_DESCRIBED = re.compile(r"Description of @(\w+) has changed")

Kind = Literal["breaking", "dangerous", "deprecation", "safe"]


class UnreadableSchema(Exception):
    """A file or an endpoint that gives no schema this module can read; the message says which and why."""


@dataclass(frozen=True)
class SchemaChange:
    """One change, in graphql-core's words: ``code`` is its ``BreakingChangeType``,
    ``DangerousChangeType`` or ``SafeChangeType`` member's name (``FIELD_REMOVED``), or for a
    deprecation ``FIELD_DEPRECATION_ADDED``, ``ARGUMENT_DEPRECATION_ADDED``,
    ``INPUT_FIELD_DEPRECATION_ADDED`` or ``ENUM_VALUE_DEPRECATION_ADDED`` (graphql-inspector's names)."""

    kind: Kind
    code: str
    description: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.code}: {self.description}"


def compare(old: GraphQLSchema, new: GraphQLSchema) -> list[SchemaChange]:
    """Every change from ``old`` to ``new``: the breaking ones first, then the dangerous, the
    deprecations and the safe, each kind by type name."""
    changes = [
        SchemaChange(_kind(change), change.type.name, change.description)
        for change in find_schema_changes(old, new)
        if not _restated(change.description)
    ]
    changes += _deprecations(old, new)
    order: dict[Kind, int] = {"breaking": 0, "dangerous": 1, "deprecation": 2, "safe": 3}
    return sorted(changes, key=lambda change: order[change.kind])


def _deprecations(old: GraphQLSchema, new: GraphQLSchema) -> list[SchemaChange]:
    """What ``new`` deprecates that ``old`` has and did not: fields, their arguments, input fields
    and enum values (what ``old`` lacks is an addition, reported as such), by name."""
    before = _deprecatable(old)
    return [
        SchemaChange("deprecation", code, f"{what} is deprecated: {reason}")
        for what, (code, reason) in sorted(_deprecatable(new).items())
        if reason is not None and what in before and before[what][1] is None
    ]


def _deprecatable(schema: GraphQLSchema) -> dict[str, tuple[str, str | None]]:
    """Each field, argument, input field and enum value of ``schema``, by how a change names it
    (`Field Conversation.createdAt`): the code of its deprecation, and its deprecation's reason."""
    found: dict[str, tuple[str, str | None]] = {}
    for name, named in schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                found[f"Enum value {name}.{value_name}"] = ("ENUM_VALUE_DEPRECATION_ADDED", value.deprecation_reason)
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                reason = input_field.deprecation_reason
                found[f"Input field {name}.{field_name}"] = ("INPUT_FIELD_DEPRECATION_ADDED", reason)
        elif isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                found[f"Field {name}.{field_name}"] = ("FIELD_DEPRECATION_ADDED", field.deprecation_reason)
                for argument_name, argument in field.args.items():
                    what = f"Argument {name}.{field_name}({argument_name}:)"
                    found[what] = ("ARGUMENT_DEPRECATION_ADDED", argument.deprecation_reason)
    return found


def read_schema(text: str, name: str) -> GraphQLSchema:
    """The schema ``text`` holds: SDL (`schema.graphql`, what `gateway export-schema` writes), or
    an introspection result as JSON (``{"__schema": ...}``, or a whole answer with ``data``), as
    codegen set-ups often keep one. ``name`` says where it came from, in errors and in a syntax
    error's location."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            return _from_introspection(json.loads(text), name)
        return build_schema(Source(text, name))
    except json.JSONDecodeError as error:
        raise UnreadableSchema(f"{name} is not JSON: {error}") from None
    except (GraphQLError, TypeError) as error:
        raise UnreadableSchema(f"{name} is not a GraphQL schema: {error}") from None


def read_schema_from(source: str, headers: Mapping[str, str]) -> GraphQLSchema:
    """The schema at ``source``: an http(s) URL is introspected (with ``headers``), anything else is
    a file for :func:`read_schema_file`."""
    if source.startswith(("http://", "https://")):
        return introspect(source, headers)
    return read_schema_file(source)


def read_schema_file(path: Path | str) -> GraphQLSchema:
    """:func:`read_schema` of a file, ``-`` for standard input."""
    name = "standard input" if str(path) == "-" else str(path)
    try:
        text = sys.stdin.read() if str(path) == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise UnreadableSchema(f"cannot read {name}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise UnreadableSchema(f"cannot read {name}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    return read_schema(text, name)


def _from_introspection(document: object, name: str) -> GraphQLSchema:
    if isinstance(document, dict) and isinstance(document.get("data"), dict):
        document = document["data"]
    if not isinstance(document, dict) or not isinstance(document.get("__schema"), dict):
        raise UnreadableSchema(f'{name} is JSON but not an introspection result (no "__schema")')
    try:
        return build_client_schema(document)  # type: ignore[arg-type]
    # graphql-core checks the result's outline only, then reads its members as it finds them.
    except KeyError as error:
        raise UnreadableSchema(f"{name} is not a whole introspection result: it has no {error}") from None
    except (AttributeError, TypeError) as error:
        raise UnreadableSchema(f"{name} is not a well-formed introspection result: {error}") from None


def introspect(url: str, headers: Mapping[str, str], *, timeout: float = 30.0) -> GraphQLSchema:
    """The schema a GraphQL endpoint tells by introspection (a POST of the standard query)."""
    accept = {"Accept": "application/graphql-response+json, application/json"}
    try:
        answer = httpx.post(url, json={"query": INTROSPECTION_QUERY}, headers={**accept, **headers}, timeout=timeout)
    except httpx.HTTPError as error:
        raise UnreadableSchema(f"cannot introspect {url}: {error or type(error).__name__}") from None
    if answer.is_redirect:
        target = answer.url.join(answer.headers.get("location", ""))
        raise UnreadableSchema(f"{url} redirects to {target}: give that address")
    try:
        body: Any = answer.json()
    except ValueError:
        said = f"{answer.status_code} {answer.reason_phrase}".strip()
        raise UnreadableSchema(f"cannot introspect {url}: it answered {said}, not GraphQL") from None
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors and isinstance(errors, list):
        first = errors[0] if isinstance(errors[0], dict) else {}
        code = (first.get("extensions") or {}).get("code")
        said = f"{code}: {first.get('message')}" if code else str(first.get("message"))
        raise UnreadableSchema(f"{url} refused introspection ({answer.status_code}): {said}")
    if not answer.is_success:
        raise UnreadableSchema(f"cannot introspect {url}: it answered {answer.status_code}, not GraphQL")
    return _from_introspection(body, url)


def _restated(description: str) -> bool:
    """Whether a change only restates a directive the specification defines (`@oneOf` in SDL has no
    description, and introspection gives graphql-core's): not a change a client can see."""
    restated = _DIRECTIVE_DESCRIBED.match(description)
    return restated is not None and restated[1] in _SPECIFIED_DIRECTIVES


def _kind(change: BreakingChange | DangerousChange | object) -> Kind:
    if isinstance(change, BreakingChange):
        return "breaking"
    if isinstance(change, DangerousChange):
        return "dangerous"
    return "safe"
