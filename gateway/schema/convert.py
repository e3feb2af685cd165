"""From REST models to GraphQL objects.

The GraphQL types are written by hand (an upstream change must never alter ``schema.graphql`` by
accident), and each declares which REST model it shows with :func:`shows`. :func:`to_graphql`
then fills a GraphQL object from a model by field name, converting along the type hints of the
GraphQL class: enums from their upstream strings, lists and optionals element by element, nested
objects and unions through the registry. Where a GraphQL field is not simply the model's field
of the same name, the class says so in ``rest_fields`` (a function of the whole model).
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from gateway.rest import RestModel

__all__ = ["UpstreamContractError", "shows", "to_graphql"]

T = TypeVar("T")
Converter = Callable[[Any], Any]

_REGISTRY: dict[type[RestModel], type[Any]] = {}
_PLANS: dict[type[Any], list[tuple[str, Callable[[Any], Any]]]] = {}


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
    cls = _REGISTRY.get(type(model))
    if cls is None:
        msg = f"no GraphQL type shows {type(model).__name__}"
        raise TypeError(msg)
    values = {name: read(model) for name, read in _plan(cls) if name not in given}
    missing = [name for name, value in values.items() if value is _missing]
    if missing:
        msg = f"{cls.__name__} needs {', '.join(missing)}, which {type(model).__name__} does not have"
        raise TypeError(msg)
    return cls(**values, **given)


def _plan(cls: type[Any]) -> list[tuple[str, Callable[[Any], Any]]]:
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = list(_build_plan(cls))
    return plan


def _build_plan(cls: type[Any]) -> typing.Iterator[tuple[str, Callable[[Any], Any]]]:
    hints = get_type_hints(cls, include_extras=True)
    derived: dict[str, Callable[[Any], Any]] = getattr(cls, "rest_fields", {})
    for field in cls.__strawberry_definition__.fields:
        if field.base_resolver is not None:
            continue
        name = field.python_name
        if name in derived:
            yield name, derived[name]
            continue
        convert = _converter(hints[name])
        yield name, _attribute(name, convert)


def _attribute(name: str, convert: Converter) -> Callable[[Any], Any]:
    def read(model: Any) -> Any:
        if name in _declared(type(model)):
            return convert(getattr(model, name))
        return _missing

    return read


_DECLARED: dict[type[Any], frozenset[str]] = {}


def _declared(model: type[Any]) -> frozenset[str]:
    """A model's declared field names (`model_fields` is a descriptor: too slow for every field)."""
    names = _DECLARED.get(model)
    if names is None:
        names = _DECLARED[model] = frozenset(model.model_fields)
    return names


class _Missing:
    """A field the model does not have: ``to_graphql`` must be given it, or the class fails to build."""


_missing = _Missing()


def _converter(hint: Any) -> Converter:
    origin = get_origin(hint)
    if origin is typing.Annotated:
        return _converter(get_args(hint)[0])
    if origin in (typing.Union, types.UnionType):
        members = [member for member in get_args(hint) if member is not type(None)]
        if len(members) == 1:
            inner = _converter(members[0])
            return lambda value: None if value is None else inner(value)
        return _nested
    if origin is list:
        element = _converter(get_args(hint)[0])
        return lambda values: [element(value) for value in values]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum(hint)
    if isinstance(hint, type) and hasattr(hint, "__strawberry_definition__"):
        return _nested
    return _same


def _same(value: Any) -> Any:
    return value


def _nested(value: Any) -> Any:
    return to_graphql(value) if isinstance(value, RestModel) else value


def _enum(cls: type[enum.Enum]) -> Converter:
    def convert(value: Any) -> enum.Enum:
        try:
            return cls(value)
        except ValueError:
            msg = f"The upstream sent {value!r}, which is not a value of {cls.__name__}."
            raise UpstreamContractError(msg) from None

    return convert
