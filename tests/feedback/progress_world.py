"""Agent a1's last two whole weeks, scored: what the progress summary tests read.

The interactions of ``feedback_world`` are moved to the week before last (f1, f2)
and last week (f3, f4), so the page (which counts up to now) compares them as
"last week" against "the week before" whatever day the tests run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from kontrol.domain.clock import utcnow
from kontrol.domain.scorecard import Value
from kontrol.metrics.facts import refresh_qa_facts
from kontrol.store.tables import evaluations, interactions
from tests.factories import exchange, import_records, interaction_ids, interaction_record
from tests.feedback.feedback_world import World


def last_two_weeks(world: World) -> None:
    """f1, f2 the week before last; f3, f4 last week; then the evaluations of test_coaching."""
    today = utcnow().date()
    last_monday = today - timedelta(days=today.weekday() + 7)
    days = {
        "f1": last_monday - timedelta(days=7),
        "f2": last_monday - timedelta(days=6),
        "f3": last_monday + timedelta(days=1),
        "f4": last_monday + timedelta(days=2),
    }
    with world.engine.begin() as connection:
        for external_id, day in days.items():
            connection.execute(
                update(interactions)
                .where(interactions.c.id == world.interactions[external_id])
                .values(started_at=datetime.combine(day, datetime.min.time()) + timedelta(hours=10))
            )
    # The week before last: score 37,5 (f1 50, f2 25); last week 42,5 (f3 85, f4 0).
    world.evaluation("f1", {"greeting": "pass", "empathy": "fail", "accuracy": "pass", "tone": 3})
    world.evaluation(
        "f2",
        {"greeting": "fail", "empathy": "fail", "accuracy": "pass", "tone": "na"},
        kind="auto",
    )
    world.evaluation("f3", {"greeting": "pass", "empathy": "pass", "accuracy": "pass", "tone": 2})
    world.evaluation(
        "f4",
        {"greeting": "pass", "empathy": "fail", "accuracy": "fail", "tone": 4},
        kind="auto",
    )


# A Wednesday: week 46 of 2026 runs 9–11 November so far, 3 of its 7 days; the page
# compares it with 2–4 November, the same first days of the week before.
RUNNING_NOW = datetime(2026, 11, 11, 15, 0)
ALL_MET: dict[str, Value] = {"greeting": "pass", "empathy": "pass", "accuracy": "pass", "tone": 5}
NO_GREETING: dict[str, Value] = {**ALL_MET, "greeting": "fail"}
CRITICAL_FAIL: dict[str, Value] = {**ALL_MET, "accuracy": "fail"}


def more_conversations(world: World, folder: Path, started: dict[str, str]) -> None:
    """Import more of agent a1's conversations (external id → start), left unscored."""
    records = [
        interaction_record(
            external_id,
            started=when,
            agent_id="a1",
            agent_name="Agent a1",
            team="L1",
            topic="delivery",
            messages=exchange("Где мой заказ?", "Здравствуйте! Сейчас проверю.", at=when),
        )
        for external_id, when in started.items()
    ]
    import_records(world.engine, world.workspace, folder, records, name="more.jsonl")
    with world.engine.begin() as connection:
        world.interactions = interaction_ids(connection, world.workspace)
        added = [world.interactions[external_id] for external_id in started]
        connection.execute(evaluations.delete().where(evaluations.c.interaction_id.in_(added)))
        refresh_qa_facts(connection, world.workspace.id, added)


def a_running_week(world: World, folder: Path) -> None:
    """Five evaluations in 2–4 Nov (all met), three later that week (critical failures),
    five in the running week 9–11 Nov (one without the greeting).

    Against the same days the running week's score moves 100 → 96 (−4); against the
    whole week before (62,5) it would read +33,5.
    """
    more_conversations(
        world,
        folder,
        {
            "s1": "2026-11-02T12:00:00+00:00",
            "s2": "2026-11-03T12:00:00+00:00",
            "s3": "2026-11-04T12:00:00+00:00",
            "late1": "2026-11-06T12:00:00+00:00",
            "late2": "2026-11-07T12:00:00+00:00",
            "late3": "2026-11-08T12:00:00+00:00",
            "r1": "2026-11-09T12:00:00+00:00",
            "r2": "2026-11-10T12:00:00+00:00",
            "r3": "2026-11-11T09:00:00+00:00",
        },
    )
    for external_id in ("f1", "f2", "s1", "s2", "s3", "f3", "r1", "r2", "r3"):
        world.evaluation(external_id, ALL_MET)
    world.evaluation("f4", NO_GREETING)
    for external_id in ("late1", "late2", "late3"):
        world.evaluation(external_id, CRITICAL_FAIL)
