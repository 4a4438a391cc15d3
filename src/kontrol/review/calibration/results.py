"""Calibration results: where the raters differ, and who reviews the reviewers.

The figures count submitted scores only; the others' scores stay hidden from a
participant until their own are in. Closed sessions with a reference give each
reviewer's deviation from it, session by session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed, require
from kontrol.domain.errors import Forbidden
from kontrol.review.calibration.figures import (
    Answers,
    ItemAnswers,
    RaterDeviation,
    SessionFigures,
    items_to_answers,
    session_figures,
)
from kontrol.review.calibration.sessions import (
    CLOSED,
    CalibrationSession,
    Person,
    display_names,
    load_session,
    require_open_to,
    results_visible,
)
from kontrol.store.tables import (
    calibration_scores,
    calibration_sessions,
)


@dataclass(frozen=True, slots=True)
class SessionResults:
    """The results page: the figures and who is who."""

    session: CalibrationSession
    figures: SessionFigures
    raters: Mapping[int, str]
    comments: Mapping[tuple[int, int], str]
    can_edit_reference: bool


@dataclass(frozen=True, slots=True)
class DeviationEntry:
    """One reviewer in one closed session, against the reference."""

    session_id: int
    session_name: str
    closed_at: datetime
    deviation: RaterDeviation


@dataclass(frozen=True, slots=True)
class ReviewerHistory:
    """A reviewer's deviation from the reference, session by session (oldest first)."""

    reviewer: Person
    entries: tuple[DeviationEntry, ...]

    @property
    def criteria_compared(self) -> int:
        return sum(e.deviation.criteria_compared for e in self.entries)

    @property
    def match_share(self) -> float | None:
        compared = self.criteria_compared
        matched = sum(e.deviation.criteria_matched for e in self.entries)
        return matched / compared if compared else None

    @property
    def mean_abs_score_difference(self) -> float | None:
        """Over every interaction compared, in all sessions (not a mean of session means)."""
        weighted = [
            (e.deviation.mean_abs_score_difference, e.deviation.items_compared)
            for e in self.entries
            if e.deviation.mean_abs_score_difference is not None
        ]
        items = sum(n for _, n in weighted)
        return sum(d * n for d, n in weighted) / items if items else None


# --- results ----------------------------------------------------------------------


def _figures(
    connection: Connection, session: CalibrationSession
) -> tuple[SessionFigures, dict[tuple[int, int], str]]:
    """Figures over the submitted scores only (drafts are nobody's business)."""
    rows = connection.execute(
        select(
            calibration_scores.c.item_id,
            calibration_scores.c.user_id,
            calibration_scores.c["items"],
            calibration_scores.c.comment,
        ).where(
            calibration_scores.c.item_id.in_([i.id for i in session.items]),
            calibration_scores.c.submitted_at.is_not(None),
        )
    ).all()
    by_item: dict[int, dict[int, Answers]] = {i.id: {} for i in session.items}
    comments: dict[tuple[int, int], str] = {}
    for row in rows:
        by_item[int(row.item_id)][int(row.user_id)] = items_to_answers(row._mapping["items"])
        if row.comment:
            comments[(int(row.item_id), int(row.user_id))] = row.comment
    figures = session_figures(
        session.scorecard.scorecard,
        [ItemAnswers(i.id, by_item[i.id], i.reference) for i in session.items],
    )
    return figures, comments


def session_results(connection: Connection, viewer: Viewer, session_id: int) -> SessionResults:
    """Where the raters differ and how much they agree (hidden until one's own are in)."""
    session = load_session(connection, viewer, session_id)
    require_open_to(viewer, session)
    if not results_visible(viewer, session):
        raise Forbidden(
            "submit your own scores first: the others' stay hidden until then",
            key="review.error.own_scores_first",
        )
    figures, comments = _figures(connection, session)
    return SessionResults(
        session=session,
        figures=figures,
        raters=display_names(connection, figures.raters),
        comments=comments,
        can_edit_reference=session.is_open and allowed(viewer, Action.RUN_CALIBRATION),
    )


def reviewer_deviation(connection: Connection, viewer: Viewer) -> list[ReviewerHistory]:
    """Each reviewer's distance from the reference in closed sessions, oldest session first."""
    require(viewer, Action.VIEW_REVIEWER_STATS)
    ids = connection.execute(
        select(calibration_sessions.c.id)
        .where(
            calibration_sessions.c.workspace_id == viewer.workspace.id,
            calibration_sessions.c.status == CLOSED,
        )
        .order_by(calibration_sessions.c.closed_at, calibration_sessions.c.id)
    ).scalars()
    entries: dict[int, list[DeviationEntry]] = {}
    for session_id in list(ids):
        session = load_session(connection, viewer, int(session_id))
        if not session.references:
            continue
        figures, _ = _figures(connection, session)
        assert session.closed_at is not None
        for deviation in figures.deviations:
            if not deviation.criteria_compared:
                continue
            entries.setdefault(deviation.rater_id, []).append(
                DeviationEntry(session.id, session.name, session.closed_at, deviation)
            )
    names = display_names(connection, entries)
    histories = [
        ReviewerHistory(Person(r, names.get(r, str(r))), tuple(e)) for r, e in entries.items()
    ]
    return sorted(histories, key=lambda h: (h.reviewer.name, h.reviewer.id))
