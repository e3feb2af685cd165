"""Shorter paths through graphql-core's executor for plain data.

Most of an operation's work is completing the values of a page: each item's union member, its
object, its fields, its content parts and theirs. For every field graphql-core builds a
resolve-info object, reads the field's arguments, calls Strawberry's wrapper around `getattr`,
checks the result for awaitables, then completes the value one type layer at a time. For fields
that Strawberry itself calls "basic" (no resolver, no extensions: the value is an attribute of
the object) none of that can change the answer. :class:`GatewayExecutionContext` takes two
shortcuts around it:

* **Plain values.** When a value's type and selection hold only basic fields down to the leaves
  (lists, objects, unions and interfaces resolved by class, scalars, enums; also the Relay `id`
  of the gateway's node types, whose resolver needs nothing but the object), the value is
  completed by a plan: a tree of small functions that read the attributes and coerce the leaves.
  A plan is built for a type and a selection once per execution, and kept across executions of
  the same parsed document when no selection in it has a directive (`@include` and `@skip`
  make the selection depend on the variables).
* **Plain leaves.** A basic scalar or enum field of any other object is read and coerced
  directly.

Neither path reports anything itself. At the first thing that is not plain (a null where the type
forbids one, a value the leaf type refuses, an object of an unexpected class, an attribute that
is missing) the value is completed again on graphql-core's own path, from the start, and that
path reports it exactly as it always does. Reading an attribute has no side effects, so doing it
twice is harmless. Executors with field middleware, and anything under `@defer` or `@stream`,
take graphql-core's path only.

Both paths count the answer's size as they complete it (:mod:`gateway.schema.answer_size`): a plan
as it goes (each object by its keys, each list by its length, each leaf by its value), graphql-core's
path in the same units. Past the limit, every completion raises, the upstream session sends no
further call, and the operation's answer is its one error.

The execution context also holds graphql-core's resolver helpers by a weak reference: their bound
methods made a reference cycle that kept every request's objects for the cycle collector.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Sequence, Sized
from enum import Enum
from operator import attrgetter
from typing import Any, TypeVar

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    is_leaf_type,
    is_non_null_type,
    located_error,
)
from graphql.execution import ExecutionResult, Executor
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry import relay
from strawberry.relay import GlobalID
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE
from strawberry.types.field import StrawberryField

from gateway.schema.answer_size import MAX_ANSWER_BYTES, AnswerSize, AnswerTooLarge, key_size, leaf_size
from gateway.schema.errors import drop_tracebacks
from gateway.schema.locations import locate

__all__ = ["BY_CLASS", "GatewayExecutionContext", "execution_context_for"]


V = TypeVar("V")
LeafFields = dict[tuple[str, str], tuple[str, Callable[[Any], Any]]]
"""(object type, field) -> (attribute, the leaf type's output coercion)."""
Plan = Callable[[Any], Any]
"""Completes one value; raises (anything) when the value is not plain."""
SharedPlans = dict[tuple[GraphQLOutputType, tuple[int, ...]], tuple[tuple[FieldNode, ...], Plan | None]]
"""(type, ids of the field nodes) -> (the field nodes, their plan or None when not plain)."""


class _OperationPlans:
    """The plans kept for one parsed operation, for as long as the operation itself is kept."""

    __slots__ = ("operation", "plans")

    def __init__(self, operation: OperationDefinitionNode, shared: bool) -> None:
        self.operation = weakref.ref(operation)
        self.plans: SharedPlans | None = {} if shared else None
        """None when the operation's selections depend on its variables."""


def _forget(context_class: weakref.ref[type[GatewayExecutionContext]], key: int) -> None:
    """Drop the plans of a parsed operation that is gone (if its schema is not gone first)."""
    cls = context_class()
    if cls is None:
        return
    kept = cls.operation_plans
    entry = kept.get(key)
    if entry is not None and entry.operation() is None:
        del kept[key]


BY_CLASS = "gateway_resolves_by_class"
"""Marks a union's or interface's ``resolve_type`` that names the member by the value's class."""


class _NotPlain(Exception):
    """The value needs graphql-core's own path."""


_answer = AnswerSize(0)
"""The answer the running plan counts into: set by `complete_value` before each plan it runs. A
plan runs to its end without yielding to the event loop, so no other execution's plan can run
meanwhile; plans are kept across executions and cannot hold an execution's own count."""


def _too_large() -> AnswerTooLarge:
    return AnswerTooLarge("The answer has passed its size limit.")


def _weak_helpers(executor: Executor[Any]) -> GraphQLResolveInfoHelpers:
    """graphql-core's resolver helpers for ``executor``, holding it by a weak reference."""
    reference = weakref.ref(executor)

    def alive() -> Executor[Any]:
        found = reference()
        if found is None:
            msg = "The execution this resolver belonged to has ended."
            raise RuntimeError(msg)
        return found

    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        return alive().gather_async_work(values)

    def track(values: Sequence[Any]) -> None:
        alive().track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


def _strawberry_is_type_of(object_type: GraphQLObjectType) -> bool:
    """Whether the type's ``is_type_of`` is absent or Strawberry's own, which ignores its info."""
    check = object_type.is_type_of
    return check is None or (
        getattr(check, "__module__", None) == "strawberry.schema.schema_converter"
        and getattr(check, "__qualname__", "").startswith("GraphQLCoreConverter.")
    )


def _without_directives(selections: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]) -> bool:
    """Whether no selection under ``selections`` (fragments followed) carries a directive."""
    pending = [selections]
    seen: set[str] = set()
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if selection.directives:
                return False
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen:
                    seen.add(name)
                    fragment = fragments.get(name)
                    pending.append(None if fragment is None else fragment.selection_set)
            else:
                pending.append(getattr(selection, "selection_set", None))
    return True


def _basic_attribute(field: GraphQLField) -> str | None:
    """The attribute a field reads, when it is a Strawberry basic field resolved by `getattr`."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    if not getattr(field.resolve, "_is_default", False) or field.args:
        return None
    return definition.python_name


_NODE_ID = relay.Node.__dict__["_id"].__func__
_NODE_TYPENAME = relay.Node.__dict__["resolve_typename"].__func__


def _per_class(find: Callable[[type[Any]], V | None]) -> Callable[[type[Any]], V]:
    """``find`` kept per class; a class it finds nothing for is not plain (raises)."""
    found: dict[type[Any], V | None] = {}

    def of(cls: type[Any]) -> V:
        try:
            value = found[cls]
        except KeyError:
            value = found[cls] = find(cls)
        if value is None:
            raise _NotPlain
        return value

    return of


def _node_id_reader(field: GraphQLField, type_name: str) -> Callable[[Any], Any] | None:
    """For the `id` of a Relay node type of the gateway: reads it as Strawberry's resolver does.

    Strawberry's resolver makes `GlobalID(resolve_typename(root, info), str(resolve_id(root,
    info=info)))`. The default `resolve_typename` answers the parent type's name, and the
    gateway's `resolve_id` methods read the object alone (they are documented not to use
    `info`), so neither needs the resolver's `info`. Any other class takes graphql-core's path.
    """
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    resolver = getattr(definition, "base_resolver", None)
    wrapped = getattr(getattr(resolver, "wrapped_func", None), "__func__", None)
    if wrapped is not _NODE_ID or getattr(definition, "extensions", None) or field.args:
        return None

    def gateway_resolve_id(cls: type[Any]) -> Callable[..., Any] | None:
        if not issubclass(cls, relay.Node) or getattr(cls.resolve_typename, "__func__", None) is not _NODE_TYPENAME:
            return None
        resolve_id = cls.resolve_id
        if not getattr(resolve_id, "__module__", "").startswith("gateway."):
            return None
        return resolve_id

    resolve_id_of = _per_class(gateway_resolve_id)

    def read_node_id(value: Any) -> Any:
        resolve_id = resolve_id_of(type(value))
        return GlobalID(type_name=type_name, node_id=str(resolve_id(value, info=None)))

    return read_node_id


_COERCION = "gateway_output_coercion"
"""The attribute of a leaf type keeping what :func:`_output_coercion` made for it."""


def _output_coercion(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    """``leaf.coerce_output_value``; for a Strawberry enum, its members' names looked up in a dict.

    Strawberry's enum type compares the value with each of the enum's values in turn (`MessageRole`
    has 8), for every value of every item: the dict answers a member of the enum at once, and
    leaves anything else (a raw value, a member of another enum) to the type's own coercion.
    Made once per type, and kept on it (a schema's types live as long as the schema).
    """
    known: Callable[[Any], Any] | None = getattr(leaf, _COERCION, None)
    if known is None:
        known = _make_output_coercion(leaf)
        setattr(leaf, _COERCION, known)
    return known


def _make_output_coercion(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    coerce = leaf.coerce_output_value
    members = getattr(leaf, "wrapped_cls", None)
    if not isinstance(leaf, GraphQLEnumType) or not isinstance(members, type) or not issubclass(members, Enum):
        return coerce
    names: dict[Any, Any] = {}
    for member in members:
        try:
            names[member] = coerce(member)
        except Exception:  # noqa: S112 - the type's own coercion reports it when it is met
            continue

    def coerce_member(value: Any) -> Any:
        # By type first: a member of a `str` enum is equal to its string, which is not a member.
        name = names.get(value) if type(value) is members else None
        return coerce(value) if name is None else name

    return coerce_member


_TYPE_CHECK = "gateway_type_check"
"""The attribute of an object type keeping what :func:`_type_check` made for it."""


def _type_check(object_type: GraphQLObjectType) -> Callable[[Any], bool]:
    """Whether a value is of ``object_type``, as its ``is_type_of`` (absent or Strawberry's) answers.

    Strawberry's answers by the value's class, unless the value carries a `strawberry.cast` of
    its own (an attribute of the instance): so its answer is kept per class for values with
    plain attribute access and no cast of their own, and asked again for any other value. Made
    once per type, and kept on it.
    """
    known: Callable[[Any], bool] | None = getattr(object_type, _TYPE_CHECK, None)
    if known is None:
        known = _make_type_check(object_type.is_type_of)
        setattr(object_type, _TYPE_CHECK, known)
    return known


def _make_type_check(is_type_of: Callable[[Any, Any], Any] | None) -> Callable[[Any], bool]:
    if is_type_of is None:
        return lambda value: True
    by_class: dict[type[Any], bool] = {}

    def is_of_type(value: Any) -> bool:
        cls = type(value)
        known = by_class.get(cls)
        own = getattr(value, "__dict__", None)
        if known is not None and own is not None and TYPE_CAST_ATTRIBUTE not in own:
            return known
        answer = is_type_of(value, None) is True
        if own is not None and TYPE_CAST_ATTRIBUTE not in own and _plain_attributes(cls):
            by_class[cls] = answer
        return answer

    return is_of_type


def _plain_attributes(cls: type[Any]) -> bool:
    """Whether reading an attribute of an instance of ``cls`` is Python's own lookup (no hook)."""
    lookup: object = cls.__getattribute__
    return lookup is object.__getattribute__ and not hasattr(cls, "__getattr__")


def _leaf_fields(schema: GraphQLSchema) -> LeafFields:
    """(object type, field) -> (attribute, output coercion) for every basic scalar or enum field."""
    found: LeafFields = {}
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for name, field in named.fields.items():
            attribute = _basic_attribute(field)
            leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if attribute is not None and is_leaf_type(leaf):
                found[named.name, name] = (attribute, _output_coercion(leaf))
    return found


_WIDTH = "gateway_answer_width"
"""The attribute of an object's (or union's) plan holding the least an object it completes adds
to the answer: a list plan refuses a list whose objects would take the answer past its limit
before it completes any of them."""

_TEXT_TYPES = frozenset({"String", "ID"})
_NUMBER_TYPES = frozenset({"Int", "Float", "Boolean"})
_TEXT, _NAME, _NUMBER, _OTHER = range(4)
"""Leaf kinds, by what their values add to the answer: as leaf_size counts them, with the checks
each kind makes needless (an enum value is a name, ASCII; a number counts nothing)."""


def _leaf_kind(leaf: GraphQLLeafType) -> int:
    if isinstance(leaf, GraphQLEnumType):
        return _NAME
    if leaf.name in _TEXT_TYPES:
        return _TEXT
    return _NUMBER if leaf.name in _NUMBER_TYPES else _OTHER


def _leaf_plan(leaf: GraphQLLeafType, nullable: bool) -> Plan:
    coerce = _output_coercion(leaf)
    kind = _leaf_kind(leaf)

    def complete_leaf(value: Any) -> Any:
        if value is None or value is Undefined:
            if nullable:
                return None
            raise _NotPlain
        if isinstance(value, Exception):
            raise _NotPlain
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _NotPlain
        if kind == _TEXT:
            _answer.used += len(coerced) + 2 if coerced.isascii() else leaf_size(coerced)
        elif kind == _NAME:
            _answer.used += len(coerced) + 2
        elif kind != _NUMBER:
            _answer.used += leaf_size(coerced)
        return coerced

    return complete_leaf


def _list_plan(item: Plan, nullable: bool) -> Plan:
    width: int = getattr(item, _WIDTH, 0)

    def complete_list(value: Any) -> Any:
        if value is None or value is Undefined:
            if nullable:
                return None
            raise _NotPlain
        if type(value) is not list and type(value) is not tuple:
            raise _NotPlain
        answer = _answer
        answer.used += 2 + len(value)
        if answer.used + len(value) * width > answer.limit:
            answer.used += len(value) * width  # the least its objects would add: past the limit
            raise _too_large()
        return [item(each) for each in value]

    return complete_list


class GatewayExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the shortcuts described in the module."""

    leaf_fields: LeafFields = {}  # noqa: RUF012 - set once per schema by execution_context_for
    operation_plans: dict[int, _OperationPlans] = {}  # noqa: RUF012 - likewise; by id of the operation
    plain_values: bool = True
    """Whether values are completed by plans (tests turn it off to compare)."""
    max_answer_bytes: int = MAX_ANSWER_BYTES
    """The largest answer an operation may have (set per schema by execution_context_for)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        middleware = self.middleware_manager
        self._shortcuts = middleware is None or not middleware.middlewares
        self._plans: dict[tuple[GraphQLOutputType, int], tuple[FieldDetailsList, Plan | None]] = {}
        self._shared_plans = self._operation_plans() if self._shortcuts else None
        self.answer = AnswerSize(self.max_answer_bytes)
        # graphql-core gives resolvers two of the executor's bound methods: a reference cycle that
        # keeps the execution and everything it reached (the context, its loaders, every item
        # fetched) until the cycle collector runs. Weak references free it when the request ends.
        self.async_helpers = _weak_helpers(self)

    def _operation_plans(self) -> SharedPlans | None:
        """The plans kept for this operation (they go when the parser cache lets it go)."""
        operation, kept = self.operation, self.operation_plans
        key = id(operation)
        entry = kept.get(key)
        if entry is None or entry.operation() is not operation:
            shared = _without_directives(operation.selection_set, self.fragment_definitions)
            entry = kept[key] = _OperationPlans(operation, shared)
            # The finalizer's arguments live in weakref's global registry until the operation
            # goes; holding the plans (and through them the schema, its parse cache and so this
            # very operation), they kept every schema built in the process alive for good.
            weakref.finalize(operation, _forget, weakref.ref(type(self)), key)
        return entry.plans

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        if self._shortcuts:
            field_name = field_details_list[0].node.name.value
            if field_name == "__typename":
                self.answer.used += len(parent_type.name) + 2
                return parent_type.name
            leaf = self.leaf_fields.get((parent_type.name, field_name))
            if leaf is not None:
                value = getattr(source, leaf[0], None)
                if value is not None:
                    try:
                        coerced = leaf[1](value)
                    except Exception:  # graphql-core's path reports it, located
                        coerced = Undefined
                    if coerced is not Undefined and coerced is not None:
                        self.answer.used += leaf_size(coerced)
                        return coerced
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        self._count_object(grouped_field_set)
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def execute_fields_serially(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        self._count_object(grouped_field_set)
        return super().execute_fields_serially(parent_type, source_value, path, grouped_field_set, position_context)

    def _count_object(self, grouped_field_set: GroupedFieldSet) -> None:
        """An object completed on graphql-core's path: its braces and keys, as a plan counts them."""
        self._count(2 + sum(map(key_size, grouped_field_set)))

    def _count(self, size: int) -> None:
        """``size`` more bytes of the answer; past its limit, the completion under way is refused."""
        answer = self.answer
        answer.used += size
        if answer.used > answer.limit:
            self._refuse_further_calls()
            raise _too_large()

    def complete_iterable_value(  # noqa: PLR0917 - graphql-core's signature
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Any,
        position_context: Any,
    ) -> Any:
        self._count(2 + (len(items) if isinstance(items, Sized) else 0))
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)

    def complete_leaf_value(self, return_type: GraphQLLeafType, result: Any) -> Any:  # type: ignore[override]
        coerced = super().complete_leaf_value(return_type, result)
        self.answer.used += leaf_size(coerced)
        return coerced

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """graphql-core's response; once the answer has passed its limit, the operation's one error."""
        if not self.answer.over():
            return super().build_response(data)
        self.run_async_work_finished_hook()
        for error in self.collected_errors.errors:  # their frames hold this execution: a reference cycle
            drop_tracebacks(error)
        mutation = self.operation.operation is OperationType.MUTATION
        return ExecutionResult(None, [self.answer.error(mutation)])

    def _refuse_further_calls(self) -> None:
        """The answer is refused: the upstream calls its fields still wait for would be wasted."""
        session = getattr(getattr(self.context_value, "loaders", None), "session", None)
        if session is not None:
            session.budget = session.calls

    def handle_field_error(
        self,
        raw_error: Exception,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> None:
        """graphql-core's, the error's line and column found by :func:`~gateway.schema.locations.locate`."""
        error = located_error(raw_error, None, path.as_list())
        if error is not raw_error and error.nodes is None and error.locations is None:
            # Made here, with no place of its own: graphql-core would have given it the field's nodes.
            locate(error, [details.node for details in field_details_list])
        if self.error_propagation and is_non_null_type(return_type):
            raise error
        self.collected_errors.add(error, path)

    def complete_value(  # noqa: PLR0917 - graphql-core's signature
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if self._shortcuts and position_context is None and self.plain_values:
            key = (return_type, id(field_details_list))
            known = self._plans.get(key)
            if known is None:
                known = self._plans[key] = (field_details_list, self._plan_for(return_type, field_details_list))
            plan = known[1]
            if plan is not None:
                global _answer  # noqa: PLW0603 - see _answer
                answer = _answer = self.answer
                before = answer.used
                try:
                    return plan(result)
                except AnswerTooLarge:
                    self._refuse_further_calls()
                    raise
                except Exception:  # graphql-core's path completes it again, counts it again, and reports
                    answer.used = before
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    def _plan_for(self, return_type: GraphQLOutputType, fields: FieldDetailsList) -> Plan | None:
        """The plan for ``return_type`` under ``fields``: a shared one, or one of this execution."""
        shared_plans = self._shared_plans
        if shared_plans is None or any(details.fragment_variable_values for details in fields):
            return self._plan(return_type, fields)
        nodes = tuple(details.node for details in fields)
        key = (return_type, tuple(map(id, nodes)))
        shared = shared_plans.get(key)
        if shared is None or any(kept is not node for kept, node in zip(shared[0], nodes, strict=True)):
            shared = shared_plans[key] = (nodes, self._plan(return_type, fields))
        return shared[1]

    def _plan(self, return_type: GraphQLOutputType, fields: FieldDetailsList) -> Plan | None:
        """The plan completing values of ``return_type`` under ``fields``, or None if not plain."""
        nullable = True
        if isinstance(return_type, GraphQLNonNull):
            return_type, nullable = return_type.of_type, False
        if isinstance(return_type, GraphQLList):
            item = self._plan(return_type.of_type, fields)
            return None if item is None else _list_plan(item, nullable)
        if is_leaf_type(return_type):
            return _leaf_plan(return_type, nullable)
        if isinstance(return_type, GraphQLUnionType | GraphQLInterfaceType):
            return self._abstract_plan(return_type, fields, nullable)
        if isinstance(return_type, GraphQLObjectType):
            return self._object_plan(return_type, fields, nullable)
        return None

    def _object_plan(self, object_type: GraphQLObjectType, fields: FieldDetailsList, nullable: bool) -> Plan | None:
        if not _strawberry_is_type_of(object_type):
            return None
        grouped, deferred, forbidden = self.collect_subfields(object_type, fields)
        if deferred or forbidden:
            return None
        name = object_type.name
        readers: list[tuple[str, Callable[[Any], Any] | None, Plan | None]] = []
        size = 2  # the braces; each key below, and the type's name where `__typename` is asked
        for response_name, details in grouped.items():
            field_name = details[0].node.name.value
            if field_name == "__typename":
                readers.append((response_name, None, None))
                size += key_size(response_name) + len(name) + 2
                continue
            field = self.schema.get_field(object_type, field_name)
            if field is None:  # graphql-core leaves it out
                continue
            attribute = _basic_attribute(field)
            read = attrgetter(attribute) if attribute is not None else _node_id_reader(field, name)
            if read is None:
                return None
            plan = self._plan(field.type, details)
            if plan is None:
                return None
            readers.append((response_name, read, plan))
            size += key_size(response_name)
        is_of_type = _type_check(object_type)

        def complete_object(value: Any) -> Any:
            if value is None or value is Undefined:
                if nullable:
                    return None
                raise _NotPlain
            if isinstance(value, Exception) or not is_of_type(value):
                raise _NotPlain
            _answer.used += size
            completed: dict[str, Any] = {}
            for response_name, read, plan in readers:
                completed[response_name] = name if plan is None else plan(read(value))  # type: ignore[misc]
            return completed

        setattr(complete_object, _WIDTH, size)
        return complete_object

    def _abstract_plan(
        self, abstract_type: GraphQLAbstractType, fields: FieldDetailsList, nullable: bool
    ) -> Plan | None:
        if not getattr(abstract_type.resolve_type, BY_CLASS, False):
            return None
        # Every member's plan is built now: a plan kept across executions must not hold this one.
        members = {
            member.name: self._object_plan(member, fields, nullable=False)
            for member in self.schema.get_possible_types(abstract_type)
        }

        def member_plan(cls: type[Any]) -> Plan | None:
            definition = getattr(cls, "__strawberry_definition__", None)
            if not isinstance(definition, StrawberryObjectDefinition) or definition.is_interface:
                return None
            return members.get(definition.name)

        plan_of = _per_class(member_plan)
        widths = [getattr(plan, _WIDTH, 0) for plan in members.values() if plan is not None]

        def complete_abstract(value: Any) -> Any:
            if value is None or value is Undefined:
                if nullable:
                    return None
                raise _NotPlain
            return plan_of(type(value))(value)

        setattr(complete_abstract, _WIDTH, min(widths, default=0))
        return complete_abstract


def execution_context_for(
    schema: GraphQLSchema, max_answer_bytes: int = GatewayExecutionContext.max_answer_bytes
) -> type[GatewayExecutionContext]:
    """The execution context class for ``schema``, its leaf fields found once; an operation's answer
    is refused past ``max_answer_bytes``."""
    return type(
        "GatewayExecutionContext",
        (GatewayExecutionContext,),
        {
            "leaf_fields": _leaf_fields(schema),
            "operation_plans": {},
            "max_answer_bytes": max_answer_bytes,
            "__module__": __name__,
        },
    )
