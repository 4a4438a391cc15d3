"""Agent a1's last two whole weeks, scored: what the progress summary tests read.

The interactions of ``feedback_world`` are moved to the week before last (f1, f2)
and last week (f3, f4), so the page (which counts up to now) compares them as
"last week" against "the week before" whatever day the tests run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from kontrol.domain.clock import utcnow
from kontrol.store.tables import interactions
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
