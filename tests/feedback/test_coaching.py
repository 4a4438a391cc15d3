"""The coaching view: weakest criteria per week from the evaluations the KPIs count."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scorecards import save_scorecard
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.feedback.agent_view import acknowledge_evaluation
from kontrol.feedback.coaching import coaching_agents, coaching_view
from kontrol.feedback.disputes import raise_dispute
from kontrol.feedback.task_changes import TaskInput, create_task, update_task
from tests.feedback.feedback_world import CARD, World, build_world

NOW = datetime(2026, 11, 12, 12, 0)
# The Sunday W46 ends on: the week is whole, compared with the whole week before.
WEEK_OVER = datetime(2026, 11, 15, 12, 0)


@pytest.fixture
def world(engine: Engine, workspace: Workspace, tmp_path: Path) -> World:
    return build_world(engine, workspace, tmp_path)


@pytest.fixture
def coached(world: World) -> dict[str, int]:
    """Agent a1's four interactions, two weeks (2026-W45 and W46), scored by hand."""
    ids = {
        # f1 (W45): the automatic one is overruled by the reviewer's.
        "f1_auto": world.evaluation(
            "f1",
            {"greeting": "pass", "empathy": "pass", "accuracy": "pass", "tone": 5},
            kind="auto",
        ),
        "f1": world.evaluation(
            "f1", {"greeting": "pass", "empathy": "fail", "accuracy": "pass", "tone": 3}
        ),
        # f2 (W45): automatic only; tone not applicable.
        "f2": world.evaluation(
            "f2",
            {"greeting": "fail", "empathy": "fail", "accuracy": "pass", "tone": "na"},
            kind="auto",
        ),
        # f3 (W46): manual wins over the automatic one.
        "f3_auto": world.evaluation(
            "f3",
            {"greeting": "fail", "empathy": "fail", "accuracy": "fail", "tone": 1},
            kind="auto",
        ),
        "f3": world.evaluation(
            "f3", {"greeting": "pass", "empathy": "pass", "accuracy": "pass", "tone": 2}
        ),
        # f4 (W46): automatic; a reviewer's unfinished draft does not count.
        "f4": world.evaluation(
            "f4",
            {"greeting": "pass", "empathy": "fail", "accuracy": "fail", "tone": 4},
            kind="auto",
        ),
        "f4_draft": world.evaluation(
            "f4",
            {"greeting": "pass", "empathy": "pass", "accuracy": "pass", "tone": 5},
            status="draft",
        ),
        # Another agent's evaluation is not a1's business.
        "f5": world.evaluation(
            "f5", {"greeting": "fail", "empathy": "fail", "accuracy": "fail", "tone": 1}
        ),
    }
    return ids


def test_weakest_criteria_per_week(world: World, coached: dict[str, int]) -> None:
    with world.engine.connect() as connection:
        view = coaching_view(connection, world.viewer("qa"), "a1", now=WEEK_OVER)
    assert view.running is None
    assert view.keys == [f"2026-W{week}" for week in range(39, 47)]
    summary = [
        (
            c.criterion,
            c.overall.n,
            c.overall.failed,
            c.overall.share_failed,
            c.overall.mean,
            c.trend,
        )
        for c in view.criteria
    ]
    assert summary == [
        # W45: 0, 0; W46: 1, 0.
        ("empathy", 4, 3, 0.75, 0.25, 0.5),
        # W45: 0.5 (f2 not applicable); W46: 0.25, 0.75.
        ("tone", 3, 1, 0.3333, 0.5, 0.0),
        # W45: 1, 1; W46: 1, 0 (the critical failure of f4).
        ("accuracy", 4, 1, 0.25, 0.75, -0.5),
        # W45: 1, 0; W46: 1, 1.
        ("greeting", 4, 1, 0.25, 0.75, 0.5),
    ]
    empathy = view.criteria[0]
    assert empathy.title == "Showed empathy"
    assert empathy.periods["2026-W45"].as_json() == {
        "n": 2,
        "failed": 2,
        "share_failed": 1.0,
        "mean": 0.0,
    }
    assert empathy.periods["2026-W44"].n == 0 and empathy.periods["2026-W44"].mean is None
    # QA score per week: W45 (50 + 25) / 2; W46 (85 + 0) / 2.
    assert view.scores["2026-W45"] == (2, 37.5)
    assert view.scores["2026-W46"] == (2, 42.5)
    assert view.scores["2026-W44"] == (0, None)


def test_a_bonus_not_earned_is_no_weakness(world: World) -> None:
    line = '      - {id: tone, title: Tone, weight: 1, scale: "1-5"}\n'
    bonus = line + "      - {id: upsell, title: Offered more, weight: 1, bonus: true}\n"
    assert line in CARD
    with world.engine.begin() as connection:
        world.card = save_scorecard(connection, world.workspace.id, CARD.replace(line, bonus))
    answers = {"greeting": "pass", "empathy": "fail", "accuracy": "pass", "tone": 4}
    world.evaluation("f1", {**answers, "upsell": "fail"}, kind="auto")
    with world.engine.connect() as connection:
        view = coaching_view(connection, world.viewer("qa"), "a1", now=NOW)
    assert {c.criterion for c in view.criteria} == set(answers)
    assert view.criteria[0].criterion == "empathy"


def test_monthly_window(world: World, coached: dict[str, int]) -> None:
    with world.engine.connect() as connection:
        view = coaching_view(connection, world.viewer("qa"), "a1", period="month", now=NOW)
        with pytest.raises(InvalidInput, match="period"):
            coaching_view(connection, world.viewer("qa"), "a1", period="year", now=NOW)
    assert view.keys == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert view.scores["2026-11"] == (4, 40.0)
    empathy = view.criteria[0]
    assert (empathy.criterion, empathy.periods["2026-11"].mean, empathy.trend) == (
        "empathy",
        0.25,
        None,
    )


def test_open_tasks_and_evaluations_to_discuss(world: World, coached: dict[str, int]) -> None:
    qa = world.viewer("qa")
    agent = world.viewer("agent1")
    with world.engine.begin() as connection:
        open_task = create_task(
            connection, qa, TaskInput(kind="coaching", title="Empathy session", agent="a1")
        )
        closed = create_task(connection, qa, TaskInput(kind="training", title="Done", agent="a1"))
        update_task(connection, qa, closed.id, version=1, changes={"status": "cancelled"})
        create_task(connection, qa, TaskInput(kind="coaching", title="Not a1", agent="a2"))
        # f2 failed but is acknowledged; f3 passed but is disputed.
        acknowledge_evaluation(connection, agent, coached["f2"], version=1)
        raise_dispute(connection, agent, coached["f3"], criterion="tone", reason="It was a 4")
    with world.engine.connect() as connection:
        view = coaching_view(connection, qa, "a1", now=NOW)
    assert [t.id for t in view.open_tasks] == [open_task.id]
    assert [e.id for e in view.to_discuss] == [coached["f4"], coached["f3"], coached["f1"]]


def test_coaching_scope(world: World, coached: dict[str, int]) -> None:
    with world.engine.connect() as connection:
        assert [a.external_id for a in coaching_agents(connection, world.viewer("qa"))] == [
            "a1",
            "a2",
            "a3",
        ]
        assert [a.external_id for a in coaching_agents(connection, world.viewer("lead"))] == [
            "a1",
            "a2",
        ]
        assert [a.external_id for a in coaching_agents(connection, world.viewer("agent1"))] == [
            "a1"
        ]
        assert coaching_view(connection, world.viewer("agent1"), "a1", now=NOW).criteria
        assert coaching_view(connection, world.viewer("lead"), "a1", now=NOW).criteria
        for username, agent in [("agent2", "a1"), ("lead2", "a1"), ("qa", "nobody")]:
            with pytest.raises(NotFound):
                coaching_view(connection, world.viewer(username), agent, now=NOW)
