"""Limits checked before an operation runs, each with its own `extensions.code`.

    OPERATION_TOO_DEEP        selection sets nested deeper than `max_depth`
    TOO_MANY_ALIASES          more than `max_aliases` aliases
    TOO_MANY_TOKENS           a document of more than `max_tokens` tokens (refused while parsing)
    OPERATION_TOO_COMPLEX     more than `max_selections` fields and fragments once fragments are
                              spread; same-named fields that take more than `max_validation_work`
                              to check; fragments nested or spread past graphql-core's bounds;
                              introspection that is not in good faith (`_introspection_rule`)
    OPERATION_TOO_EXPENSIVE   more upstream calls than `upstream_budget` could be needed

The last is an estimate from the document and its variables (connection sizes, the ids of `nodes`,
aliases, mutations; what `@skip` and `@include` leave out is not counted): the calls the operation
makes when the upstream answers, at most. An id repeated in `nodes` counts once, as it is fetched
once; other repeats (aliases of one field) count each time. A conversation's record counts only
where a selected field reads it or, at the root, where no page of its items is selected:
otherwise the first page shows that the conversation exists. The calls a failure brings
(retries; the record, read when a page fails) are not estimated. During execution the upstream
session counts every call and stops at the same budget, so no operation can spend more.

`max_answer_bytes` is not checked here: the executor counts the answer while it builds it, and
refuses the operation past it (:mod:`gateway.schema.answer_size`, OPERATION_TOO_EXPENSIVE too).
"""

from __future__ import annotations

import math
import re
from collections import ChainMap, Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    BooleanValueNode,
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
    OverlappingFieldsCanBeMergedRule,
    SelectionNode,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
)
from graphql.utilities import value_from_ast_untyped
from graphql.validation.validate import ValidationAbortedError
from strawberry.types import ExecutionContext

from gateway.schema.answer_size import MAX_ANSWER_BYTES
from gateway.schema.conversation import CONVERSATION_TYPES, FIELDS_WITHOUT_RECORD
from gateway.schema.errors import too_complex_error
from gateway.schema.ids import parse_global_id
from gateway.schema.pagination import DEFAULT_FIRST, MAX_ITEMS, UPSTREAM_PAGE

__all__ = ["Limits", "check_budget", "estimate_upstream_calls", "validation_rules"]


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = 15
    max_aliases: int = 250
    max_tokens: int = 15_000
    upstream_budget: int = 50
    max_validation_work: int = 50_000
    max_selections: int = 20_000
    max_answer_bytes: int = MAX_ANSWER_BYTES


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {node.name.value: node for node in document.definitions if isinstance(node, FragmentDefinitionNode)}


class _Shape:
    """The depth and the size (fields and fragments, once every fragment spread is expanded) of a
    document's selection sets, each fragment's worked out once.

    What is under `__schema` and `__type` counts in the size, not in the depth: the standard
    introspection query nests 15 levels (`ofType` within `ofType`), so a depth limit under that
    refused GraphiQL and every codegen tool, and good faith bounds introspection on its own terms
    (GraphQL Armor's depth limit leaves introspection out by default too).

    Walked spread by spread, a fragment that spreads another twice, which spreads another twice,
    and so on, doubles the work at each level: 30 such fragments, a document of a thousand
    characters, would take longer than anyone waits. Here each fragment is walked once.
    """

    def __init__(self, document: DocumentNode) -> None:
        self._fragments = _fragments(document)
        self._known: dict[str, tuple[int, int]] = {}
        self._walking: set[str] = set()

    def of(self, selection_set: SelectionSetNode | None) -> tuple[int, int]:
        """(depth, size) of ``selection_set``."""
        if selection_set is None:
            return 0, 0
        deepest, size = 0, 0
        for selection in selection_set.selections:
            size += 1
            if isinstance(selection, FieldNode):
                depth, below = self.of(selection.selection_set)
                if selection.name.value in _INTROSPECTION_ROOTS:
                    depth = 0  # introspection is held to good faith instead (`_introspection_rule`)
                deepest, size = max(deepest, 1 + depth), size + below
            elif isinstance(selection, InlineFragmentNode):
                depth, below = self.of(selection.selection_set)
                deepest, size = max(deepest, depth), size + below
            elif isinstance(selection, FragmentSpreadNode):
                depth, below = self._fragment(selection.name.value)
                deepest, size = max(deepest, depth), size + below
        return deepest, size

    def _fragment(self, name: str) -> tuple[int, int]:
        known = self._known.get(name)
        if known is not None:
            return known
        fragment = self._fragments.get(name)
        if fragment is None or name in self._walking:
            return 0, 0  # an unknown fragment, or a cycle: graphql-core's rules report those
        self._walking.add(name)
        try:
            shape = self._known[name] = self.of(fragment.selection_set)
        finally:
            self._walking.discard(name)
        return shape


def _shape_rule(max_depth: int, max_selections: int) -> type[ASTValidationRule]:
    class OperationShape(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.shape = _Shape(context.document)

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            depth, size = self.shape.of(node.selection_set)
            if depth > max_depth:
                self.report_error(
                    GraphQLError(
                        f"The operation nests {depth} levels deep; the limit is {max_depth}. "
                        "Split it into smaller ones.",
                        node,
                        extensions={"code": "OPERATION_TOO_DEEP", "limit": max_depth},
                    )
                )
            if size > max_selections:
                self.report_error(
                    GraphQLError(
                        f"The operation selects {size} fields and fragments once its fragments are spread "
                        f"(a fragment spread twice counts twice); the limit is {max_selections}. "
                        "Spread each fragment only where it is needed, or split the operation.",
                        node,
                        extensions={"code": "OPERATION_TOO_COMPLEX", "limit": max_selections},
                    )
                )

    return OperationShape


MAX_INTROSPECTION_FIELDS = 500
"""Fields an operation's introspection may select once its fragments are spread: graphql-java's
bound for good-faith introspection. graphql-core's introspection query, every option on and types
wrapped nine deep, selects 232 (graphql-js's, which GraphiQL sends, wraps them seven deep)."""

_INTROSPECTION_ROOTS = ("__schema", "__type")
# The fields by which a type leads to other types, each a list: nested, they walk the schema again
# at each level. `ofType` leads to one type, and only as deep as the type is wrapped.
_TYPE_LISTS = ("fields", "inputFields", "interfaces", "possibleTypes")
_ALL = ""  # the key of the count of every introspection field
_MAYBE_INTROSPECTION = re.compile(r"__(?:schema|type)(?![_0-9A-Za-z])")


class _Introspection:
    """How often an operation selects each introspection field that can multiply its answer, and
    how many introspection fields it selects, once every fragment spread is expanded (each
    fragment worked out once, as in :class:`_Shape`).

    Under `__schema` and `__type` every type is an introspection type, and those have no field of
    the schema's own: a field named `fields` there is `__Type.fields`, whatever its fragment.
    """

    def __init__(self, document: DocumentNode) -> None:
        self._fragments = _fragments(document)
        self._known: dict[tuple[str, bool], Counter[str]] = {}
        self._walking: set[tuple[str, bool]] = set()

    def of(self, selection_set: SelectionSetNode | None, inside: bool) -> Counter[str]:
        """The counts of ``selection_set``, within introspection (``inside``) or not."""
        counts: Counter[str] = Counter()
        if selection_set is None:
            return counts
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if inside:
                    counts[_ALL] += 1
                    if name in _TYPE_LISTS:
                        counts[name] += 1
                elif name in _INTROSPECTION_ROOTS:
                    counts[name] += 1
                    counts[_ALL] += 1
                counts.update(self.of(selection.selection_set, inside or name in _INTROSPECTION_ROOTS))
            elif isinstance(selection, InlineFragmentNode):
                counts.update(self.of(selection.selection_set, inside))
            elif isinstance(selection, FragmentSpreadNode):
                counts.update(self._fragment(selection.name.value, inside))
        return counts

    def _fragment(self, name: str, inside: bool) -> Counter[str]:
        key = (name, inside)
        known = self._known.get(key)
        if known is not None:
            return known
        fragment = self._fragments.get(name)
        if fragment is None or key in self._walking:
            return Counter()  # an unknown fragment, or a cycle: graphql-core's rules report those
        self._walking.add(key)
        try:
            counts = self._known[key] = self.of(fragment.selection_set, inside)
        finally:
            self._walking.discard(key)
        return counts


def _introspection_rule() -> type[ASTValidationRule]:
    """Good-faith introspection, as graphql-java enforces it.

    An introspection answer is built by graphql-core's own resolvers, field by field, some twenty
    times slower per byte than the gateway's plans for data, and needs no upstream call, so no
    budget bounds it: 250 aliases of `__schema { types { ...FullType } }` (a request of 3 KB,
    within every other limit) were a 38 MB answer and 28 s of CPU with the event loop held
    throughout, and `fields { type { fields { ... } } }` walks the schema again at each level.
    So an operation may select `__schema` and `__type` once each, each of `_TYPE_LISTS` once, and
    at most `MAX_INTROSPECTION_FIELDS` introspection fields; the standard introspection query,
    GraphiQL's included, is well within.
    """

    class GoodFaithIntrospection(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            source = document.loc.source.body if document.loc is not None else None
            self.walker = (
                None if source is not None and not _MAYBE_INTROSPECTION.search(source) else _Introspection(document)
            )

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            if self.walker is None:
                return
            counts = self.walker.of(node.selection_set, False)
            for name in _INTROSPECTION_ROOTS:
                if counts[name] > 1:
                    self._refuse(
                        f"The operation selects `{name}` {counts[name]} times (each alias and each fragment spread "
                        "counts); introspection may select `__schema` and `__type` once each per operation. "
                        "Select it once.",
                        node,
                        1,
                    )
            for name in _TYPE_LISTS:
                if counts[name] > 1:
                    self._refuse(
                        f"The operation's introspection selects `{name}` {counts[name]} times (each alias and each "
                        "fragment spread counts); `fields`, `inputFields`, `interfaces` and `possibleTypes` may "
                        "each be selected once per operation, since nesting them walks the schema again at each "
                        "level. Select each once, as the standard introspection query does.",
                        node,
                        1,
                    )
            if counts[_ALL] > MAX_INTROSPECTION_FIELDS:
                self._refuse(
                    f"The operation's introspection selects {counts[_ALL]} fields once its fragments are spread; "
                    f"the limit is {MAX_INTROSPECTION_FIELDS} (the standard introspection query selects about 230). "
                    "Ask for the schema once, or read the committed schema.graphql.",
                    node,
                    MAX_INTROSPECTION_FIELDS,
                )

        def _refuse(self, message: str, node: OperationDefinitionNode, limit: int) -> None:
            self.report_error(GraphQLError(message, node, extensions={"code": "OPERATION_TOO_COMPLEX", "limit": limit}))

    return GoodFaithIntrospection


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


_CONVERSATION = frozenset({"Conversation"})


def _distinct(ids: list[Any], variables: Mapping[str, Any]) -> int:
    """How many different ids ``ids`` holds: the loaders fetch each once. A conversation's global id
    and its `conv_...` id name the same conversation. An id not known before execution (not a
    string) counts on its own."""
    seen: set[str] = set()
    unknown = 0
    for value in ids:
        given = variables.get(value.name.value) if isinstance(value, VariableNode) else getattr(value, "value", value)
        if isinstance(given, str):
            conversation = parse_global_id(given, _CONVERSATION)
            seen.add(given if conversation is None else conversation[1])
        else:
            unknown += 1
    return len(seen) + unknown


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def _items_calls(field: FieldNode, variables: Mapping[str, Any]) -> int:
    # Past MAX_ITEMS the field refuses its argument (BAD_USER_INPUT, which says so) before any call.
    first, last = (min(_count(_argument(field, name, variables)), MAX_ITEMS) for name in ("first", "last"))
    wanted = max(first, last) or DEFAULT_FIRST
    pages = math.ceil((wanted + 1) / UPSTREAM_PAGE)
    after, before = (_argument(field, name, variables) is not None for name in ("after", "before"))
    # A cursor's neighbour check for pageInfo: an item beyond the page, or with none in the page,
    # beyond the cursor or the cursor's own item.
    calls = pages + (2 if after or before else 0)
    # The cursor a page runs towards (`before` forwards, `after` backwards), when the page does not
    # meet it: its place, and with both cursors whether its item still exists (pagination.py).
    forward = _argument(field, "first", variables) is not None or _argument(field, "last", variables) is None
    if before if forward else after:
        calls += 2 if after and before else 1
    return calls


def _calls(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    seen: frozenset[str],
    *,
    root: bool = False,
    record_given: bool = False,
) -> int:
    total = 0
    for selection in _selections(selection_set, fragments, variables, seen):
        name = selection.name.value
        given = root and name in _WRITES_ANSWERING_THE_RECORD
        below = _calls(selection.selection_set, fragments, variables, seen, record_given=given)
        if name == "items" and selection.selection_set is not None:
            total += _items_calls(selection, variables) + below
        elif name == "nodes" and root and _argument(selection, "ids", variables) is not None:
            ids = _argument(selection, "ids", variables)
            count = _distinct(ids, variables) if isinstance(ids, list) else 1
            total += count * (_record_calls(selection, fragments, variables, root) + below)
        elif name == "conversation" or (name == "node" and root):
            # A root `node` that names an item makes one call: the record or a page counts at least one.
            total += (0 if record_given else _record_calls(selection, fragments, variables, root)) + below
        elif name in _ONE_CALL and root:
            total += 1 + below
        else:
            total += below
    return total


# Writes whose answer is the conversation's record: their payload's `conversation` reads none.
_WRITES_ANSWERING_THE_RECORD = frozenset({"createConversation", "updateConversation", "deleteConversationItem"})

# Root fields that make one upstream call each (an item's read, and every mutation).
_ONE_CALL = frozenset(
    {
        "conversationItem",
        "createConversation",
        "updateConversation",
        "deleteConversation",
        "addConversationItems",
        "deleteConversationItem",
    }
)


def _record_calls(
    field: FieldNode, fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any], root: bool
) -> int:
    """1 when the record of the conversation ``field`` (`conversation`, `node`, `nodes`) names is read, else 0.

    A selected field reads the record (anything but the id fields and `items`). At the root, with
    no page selected, the record is read to find out whether the conversation exists; a mutation's
    payload names one the write has just found (and those of `_WRITES_ANSWERING_THE_RECORD` hold
    its record: they do not come here).
    """
    names = _conversation_fields(field.selection_set, fragments, variables, frozenset())
    if not names <= FIELDS_WITHOUT_RECORD:
        return 1
    return 1 if root and "items" not in names else 0


def _conversation_fields(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    seen: frozenset[str],
) -> set[str]:
    """The names of the fields ``selection_set`` asks of a conversation (fragments on other types left out)."""
    names: set[str] = set()
    for selection in selection_set.selections if selection_set is not None else ():
        if not _included(selection, variables):
            continue
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if condition is None or condition.name.value in CONVERSATION_TYPES:
                names |= _conversation_fields(selection.selection_set, fragments, variables, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None and fragment.type_condition.name.value in CONVERSATION_TYPES:
                names |= _conversation_fields(
                    fragment.selection_set, fragments, variables, seen | {selection.name.value}
                )
    return names


def _selections(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    seen: frozenset[str],
) -> Iterator[FieldNode]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if not _included(selection, variables):
            continue
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _selections(selection.selection_set, fragments, variables, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _selections(fragment.selection_set, fragments, variables, seen | {selection.name.value})


def _included(selection: SelectionNode, variables: Mapping[str, Any]) -> bool:
    """False when `@skip(if: true)` or `@include(if: false)` leaves ``selection`` out, as execution
    will. A condition not known here (a variable neither given nor defaulted, which validation or
    coercion refuses anyway) counts the selection in: the estimate is an upper bound. Variables
    are read only for such a directive, so most documents' estimates still do not depend on them."""
    for directive in selection.directives or ():
        name = directive.name.value
        if name not in _CONDITIONS:
            continue
        condition = next(
            (argument.value for argument in directive.arguments or () if argument.name.value == "if"), None
        )
        if isinstance(condition, VariableNode):
            value = variables.get(condition.name.value)
        elif isinstance(condition, BooleanValueNode):
            value = condition.value
        else:
            continue
        if value is _CONDITIONS[name]:
            return False
    return True


_CONDITIONS = {"skip": True, "include": False}
"""Each directive, and the value of its `if` that leaves the selection out."""


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
    """The most upstream calls the operation makes when the upstream answers (see the module)."""
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    chosen = [
        node for node in operations if operation_name is None or (node.name and node.name.value == operation_name)
    ]
    if not chosen:
        return 0
    operation = chosen[0]
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    if defaults:  # a variable not given takes its default, as in execution
        variables = ChainMap(variables, defaults)  # type: ignore[arg-type]
    return _calls(operation.selection_set, _fragments(document), variables, frozenset(), root=True)


def _merging_rule(work: int) -> type[ASTValidationRule]:
    """graphql-core's rule that same-named fields can be merged, with a budget of ``work``.

    Checking that fields of one response name can be merged compares them in pairs: a document of
    15,000 tokens that repeats one field, or spreads one fragment under itself, can take a second
    of CPU before graphql-core's own budget (500,000) stops it, and the event loop serves nobody
    else meanwhile. The gateway's documents spend a few dozen units; at 50,000 the costliest such
    documents within the token limit take 0.13-0.34 s in all, parsing and the other rules included,
    against up to 1.8 s (`make bench-documents`; bench/README.md has the table).
    """

    class FieldsCanBeMerged(OverlappingFieldsCanBeMergedRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.rule_context.remaining_complexity_budget = work

        def enter_selection_set(self, node: SelectionSetNode, key: Any, parent: Any, *rest: Any) -> None:
            try:
                super().enter_selection_set(node, key, parent, *rest)
            except ValidationAbortedError:
                # graphql-core's abort, with the gateway's code and limit: validation stops here.
                what = f"checking that its fields of the same name can be merged takes more than {work} steps"
                raise too_complex_error(what, node, work) from None

    return FieldsCanBeMerged


def validation_rules(
    limits: Limits, defaults: tuple[type[ASTValidationRule], ...]
) -> tuple[type[ASTValidationRule], ...]:
    """``defaults`` (Strawberry's: the specification's rules) with the field-merging check bounded
    by ``limits``, and the rules that enforce the depth and alias limits."""
    merging = _merging_rule(limits.max_validation_work)
    bounded = tuple(merging if rule is OverlappingFieldsCanBeMergedRule else rule for rule in defaults)
    if merging not in bounded:
        msg = "the default validation rules have no OverlappingFieldsCanBeMergedRule to bound"
        raise RuntimeError(msg)
    return (
        *bounded,
        _shape_rule(limits.max_depth, limits.max_selections),
        _alias_rule(limits.max_aliases),
        _introspection_rule(),
    )


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
