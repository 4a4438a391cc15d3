"""The JSON API of review queues: queues with their counts, a queue's items, assigning
an item; under ``/api/v1``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from kontrol.accounts.policy import Action, allowed, require
from kontrol.review.routing.assignment import assign_item
from kontrol.review.routing.items import ItemFilters, list_items, skip_notes
from kontrol.review.routing.queues import list_queues, reviewer_loads
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.params import Id, Offset

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/queues")
def api_queues(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Review queues with counts of open, overdue, unassigned, skipped and done items.

    A reviewer's counts are of their own items.
    """
    require(viewer, Action.VIEW_QUEUES)
    queues = list_queues(db, viewer)
    loads = reviewer_loads(db, viewer) if allowed(viewer, Action.ASSIGN_REVIEWS) else []
    return {
        "queues": [queue.__dict__ for queue in queues],
        "reviewers": [
            {
                "id": load.user_id,
                "name": load.display_name,
                "role": load.role,
                "open": load.open,
                "overdue": load.overdue,
                "done": load.done,
            }
            for load in loads
        ],
    }


@router.get("/queues/{queue_id}/items")
def api_queue_items(
    db: Db,
    viewer: CurrentViewer,
    queue_id: Id,
    status: Annotated[str, Query(description="open, done, skipped or all")] = "open",
    assignee: Annotated[str, Query(description="a user id, or none")] = "",
    channel: str = "",
    overdue: Annotated[bool, Query(description="only items past their due time")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """A queue's items (a reviewer: their own), highest priority and earliest due first."""
    require(viewer, Action.VIEW_QUEUES)
    filters = ItemFilters(status=status, assignee=assignee, channel=channel, overdue=overdue)
    items = list_items(db, viewer, queue_id, filters, limit=limit, offset=offset)
    skips = skip_notes(db, viewer.workspace.id, [item.id for item in items])
    return {
        "items": [
            item.as_json()
            | {
                "skips": [
                    {"by": note.by, "reason": note.reason, "at": note.at.isoformat() + "Z"}
                    for note in skips.get(item.id, [])
                ]
            }
            for item in items
        ]
    }


class AssignRequest(BaseModel):
    """Who gets the item (``null``: nobody), as of the item's ``version``."""

    assignee_id: int | None
    version: int


@router.post("/queues/items/{item_id}/assign")
def api_assign(db: Db, viewer: CurrentViewer, item_id: Id, body: AssignRequest) -> dict[str, Any]:
    """Reassign or unassign an item (QA leads and admins); 409 when ``version`` is stale."""
    require(viewer, Action.ASSIGN_REVIEWS)
    item = assign_item(db, viewer, item_id, assignee_id=body.assignee_id, version=body.version)
    return item.as_json()
