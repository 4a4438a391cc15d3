"""The JSON API of interactions under /api/v1: the list, one interaction, the filters
(the same data as the pages, the same rules)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from kontrol.accounts.policy import Action, require
from kontrol.interactions.listing import filter_choices, get_interaction, list_interactions
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.filters import read_filters

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/interactions")
def interactions(
    db: Db,
    viewer: CurrentViewer,
    channel: str | None = None,
    agent: str | None = None,
    team: str | None = None,
    topic: str | None = None,
    date_from: Annotated[str | None, Query(description="YYYY-MM-DD, workspace time zone")] = None,
    date_to: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    has_survey: Annotated[str | None, Query(description="yes, no or any")] = None,
    q: Annotated[str | None, Query(description="words in the conversation, customer or id")] = None,
    customer: str | None = None,
    csat_max: Annotated[str | None, Query(description="CSAT at most (1-5)")] = None,
    csat_min: Annotated[str | None, Query(description="CSAT at least (1-5)")] = None,
    nps: Annotated[str | None, Query(description="detractor, passive, promoter or any")] = None,
    complaint: Annotated[str | None, Query(description="yes or no")] = None,
    status: Annotated[
        str | None, Query(description="resolved, unresolved, abandoned, transferred")
    ] = None,
    handled: Annotated[str | None, Query(description="yes or no (inbound, answered)")] = None,
    abandoned: Annotated[str | None, Query(description="yes or no")] = None,
    sla: Annotated[str | None, Query(description="met or missed")] = None,
    fcr: Annotated[str | None, Query(description="resolved on first contact: yes or no")] = None,
    repeat: Annotated[
        str | None, Query(description="followed by a repeat contact: yes or no")
    ] = None,
    measured: Annotated[
        str | None,
        Query(
            description="counted by this measure: frt, asa, aht, resolution, sla, fcr, "
            "repeat, csat, nps, ces, cost"
        ),
    ] = None,
    score_min: Annotated[str | None, Query(description="automatic score at least (0-100)")] = None,
    score_max: Annotated[str | None, Query(description="automatic score at most (0-100)")] = None,
    failed: Annotated[str | None, Query(description="id of a check that failed")] = None,
    signal: Annotated[
        str | None,
        Query(description="complaint, negative_start, negative_end, pii or overlaps"),
    ] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Interactions the caller may see, newest first, a page at a time.

    The drill-down filters (``csat_max`` ... ``measured``) select the interactions
    behind a KPI, with the same per-contact values the KPIs count.
    """
    require(viewer, Action.VIEW_INTERACTIONS)
    filters = read_filters(
        channel=channel,
        agent=agent,
        team=team,
        topic=topic,
        date_from=date_from,
        date_to=date_to,
        has_survey=has_survey,
        q=q,
        customer=customer,
        csat_max=csat_max,
        csat_min=csat_min,
        nps=nps,
        complaint=complaint,
        status=status,
        handled=handled,
        abandoned=abandoned,
        sla=sla,
        fcr=fcr,
        repeat=repeat,
        measured=measured,
        score_min=score_min,
        score_max=score_max,
        failed=failed,
        signal=signal,
    )
    page = list_interactions(db, viewer, filters, cursor=cursor, limit=limit)
    return {
        "items": [item.as_json() for item in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get("/interactions/{interaction_id}")
def interaction(db: Db, viewer: CurrentViewer, interaction_id: int) -> dict[str, Any]:
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
