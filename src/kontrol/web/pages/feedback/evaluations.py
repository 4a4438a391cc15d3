"""Feedback pages of evaluations: the list, one evaluation, acknowledging and disputing it.

Thin: load, authorize (the feature asks ``kontrol.accounts.policy``), call
``kontrol.feedback``, render. A refused save (a stale version, a closed dispute
window, a missing field) shows the page again with the message and what the
person typed, with the status of ``kontrol.web.errors``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import Action, allowed
from kontrol.domain.errors import Forbidden, KontrolError, NotFound
from kontrol.feedback.agent_view import (
    LIST_STATES,
    acknowledge_evaluation,
    list_evaluations,
)
from kontrol.feedback.disputes import raise_dispute
from kontrol.feedback.evaluation_detail import evaluation_detail
from kontrol.feedback.history import read_version
from kontrol.feedback.tasks import tasks_of
from kontrol.interactions.detail import InteractionDetail, get_interaction
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.params import Id, Offset
from kontrol.web.render import Page
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)
PAGE = 50
# An agent reads on the page why a dispute is refused (the window closed, not theirs).
REFUSED: tuple[type[KontrolError], ...] = (*REFUSALS, Forbidden)


@router.get("/evaluations")
def evaluations_page(
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    show: str = "all",
    kind: str = "",
    agent: str = "",
    offset: Offset = 0,
) -> Response:
    """The evaluations the viewer may see, manual ones first."""
    items = list_evaluations(
        db, viewer, state=show, kind=kind, agent=agent, limit=PAGE + 1, offset=offset
    )
    return page.render(
        "feedback/feedback_evaluations.html",
        {
            "evaluations": items[:PAGE],
            "show": show,
            "states": LIST_STATES,
            "kind": kind,
            "agent": agent,
            "next_offset": offset + PAGE if len(items) > PAGE else None,
        },
    )


def render_evaluation(
    page: Page,
    evaluation_id: int,
    *,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The evaluation page, with the message of a refused form and what was typed."""
    db, viewer = page.connection, page.viewer
    detail = evaluation_detail(db, viewer, evaluation_id)
    tasks = tasks_of(db, viewer, evaluation_id=evaluation_id)
    refusal = detail.dispute_refusal
    # The conversation beside the criteria, as the reviewer saw it (issue 15).
    try:
        conversation: InteractionDetail | None = get_interaction(
            db, viewer, detail.summary.interaction_id
        )
    except NotFound:
        conversation = None
    marks = detail.transcript_marks([m.text for m in conversation.messages]) if conversation else []
    return page.render(
        "feedback/feedback_evaluation.html",
        {
            "e": detail,
            "s": detail.summary,
            "tasks": tasks,
            "can_manage_tasks": allowed(viewer, Action.MANAGE_TASKS),
            "error": error,
            "typed": typed or {},
            "dispute_refusal": None if refusal is None else page.says(refusal),
            "conversation": conversation,
            "marks": {"segments": marks},
        },
        status=status,
    )


@router.get("/evaluations/{evaluation_id}")
def evaluation_page(page: CurrentPage, evaluation_id: Id) -> Response:
    """One evaluation: criteria, answers, comments, evidence, disputes, history."""
    return render_evaluation(page, evaluation_id)


@router.post("/evaluations/{evaluation_id}/acknowledge")
def acknowledge_form(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    evaluation_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
    version: Annotated[str, Form()] = "",
) -> Response:
    """The agent acknowledges the evaluation."""
    check_csrf(request, csrf_token)
    try:
        with attempt(db):
            acknowledge_evaluation(db, viewer, evaluation_id, version=read_version(version))
    except REFUSED as error:
        return render_evaluation(
            page, evaluation_id, error=page.says(error), status=status_of(error)
        )
    return RedirectResponse(f"/evaluations/{evaluation_id}", status_code=303)


@router.post("/evaluations/{evaluation_id}/disputes")
def dispute_form(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    evaluation_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
    criterion: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """The agent disputes the whole evaluation or one criterion."""
    check_csrf(request, csrf_token)
    try:
        with attempt(db):
            raise_dispute(db, viewer, evaluation_id, criterion=criterion, reason=reason)
    except REFUSED as error:
        typed = {"criterion": criterion, "reason": reason}
        return render_evaluation(
            page,
            evaluation_id,
            error=page.says(error),
            typed=typed,
            status=status_of(error),
        )
    return RedirectResponse(f"/evaluations/{evaluation_id}#disputes", status_code=303)
