"""Interaction pages: the list with its filters (HTMX asks for the table alone) and one
interaction. Thin: load, authorize, call ``kontrol.interactions``, render."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from kontrol.accounts.policy import Action, allowed, require
from kontrol.checks.quality import interaction_quality
from kontrol.domain.vocabulary import Channel
from kontrol.interactions.detail import get_interaction
from kontrol.interactions.evaluation_filters import SIGNAL_FILTERS, check_ids
from kontrol.interactions.listing import filter_choices, list_interactions
from kontrol.judging.agreement import interaction_judgements
from kontrol.speech.originals import has_personal_originals
from kontrol.web.deps import CurrentPage, CurrentViewer, Db
from kontrol.web.filters import InteractionQuery
from kontrol.web.params import Id

router = APIRouter(include_in_schema=False)


@router.get("/interactions")
def interactions_page(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    chosen: InteractionQuery,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """The list of interactions with filters; HTMX asks for the table alone."""
    require(viewer, Action.VIEW_INTERACTIONS)
    raw = chosen.raw()
    filters = chosen.read()
    found = list_interactions(db, viewer, filters, cursor=cursor, limit=limit)
    choices = filter_choices(db, viewer)
    query = chosen.in_force()
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
    db: Db, viewer: CurrentViewer, page: CurrentPage, interaction_id: Id
) -> Response:
    """One interaction: transcript, facts, survey, the customer's other contacts."""
    require(viewer, Action.VIEW_INTERACTIONS)
    detail = get_interaction(db, viewer, interaction_id)
    quality = interaction_quality(db, interaction_id, [m.text for m in detail.messages])
    judgements = interaction_judgements(db, viewer.workspace.id, interaction_id)
    originals = allowed(viewer, Action.VIEW_PERSONAL_ORIGINALS) and has_personal_originals(
        db, viewer.workspace.id, interaction_id
    )
    return page.render(
        "interactions/interaction.html",
        {"item": detail, "quality": quality, "judgements": judgements, "originals": originals},
    )
