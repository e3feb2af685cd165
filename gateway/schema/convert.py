"""From REST models to GraphQL objects.

The GraphQL types are written by hand (an upstream change must never alter ``schema.graphql`` by
accident), and each declares which REST model it shows with :func:`shows`. :func:`to_graphql`
then fills a GraphQL object from a model by field name, converting along the type hints of the
GraphQL class: enums from their upstream strings, lists and optionals element by element, nested
objects and unions through the registry. Where a GraphQL field is not simply the model's field
of the same name, the class says so in ``rest_fields`` (a function of the whole model).
"""

from __future__ import annotations

import dataclasses
import enum
import operator
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from gateway.rest import RestModel
from gateway.upstream.errors import abridged

__all__ = ["UpstreamContractError", "enum_converter", "shows", "to_graphql"]

T = TypeVar("T")
Converter = Callable[[Any], Any]

_REGISTRY: dict[type[RestModel], type[Any]] = {}


class UpstreamContractError(ValueError):
    """The upstream sent a value the schema has no name for (e.g. a new enum value)."""


def shows(*models: type[RestModel]) -> Callable[[type[T]], type[T]]:
    """Class decorator: this GraphQL class is how ``models`` appear in the schema."""

    def register(cls: type[T]) -> type[T]:
        for model in models:
            _REGISTRY[model] = cls
        return cls

    return register


def to_graphql(model: RestModel, **given: Any) -> Any:
    """The GraphQL object for ``model``; ``given`` supplies fields the model does not carry."""
    plan = _PLANS.get(type(model)) or _plan(type(model))
    if not plan.needs <= given.keys():
        missing = ", ".join(sorted(plan.needs - given.keys()))
        msg = f"{plan.cls.__name__} needs {missing}, which {type(model).__name__} does not have"
        raise TypeError(msg)
    if plan.direct:
        made = _new(plan.cls)
        values = made.__dict__
        for name, read in plan.reads:
            if name not in given:
                values[name] = read(model)
        values.update(given)
        return made
    if given:
        values = {name: read(model) for name, read in plan.reads if name not in given}
        return plan.cls(**values, **given)
    return plan.cls(**{name: read(model) for name, read in plan.reads})


_new = object.__new__


@dataclass(frozen=True, slots=True)
class _Plan:
    """How a model class becomes its GraphQL class: a reader per field, and the fields it lacks."""

    cls: type[Any]
    reads: tuple[tuple[str, Callable[[Any], Any]], ...]
    needs: frozenset[str]
    direct: bool
    """Whether the object is made by setting its fields' values in its ``__dict__``, without calling
    its ``__init__`` (inside operation b, 2.5 ms for its 250 items instead of 3.0): only where the
    dataclass ``__init__`` would do nothing else (see :func:`_direct`)."""


_PLANS: dict[type[RestModel], _Plan] = {}


def _plan(model: type[RestModel]) -> _Plan:
    cls = _REGISTRY.get(model)
    if cls is None:
        msg = f"no GraphQL type shows {model.__name__}"
        raise TypeError(msg)
    hints = get_type_hints(cls, include_extras=True)
    derived: dict[str, Callable[[Any], Any]] = getattr(cls, "rest_fields", {})
    declared = frozenset(model.model_fields)
    reads: list[tuple[str, Callable[[Any], Any]]] = []
    needs: set[str] = set()
    for field in cls.__strawberry_definition__.fields:
        if field.base_resolver is not None:
            continue
        name = field.python_name
        if name in derived:
            reads.append((name, derived[name]))
        elif name in declared:
            reads.append((name, _reader(name, _converter(hints[name]))))
        else:
            needs.add(name)
    plan = _PLANS[model] = _Plan(cls, tuple(reads), frozenset(needs), _direct(cls, {name for name, _ in reads} | needs))
    return plan


def _direct(cls: type[Any], names: set[str]) -> bool:
    """Whether ``cls(**values)`` with exactly ``names`` would only store the values by name.

    So it is for a dataclass whose generated ``__init__`` takes exactly those fields (no other
    to default), with no ``__post_init__``, no ``__new__`` of its own and a ``__dict__``: as
    Strawberry makes the types written here. Any other class is made by calling it.
    """
    init = getattr(cls.__init__, "__code__", None)
    return (
        dataclasses.is_dataclass(cls)
        and {field.name for field in dataclasses.fields(cls) if field.init} == names
        and init is not None
        and init.co_filename == "<string>"  # written by dataclasses, not by hand
        and not hasattr(cls, "__post_init__")
        and cls.__new__ is object.__new__
        and hasattr(_new(cls), "__dict__")
    )


def _reader(name: str, convert: Converter | None) -> Callable[[Any], Any]:
    get = operator.attrgetter(name)
    if convert is None:
        return get
    return lambda model: convert(get(model))


def _converter(hint: Any) -> Converter | None:
    """How to convert a model's value to ``hint``'s; None when it is already right."""
    origin = get_origin(hint)
    if origin is typing.Annotated:
        return _converter(get_args(hint)[0])
    if origin in (typing.Union, types.UnionType):
        members = [member for member in get_args(hint) if member is not type(None)]
        if len(members) > 1:
            return _nested
        inner = _converter(members[0])
        if inner is None:
            return None
        return lambda value: None if value is None else inner(value)
    if origin is list:
        element = _converter(get_args(hint)[0])
        if element is None:
            return None
        return lambda values: [element(value) for value in values]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return enum_converter(hint)
    if isinstance(hint, type) and hasattr(hint, "__strawberry_definition__"):
        return _nested
    return None


def _nested(value: Any) -> Any:
    return to_graphql(value) if isinstance(value, RestModel) else value


def enum_converter(cls: type[enum.Enum]) -> Converter:
    """The member of ``cls`` for an upstream value; an :class:`UpstreamContractError` for any other."""
    members = {member.value: member for member in cls}  # one lookup instead of the enum's call machinery

    def convert(value: Any) -> enum.Enum:
        try:
            return members[value]
        except (KeyError, TypeError):  # TypeError: an unhashable value, such as a list
            msg = f"The upstream sent {abridged(repr(value), 100)}, which is not a value of {cls.__name__}."
            raise UpstreamContractError(msg) from None

    return convert
