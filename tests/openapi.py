"""Validate REST response bodies against the official OpenAPI spec with a real JSON Schema validator.

The spec is ``../shared/upstream/conversations-openapi.yaml`` (a copy of it is kept in
``tests/spec/`` for a checkout with no ``shared/`` beside it). Two of its statements contradict
the contract's documented decisions (and the real API), so the copy used here changes exactly these:

* ``ConversationItemList.first_id``/``last_id`` may be null: an empty page has no first item.
* ``MCPApprovalResponseResource`` lists ``request_id`` as required but never defines it
  (the SDK's model has no such field); it is dropped from ``required``.

And it adds the 29th item type, ``configuration_update``, which the SDK has and the spec subset
does not, with the JSON schema the SDK's own model produces.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openai.types.responses import ResponseConfigurationUpdateItem
from openapi_schema_validator import OAS31Validator
from pydantic import BaseModel

__all__ = ["KEPT_SPEC_PATH", "SHARED_SPEC_PATH", "SPEC_PATH", "RecordedResponse", "validate_response"]

SHARED_SPEC_PATH = Path(__file__).resolve().parents[2] / "shared" / "upstream" / "conversations-openapi.yaml"
"""The spec as the team keeps it, in ``shared/`` beside the project's checkout."""
KEPT_SPEC_PATH = Path(__file__).resolve().parent / "spec" / "conversations-openapi.yaml"
"""The project's copy of it (tests/test_openapi_check.py checks it is the same where both are there)."""
SPEC_PATH = SHARED_SPEC_PATH if SHARED_SPEC_PATH.exists() else KEPT_SPEC_PATH
"""The spec the tests read: ``shared/``'s when there is one beside the checkout, else the copy."""


@dataclass(frozen=True)
class RecordedResponse:
    method: str
    path: str
    status: int
    body: Any


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    spec = copy.deepcopy(spec)
    schemas = spec["components"]["schemas"]
    for name in ("first_id", "last_id"):
        schemas["ConversationItemList"]["properties"][name]["type"] = ["string", "null"]
    required = schemas["MCPApprovalResponseResource"]["required"]
    schemas["MCPApprovalResponseResource"]["required"] = [name for name in required if name != "request_id"]
    _add_sdk_schema(spec, "configuration_update", ResponseConfigurationUpdateItem)
    return spec


def _add_sdk_schema(spec: dict[str, Any], kind: str, model: type[BaseModel]) -> None:
    template = "#/components/schemas/SDK_{model}"
    schema = model.model_json_schema(ref_template=template, by_alias=True)
    schemas = spec["components"]["schemas"]
    for name, definition in schema.pop("$defs", {}).items():
        schemas[f"SDK_{name}"] = definition
    schemas[f"SDK_{model.__name__}"] = schema
    item_union = schemas["ConversationItem"]
    item_union["oneOf"].append({"$ref": template.format(model=model.__name__)})
    if "mapping" in item_union["discriminator"]:
        item_union["discriminator"]["mapping"][kind] = template.format(model=model.__name__)


@cache
def _operations() -> list[tuple[re.Pattern[str], str, dict[str, Any]]]:
    operations = []
    for template, methods in _spec()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
        for method, operation in methods.items():
            operations.append((pattern, method.upper(), operation))
    return operations


def _schema_for(method: str, path: str, status: int) -> dict[str, Any]:
    if status != 200:
        return {"$ref": "#/components/schemas/ErrorResponse"}
    for pattern, operation_method, operation in _operations():
        if operation_method == method and pattern.match(path):
            schema: dict[str, Any] = operation["responses"]["200"]["content"]["application/json"]["schema"]
            return schema
    msg = f"the spec has no operation {method} {path}"
    raise AssertionError(msg)


def validate_response(response: RecordedResponse, prefix: str = "/v1") -> None:
    """Raise ``jsonschema.ValidationError`` if the body does not match the spec for its operation."""
    path = response.path.removeprefix(prefix)
    schema = {**_schema_for(response.method, path, response.status), "components": _spec()["components"]}
    OAS31Validator(schema).validate(response.body)
