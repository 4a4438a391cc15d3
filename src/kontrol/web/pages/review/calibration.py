"""Pages and JSON API of calibration sessions. Thin: load, authorize (in the service), render."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from kontrol.accounts.access import Viewer, can_see_rejects
from kontrol.accounts.logins import memberships_of
from kontrol.accounts.policy import Action, allowed, require
from kontrol.checks.scoring import ensure_default_scorecards, list_scorecards
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.interactions.listing import InteractionFilter, get_interaction, list_interactions
from kontrol.review.agreement import Agreement
from kontrol.review.calibration.figures import SCALE_VALUES, SessionFigures
from kontrol.review.calibration.results import (
    ReviewerHistory,
    reviewer_deviation,
    session_results,
)
from kontrol.review.calibration.session_changes import (
    close_session,
    create_session,
    record_reference,
    save_score,
    submit_scores,
)
from kontrol.review.calibration.sessions import (
    CalibrationSession,
    SessionView,
    eligible_reviewers,
    get_session,
    list_sessions,
    parse_deadline,
)
from kontrol.web.security import CurrentViewer, State, check_csrf

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/calibration", tags=["v1"])
ANSWER_FIELD = "c."


def _render(
    state: State, request: Request, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    return state.templates.TemplateResponse(request, name, context, status_code=status)


def _base(connection: Connection, viewer: Viewer) -> dict[str, Any]:
    return {
        "viewer": viewer,
        "memberships": memberships_of(connection, viewer.account),
        "can_see_rejects": can_see_rejects(viewer),
        "can_run": allowed(viewer, Action.RUN_CALIBRATION),
        "can_view_stats": allowed(viewer, Action.VIEW_REVIEWER_STATS),
        "scale_values": SCALE_VALUES,
    }


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
        raise InvalidInput(f"{field}: expected a number, not {value!r}") from None


# --- the list and the create form ---------------------------------------------------


@pages.get("/calibration")
def sessions_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Calibration sessions: all of them for QA leads, the invited ones for reviewers."""
    with state.engine.connect() as connection:
        sessions = list_sessions(connection, viewer)
        context = _base(connection, viewer)
    return _render(
        state, request, "review/calibration_list.html", {**context, "sessions": sessions}
    )


def _form_context(connection: Connection, viewer: Viewer) -> dict[str, Any]:
    ensure_default_scorecards(connection, viewer.workspace.id)
    recent = list_interactions(connection, viewer, InteractionFilter(), limit=100).items
    return {
        **_base(connection, viewer),
        "scorecards": list_scorecards(connection, viewer.workspace.id),
        "reviewers": eligible_reviewers(connection, viewer),
        "recent": recent,
    }


@pages.get("/calibration/new")
def new_session_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """The form that starts a session."""
    require(viewer, Action.RUN_CALIBRATION)
    with state.engine.begin() as connection:
        context = _form_context(connection, viewer)
    return _render(
        state, request, "review/calibration_form.html", {**context, "error": None, "entered": {}}
    )


@pages.post("/calibration")
async def create_session_form(request: Request, state: State, viewer: CurrentViewer) -> Response:
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
    try:
        with state.engine.begin() as connection:
            session_id = create_session(
                connection,
                viewer,
                name=name,
                scorecard_id=_int(scorecard, "scorecard"),
                interaction_ids=[_int(v, "interactions") for v in picked],
                external_ids=re.split(r"[\s,;]+", typed),
                participant_ids=[_int(v, "reviewers") for v in invited],
                deadline=parse_deadline(deadline),
            )
    except InvalidInput as error:
        with state.engine.begin() as connection:
            context = _form_context(connection, viewer)
        return _render(
            state,
            request,
            "review/calibration_form.html",
            {**context, "error": str(error), "entered": entered},
            status=422,
        )
    return RedirectResponse(f"/calibration/{session_id}", status_code=303)


# --- reviewer deviation (before /calibration/{id}, whose id is a number) ------------


@pages.get("/calibration/reviewers")
def reviewers_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Who reviews the reviewers: each one's distance from the agreed reference over time."""
    with state.engine.connect() as connection:
        histories = reviewer_deviation(connection, viewer)
        context = _base(connection, viewer)
    return _render(
        state, request, "review/calibration_reviewers.html", {**context, "histories": histories}
    )


# --- one session --------------------------------------------------------------------


@pages.get("/calibration/{session_id}")
def session_page(
    request: Request, state: State, viewer: CurrentViewer, session_id: int
) -> Response:
    """A session: its interactions, the viewer's progress, who has handed in."""
    with state.engine.connect() as connection:
        view = get_session(connection, viewer, session_id)
        context = _base(connection, viewer)
    return _render(
        state, request, "review/calibration_session.html", {**context, "view": view, "error": None}
    )


def _session_error(
    state: State, request: Request, viewer: Viewer, session_id: int, error: Exception, status: int
) -> Response:
    with state.engine.connect() as connection:
        view = get_session(connection, viewer, session_id)
        context = _base(connection, viewer)
    return _render(
        state,
        request,
        "review/calibration_session.html",
        {**context, "view": view, "error": str(error)},
        status=status,
    )


@pages.post("/calibration/{session_id}/submit")
async def submit_page(
    request: Request, state: State, viewer: CurrentViewer, session_id: int
) -> Response:
    """Hand in one's scores; the results open."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        with state.engine.begin() as connection:
            submit_scores(connection, viewer, session_id=session_id)
    except InvalidInput as error:
        return _session_error(state, request, viewer, session_id, error, 422)
    except Conflict as error:
        return _session_error(state, request, viewer, session_id, error, 409)
    return RedirectResponse(f"/calibration/{session_id}/results", status_code=303)


@pages.post("/calibration/{session_id}/close")
async def close_page(
    request: Request, state: State, viewer: CurrentViewer, session_id: int
) -> Response:
    """Close and freeze the session."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        with state.engine.begin() as connection:
            close_session(
                connection,
                viewer,
                session_id=session_id,
                version=_int(form.get("version"), "version"),
            )
    except Conflict as error:
        return _session_error(state, request, viewer, session_id, error, 409)
    return RedirectResponse(f"/calibration/{session_id}/results", status_code=303)


# --- scoring one interaction --------------------------------------------------------


def _scoring_page(
    state: State,
    request: Request,
    viewer: Viewer,
    session_id: int,
    item_id: int,
    *,
    entered: dict[str, object] | None = None,
    comment: str | None = None,
    version: int | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with state.engine.connect() as connection:
        view = get_session(connection, viewer, session_id)
        item = view.session.item(item_id)
        detail = get_interaction(connection, viewer, item.interaction_id)
        context = _base(connection, viewer)
    own = view.own.get(item.id)
    answers: dict[str, object] = dict(own.answers) if own else {}
    if entered is not None:
        answers = {k: v for k, v in entered.items() if v not in (None, "")}
    position = next(n for n, i in enumerate(view.session.items) if i.id == item.id)
    return _render(
        state,
        request,
        "review/calibration_score.html",
        {
            **context,
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
            "saved": request.query_params.get("saved") == "1",
        },
        status=status,
    )


@pages.get("/calibration/{session_id}/items/{item_id}")
def scoring_page(
    request: Request, state: State, viewer: CurrentViewer, session_id: int, item_id: int
) -> Response:
    """One interaction of the session: the transcript beside the scorecard."""
    return _scoring_page(state, request, viewer, session_id, item_id)


@pages.post("/calibration/{session_id}/items/{item_id}")
async def save_score_page(
    request: Request, state: State, viewer: CurrentViewer, session_id: int, item_id: int
) -> Response:
    """Save one's score of an interaction; a stale or bad save keeps what was entered."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    entered = _answers_from_form(form)
    comment = str(form.get("comment") or "")
    version = _int(form.get("version") or "0", "version")
    try:
        with state.engine.begin() as connection:
            save_score(
                connection,
                viewer,
                session_id=session_id,
                item_id=item_id,
                answers=entered,
                comment=comment,
                version=version,
            )
            view = get_session(connection, viewer, session_id)
    except (InvalidInput, Conflict) as error:
        return _scoring_page(
            state,
            request,
            viewer,
            session_id,
            item_id,
            entered=entered,
            comment=comment,
            version=version,
            error=str(error),
            status=409 if isinstance(error, Conflict) else 422,
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
    state: State,
    request: Request,
    viewer: Viewer,
    session_id: int,
    *,
    error: str | None = None,
    error_item: int | None = None,
    entered: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    with state.engine.connect() as connection:
        results = session_results(connection, viewer, session_id)
        context = _base(connection, viewer)
    return _render(
        state,
        request,
        "review/calibration_results.html",
        {
            **context,
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


@pages.get("/calibration/{session_id}/results")
def results_page(
    request: Request, state: State, viewer: CurrentViewer, session_id: int
) -> Response:
    """Where the raters differ, the agreement figures, and the reference (for the lead)."""
    return _results_page(state, request, viewer, session_id)


@pages.post("/calibration/{session_id}/items/{item_id}/reference")
async def reference_page(
    request: Request, state: State, viewer: CurrentViewer, session_id: int, item_id: int
) -> Response:
    """Record the agreed reference of one interaction."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    entered = _answers_from_form(form)
    try:
        with state.engine.begin() as connection:
            record_reference(
                connection,
                viewer,
                session_id=session_id,
                item_id=item_id,
                answers=entered,
                version=_int(form.get("version") or "0", "version"),
            )
    except (InvalidInput, Conflict) as error:
        return _results_page(
            state,
            request,
            viewer,
            session_id,
            error=str(error),
            error_item=item_id,
            entered=entered,
            status=409 if isinstance(error, Conflict) else 422,
        )
    return RedirectResponse(f"/calibration/{session_id}/results#item-{item_id}", status_code=303)


# --- JSON API -----------------------------------------------------------------------


def _agreement(figure: Agreement | None) -> dict[str, Any] | None:
    if figure is None:
        return None
    return {
        "statistic": figure.statistic,
        "value": figure.value,
        "units": figure.units,
        "observed": figure.observed,
        "expected": figure.expected,
        "reason": figure.reason,
    }


def _session_json(session: CalibrationSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "name": session.name,
        "status": session.status,
        "scorecard": {
            "id": session.scorecard.id,
            "name": session.scorecard.name,
            "version": session.scorecard.version,
            "criteria": [
                {"id": c.id, "title": c.title, "scale": c.scale}
                for c in session.scorecard.scorecard.criteria
            ],
        },
        "deadline": session.deadline.isoformat() if session.deadline else None,
        "created_by": session.created_by,
        "created_at": session.created_at.isoformat(),
        "closed_at": session.closed_at.isoformat() if session.closed_at else None,
        "version": session.version,
        "participants": [
            {
                "id": p.id,
                "name": p.name,
                "submitted_at": p.submitted_at.isoformat() if p.submitted_at else None,
            }
            for p in session.participants
        ],
        "items": [
            {
                "id": i.id,
                "interaction_id": i.interaction_id,
                "external_id": i.external_id,
                "reference": dict(i.reference) if i.reference is not None else None,
                "reference_score": i.reference_score,
                "version": i.version,
            }
            for i in session.items
        ],
    }


def _view_json(view: SessionView) -> dict[str, Any]:
    return {
        **_session_json(view.session),
        "is_participant": view.is_participant,
        "has_submitted": view.has_submitted,
        "can_see_results": view.can_see_results,
        "own_scores": [
            {
                "item_id": s.item_id,
                "answers": dict(s.answers),
                "comment": s.comment,
                "score": s.score,
                "version": s.version,
                "submitted": s.submitted,
                "complete": s.complete,
            }
            for s in view.own.values()
        ],
    }


def _figures_json(figures: SessionFigures, raters: dict[int, str]) -> dict[str, Any]:
    return {
        "raters": [{"id": r, "name": raters.get(r)} for r in figures.raters],
        "scales": [
            {
                "scale": s.scale,
                "raters": s.raters,
                "percent_agreement": _agreement(s.percent),
                "cohen_kappa": _agreement(s.cohen),
                "fleiss_kappa": _agreement(s.fleiss),
                "krippendorff_alpha": _agreement(s.alpha),
            }
            for s in figures.scales
        ],
        "criteria": [
            {
                "criterion": c.criterion.id,
                "scale": c.criterion.scale,
                "spread": [[v, n] for v, n in c.spread],
                "percent_agreement": _agreement(c.percent),
                "krippendorff_alpha": _agreement(c.alpha),
            }
            for c in figures.criteria
        ],
        "items": [
            {
                "item_id": i.item_id,
                "scores": {str(r): s for r, s in i.scores.items()},
                "reference_score": i.reference_score,
                "cells": [
                    {
                        "criterion": c.criterion.id,
                        "answers": {str(r): v for r, v in c.answers.items()},
                        "spread": [[v, n] for v, n in c.spread],
                        "reference": c.reference,
                        "differs": c.differs,
                    }
                    for c in i.cells
                ],
            }
            for i in figures.items
        ],
        "deviations": [
            {
                "rater": d.rater_id,
                "criteria_compared": d.criteria_compared,
                "criteria_matched": d.criteria_matched,
                "match_share": d.match_share,
                "items_compared": d.items_compared,
                "mean_abs_score_difference": d.mean_abs_score_difference,
            }
            for d in figures.deviations
        ],
    }


def _history_json(history: ReviewerHistory) -> dict[str, Any]:
    return {
        "reviewer": {"id": history.reviewer.id, "name": history.reviewer.name},
        "match_share": history.match_share,
        "mean_abs_score_difference": history.mean_abs_score_difference,
        "sessions": [
            {
                "session_id": e.session_id,
                "name": e.session_name,
                "closed_at": e.closed_at.isoformat(),
                "criteria_compared": e.deviation.criteria_compared,
                "criteria_matched": e.deviation.criteria_matched,
                "match_share": e.deviation.match_share,
                "items_compared": e.deviation.items_compared,
                "mean_abs_score_difference": e.deviation.mean_abs_score_difference,
            }
            for e in history.entries
        ],
    }


@api.get("/sessions")
def api_sessions(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """Calibration sessions the caller may open, newest first."""
    with state.engine.connect() as connection:
        sessions = list_sessions(connection, viewer)
    return {"items": [_session_json(s) for s in sessions]}


@api.post("/sessions", status_code=201)
def api_create_session(
    state: State,
    viewer: CurrentViewer,
    name: Annotated[str, Body(embed=True)],
    scorecard_id: Annotated[int, Body(embed=True)],
    reviewer_ids: Annotated[list[int], Body(embed=True)],
    interaction_ids: Annotated[list[int], Body(embed=True)] = [],  # noqa: B006
    external_ids: Annotated[list[str], Body(embed=True)] = [],  # noqa: B006
    deadline: Annotated[str | None, Body(embed=True, description="YYYY-MM-DD")] = None,
) -> dict[str, Any]:
    """Start a session (QA leads and admins)."""
    with state.engine.begin() as connection:
        session_id = create_session(
            connection,
            viewer,
            name=name,
            scorecard_id=scorecard_id,
            interaction_ids=interaction_ids,
            external_ids=external_ids,
            participant_ids=reviewer_ids,
            deadline=parse_deadline(deadline),
        )
    return {"id": session_id}


@api.get("/sessions/{session_id}")
def api_session(state: State, viewer: CurrentViewer, session_id: int) -> dict[str, Any]:
    """A session and the caller's own scores in it."""
    with state.engine.connect() as connection:
        view = get_session(connection, viewer, session_id)
    return _view_json(view)


@api.put("/sessions/{session_id}/items/{item_id}/score")
def api_save_score(
    state: State,
    viewer: CurrentViewer,
    session_id: int,
    item_id: int,
    answers: Annotated[dict[str, str | int | None], Body(embed=True)],
    version: Annotated[int, Body(embed=True, description="the version edited; 0 for new")],
    comment: Annotated[str | None, Body(embed=True)] = None,
) -> dict[str, Any]:
    """Save the caller's draft score; 409 when someone saved since ``version``."""
    with state.engine.begin() as connection:
        saved = save_score(
            connection,
            viewer,
            session_id=session_id,
            item_id=item_id,
            answers=answers,
            comment=comment,
            version=version,
        )
    return {
        "item_id": saved.item_id,
        "answers": dict(saved.answers),
        "score": saved.score,
        "version": saved.version,
        "complete": saved.complete,
    }


@api.post("/sessions/{session_id}/submit")
def api_submit(state: State, viewer: CurrentViewer, session_id: int) -> dict[str, Any]:
    """Hand in the caller's scores (every interaction, every criterion)."""
    with state.engine.begin() as connection:
        submit_scores(connection, viewer, session_id=session_id)
    return {"submitted": True}


@api.get("/sessions/{session_id}/results")
def api_results(state: State, viewer: CurrentViewer, session_id: int) -> dict[str, Any]:
    """Differences and agreement figures (403 until the caller's own scores are in)."""
    with state.engine.connect() as connection:
        results = session_results(connection, viewer, session_id)
    return {
        "session": _session_json(results.session),
        **_figures_json(results.figures, dict(results.raters)),
    }


@api.put("/sessions/{session_id}/items/{item_id}/reference")
def api_reference(
    state: State,
    viewer: CurrentViewer,
    session_id: int,
    item_id: int,
    answers: Annotated[dict[str, str | int | None], Body(embed=True)],
    version: Annotated[int, Body(embed=True)],
) -> dict[str, Any]:
    """Record the agreed reference of one interaction; 409 when it changed since ``version``."""
    with state.engine.begin() as connection:
        new_version = record_reference(
            connection,
            viewer,
            session_id=session_id,
            item_id=item_id,
            answers=answers,
            version=version,
        )
    return {"item_id": item_id, "version": new_version}


@api.post("/sessions/{session_id}/close")
def api_close(
    state: State,
    viewer: CurrentViewer,
    session_id: int,
    version: Annotated[int, Body(embed=True)],
) -> dict[str, Any]:
    """Close and freeze the session; 409 when it changed since ``version``."""
    with state.engine.begin() as connection:
        close_session(connection, viewer, session_id=session_id, version=version)
    return {"closed": True}


@api.get("/reviewers")
def api_reviewers(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """Each reviewer's deviation from the reference, session by session."""
    with state.engine.connect() as connection:
        histories = reviewer_deviation(connection, viewer)
    return {"items": [_history_json(h) for h in histories]}


# One router for web/app.py to include: the pages (kept out of the OpenAPI
# schema) and the JSON API (documented in it).
router = APIRouter()
router.include_router(pages)
router.include_router(api)
