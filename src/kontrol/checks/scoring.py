"""Scoring stored interactions: run the checks, keep verdicts, signals and evaluations.

``score_interactions`` is the one entry point: the import subscriber calls it
after each committed batch, ``kontrol rescore`` and the file command
``kontrol score`` call it too. It is idempotent: scoring the same interaction
again replaces its check results, its signals and its automatic evaluation by
the same scorecard version, so a queued job may safely run twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from kontrol.accounts.workspaces import workspace_language
from kontrol.checks.audio import audio_turns, local_recording
from kontrol.checks.check_settings import (
    check_settings,
)
from kontrol.checks.engine import CheckOutcome, CheckSettings, prepare, run_checks
from kontrol.checks.scorecards import (
    StoredScorecard,
    active_scorecards,
    ensure_default_scorecards,
)
from kontrol.checks.stored_results import (
    AUTO,
    BATCH,
)
from kontrol.domain.clock import utcnow
from kontrol.domain.ratings import RATING_SOURCE
from kontrol.domain.scorecard import Scorecard, compute_score, criterion_results
from kontrol.events import (
    ComplaintsFound,
    InteractionsScored,
    InteractionsStored,
    publish,
    subscriber,
)
from kontrol.settings import current_settings
from kontrol.store.tables import (
    check_failures,
    check_outcomes,
    evaluations,
    interaction_signals,
    interactions,
    messages,
)

# Callers import the scorecards, the settings of the checks and the stored results
# from here as well as from their own modules.


def _followups(
    connection: Connection, workspace_id: int, customer_ids: set[str]
) -> dict[str, list[datetime]]:
    found: dict[str, list[datetime]] = defaultdict(list)
    ids = sorted(customer_ids)
    for start in range(0, len(ids), BATCH):
        rows = connection.execute(
            select(interactions.c.customer_id, interactions.c.started_at).where(
                interactions.c.workspace_id == workspace_id,
                interactions.c.direction == "outbound",
                interactions.c.customer_id.in_(ids[start : start + BATCH]),
            )
        )
        for row in rows:
            found[row.customer_id].append(row.started_at)
    return found


def _outcomes(
    connection: Connection, workspace_id: int, ids: Sequence[int], settings: CheckSettings
) -> list[tuple[Any, CheckOutcome]]:
    rows = connection.execute(
        select(
            interactions.c.id,
            interactions.c.channel,
            interactions.c.direction,
            interactions.c.language,
            interactions.c.started_at,
            interactions.c.ended_at,
            interactions.c.customer_id,
            interactions.c.customer_name,
            interactions.c.agent_name,
            interactions.c.is_complaint,
            interactions.c.tags,
            interactions.c.recording,
            interactions.c.topic,
        ).where(
            interactions.c.workspace_id == workspace_id,
            interactions.c.id.in_(ids),
            # A QR or kiosk rating has no conversation: checking it would answer "na"
            # to every criterion and list it as a conversation scored 100.
            interactions.c.source != RATING_SOURCE,
        )
    ).all()
    texts: dict[int, list[Any]] = defaultdict(list)
    for message in connection.execute(
        select(
            messages.c.interaction_id,
            messages.c.role,
            messages.c.text,
            messages.c.at,
            messages.c.start_s,
            messages.c.end_s,
        )
        .where(messages.c.interaction_id.in_(ids))
        .order_by(messages.c.interaction_id, messages.c.seq)
    ):
        texts[message.interaction_id].append(
            (message.role, message.text, message.at, message.start_s, message.end_s)
        )
    followups = _followups(
        connection, workspace_id, {row.customer_id for row in rows if row.customer_id}
    )
    recordings = Path(current_settings().recordings_dir)
    # Calls without a timed transcript: their turns from the measured recording.
    audio = audio_turns(connection, workspace_id, [row.id for row in rows if row.channel == "call"])
    out = []
    # An interaction with no text and no language is in the workspace's (not detected
    # as English from nothing): its scorecards are the workspace's language's.
    language = workspace_language(connection, workspace_id)
    for row in rows:
        said = texts.get(row.id, [])
        silent = not any((m[1] or "").strip() for m in said)
        conversation = prepare(
            channel=row.channel,
            messages=said,
            language=row.language or (language if silent else None),
            direction=row.direction,
            started_at=row.started_at,
            ended_at=row.ended_at,
            customer_name=row.customer_name,
            agent_name=row.agent_name,
            followups=[t for t in followups.get(row.customer_id, []) if t > row.started_at]
            if row.customer_id
            else (),
            settings=settings,
            recording=local_recording(row.recording, recordings)
            if row.recording and row.channel == "call"
            else None,
            topic=row.topic,
        )
        if not conversation.timed:
            conversation.audio = audio.get(row.id)
        out.append((row, run_checks(conversation, settings)))
    return out


def _scorecard_results(scorecard: Scorecard, outcome: CheckOutcome) -> dict[str, Any]:
    return criterion_results(
        scorecard, {check: verdict.result for check, verdict in outcome.verdicts.items()}
    )


def score_interactions(engine: Engine, workspace_id: int, interaction_ids: Iterable[int]) -> int:
    """Check and score these interactions of the workspace; returns how many were scored."""
    ids = sorted(set(interaction_ids))
    done = 0
    try:
        with engine.begin() as connection:
            ensure_default_scorecards(connection, workspace_id)
    except IntegrityError:
        pass  # a concurrent import (or API request) made them a moment ago
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with engine.begin() as connection:
            scored, complaints = _score_chunk(connection, workspace_id, chunk)
        done += len(scored)
        # After the commit: alerts on failed critical checks, KPI facts of new complaints.
        publish(engine, InteractionsScored(workspace_id, tuple(scored)))
        publish(engine, ComplaintsFound(workspace_id, tuple(complaints)))
    return done


@dataclass
class _ChunkRows:
    """The rows scoring one chunk writes, and what it found out about the interactions."""

    outcomes: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    signals: list[dict[str, Any]] = field(default_factory=list)
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    complaints: list[Any] = field(default_factory=list)
    detected_languages: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(
        self,
        row: Any,
        outcome: CheckOutcome,
        *,
        workspace_id: int,
        cards: Sequence[StoredScorecard],
        now: datetime,
    ) -> None:
        """The verdicts, signals and automatic evaluations of one interaction."""
        verdicts = {}
        for check_id, verdict in outcome.verdicts.items():
            verdicts[check_id] = verdict.as_json()
            if verdict.result == "fail":
                self.failures.append(
                    {"interaction_id": row.id, "check_id": check_id, "workspace_id": workspace_id}
                )
        self.outcomes.append(
            {"interaction_id": row.id, "workspace_id": workspace_id, "verdicts": verdicts}
        )
        signals = outcome.signals
        self.signals.append(
            {
                "interaction_id": row.id,
                "workspace_id": workspace_id,
                "language": outcome.language,
                "complaint": bool(signals["complaint"]),
                "dissatisfied": bool(signals["dissatisfied"]),
                "sentiment_start": signals["customer_sentiment_start"],
                "sentiment_end": signals["customer_sentiment_end"],
                "talk_ratio": signals["talk_ratio"],
                "silence_ratio": signals["silence_ratio"],
                "overlaps": signals["overlaps"],
                "pii": ",".join(signals["pii"]),
                "scored_at": now,
            }
        )
        if signals["complaint"] and not row.is_complaint:
            self.complaints.append(row)
        if not row.language:
            self.detected_languages[outcome.language].append(row.id)
        if outcome.no_text and not any(v.result != "na" for v in outcome.verdicts.values()):
            return  # nothing was checked: no automatic evaluation (the pages say why)
        for card in cards:
            if card.scorecard.applies_to(row.channel, outcome.language):
                self.evaluations.append(_auto_evaluation(row, outcome, card, workspace_id, now))


def _auto_evaluation(
    row: Any, outcome: CheckOutcome, card: StoredScorecard, workspace_id: int, now: datetime
) -> dict[str, Any]:
    """The automatic evaluation row of one interaction with one scorecard version."""
    score = compute_score(card.scorecard, _scorecard_results(card.scorecard, outcome))
    return {
        "workspace_id": workspace_id,
        "interaction_id": row.id,
        "scorecard_id": card.id,
        "kind": AUTO,
        "score": score.score,
        "passed": score.passed,
        "items": [
            {
                "criterion": item.criterion.id,
                "check": item.criterion.check,
                "result": None if item.result is None else str(item.result),
                "fraction": item.fraction,
                "critical": item.criterion.critical,
            }
            for item in score.outcomes
        ],
        "created_at": now,
    }


def _stored_auto_evaluations(
    connection: Connection, scored: list[int], card_ids: list[int]
) -> dict[tuple[int, int], Any]:
    """The automatic evaluations already stored, by (interaction, scorecard version)."""
    if not card_ids:
        return {}
    return {
        (row.interaction_id, row.scorecard_id): row
        for row in connection.execute(
            select(
                evaluations.c.id,
                evaluations.c.interaction_id,
                evaluations.c.scorecard_id,
                evaluations.c.score,
                evaluations.c.passed,
                evaluations.c["items"],
            ).where(
                evaluations.c.interaction_id.in_(scored),
                evaluations.c.kind == AUTO,
                evaluations.c.scorecard_id.in_(card_ids),
            )
        )
    }


def _score_chunk(
    connection: Connection, workspace_id: int, ids: list[int]
) -> tuple[list[int], list[int]]:
    """Score one chunk in the caller's transaction: the ids scored, and the new complaints."""
    settings = check_settings(connection, workspace_id)
    cards = active_scorecards(connection, workspace_id)
    _forget_ratings_checked(connection, workspace_id, ids)
    outcomes = _outcomes(connection, workspace_id, ids, settings)
    if not outcomes:
        return [], []
    scored = [row.id for row, _ in outcomes]
    now = utcnow()
    connection.execute(delete(check_outcomes).where(check_outcomes.c.interaction_id.in_(scored)))
    connection.execute(delete(check_failures).where(check_failures.c.interaction_id.in_(scored)))
    connection.execute(
        delete(interaction_signals).where(interaction_signals.c.interaction_id.in_(scored))
    )
    # Automatic evaluations already stored for these interactions and scorecard versions
    # are updated in place, not replaced: disputes, acknowledgements and the manual
    # evaluations made beside them refer to their ids.
    existing = _stored_auto_evaluations(connection, scored, [card.id for card in cards])
    rows = _ChunkRows()
    for row, outcome in outcomes:
        rows.add(row, outcome, workspace_id=workspace_id, cards=cards, now=now)
    connection.execute(check_outcomes.insert(), rows.outcomes)
    if rows.failures:
        connection.execute(check_failures.insert(), rows.failures)
    connection.execute(interaction_signals.insert(), rows.signals)
    _store_auto_evaluations(connection, rows.evaluations, existing, now)
    _mark_found(connection, rows)
    return scored, [row.id for row in rows.complaints]


def _forget_ratings_checked(connection: Connection, workspace_id: int, ids: list[int]) -> None:
    """Drop the verdicts and automatic evaluations that ratings without a conversation got
    before they were left alone (``kontrol rescore`` cleans an older database)."""
    ratings = [
        int(i)
        for i in connection.execute(
            select(interactions.c.id).where(
                interactions.c.workspace_id == workspace_id,
                interactions.c.id.in_(ids),
                interactions.c.source == RATING_SOURCE,
            )
        ).scalars()
    ]
    if not ratings:
        return
    for table in (check_outcomes, check_failures, interaction_signals):
        connection.execute(delete(table).where(table.c.interaction_id.in_(ratings)))
    connection.execute(
        delete(evaluations).where(
            evaluations.c.interaction_id.in_(ratings), evaluations.c.kind == AUTO
        )
    )


def _mark_found(connection: Connection, rows: _ChunkRows) -> None:
    """Complaints and languages the checks found, written onto the interactions."""
    for row in rows.complaints:
        # The complaint signal sets the interaction's complaint flag and tag (spec/CHECKS.md);
        # it never clears one that the imported record set.
        tags = list(row.tags or [])
        if "complaint" not in tags:
            tags.append("complaint")
        connection.execute(
            update(interactions)
            .where(interactions.c.id == row.id)
            .values(is_complaint=True, tags=tags)
        )
    for language, language_ids in rows.detected_languages.items():
        connection.execute(
            update(interactions)
            .where(interactions.c.id.in_(language_ids), interactions.c.language.is_(None))
            .values(language=language)
        )


def _store_auto_evaluations(
    connection: Connection,
    rows: list[dict[str, Any]],
    existing: dict[tuple[int, int], Any],
    now: datetime,
) -> None:
    """Insert new automatic evaluations, update changed ones, drop those that no longer apply."""
    fresh = []
    changed = []
    kept: set[int] = set()
    for row in rows:
        before = existing.get((row["interaction_id"], row["scorecard_id"]))
        if before is None:
            fresh.append(row)
            continue
        kept.add(before.id)
        if (before.score, before.passed, before.items) != (
            row["score"],
            row["passed"],
            row["items"],
        ):
            changed.append(
                {
                    "evaluation_id": before.id,
                    "new_score": row["score"],
                    "new_passed": row["passed"],
                    "new_items": row["items"],
                }
            )
    if fresh:
        connection.execute(evaluations.insert(), fresh)
    if changed:
        connection.execute(
            update(evaluations)
            .where(evaluations.c.id == bindparam("evaluation_id"))
            .values(
                score=bindparam("new_score"),
                passed=bindparam("new_passed"),
                items=bindparam("new_items"),
                updated_at=now,
                version=evaluations.c.version + 1,
            ),
            changed,
        )
    gone = [before.id for before in existing.values() if before.id not in kept]
    if gone:
        # The scorecard no longer applies (the channel or language changed).
        connection.execute(delete(evaluations).where(evaluations.c.id.in_(gone)))


@subscriber(InteractionsStored, background=True)
def score_imported(engine: Engine, event: InteractionsStored) -> None:
    """Score every interaction an import batch stored or changed."""
    score_interactions(engine, event.workspace_id, event.interaction_ids)


def rescore_workspace(engine: Engine, workspace_id: int) -> int:
    """Score every interaction of the workspace again (after a scorecard or list change)."""
    with engine.connect() as connection:
        ids = [
            int(i)
            for i in connection.execute(
                select(interactions.c.id).where(interactions.c.workspace_id == workspace_id)
            ).scalars()
        ]
    return score_interactions(engine, workspace_id, ids)
