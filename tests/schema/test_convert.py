"""REST values to GraphQL values: an upstream enum value the schema has no name for is a contract error."""

from __future__ import annotations

import pytest

from gateway.schema.convert import UpstreamContractError, _enum
from gateway.schema.enums import MessageRole


def test_an_upstream_string_becomes_its_enum_member() -> None:
    convert = _enum(MessageRole)

    assert [convert(member.value) for member in MessageRole] == list(MessageRole)


@pytest.mark.parametrize("value", ["narrator", "USER", None, ["user"]])
def test_a_value_without_a_member_is_a_contract_error(value: object) -> None:
    with pytest.raises(UpstreamContractError, match=r"is not a value of MessageRole\."):
        _enum(MessageRole)(value)
