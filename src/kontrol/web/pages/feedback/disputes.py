"""Feedback pages of disputes: the lead's work list, the dispute window, resolving and
withdrawing a dispute."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import Action, allowed, require
from kontrol.checks.quality import interaction_quality
from kontrol.domain.errors import InvalidInput
from kontrol.feedback.dispute_resolution import resolve_dispute
from kontrol.feedback.dispute_window import dispute_deadline_days, set_dispute_deadline_days
from kontrol.feedback.disputes import DISPUTE_STATES, get_dispute, list_disputes, withdraw_dispute
from kontrol.feedback.evaluation_detail import evaluation_detail
from kontrol.feedback.history import read_version
from kontrol.interactions.detail import get_interaction
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import status_of
from kontrol.web.pages.feedback.evaluations import PAGE, REFUSED, render_evaluation
from kontrol.web.params import Id, Offset
from kontrol.web.render import Page
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)


@router.get("/disputes")
def disputes_page(
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    show: str = "open",
    offset: Offset = 0,
) -> Response:
    """Disputes: the lead's work list (open ones, who waited longest first)."""
    items = list_disputes(db, viewer, state=show, limit=PAGE + 1, offset=offset)
    days = dispute_deadline_days(db, viewer.workspace.id)
    return page.render(
        "feedback/feedback_disputes.html",
        {
            "items": items[:PAGE],
            "show": show,
            "states": DISPUTE_STATES,
            "days": days,
            "can_resolve": allowed(viewer, Action.RESOLVE_DISPUTES),
            "next_offset": offset + PAGE if len(items) > PAGE else None,
            "error": None,
        },
    )


@router.post("/disputes/settings")
def dispute_settings_form(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    csrf_token: Annotated[str | None, Form()] = None,
    days: Annotated[str, Form()] = "",
) -> Response:
    """Change the workspace's dispute window (admins and QA leads)."""
    check_csrf(request, csrf_token)
    try:
        with attempt(db):
            set_dispute_deadline_days(db, viewer, days)
    except InvalidInput as error:
        items = list_disputes(db, viewer, limit=PAGE)
        return page.render(
            "feedback/feedback_disputes.html",
            {
                "items": items,
                "show": "open",
                "states": DISPUTE_STATES,
                "days": days,
                "can_resolve": True,
                "next_offset": None,
                "error": page.says(error),
            },
            status=status_of(error),
        )
    return RedirectResponse("/disputes", status_code=303)


def _dispute_page(
    page: Page,
    dispute_id: int,
    *,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    db, viewer = page.connection, page.viewer
    require(viewer, Action.RESOLVE_DISPUTES)
    dispute = get_dispute(db, viewer, dispute_id)
    detail = evaluation_detail(db, viewer, dispute.evaluation_id)
    answers = [
        a
        for a in detail.answers
        if dispute.criterion is None or a.criterion.id == dispute.criterion
    ]
    # The lead decides on the page itself: the conversation, with the checks' evidence marked.
    conversation = get_interaction(db, viewer, detail.summary.interaction_id)
    quality = interaction_quality(
        db, conversation.summary.id, [m.text for m in conversation.messages]
    )
    return page.render(
        "feedback/feedback_dispute.html",
        {
            "d": dispute,
            "e": detail,
            "s": detail.summary,
            "answers": answers,
            "item": conversation,
            "quality": quality,
            "error": error,
            "typed": typed or {},
        },
        status=status,
    )


@router.get("/disputes/{dispute_id}")
def dispute_page(page: CurrentPage, dispute_id: Id) -> Response:
    """The resolve form of one dispute, beside the disputed answers."""
    return _dispute_page(page, dispute_id)


@router.post("/disputes/{dispute_id}/resolve")
async def resolve_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, dispute_id: Id
) -> Response:
    """The lead's decision: upheld, or changed with the new answers."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    typed = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    outcome = typed.get("outcome", "")
    answers = {
        key.removeprefix("answer_"): value
        for key, value in typed.items()
        if key.startswith("answer_") and value
    }
    try:
        with attempt(db):
            evaluation_version = typed.get("evaluation_version", "")
            done = resolve_dispute(
                db,
                viewer,
                dispute_id,
                version=read_version(typed.get("version")),
                outcome=outcome,
                comment=typed.get("comment", ""),
                answers=answers if outcome == "changed" else None,
                evaluation_version=read_version(evaluation_version, "evaluation_version")
                if evaluation_version
                else None,
            )
    except REFUSED as error:
        return _dispute_page(
            page, dispute_id, error=page.says(error), typed=typed, status=status_of(error)
        )
    return RedirectResponse(f"/evaluations/{done.evaluation_id}#history", status_code=303)


@router.post("/disputes/{dispute_id}/withdraw")
def withdraw_form(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    dispute_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
    version: Annotated[str, Form()] = "",
) -> Response:
    """The agent takes back an open dispute."""
    check_csrf(request, csrf_token)
    evaluation_id = get_dispute(db, viewer, dispute_id).evaluation_id
    try:
        with attempt(db):
            withdraw_dispute(db, viewer, dispute_id, version=read_version(version))
    except REFUSED as error:
        return render_evaluation(
            page, evaluation_id, error=page.says(error), status=status_of(error)
        )
    return RedirectResponse(f"/evaluations/{evaluation_id}#disputes", status_code=303)
