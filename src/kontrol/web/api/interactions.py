"""The JSON API of interactions under /api/v1: the list, one interaction, the filters
(the same data as the pages, the same rules)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from kontrol.accounts.policy import Action, require
from kontrol.interactions.detail import get_interaction
from kontrol.interactions.listing import filter_choices, list_interactions
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.filters import InteractionQuery
from kontrol.web.params import Id

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/interactions")
def interactions(
    db: Db,
    viewer: CurrentViewer,
    chosen: InteractionQuery,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Interactions the caller may see, newest first, a page at a time.

    The drill-down filters (``csat_max`` ... ``measured``) select the interactions
    behind a KPI, with the same per-contact values the KPIs count.
    """
    require(viewer, Action.VIEW_INTERACTIONS)
    filters = chosen.read()
    page = list_interactions(db, viewer, filters, cursor=cursor, limit=limit)
    return {
        "items": [item.as_json() for item in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get("/interactions/{interaction_id}")
def interaction(db: Db, viewer: CurrentViewer, interaction_id: Id) -> dict[str, Any]:
    """One interaction with its messages, survey and the customer's other interactions."""
    require(viewer, Action.VIEW_INTERACTIONS)
    return get_interaction(db, viewer, interaction_id).as_json()


@router.get("/filters")
def filters(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The agents, teams and topics to filter by."""
    require(viewer, Action.VIEW_INTERACTIONS)
    choices = filter_choices(db, viewer)
    return {
        "agents": [{"id": key, "name": name} for key, name in choices.agents],
        "teams": choices.teams,
        "topics": choices.topics,
    }
