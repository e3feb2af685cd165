"""Write-side shapes that are not item models: the forms a client may send instead of one.

Besides the full form of every item type (the models in :mod:`gateway.rest.items`, with `id`
and `status` optional), the API takes the "easy" message, an item reference, and a
compaction trigger.
"""

from typing import Literal

from gateway.rest.base import RestModel
from gateway.rest.content import ContentPart

__all__ = ["CompactionTrigger", "EasyInputMessage", "InputRole", "ItemReference"]

InputRole = Literal["user", "assistant", "system", "developer"]


class EasyInputMessage(RestModel):
    """``{role, content: str | parts, type?: "message"}``: the form most clients send."""

    type: Literal["message"] = "message"
    role: InputRole
    content: str | list[ContentPart]
    id: str | None = None
    status: Literal["in_progress", "completed", "incomplete"] | None = None
    phase: Literal["commentary", "final_answer"] | None = None


class ItemReference(RestModel):
    """``{type?: "item_reference", id}``: an existing item, named by its id."""

    type: Literal["item_reference"] = "item_reference"
    id: str


class CompactionTrigger(RestModel):
    """Asks the Responses API to compact the context; it carries no content of its own."""

    type: Literal["compaction_trigger"]
