"""Feedback pages of coaching: choosing an agent, one agent's coaching view."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import Action, allowed, require
from kontrol.feedback.coaching import coaching_agents, coaching_view
from kontrol.feedback.team_overview import has_overview, team_overview
from kontrol.web.deps import CurrentPage, CurrentViewer, Db

router = APIRouter(include_in_schema=False)


@router.get("/coaching")
def coaching_index(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The team's month and whom to coach first, then every agent (an agent goes straight
    to their own view)."""
    require(viewer, Action.VIEW_COACHING)
    agent = viewer.membership.agent_external_id
    if agent and not allowed(viewer, Action.MANAGE_TASKS):
        return RedirectResponse(f"/coaching/{agent}", status_code=303)
    found = coaching_agents(db, viewer)
    overview = team_overview(db, viewer) if has_overview(viewer) else None
    return page.render(
        "feedback/feedback_coaching_index.html",
        {"agents": found, "o": overview},
    )


@router.get("/coaching/{agent_external_id}")
def coaching_page(
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    agent_external_id: str,
    period: str = "week",
) -> Response:
    """One agent's weakest criteria over time, open tasks and evaluations to discuss."""
    view = coaching_view(db, viewer, agent_external_id, period=period)
    return page.render(
        "feedback/feedback_coaching.html",
        {
            "v": view,
            "can_manage_tasks": allowed(viewer, Action.MANAGE_TASKS),
        },
    )
