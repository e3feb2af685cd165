"""Limits checked before an operation runs, each with its own `extensions.code`.

    OPERATION_TOO_DEEP        selection sets nested deeper than `max_depth`
    TOO_MANY_ALIASES          more than `max_aliases` aliases
    TOO_MANY_TOKENS           a document of more than `max_tokens` tokens (refused while parsing)
    OPERATION_TOO_EXPENSIVE   more upstream calls than `upstream_budget` could be needed

The last is an estimate from the document and its variables (connection sizes, `nodes` list
lengths, aliases, mutations), an upper bound that ignores de-duplication. During execution the
upstream session also counts real calls and stops at the same budget, so no operation the
estimate misjudges can spend more.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
)
from strawberry.types import ExecutionContext

from gateway.schema.pagination import DEFAULT_FIRST, UPSTREAM_PAGE

__all__ = ["Limits", "check_budget", "estimate_upstream_calls", "validation_rules"]


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = 15
    max_aliases: int = 250
    max_tokens: int = 15_000
    upstream_budget: int = 50


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {node.name.value: node for node in document.definitions if isinstance(node, FragmentDefinitionNode)}


def _depth(
    selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode], seen: frozenset[str]
) -> int:
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments, seen))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, seen))
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                deepest = max(deepest, _depth(fragment.selection_set, fragments, seen | {selection.name.value}))
    return deepest


def _depth_rule(limit: int) -> type[ASTValidationRule]:
    class OperationDepth(ASTValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            depth = _depth(node.selection_set, _fragments(self.context.document), frozenset())
            if depth > limit:
                self.report_error(
                    GraphQLError(
                        f"The operation nests {depth} levels deep; the limit is {limit}. Split it into smaller ones.",
                        node,
                        extensions={"code": "OPERATION_TOO_DEEP", "limit": limit},
                    )
                )

    return OperationDepth


def _alias_rule(limit: int) -> type[ASTValidationRule]:
    class AliasCount(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.count = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self.count += 1

        def leave_document(self, node: DocumentNode, *_: Any) -> None:
            if self.count > limit:
                self.report_error(
                    GraphQLError(
                        f"The document has {self.count} aliases; the limit is {limit}.",
                        node,
                        extensions={"code": "TOO_MANY_ALIASES", "limit": limit},
                    )
                )

    return AliasCount


def _argument(field: FieldNode, name: str, variables: Mapping[str, Any]) -> Any:
    for argument in field.arguments or ():
        if argument.name.value == name:
            value = argument.value
            if isinstance(value, VariableNode):
                return variables.get(value.name.value)
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, ListValueNode):
                return list(value.values)
            return getattr(value, "value", None)
    return None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def _items_calls(field: FieldNode, variables: Mapping[str, Any]) -> int:
    first, last = _count(_argument(field, "first", variables)), _count(_argument(field, "last", variables))
    wanted = max(first, last) or DEFAULT_FIRST
    pages = math.ceil((wanted + 1) / UPSTREAM_PAGE)
    cursors = _argument(field, "after", variables) is not None or _argument(field, "before", variables) is not None
    return pages + (1 if cursors else 0)  # a cursor's neighbour check for pageInfo


def _calls(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    seen: frozenset[str],
) -> int:
    total = 0
    for selection in _selections(selection_set, fragments, seen):
        name = selection.name.value
        below = _calls(selection.selection_set, fragments, variables, seen)
        if name == "items" and selection.selection_set is not None:
            total += _items_calls(selection, variables) + below
        elif name == "nodes" and _argument(selection, "ids", variables) is not None:
            ids = _argument(selection, "ids", variables)
            total += (len(ids) if isinstance(ids, list) else 1) * (1 + below)
        elif name in _ONE_CALL:
            total += 1 + below
        else:
            total += below
    return total


# Fields that make one upstream call each (reads through loaders, and every mutation).
_ONE_CALL = frozenset(
    {
        "conversation",
        "conversationItem",
        "node",
        "createConversation",
        "updateConversation",
        "deleteConversation",
        "addConversationItems",
        "deleteConversationItem",
    }
)


def _selections(
    selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode], seen: frozenset[str]
) -> Iterator[FieldNode]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _selections(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _selections(fragment.selection_set, fragments, seen | {selection.name.value})


class _Variables(Mapping[str, Any]):
    """An operation's variables, noting whether any was read."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values
        self.read = False

    def __getitem__(self, name: str) -> Any:
        self.read = True
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        self.read = True
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def estimate_upstream_calls(document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]) -> int:
    """The most upstream calls the operation could make (no de-duplication assumed)."""
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    chosen = [
        node for node in operations if operation_name is None or (node.name and node.name.value == operation_name)
    ]
    if not chosen:
        return 0
    return _calls(chosen[0].selection_set, _fragments(document), variables, frozenset())


def validation_rules(limits: Limits) -> tuple[type[ASTValidationRule], ...]:
    """The validation rules that enforce the depth and alias limits."""
    return (_depth_rule(limits.max_depth), _alias_rule(limits.max_aliases))


def check_budget(context: ExecutionContext, budget: int, known: dict[str | None, int] | None = None) -> None:
    """Before execution: hand the budget to the upstream session, and refuse an operation that
    could need more upstream calls than the budget (the result is then set, and nothing runs).

    ``known`` keeps the document's estimates that read no variable, by operation name: most
    documents' estimates do not depend on their variables, and the walk is then done once.
    """
    session = getattr(getattr(context.context, "loaders", None), "session", None)
    if session is not None:
        session.budget = budget
    document = context.graphql_document
    if document is not None:
        name = context.operation_name
        estimate = None if known is None else known.get(name)
        if estimate is None:
            variables = _Variables(context.variables or {})
            estimate = estimate_upstream_calls(document, name, variables)
            if known is not None and not variables.read:
                known[name] = estimate
        if estimate > budget:
            error = GraphQLError(
                f"This operation could make up to {estimate} upstream calls; the limit is {budget}. "
                "Ask for fewer items, ids or aliases, or split it.",
                extensions={"code": "OPERATION_TOO_EXPENSIVE", "estimate": estimate, "limit": budget},
            )
            context.result = ExecutionResult(data=None, errors=[error])
