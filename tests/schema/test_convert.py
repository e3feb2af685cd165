"""REST values to GraphQL values: an upstream enum value the schema has no name for is a contract
error; objects made without their ``__init__`` are the ones it makes."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any

import pytest

import gateway.schema  # noqa: F401  (registers every GraphQL type)
from gateway.rest import ConversationItem
from gateway.rest.base import RestModel
from gateway.schema import convert
from gateway.schema.convert import _PLANS, _REGISTRY, UpstreamContractError, _direct, enum_converter
from gateway.schema.enums import MessageRole
from gateway.schema.items import item_to_graphql
from gateway.upstream.client import _ITEM
from tests.samples import ITEM_SAMPLES


def test_an_upstream_string_becomes_its_enum_member() -> None:
    convert = enum_converter(MessageRole)

    assert [convert(member.value) for member in MessageRole] == list(MessageRole)


@pytest.mark.parametrize("value", ["narrator", "USER", None, ["user"]])
def test_a_value_without_a_member_is_a_contract_error(value: object) -> None:
    with pytest.raises(UpstreamContractError, match=r"is not a value of MessageRole\."):
        enum_converter(MessageRole)(value)


def _attributes(value: Any) -> Any:
    """Every attribute of ``value``, all the way down: what two ways of making it must agree on."""
    if isinstance(value, list):
        return [_attributes(element) for element in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value), {name: _attributes(attribute) for name, attribute in vars(value).items()})
    return value


@pytest.mark.parametrize("name", sorted(ITEM_SAMPLES))
def test_an_object_made_without_its_init_is_the_one_its_init_makes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """to_graphql fills the objects' attributes itself, without their __init__: the same as calling each class."""
    model = _ITEM.validate_json(json.dumps({**ITEM_SAMPLES[name], "id": "item_1"}))
    made = item_to_graphql(model, "conv_1")
    # Every class the item's conversion went through was made directly, not by the fallback.
    assert all(plan.direct for plan in _PLANS.values())

    called = {rest: dataclasses.replace(plan, direct=False) for rest, plan in _PLANS.items()}
    monkeypatch.setattr(convert, "_PLANS", called)
    assert _attributes(made) == _attributes(item_to_graphql(model, "conv_1"))
    assert (made.item_id, made.conversation_id) == ("item_1", "conv_1")


def test_a_class_whose_init_does_more_is_made_by_calling_it() -> None:
    @dataclasses.dataclass
    class Defaults:
        text: str
        extra: list[str] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass
    class Checked:
        text: str

        def __post_init__(self) -> None:
            self.text = self.text.upper()

    assert _direct(Defaults, {"text"}) is False
    assert _direct(Defaults, {"text", "extra"}) is True
    assert _direct(Checked, {"text"}) is False


def _models(hint: Any, found: set[type[RestModel]]) -> set[type[RestModel]]:
    """Every REST model a value of ``hint`` can hold, ``hint``'s own included, all the way down."""
    if typing.get_origin(hint) in (typing.Annotated, typing.Union, types.UnionType, list, dict, tuple):
        for argument in typing.get_args(hint):
            _models(argument, found)
    elif isinstance(hint, type) and issubclass(hint, RestModel) and hint not in found:
        found.add(hint)
        for field in hint.model_fields.values():
            _models(field.annotation, found)
    return found


def test_every_model_an_item_can_hold_has_a_graphql_type() -> None:
    """Else an item holding it (an open union's fallback for a kind added upstream, say) fails as an
    unexpected error when it is converted: a tool caller of a new kind once did."""
    models = _models(ConversationItem, set())
    assert len(models) > 90  # every item type, its parts, actions and their fallbacks
    assert sorted(model.__name__ for model in models if model not in _REGISTRY) == []
