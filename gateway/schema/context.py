"""The context of one GraphQL request."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import uuid4

from strawberry.types import Info

from gateway.loaders import Loaders

__all__ = ["GatewayContext", "GatewayInfo"]


@dataclass
class GatewayContext:
    """Everything a resolver may use, made anew for each request and never shared."""

    loaders: Loaders
    request_id: str = field(default_factory=lambda: uuid4().hex)


GatewayInfo = Info[GatewayContext, None]
"""The `info` every resolver of this schema receives."""
