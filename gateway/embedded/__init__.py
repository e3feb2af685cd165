"""The built-in Conversations REST API (SQLite-backed): the gateway's default upstream."""

from gateway.embedded.app import create_embedded_api, tenant_of
from gateway.embedded.store import ConversationStore

__all__ = ["ConversationStore", "create_embedded_api", "tenant_of"]
