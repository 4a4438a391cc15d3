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
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from kontrol.checks.audio import local_recording
from kontrol.checks.custom import CustomCheck, load_custom_check
from kontrol.checks.engine import CheckOutcome, CheckSettings, prepare, run_checks
from kontrol.checks.phrases import PhraseOverride, parse_list
from kontrol.checks.registry import registered_checks
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.domain.scorecard import Scorecard, compute_score, load_scorecard
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
    custom_checks,
    evaluations,
    interaction_signals,
    interactions,
    messages,
    phrase_overrides,
    scorecards,
)

BATCH = 100
DEFAULT_SCORECARDS = ("default-ru", "default-en")
AUTO = "auto"


@dataclass(frozen=True, slots=True)
class StoredScorecard:
    """One version of a scorecard as stored, with its parsed form."""

    id: int
    name: str
    version: int
    is_active: bool
    created_at: datetime
    yaml: str
    scorecard: Scorecard


def known_check_ids(settings: CheckSettings | None = None) -> frozenset[str]:
    """Ids a scorecard criterion may be bound to: built-in and the workspace's custom checks."""
    ids = set(registered_checks())
    if settings is not None:
        ids.update(c.id for c in settings.custom_checks)
    return frozenset(ids)


def default_scorecard_text(name: str) -> str:
    """The YAML of a shipped default scorecard."""
    entry = resources.files("kontrol.checks").joinpath("scorecards").joinpath(f"{name}.yaml")
    return entry.read_text(encoding="utf-8")


# --- scorecards --------------------------------------------------------------------


_parsed: dict[str, Scorecard] = {}


def _parse_stored(text: str) -> Scorecard:
    """A stored scorecard's YAML, parsed once per process (YAML parsing is slow)."""
    found = _parsed.get(text)
    if found is None:
        if len(_parsed) > 256:
            _parsed.clear()
        found = _parsed[text] = load_scorecard(text)
    return found


def _stored(row: Any) -> StoredScorecard:
    return StoredScorecard(
        id=int(row.id),
        name=row.name,
        version=int(row.version),
        is_active=bool(row.is_active),
        created_at=row.created_at,
        yaml=row.yaml,
        scorecard=_parse_stored(row.yaml),
    )


def save_scorecard(
    connection: Connection,
    workspace_id: int,
    text: str,
    *,
    user_id: int | None = None,
    settings: CheckSettings | None = None,
) -> StoredScorecard:
    """Store a scorecard from YAML: a new one, or a new version of the one with its name."""
    if settings is None:
        settings = check_settings(connection, workspace_id)
    parsed = load_scorecard(text, known_checks=known_check_ids(settings))
    latest = connection.execute(
        select(func.max(scorecards.c.version)).where(
            scorecards.c.workspace_id == workspace_id, scorecards.c.name == parsed.name
        )
    ).scalar()
    version = int(latest or 0) + 1
    now = utcnow()
    connection.execute(
        update(scorecards)
        .where(scorecards.c.workspace_id == workspace_id, scorecards.c.name == parsed.name)
        .values(is_active=False)
    )
    new_id = connection.execute(
        scorecards.insert().values(
            workspace_id=workspace_id,
            name=parsed.name,
            version=version,
            title=parsed.title[:200],
            language=parsed.language,
            yaml=text,
            is_active=True,
            created_at=now,
            created_by=user_id,
        )
    ).inserted_primary_key
    assert new_id is not None
    return StoredScorecard(int(new_id[0]), parsed.name, version, True, now, text, parsed)


def ensure_default_scorecards(connection: Connection, workspace_id: int) -> None:
    """Give a workspace without scorecards the shipped Russian and English defaults."""
    exists = connection.execute(
        select(scorecards.c.id).where(scorecards.c.workspace_id == workspace_id).limit(1)
    ).first()
    if exists is not None:
        return
    for name in DEFAULT_SCORECARDS:
        save_scorecard(
            connection, workspace_id, default_scorecard_text(name), settings=CheckSettings()
        )


def active_scorecards(connection: Connection, workspace_id: int) -> list[StoredScorecard]:
    """The newest version of each active scorecard of the workspace, by name."""
    rows = connection.execute(
        select(scorecards)
        .where(scorecards.c.workspace_id == workspace_id, scorecards.c.is_active.is_(True))
        .order_by(scorecards.c.name)
    )
    return [_stored(row) for row in rows]


def scorecard_versions(
    connection: Connection, workspace_id: int, name: str
) -> list[StoredScorecard]:
    """Every version of one scorecard, newest first."""
    rows = connection.execute(
        select(scorecards)
        .where(scorecards.c.workspace_id == workspace_id, scorecards.c.name == name)
        .order_by(scorecards.c.version.desc())
    ).all()
    if not rows:
        raise NotFound(f"no scorecard named {name!r}")
    return [_stored(row) for row in rows]


def scorecard_version(
    connection: Connection, workspace_id: int | None, scorecard_id: int
) -> StoredScorecard:
    """One stored version of a scorecard by its row id (an evaluation's ``scorecard_id``).

    With ``workspace_id`` it must belong to that workspace; ``None`` is for callers
    that reached the id through a row already checked to be the viewer's.
    """
    statement = select(scorecards).where(scorecards.c.id == scorecard_id)
    if workspace_id is not None:
        statement = statement.where(scorecards.c.workspace_id == workspace_id)
    row = connection.execute(statement).first()
    if row is None:
        raise NotFound(f"no scorecard {scorecard_id} in this workspace")
    return _stored(row)


def scorecard_by_id(connection: Connection, scorecard_id: int) -> StoredScorecard:
    """One stored scorecard version, whatever its workspace (see :func:`scorecard_version`)."""
    return scorecard_version(connection, None, scorecard_id)


def list_scorecards(connection: Connection, workspace_id: int) -> list[StoredScorecard]:
    """The newest version of every scorecard of the workspace, active or not."""
    newest = (
        select(scorecards.c.name, func.max(scorecards.c.version).label("version"))
        .where(scorecards.c.workspace_id == workspace_id)
        .group_by(scorecards.c.name)
        .subquery()
    )
    rows = connection.execute(
        select(scorecards)
        .join(
            newest,
            and_(scorecards.c.name == newest.c.name, scorecards.c.version == newest.c.version),
        )
        .where(scorecards.c.workspace_id == workspace_id)
        .order_by(scorecards.c.name)
    )
    return [_stored(row) for row in rows]


# --- workspace settings of the checks ----------------------------------------------


def check_settings(connection: Connection, workspace_id: int) -> CheckSettings:
    """The workspace's phrase-list overrides and enabled custom checks."""
    overrides = tuple(
        PhraseOverride(row.language, row.list_name, row.mode, tuple(parse_list(row.phrases)))
        for row in connection.execute(
            select(phrase_overrides)
            .where(phrase_overrides.c.workspace_id == workspace_id)
            .order_by(phrase_overrides.c.language, phrase_overrides.c.list_name)
        )
    )
    reserved = frozenset(registered_checks())
    customs: list[CustomCheck] = []
    for row in connection.execute(
        select(custom_checks)
        .where(custom_checks.c.workspace_id == workspace_id, custom_checks.c.enabled.is_(True))
        .order_by(custom_checks.c.check_id)
    ):
        customs.append(_parse_custom(row.yaml, reserved))
    settings = CheckSettings(overrides=overrides, custom_checks=tuple(customs))
    # The same settings object for the same content: the engine caches compiled
    # phrase books by settings identity.
    key = repr(settings)
    cached = _settings.get(key)
    if cached is None:
        if len(_settings) > 64:
            _settings.clear()
        cached = _settings[key] = settings
    return cached


_settings: dict[str, CheckSettings] = {}
_customs: dict[str, CustomCheck] = {}


def _parse_custom(text: str, reserved: frozenset[str]) -> CustomCheck:
    found = _customs.get(text)
    if found is None:
        if len(_customs) > 256:
            _customs.clear()
        found = _customs[text] = load_custom_check(text, reserved=reserved)
    return found


def save_phrase_override(
    connection: Connection,
    workspace_id: int,
    *,
    language: str,
    list_name: str,
    mode: str,
    phrases: str,
) -> None:
    """Extend or replace one list for the workspace; an empty extension removes the override."""
    if language not in ("ru", "en"):
        raise InvalidInput("language: expected ru or en")
    if mode not in ("extend", "replace"):
        raise InvalidInput("mode: expected extend or replace")
    name = list_name.strip()
    if not name or len(name) > 60 or not name.replace("_", "").isalnum():
        raise InvalidInput("list: expected a list name of letters, digits and _")
    connection.execute(
        delete(phrase_overrides).where(
            phrase_overrides.c.workspace_id == workspace_id,
            phrase_overrides.c.language == language,
            phrase_overrides.c.list_name == name,
        )
    )
    if mode == "extend" and not parse_list(phrases):
        return
    connection.execute(
        phrase_overrides.insert().values(
            workspace_id=workspace_id,
            language=language,
            list_name=name,
            mode=mode,
            phrases=phrases.replace("\r\n", "\n"),
            updated_at=utcnow(),
        )
    )


def save_custom_check(
    connection: Connection, workspace_id: int, text: str, *, enabled: bool = True
) -> CustomCheck:
    """Create or change a custom check from YAML (validated first)."""
    check = load_custom_check(text, reserved=frozenset(registered_checks()))
    connection.execute(
        delete(custom_checks).where(
            custom_checks.c.workspace_id == workspace_id, custom_checks.c.check_id == check.id
        )
    )
    connection.execute(
        custom_checks.insert().values(
            workspace_id=workspace_id,
            check_id=check.id,
            yaml=text,
            enabled=enabled,
            updated_at=utcnow(),
        )
    )
    return check


def delete_custom_check(connection: Connection, workspace_id: int, check_id: str) -> None:
    """Remove a custom check (its past results stay with the interactions)."""
    connection.execute(
        delete(custom_checks).where(
            custom_checks.c.workspace_id == workspace_id, custom_checks.c.check_id == check_id
        )
    )


# --- scoring ----------------------------------------------------------------------


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
            interactions.c.customer_id,
            interactions.c.customer_name,
            interactions.c.agent_name,
            interactions.c.is_complaint,
            interactions.c.tags,
            interactions.c.recording,
        ).where(interactions.c.workspace_id == workspace_id, interactions.c.id.in_(ids))
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
    out = []
    for row in rows:
        conversation = prepare(
            channel=row.channel,
            messages=texts.get(row.id, []),
            language=row.language,
            direction=row.direction,
            started_at=row.started_at,
            customer_name=row.customer_name,
            agent_name=row.agent_name,
            followups=[t for t in followups.get(row.customer_id, []) if t > row.started_at]
            if row.customer_id
            else (),
            settings=settings,
            recording=local_recording(row.recording, recordings)
            if row.recording and row.channel == "call"
            else None,
        )
        out.append((row, run_checks(conversation, settings)))
    return out


def _scorecard_results(scorecard: Scorecard, outcome: CheckOutcome) -> dict[str, Any]:
    return {
        c.id: outcome.verdicts[c.check].result
        for c in scorecard.criteria
        if c.check is not None and c.check in outcome.verdicts
    }


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


def _score_chunk(
    connection: Connection, workspace_id: int, ids: list[int]
) -> tuple[list[int], list[int]]:
    """Score one chunk in the caller's transaction: the ids scored, and the new complaints."""
    settings = check_settings(connection, workspace_id)
    cards = active_scorecards(connection, workspace_id)
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
    card_ids = [card.id for card in cards]
    # Automatic evaluations already stored for these interactions and scorecard versions
    # are updated in place, not replaced: disputes, acknowledgements and the manual
    # evaluations made beside them refer to their ids.
    existing: dict[tuple[int, int], Any] = {}
    if card_ids:
        existing = {
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
    outcome_rows = []
    failure_rows = []
    signal_rows = []
    evaluation_rows = []
    complaints = []
    detected_languages: dict[str, list[int]] = defaultdict(list)
    for row, outcome in outcomes:
        verdicts = {}
        for check_id, verdict in outcome.verdicts.items():
            verdicts[check_id] = verdict.as_json()
            if verdict.result == "fail":
                failure_rows.append(
                    {"interaction_id": row.id, "check_id": check_id, "workspace_id": workspace_id}
                )
        outcome_rows.append(
            {"interaction_id": row.id, "workspace_id": workspace_id, "verdicts": verdicts}
        )
        signals = outcome.signals
        signal_rows.append(
            {
                "interaction_id": row.id,
                "workspace_id": workspace_id,
                "language": outcome.language,
                "complaint": bool(signals["complaint"]),
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
            complaints.append(row)
        if not row.language:
            detected_languages[outcome.language].append(row.id)
        for card in cards:
            if not card.scorecard.applies_to(row.channel, outcome.language):
                continue
            score = compute_score(card.scorecard, _scorecard_results(card.scorecard, outcome))
            evaluation_rows.append(
                {
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
            )
    connection.execute(check_outcomes.insert(), outcome_rows)
    if failure_rows:
        connection.execute(check_failures.insert(), failure_rows)
    connection.execute(interaction_signals.insert(), signal_rows)
    _store_auto_evaluations(connection, evaluation_rows, existing, now)
    for row in complaints:
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
    for language, language_ids in detected_languages.items():
        connection.execute(
            update(interactions)
            .where(interactions.c.id.in_(language_ids), interactions.c.language.is_(None))
            .values(language=language)
        )
    return scored, [row.id for row in complaints]


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


# --- reading results back -----------------------------------------------------------


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
                int(row.id), _stored(card_row), row.score, row.passed, row.created_at, items
            )
        )
    return out


DEMO_LISTS = {
    ("ru", "upsell"): "# Демо: что магазин «Кварта» предлагает дополнительно\n"
    "расширенную гарантию\nКварта Плюс\nскидка на аксессуары\n",
    ("en", "upsell"): "# Demo: what the Kvarta shop offers on top\n"
    "extended warranty\nKvarta Plus\ndiscount on accessories\n",
    ("ru", "jargon"): "# Демо: внутренние слова\nтикет\nэскалация\nбэкофис\nSLA\n",
    ("en", "jargon"): "# Demo: internal words\nticket escalation\nback office\nSLA\n",
}


def set_up_demo_checks(engine: Engine, workspace_id: int) -> None:
    """The demo workspace's upsell and jargon lists, before the demo data is scored."""
    with engine.begin() as connection:
        ensure_default_scorecards(connection, workspace_id)
        for (language, list_name), phrases in DEMO_LISTS.items():
            save_phrase_override(
                connection,
                workspace_id,
                language=language,
                list_name=list_name,
                mode="extend",
                phrases=phrases,
            )
