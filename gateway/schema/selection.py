"""What an operation selects: the `include` values it needs, and the item pages it will ask for.

The upstream leaves some fields out unless `include` names them. The gateway finds the gated
fields in the selection itself (through fragments and `@skip`/`@include`), so a query that asks
for `logprobs` gets them without knowing the REST flag.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any, TypeVar, cast

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    Node,
    VariableNode,
    get_named_type,
)
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from gateway.schema.enums import Includable

__all__ = [
    "INCLUDE_GATES",
    "current_selections",
    "derived",
    "enum_value",
    "field_names",
    "fields_named",
    "include_values",
    "includes_for",
    "int_argument",
]

INCLUDE_GATES: dict[tuple[str, str], str] = {
    ("OutputTextContent", "logprobs"): "message.output_text.logprobs",
    ("InputImageContent", "imageUrl"): "message.input_image.image_url",
    ("FileSearchCall", "results"): "file_search_call.results",
    ("SearchAction", "sources"): "web_search_call.action.sources",
    ("ComputerScreenshotImage", "imageUrl"): "computer_call_output.output.image_url",
    ("CodeInterpreterCall", "outputs"): "code_interpreter_call.outputs",
    ("Reasoning", "encryptedContent"): "reasoning.encrypted_content",
}
"""(GraphQL type, field) -> the `include` value without which the upstream leaves the field out."""


def _schema(info: Info) -> GraphQLSchema:
    # Strawberry's Info wraps graphql-core's; the field types are only known to the latter.
    schema: GraphQLSchema = info._raw_info.schema
    return schema


V = TypeVar("V")


class _KeptSelections(list[Selection]):
    """Selections kept with their document, and what resolvers derived from them (see :func:`derived`)."""

    __slots__ = ("derived",)

    def __init__(self, selections: Iterable[Selection]) -> None:
        super().__init__(selections)
        self.derived: dict[Hashable, Any] = {}


def derived(selections: Sequence[Selection], key: Hashable, compute: Callable[[], V]) -> V:
    """``compute()``, a fact that depends on ``selections`` alone, worked out once for kept selections.

    Selections that :func:`current_selections` keeps come back for every execution of
    their document with the same variables, and for every node of a `nodes` list: each fact about
    them (the `include` values, the pages to prefetch) is then derived once, not on every call.
    """
    if not isinstance(selections, _KeptSelections):
        return compute()
    try:
        return cast("V", selections.derived[key])
    except KeyError:
        value = selections.derived[key] = compute()
        return value


_SELECTIONS: OrderedDict[
    tuple[tuple[int, ...], bytes], tuple[tuple[weakref.ref[FieldNode], ...], _KeptSelections, int]
] = OrderedDict()
_SELECTIONS_MAX = 1024
_SELECTIONS_BYTES = 16 * 2**20
"""The most the kept selections weigh together (:func:`_weight`): with a fragment spread under
many aliases one field's selections can be 20,000 objects, a few megabytes, and the variables
used under it make a new entry for each value."""
_BYTES_PER_SELECTION = 400
"""What a Strawberry selection (its dataclass, its arguments and directives) costs, about."""
_selections_bytes = 0
_VARIABLES_USED: dict[int, tuple[weakref.ref[Node], frozenset[str]]] = {}
"""The variables used under a field node or in a fragment, by the node's id (the node by a weak
reference, so that its id cannot be taken for another's once it is gone)."""


def current_selections(info: Info) -> list[Selection]:
    """What the operation selects under the field being resolved (fragments and arguments resolved).

    Strawberry builds this from the document's AST on every call, for the whole sub-tree; clients
    send the same few documents again and again, and the parse cache hands back the same AST for
    the same text. So the result is kept per AST node and the values of the variables used in its
    sub-selections (not in the field's own arguments: a conversation's id, or the text of a
    message a mutation adds, does not change what is selected under it), at most 1,024 of them
    and `_SELECTIONS_BYTES` of them together, the oldest dropped first. The nodes are known by
    weak references, so that their ids cannot be taken for another document's, and a kept entry
    does not keep its document (every token and node of it) once the parse cache has let it go.
    What resolvers derive from a kept result lives and goes with it (:func:`derived`).
    """
    global _selections_bytes  # noqa: PLW0603 - the cache's weight, with the cache
    raw = info._raw_info
    nodes = tuple(raw.field_nodes)
    used = sorted({name for node in nodes for name in _variables_used(node, raw.fragments)})
    try:
        values = orjson.dumps([info.variable_values.get(name) for name in used])
    except TypeError:  # a value orjson cannot write: build the selection each time
        return _selections(info)
    key = (tuple(id(node) for node in nodes), values)
    kept = _SELECTIONS.get(key)
    if kept is not None and all(ref() is node for ref, node in zip(kept[0], nodes, strict=True)):
        return kept[1]
    selections = _KeptSelections(_selections(info))
    weight = _weight(selections)
    if weight > _SELECTIONS_BYTES:
        return selections
    if kept is not None:  # nodes of a document that is gone, whose ids these have now
        _selections_bytes -= kept[2]
    _SELECTIONS[key] = (tuple(weakref.ref(node) for node in nodes), selections, weight)
    _selections_bytes += weight
    while len(_SELECTIONS) > _SELECTIONS_MAX or _selections_bytes > _SELECTIONS_BYTES:
        _selections_bytes -= _SELECTIONS.popitem(last=False)[1][2]
    return selections


def _weight(selections: Sequence[Selection]) -> int:
    """What keeping ``selections`` costs, in bytes, about (:data:`_BYTES_PER_SELECTION` each)."""
    count, pending = 0, list(selections)
    while pending:
        selection = pending.pop()
        count += 1
        pending.extend(selection.selections)
    return count * _BYTES_PER_SELECTION


def _selections(info: Info) -> list[Selection]:
    # A field selected twice under one name (`conversation(id: $c) { a } conversation(id: $c) { b }`)
    # has a node for each; what is selected under it is all of theirs.
    return [selection for field in info.selected_fields for selection in field.selections]


def _variables_used(
    node: FieldNode | FragmentDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    spreading: frozenset[str] = frozenset(),
) -> frozenset[str]:
    """The names of the variables in ``node``'s sub-selections (through fragments).

    Kept per node, fragments included: a document that spreads one large fragment under many
    aliases has it walked once, not once per alias (a new document of 25 aliases, each spreading
    a fragment that selects every item field, spent most of its execution here before).
    """
    kept = _VARIABLES_USED.get(id(node))
    if kept is not None and kept[0]() is node:
        return kept[1]
    names: set[str] = set()
    if isinstance(node, FragmentDefinitionNode):
        spreading = spreading | {node.name.value}
    if node.selection_set is not None:
        _collect_variables(node.selection_set, fragments, names, spreading)
    used = frozenset(names)
    if len(_VARIABLES_USED) >= _SELECTIONS_MAX:
        _VARIABLES_USED.clear()
    _VARIABLES_USED[id(node)] = (weakref.ref(node), used)
    return used


def _collect_variables(
    node: Node, fragments: dict[str, FragmentDefinitionNode], names: set[str], spreading: frozenset[str]
) -> None:
    if isinstance(node, VariableNode):
        names.add(node.name.value)
        return
    if isinstance(node, FragmentSpreadNode):
        # Validation has refused fragment cycles before any resolver runs; `spreading` only keeps
        # the walk finite whatever it is given.
        fragment = fragments.get(node.name.value)
        if fragment is not None and node.name.value not in spreading:
            names.update(_variables_used(fragment, fragments, spreading))
        return
    for key in node.keys:
        value = getattr(node, key, None)
        for child in value if isinstance(value, tuple | list) else (value,):
            if isinstance(child, Node):
                _collect_variables(child, fragments, names, spreading)


def _active(selection: Selection) -> bool:
    directives = selection.directives or {}
    if directives.get("skip", {}).get("if") is True:
        return False
    return directives.get("include", {}).get("if", True) is not False


def _field_type(schema: GraphQLSchema, type_name: str, field_name: str) -> str | None:
    parent: GraphQLNamedType | None = schema.type_map.get(type_name)
    if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return None
    field = parent.fields.get(field_name)
    return None if field is None else get_named_type(field.type).name


def _walk(schema: GraphQLSchema, selections: Sequence[Selection], type_name: str, found: set[str]) -> None:
    for selection in selections:
        if not _active(selection):
            continue
        if isinstance(selection, SelectedField):
            gate = INCLUDE_GATES.get((type_name, selection.name))
            if gate is not None:
                found.add(gate)
            child = _field_type(schema, type_name, selection.name)
            if child is not None and selection.selections:
                _walk(schema, selection.selections, child, found)
        elif isinstance(selection, InlineFragment | FragmentSpread):
            _walk(schema, selection.selections, selection.type_condition or type_name, found)


def includes_for(info: Info, selections: Sequence[Selection], type_name: str) -> frozenset[str]:
    """The `include` values ``selections`` (of a field of GraphQL type ``type_name``) need."""

    def walk() -> frozenset[str]:
        found: set[str] = set()
        _walk(_schema(info), selections, type_name, found)
        return frozenset(found)

    return derived(selections, ("includes", type_name), walk)


def fields_named(selections: Sequence[Selection], name: str, type_names: frozenset[str]) -> Iterator[SelectedField]:
    """Every active selection of field ``name`` directly in ``selections`` (aliases included),
    looking into fragments whose type condition is one of ``type_names``."""
    for selection in selections:
        if not _active(selection):
            continue
        if isinstance(selection, SelectedField):
            if selection.name == name:
                yield selection
        elif selection.type_condition is None or selection.type_condition in type_names:
            yield from fields_named(selection.selections, name, type_names)


def field_names(selections: Sequence[Selection], type_names: frozenset[str]) -> set[str]:
    """The names of the active fields ``selections`` ask of an object of one of ``type_names``
    (fragments on other types left out)."""
    names: set[str] = set()
    for selection in selections:
        if not _active(selection):
            continue
        if isinstance(selection, SelectedField):
            names.add(selection.name)
        elif selection.type_condition is None or selection.type_condition in type_names:
            names |= field_names(selection.selections, type_names)
    return names


def enum_value(value: Any) -> Any:
    """An enum argument read from a selection: a member, its name, or its value."""
    return getattr(value, "value", value)


def include_values(values: Iterable[Any] | None) -> frozenset[str]:
    """The upstream strings of an `include` argument (members, names or values)."""
    found: set[str] = set()
    for value in values or ():
        raw = str(enum_value(value))
        found.add(str(Includable[raw].value) if raw in Includable.__members__ else raw)
    return frozenset(found)


def int_argument(value: Any) -> int | None:
    """An Int argument read from a selection: literals arrive as the AST's strings."""
    if value is None or isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
