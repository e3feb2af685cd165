"""What changed between two versions of the GraphQL schema, as a client generated from the older one sees it.

`gateway diff-schema` and the release check in the tests read it. The changes are graphql-core's
(`find_schema_changes`, the port of graphql-js's `findBreakingChanges`), in three kinds:

- **breaking**: an operation or a generated type of the older schema may fail against the newer
  one (a field or a type removed, a field that may now be null, a new required argument);
- **dangerous**: every operation still validates, but a client may meet what it was not
  generated for (a new member of a union, a new value of an enum, a changed default);
- **safe**: additions and new descriptions.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from graphql import (
    BreakingChange,
    DangerousChange,
    GraphQLError,
    GraphQLSchema,
    Source,
    build_client_schema,
    build_schema,
    find_schema_changes,
)

__all__ = ["SchemaChange", "UnreadableSchema", "compare", "read_schema", "read_schema_file"]

Kind = Literal["breaking", "dangerous", "safe"]


class UnreadableSchema(Exception):
    """A file that holds no schema this module can read; the message says which and why."""


@dataclass(frozen=True)
class SchemaChange:
    """One change, in graphql-core's words: ``code`` is its ``BreakingChangeType``,
    ``DangerousChangeType`` or ``SafeChangeType`` member's name (``FIELD_REMOVED``)."""

    kind: Kind
    code: str
    description: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.code}: {self.description}"


def compare(old: GraphQLSchema, new: GraphQLSchema) -> list[SchemaChange]:
    """Every change from ``old`` to ``new``: the breaking ones first, then the dangerous, then the
    safe, each kind in graphql-core's order (by type name)."""
    changes = [
        SchemaChange(_kind(change), change.type.name, change.description) for change in find_schema_changes(old, new)
    ]
    order: dict[Kind, int] = {"breaking": 0, "dangerous": 1, "safe": 2}
    return sorted(changes, key=lambda change: order[change.kind])


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


def _kind(change: BreakingChange | DangerousChange | object) -> Kind:
    if isinstance(change, BreakingChange):
        return "breaking"
    if isinstance(change, DangerousChange):
        return "dangerous"
    return "safe"
