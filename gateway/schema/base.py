"""Helpers shared by the GraphQL type modules."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from gateway.rest import RestModel

__all__ = ["JSON", "described", "raw_json", "unknown_fields", "upstream_type"]


def described(description: str, **options: Any) -> Any:
    """A GraphQL field with its description (every field has one: codegen copies it)."""
    return strawberry.field(description=description, **options)


def raw_json(model: RestModel) -> Any:
    """The object exactly as the upstream sent it."""
    return model.to_json()


def unknown_fields() -> dict[str, Any]:
    """``rest_fields`` of the Unknown* types: their ``raw`` is the whole object."""
    return {"raw": raw_json}


def upstream_type() -> Any:
    """The ``type`` field every union member has: the upstream's own name for the object's kind."""
    return described("The upstream's `type` value of this object, as in the REST API.")
