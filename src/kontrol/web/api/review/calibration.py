"""The JSON API of calibration sessions under ``/api/v1/calibration``: sessions,
scores, results with agreement figures, the reference, reviewers' deviation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from kontrol.review.agreement import Agreement
from kontrol.review.calibration.figures import SessionFigures
from kontrol.review.calibration.results import ReviewerHistory, reviewer_deviation, session_results
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
    get_session,
    list_sessions,
    parse_deadline,
)
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.params import Id

router = APIRouter(prefix="/api/v1/calibration", tags=["v1"])


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


@router.get("/sessions")
def api_sessions(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Calibration sessions the caller may open, newest first."""
    sessions = list_sessions(db, viewer)
    return {"items": [_session_json(s) for s in sessions]}


@router.post("/sessions", status_code=201)
def api_create_session(
    db: Db,
    viewer: CurrentViewer,
    name: Annotated[str, Body(embed=True)],
    scorecard_id: Annotated[int, Body(embed=True)],
    reviewer_ids: Annotated[list[int], Body(embed=True)],
    interaction_ids: Annotated[list[int], Body(embed=True)] = [],  # noqa: B006
    external_ids: Annotated[list[str], Body(embed=True)] = [],  # noqa: B006
    deadline: Annotated[str | None, Body(embed=True, description="YYYY-MM-DD")] = None,
) -> dict[str, Any]:
    """Start a session (QA leads and admins)."""
    session_id = create_session(
        db,
        viewer,
        name=name,
        scorecard_id=scorecard_id,
        interaction_ids=interaction_ids,
        external_ids=external_ids,
        participant_ids=reviewer_ids,
        deadline=parse_deadline(deadline),
    )
    return {"id": session_id}


@router.get("/sessions/{session_id}")
def api_session(db: Db, viewer: CurrentViewer, session_id: Id) -> dict[str, Any]:
    """A session and the caller's own scores in it."""
    view = get_session(db, viewer, session_id)
    return _view_json(view)


@router.put("/sessions/{session_id}/items/{item_id}/score")
def api_save_score(
    db: Db,
    viewer: CurrentViewer,
    session_id: Id,
    item_id: Id,
    answers: Annotated[dict[str, str | int | None], Body(embed=True)],
    version: Annotated[int, Body(embed=True, description="the version edited; 0 for new")],
    comment: Annotated[str | None, Body(embed=True)] = None,
) -> dict[str, Any]:
    """Save the caller's draft score; 409 when someone saved since ``version``."""
    saved = save_score(
        db,
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


@router.post("/sessions/{session_id}/submit")
def api_submit(db: Db, viewer: CurrentViewer, session_id: Id) -> dict[str, Any]:
    """Hand in the caller's scores (every interaction, every criterion)."""
    submit_scores(db, viewer, session_id=session_id)
    return {"submitted": True}


@router.get("/sessions/{session_id}/results")
def api_results(db: Db, viewer: CurrentViewer, session_id: Id) -> dict[str, Any]:
    """Differences and agreement figures (403 until the caller's own scores are in)."""
    results = session_results(db, viewer, session_id)
    return {
        "session": _session_json(results.session),
        **_figures_json(results.figures, dict(results.raters)),
    }


@router.put("/sessions/{session_id}/items/{item_id}/reference")
def api_reference(
    db: Db,
    viewer: CurrentViewer,
    session_id: Id,
    item_id: Id,
    answers: Annotated[dict[str, str | int | None], Body(embed=True)],
    version: Annotated[int, Body(embed=True)],
) -> dict[str, Any]:
    """Record the agreed reference of one interaction; 409 when it changed since ``version``."""
    new_version = record_reference(
        db,
        viewer,
        session_id=session_id,
        item_id=item_id,
        answers=answers,
        version=version,
    )
    return {"item_id": item_id, "version": new_version}


@router.post("/sessions/{session_id}/close")
def api_close(
    db: Db,
    viewer: CurrentViewer,
    session_id: Id,
    version: Annotated[int, Body(embed=True)],
) -> dict[str, Any]:
    """Close and freeze the session; 409 when it changed since ``version``."""
    close_session(db, viewer, session_id=session_id, version=version)
    return {"closed": True}


@router.get("/reviewers")
def api_reviewers(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Each reviewer's deviation from the reference, session by session."""
    histories = reviewer_deviation(db, viewer)
    return {"items": [_history_json(h) for h in histories]}
