"""Reading scoring results back: check verdicts, signals, automatic evaluations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from kontrol.checks.scorecards import StoredScorecard, stored_scorecard
from kontrol.store.tables import check_outcomes, evaluations, interaction_signals, scorecards

# The kind of an evaluation made by the checks (manual ones are made by people).
AUTO = "auto"
# Interactions per IN list.
BATCH = 100


def stored_outcomes(
    connection: Connection, interaction_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """``{"checks": ..., "signals": ...}`` by interaction, as the engine returned them."""
    out: dict[int, dict[str, Any]] = {i: {"checks": {}, "signals": {}} for i in interaction_ids}
    for start in range(0, len(interaction_ids), BATCH):
        chunk = list(interaction_ids[start : start + BATCH])
        for row in connection.execute(
            select(check_outcomes).where(check_outcomes.c.interaction_id.in_(chunk))
        ):
            out[row.interaction_id]["checks"] = dict(row.verdicts)
        for signal in connection.execute(
            select(interaction_signals).where(interaction_signals.c.interaction_id.in_(chunk))
        ):
            out[signal.interaction_id]["signals"] = signals_json(signal)
    return out


def signals_json(row: Any) -> dict[str, Any]:
    """A stored signals row in the shape of the engine's ``signals``."""
    return {
        "complaint": bool(row.complaint),
        "dissatisfied": None if row.dissatisfied is None else bool(row.dissatisfied),
        "customer_sentiment_start": row.sentiment_start,
        "customer_sentiment_end": row.sentiment_end,
        "talk_ratio": row.talk_ratio,
        "silence_ratio": row.silence_ratio,
        "overlaps": row.overlaps,
        "pii": [kind for kind in row.pii.split(",") if kind],
    }


@dataclass(frozen=True, slots=True)
class StoredEvaluation:
    """An automatic evaluation of an interaction with one scorecard version."""

    id: int
    scorecard: StoredScorecard
    score: float | None
    passed: bool | None
    created_at: datetime
    items: dict[str, tuple[str | None, float | None]]


def evaluations_of(connection: Connection, interaction_id: int) -> list[StoredEvaluation]:
    """The automatic evaluations of one interaction, newest scorecard version first."""
    rows = connection.execute(
        select(evaluations, scorecards.c.name)
        .join(scorecards, scorecards.c.id == evaluations.c.scorecard_id)
        .where(evaluations.c.interaction_id == interaction_id, evaluations.c.kind == AUTO)
        .order_by(scorecards.c.name, scorecards.c.version.desc())
    ).all()
    out = []
    for row in rows:
        card_row = connection.execute(
            select(scorecards).where(scorecards.c.id == row.scorecard_id)
        ).one()
        items = {item["criterion"]: (item["result"], item["fraction"]) for item in row.items or []}
        out.append(
            StoredEvaluation(
                int(row.id),
                stored_scorecard(card_row),
                row.score,
                row.passed,
                row.created_at,
                items,
            )
        )
    return out
