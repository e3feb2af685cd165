"""Tool definitions, as carried by `additional_tools` and `tool_search_output` items.

The upstream's tool definitions are a large, fast-moving union (function, file search, web
search, MCP, code interpreter, shell, custom tools, namespaces, ...), each with its own
configuration objects. A conversation item only carries them along, so they are modelled
by their common fields and the rest of each definition is kept as it was sent.
"""

from gateway.rest.base import RestModel

__all__ = ["ToolDefinition"]


class ToolDefinition(RestModel):
    """One tool definition: its `type`, its name and description where it has them, and the rest."""

    type: str
    name: str | None = None
    description: str | None = None
    server_label: str | None = None

    open_fields = True
