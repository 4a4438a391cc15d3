"""Interaction pages: the list with its filters (HTMX asks for the table alone) and one
interaction. Thin: load, authorize, call ``kontrol.interactions``, render."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from kontrol.accounts.policy import Action, require
from kontrol.checks.quality import interaction_quality
from kontrol.domain.vocabulary import Channel
from kontrol.interactions.evaluation_filters import SIGNAL_FILTERS, check_ids
from kontrol.interactions.listing import (
    DRILL_DOWN_FILTERS,
    filter_choices,
    get_interaction,
    list_interactions,
)
from kontrol.web.deps import CurrentPage, CurrentViewer, Db
from kontrol.web.filters import read_filters

router = APIRouter(include_in_schema=False)


@router.get("/interactions")
def interactions_page(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    channel: str | None = None,
    agent: str | None = None,
    team: str | None = None,
    topic: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    has_survey: str | None = None,
    q: str | None = None,
    customer: str | None = None,
    score_min: str | None = None,
    score_max: str | None = None,
    failed: str | None = None,
    signal: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """The list of interactions with filters; HTMX asks for the table alone."""
    require(viewer, Action.VIEW_INTERACTIONS)
    raw = {
        "channel": channel,
        "agent": agent,
        "team": team,
        "topic": topic,
        "date_from": date_from,
        "date_to": date_to,
        "has_survey": has_survey,
        "q": q,
        "customer": customer,
        "score_min": score_min,
        "score_max": score_max,
        "failed": failed,
        "signal": signal,
    }
    # Drill-down filters arrive from links on the dashboard (a KPI -> its interactions).
    raw.update({name: request.query_params.get(name) for name in DRILL_DOWN_FILTERS})
    filters = read_filters(**raw)
    found = list_interactions(db, viewer, filters, cursor=cursor, limit=limit)
    choices = filter_choices(db, viewer)
    query = {name: value for name, value in raw.items() if value}
    next_url = (
        "/interactions?" + urlencode({**query, "cursor": found.next_cursor})
        if found.next_cursor
        else None
    )
    first_url = "/interactions?" + urlencode(query) if cursor else None
    context = {
        "page": found,
        "filters": raw,
        "choices": choices,
        "channels": [item.value for item in Channel],
        "next_url": next_url,
        "first_url": first_url,
        "drill_down": [
            (
                name,
                value,
                "/interactions?" + urlencode({k: v for k, v in query.items() if k != name}),
            )
            for name, value in filters.drill_down().items()
        ],
        "check_ids": check_ids(),
        "signal_filters": SIGNAL_FILTERS,
    }
    partial = request.headers.get("hx-request") and not request.headers.get(
        "hx-history-restore-request"
    )
    template = (
        "interactions/_interaction_rows.html" if partial else "interactions/interactions.html"
    )
    return page.render(template, context)


@router.get("/interactions/{interaction_id}")
def interaction_page(
    db: Db, viewer: CurrentViewer, page: CurrentPage, interaction_id: int
) -> Response:
    """One interaction: transcript, facts, survey, the customer's other contacts."""
    require(viewer, Action.VIEW_INTERACTIONS)
    detail = get_interaction(db, viewer, interaction_id)
    quality = interaction_quality(db, interaction_id, [m.text for m in detail.messages])
    return page.render("interactions/interaction.html", {"item": detail, "quality": quality})
