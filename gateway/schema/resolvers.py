"""The gateway's own resolvers, called by graphql-core without Strawberry's wrapper around each call.

For every call of a field with a resolver, Strawberry's wrapper makes an `Info`, converts every
argument (`convert_argument` walks the argument's type: optional, `Maybe`, list, scalar,
`GlobalID`, enum, input type), looks for field extensions, chains them with `functools.reduce`
and awaits the result through two more calls. For the six arguments of `Conversation.items`
the conversion alone takes about 40 µs, once per conversation's page (25 times in a `nodes`
query of 25 conversations).

Where a field's arguments are all scalars (not `GlobalID`) and enums, optional or not, or lists
of them, Strawberry's conversion gives back what graphql-core has already coerced, the lists
copied (so that a default list is never shared between requests). For such a field whose
resolver is a function of the gateway's own (plain or `async`, not an async generator), with no
field extensions, no exception handler of the schema's that applies to it and no `root`/`parent`
parameter, :func:`call_resolvers_directly` sets a resolver that does only that: the same `Info`,
the same values, the same call. What the function returns (a value, or a coroutine or other
awaitable) goes to graphql-core as it is, which awaits an awaitable: an `async` resolver costs no
coroutine of the gateway's around its own. Every other field keeps Strawberry's.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.relay import GlobalID
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.field import StrawberryField

__all__ = ["DIRECT", "call_resolvers_directly"]

DIRECT = "gateway_direct_resolver"
"""The attribute set on the resolvers this module makes (True), for tests to find them."""

Resolver = Callable[..., Any]


def call_resolvers_directly(schema: strawberry.Schema) -> None:
    """Give each field that qualifies (see the module) the direct resolver."""
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for graphql_field in named.fields.values():
            field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if isinstance(field, StrawberryField):
                direct = _direct(field, schema)
                if direct is not None:
                    graphql_field.resolve = direct


def _as_is(annotation: object, schema: strawberry.Schema) -> bool:
    """Whether Strawberry's conversion of a value of this type gives back the value itself."""
    if isinstance(annotation, StrawberryMaybe):
        return False  # wrapped in `Some`
    if isinstance(annotation, StrawberryOptional):
        return _as_is(annotation.of_type, schema)
    if annotation is GlobalID:
        return False  # converted from its string
    if isinstance(annotation, StrawberryEnumDefinition) or has_enum_definition(annotation):
        return True
    try:
        return annotation in schema.schema_converter.scalar_registry  # `str`, `int`, ..., `ID`, the gateway's
    except TypeError:  # not hashable: not a scalar
        return False


def _copied_list(annotation: object, schema: strawberry.Schema) -> bool | None:
    """For an argument's type: False when Strawberry's conversion gives its value back, True when it
    gives back a copy of the list, None when it converts the value (the field keeps Strawberry's resolver)."""
    if isinstance(annotation, StrawberryOptional) and not isinstance(annotation, StrawberryMaybe):
        return _copied_list(annotation.of_type, schema)
    if isinstance(annotation, StrawberryList):
        return True if _as_is(annotation.of_type, schema) else None
    return False if _as_is(annotation, schema) else None


def _direct(field: StrawberryField, schema: strawberry.Schema) -> Resolver | None:
    resolver = field.base_resolver
    if resolver is None or field.extensions or schema.schema_converter._get_field_exception_handlers(field):
        return None  # no resolver of its own, or Strawberry's wrapper has work to do around it
    function = resolver.wrapped_func
    if isinstance(function, staticmethod | classmethod) or inspect.isasyncgenfunction(function):
        return None
    if not function.__module__.startswith("gateway."):
        return None
    if resolver.root_parameter is not None or resolver.parent_parameter is not None:
        return None
    names: list[tuple[str, str, bool]] = []
    """Each argument's GraphQL name, Python name, and whether it is a list (to copy)."""
    for argument in field.arguments:
        is_list = _copied_list(argument.type, schema)
        if is_list is None:
            return None
        names.append((schema.config.name_converter.from_argument(argument), argument.python_name, is_list))
    info_name = None if resolver.info_parameter is None else resolver.info_parameter.name
    with_source = resolver.self_parameter is not None
    info_class = schema.config.info_class

    def resolve(source: Any, info: GraphQLResolveInfo[Any], **given: Any) -> Any:
        arguments: dict[str, Any] = {}
        for graphql_name, python_name, is_list in names:
            if graphql_name in given:
                value = given[graphql_name]
                arguments[python_name] = list(value) if is_list and value is not None else value
        if info_name is not None:
            arguments[info_name] = info_class(_raw_info=info, _field=field)
        # An `async` function's coroutine goes to graphql-core as it is (graphql-core awaits it),
        # as does a plain function's value, or the awaitable it may give back.
        if with_source:
            return function(source, **arguments)
        return function(**arguments)

    setattr(resolve, DIRECT, True)
    return resolve
