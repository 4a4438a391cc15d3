"""The JSON API under /api/v1 (the same data as the pages, the same rules)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from kontrol.accounts.access import require_rejects
from kontrol.accounts.policy import Action, require
from kontrol.ingest.rejects import list_rejects
from kontrol.interactions.listing import filter_choices, get_interaction, list_interactions
from kontrol.web.filters import InteractionQuery
from kontrol.web.security import CurrentViewer, State

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/me")
def me(viewer: CurrentViewer) -> dict[str, Any]:
    """Who is calling, in which workspace, with which role."""
    return {
        "username": viewer.account.username,
        "display_name": viewer.account.display_name,
        "workspace": viewer.workspace.name,
        "timezone": viewer.workspace.timezone,
        "role": viewer.role.value,
    }


@router.get("/interactions")
def interactions(
    state: State,
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
    with state.engine.connect() as connection:
        page = list_interactions(connection, viewer, filters, cursor=cursor, limit=limit)
    return {
        "items": [item.as_json() for item in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get("/interactions/{interaction_id}")
def interaction(state: State, viewer: CurrentViewer, interaction_id: int) -> dict[str, Any]:
    """One interaction with its messages, survey and the customer's other interactions."""
    require(viewer, Action.VIEW_INTERACTIONS)
    with state.engine.connect() as connection:
        return get_interaction(connection, viewer, interaction_id).as_json()


@router.get("/filters")
def filters(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """The agents, teams and topics to filter by."""
    require(viewer, Action.VIEW_INTERACTIONS)
    with state.engine.connect() as connection:
        choices = filter_choices(connection, viewer)
    return {
        "agents": [{"id": key, "name": name} for key, name in choices.agents],
        "teams": choices.teams,
        "topics": choices.topics,
    }


@router.get("/rejects")
def rejects(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    include_resolved: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Records an import rejected (admins and QA leads)."""
    require_rejects(viewer)
    with state.engine.connect() as connection:
        items = list_rejects(
            connection,
            viewer.workspace,
            include_resolved=include_resolved,
            limit=limit,
            offset=offset,
        )
        return {"items": [item.as_json() for item in items]}
