"""Pages of calibration sessions. Thin: load, authorize (in the feature), render;
the JSON API is in ``web/api/review/calibration.py``."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import Action, allowed, require
from kontrol.accounts.workspaces import workspace_language
from kontrol.checks.scorecards import (
    ensure_default_scorecards,
    list_scorecards,
    preferred_scorecard,
)
from kontrol.domain.errors import Conflict, InvalidInput, KontrolError
from kontrol.interactions.detail import get_interaction
from kontrol.interactions.filters import InteractionFilter
from kontrol.interactions.listing import list_interactions
from kontrol.review.calibration.figures import SCALE_VALUES
from kontrol.review.calibration.results import reviewer_deviation, session_results
from kontrol.review.calibration.session_changes import (
    SessionForm,
    close_session,
    create_session,
    record_reference,
    save_score,
    session_problems,
    submit_scores,
)
from kontrol.review.calibration.sessions import (
    eligible_reviewers,
    get_session,
    list_sessions,
    parse_deadline,
)
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.form_errors import field_labels, field_texts
from kontrol.web.params import Id
from kontrol.web.render import Page
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)
ANSWER_FIELD = "c."


def _render(page: Page, name: str, context: dict[str, Any], *, status: int = 200) -> Response:
    """Calibration pages show the lead's links and the scales' values to everyone."""
    viewer = page.viewer
    shared = {
        "can_run": allowed(viewer, Action.RUN_CALIBRATION),
        "can_view_stats": allowed(viewer, Action.VIEW_REVIEWER_STATS),
        "scale_values": SCALE_VALUES,
    }
    return page.render(name, {**shared, **context}, status=status)


def _answers_from_form(form: Any) -> dict[str, object]:
    return {
        key[len(ANSWER_FIELD) :]: value
        for key, value in form.multi_items()
        if key.startswith(ANSWER_FIELD) and isinstance(value, str)
    }


def _int(value: object, field: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise InvalidInput(
            f"{field}: expected a number, not {value!r}",
            key="review.error.number_not",
            params={"value": value},
            where_key="error.where.field",
            where_params={"field": field},
        ) from None


# --- the list and the create form ---------------------------------------------------


@router.get("/calibration")
def sessions_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Calibration sessions: all of them for QA leads, the invited ones for reviewers."""
    return _render(page, "review/calibration_list.html", {"sessions": list_sessions(db, viewer)})


# The fields of the form that starts a session, named as its errors name them.
SESSION_LABELS = {
    name: f"field.{name}" for name in ("name", "scorecard", "deadline", "reviewers", "interactions")
}


def _session_form(
    page: Page,
    *,
    error: str | None = None,
    entered: dict[str, Any],
    problems: dict[str, KontrolError] | None = None,
    status: int = 200,
) -> Response:
    db, viewer = page.connection, page.viewer
    ensure_default_scorecards(db, viewer.workspace.id)
    cards = list_scorecards(db, viewer.workspace.id)
    if not entered.get("scorecard_id"):
        language = workspace_language(db, viewer.workspace.id)
        preferred = preferred_scorecard(db, viewer.workspace.id, cards, language)
        entered = {**entered, "scorecard_id": str(preferred.id) if preferred else ""}
    context = {
        "scorecards": cards,
        "reviewers": eligible_reviewers(db, viewer),
        "recent": list_interactions(db, viewer, InteractionFilter(), limit=100).items,
        "error": error,
        "entered": entered,
        "errors": field_texts(page, problems or {}),
        "labels": field_labels(page, SESSION_LABELS),
    }
    return _render(page, "review/calibration_form.html", context, status=status)


@router.get("/calibration/new")
def new_session_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The form that starts a session."""
    require(viewer, Action.RUN_CALIBRATION)
    return _session_form(page, entered={})


@router.post("/calibration")
async def create_session_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage
) -> Response:
    """Start a session from the form; a mistake is shown with everything entered kept."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.RUN_CALIBRATION)
    name = str(form.get("name") or "")
    scorecard = str(form.get("scorecard_id") or "")
    picked = [str(v) for v in form.getlist("interaction_id")]
    typed = str(form.get("external_ids") or "")
    invited = [str(v) for v in form.getlist("reviewer_id")]
    deadline = str(form.get("deadline") or "")
    entered = {
        "name": name,
        "scorecard_id": scorecard,
        "interaction_ids": picked,
        "external_ids": typed,
        "reviewer_ids": invited,
        "deadline": deadline,
    }
    external_ids = re.split(r"[\s,;]+", typed)
    problems = session_problems(
        db,
        viewer,
        SessionForm(name, scorecard, picked, external_ids, invited, deadline),
    )
    if problems:
        # Every wrong field at once, each next to its field (not only the first).
        return _session_form(page, entered=entered, problems=problems, status=422)
    try:
        with attempt(db):
            session_id = create_session(
                db,
                viewer,
                name=name,
                scorecard_id=_int(scorecard, "scorecard"),
                interaction_ids=[_int(v, "interactions") for v in picked],
                external_ids=external_ids,
                participant_ids=[_int(v, "reviewers") for v in invited],
                deadline=parse_deadline(deadline),
            )
    except InvalidInput as error:
        return _session_form(page, error=page.says(error), entered=entered, status=status_of(error))
    return RedirectResponse(f"/calibration/{session_id}", status_code=303)


# --- reviewer deviation (before /calibration/{id}, whose id is a number) ------------


@router.get("/calibration/reviewers")
def reviewers_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Who reviews the reviewers: each one's distance from the agreed reference over time."""
    histories = reviewer_deviation(db, viewer)
    return _render(page, "review/calibration_reviewers.html", {"histories": histories})


# --- one session --------------------------------------------------------------------


def _session_page(
    page: Page, session_id: int, *, error: str | None = None, status: int = 200
) -> Response:
    view = get_session(page.connection, page.viewer, session_id)
    context = {"view": view, "error": error}
    return _render(page, "review/calibration_session.html", context, status=status)


@router.get("/calibration/{session_id}")
def session_page(page: CurrentPage, session_id: Id) -> Response:
    """A session: its interactions, the viewer's progress, who has handed in."""
    return _session_page(page, session_id)


@router.post("/calibration/{session_id}/submit")
async def submit_page(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, session_id: Id
) -> Response:
    """Hand in one's scores; the results open."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        with attempt(db):
            submit_scores(db, viewer, session_id=session_id)
    except REFUSALS as error:
        return _session_page(page, session_id, error=page.says(error), status=status_of(error))
    return RedirectResponse(f"/calibration/{session_id}/results", status_code=303)


@router.post("/calibration/{session_id}/close")
async def close_page(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, session_id: Id
) -> Response:
    """Close and freeze the session."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        with attempt(db):
            close_session(
                db, viewer, session_id=session_id, version=_int(form.get("version"), "version")
            )
    except Conflict as error:
        return _session_page(page, session_id, error=page.says(error), status=status_of(error))
    return RedirectResponse(f"/calibration/{session_id}/results", status_code=303)


# --- scoring one interaction --------------------------------------------------------


def _scoring_page(
    page: Page,
    session_id: int,
    item_id: int,
    *,
    entered: dict[str, object] | None = None,
    comment: str | None = None,
    version: int | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    view = get_session(page.connection, page.viewer, session_id)
    item = view.session.item(item_id)
    detail = get_interaction(page.connection, page.viewer, item.interaction_id)
    own = view.own.get(item.id)
    answers: dict[str, object] = dict(own.answers) if own else {}
    if entered is not None:
        answers = {k: v for k, v in entered.items() if v not in (None, "")}
    position = next(n for n, i in enumerate(view.session.items) if i.id == item.id)
    return _render(
        page,
        "review/calibration_score.html",
        {
            "view": view,
            "item": detail,
            "s": detail.summary,
            "quality": None,
            "calibration_item": item,
            "position": position + 1,
            "answers": {k: str(v) for k, v in answers.items()},
            "comment": comment if entered is not None else (own.comment if own else None),
            "version": version if version is not None else (own.version if own else 0),
            "own": own,
            "editable": view.session.is_open and view.is_participant and not view.has_submitted,
            "error": error,
            "saved": page.request.query_params.get("saved") == "1",
        },
        status=status,
    )


@router.get("/calibration/{session_id}/items/{item_id}")
def scoring_page(page: CurrentPage, session_id: Id, item_id: Id) -> Response:
    """One interaction of the session: the transcript beside the scorecard."""
    return _scoring_page(page, session_id, item_id)


@router.post("/calibration/{session_id}/items/{item_id}")
async def save_score_page(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    session_id: Id,
    item_id: Id,
) -> Response:
    """Save one's score of an interaction; a stale or bad save keeps what was entered."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    entered = _answers_from_form(form)
    comment = str(form.get("comment") or "")
    version = _int(form.get("version") or "0", "version")
    try:
        with attempt(db):
            save_score(
                db,
                viewer,
                session_id=session_id,
                item_id=item_id,
                answers=entered,
                comment=comment,
                version=version,
            )
            view = get_session(db, viewer, session_id)
    except REFUSALS as error:
        return _scoring_page(
            page,
            session_id,
            item_id,
            entered=entered,
            comment=comment,
            version=version,
            error=page.says(error),
            status=status_of(error),
        )
    following = view.next_to_score(after=item_id) if form.get("next") else None
    if following is not None:
        return RedirectResponse(
            f"/calibration/{session_id}/items/{following.id}?saved=1", status_code=303
        )
    if form.get("next"):
        return RedirectResponse(f"/calibration/{session_id}", status_code=303)
    return RedirectResponse(f"/calibration/{session_id}/items/{item_id}?saved=1", status_code=303)


# --- results and the reference ------------------------------------------------------


def _results_page(
    page: Page,
    session_id: int,
    *,
    error: str | None = None,
    error_item: int | None = None,
    entered: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    results = session_results(page.connection, page.viewer, session_id)
    return _render(
        page,
        "review/calibration_results.html",
        {
            "results": results,
            "session": results.session,
            "figures": results.figures,
            "items": {i.id: i for i in results.session.items},
            "error": error,
            "error_item": error_item,
            "entered": {k: str(v) for k, v in (entered or {}).items()},
        },
        status=status,
    )


@router.get("/calibration/{session_id}/results")
def results_page(page: CurrentPage, session_id: Id) -> Response:
    """Where the raters differ, the agreement figures, and the reference (for the lead)."""
    return _results_page(page, session_id)


@router.post("/calibration/{session_id}/items/{item_id}/reference")
async def reference_page(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    session_id: Id,
    item_id: Id,
) -> Response:
    """Record the agreed reference of one interaction."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    entered = _answers_from_form(form)
    try:
        with attempt(db):
            record_reference(
                db,
                viewer,
                session_id=session_id,
                item_id=item_id,
                answers=entered,
                version=_int(form.get("version") or "0", "version"),
            )
    except REFUSALS as error:
        return _results_page(
            page,
            session_id,
            error=page.says(error),
            error_item=item_id,
            entered=entered,
            status=status_of(error),
        )
    return RedirectResponse(f"/calibration/{session_id}/results#item-{item_id}", status_code=303)
