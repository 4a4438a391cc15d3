"""Conditions on the interaction list from the automatic checks: score, failed check, signal.

Kept apart from the checks engine so that listing interactions does not load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, exists, select

from kontrol.store.tables import check_failures, evaluations, interaction_signals, interactions

if TYPE_CHECKING:
    from kontrol.interactions.filters import InteractionFilter

# The signal filters of the list: the name and the condition on interaction_signals.
SIGNAL_FILTERS = ("complaint", "negative_start", "negative_end", "pii", "overlaps")
# The built-in check ids (spec/CHECKS.md), for the "failed check" filter; custom checks
# are accepted by id too.
CHECK_IDS = (
    "greeting",
    "introduction",
    "customer_name",
    "needs_question",
    "empathy",
    "no_rudeness",
    "no_jargon",
    "specific_answer",
    "hold_announced",
    "no_interruption",
    "response_time",
    "promise_kept",
    "closing_thanks",
    "offer_more_help",
    "rating_request",
    "spelling",
    "calm_tone",
    "upsell",
)


def check_ids() -> tuple[str, ...]:
    """Ids offered by the "failed check" filter."""
    return CHECK_IDS


def latest_score() -> Any:
    """The score of the interaction's newest automatic evaluation (a scalar subquery)."""
    return (
        select(evaluations.c.score)
        .where(evaluations.c.interaction_id == interactions.c.id, evaluations.c.kind == "auto")
        .order_by(evaluations.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _signal(name: str) -> ColumnElement[bool]:
    row = interaction_signals.c
    condition: ColumnElement[bool]
    if name == "complaint":
        condition = row.complaint.is_(True)
    elif name == "negative_start":
        condition = row.sentiment_start < 0
    elif name == "negative_end":
        condition = row.sentiment_end < 0
    elif name == "pii":
        condition = row.pii != ""
    else:
        condition = row.overlaps > 0
    return exists().where(row.interaction_id == interactions.c.id, condition)


def quality_conditions(filters: InteractionFilter) -> list[ColumnElement[bool]]:
    """The list conditions for the quality filters that are set."""
    conditions: list[ColumnElement[bool]] = []
    if filters.score_min is not None or filters.score_max is not None:
        in_range = [evaluations.c.interaction_id == interactions.c.id, evaluations.c.kind == "auto"]
        if filters.score_min is not None:
            in_range.append(evaluations.c.score >= filters.score_min)
        if filters.score_max is not None:
            in_range.append(evaluations.c.score <= filters.score_max)
        conditions.append(exists().where(*in_range))
    if filters.failed:
        conditions.append(
            exists().where(
                check_failures.c.interaction_id == interactions.c.id,
                check_failures.c.check_id == filters.failed,
            )
        )
    if filters.signal:
        conditions.append(_signal(filters.signal))
    return conditions
