"""Feedback: the agent sees, acknowledges and disputes evaluations, within the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kontrol.feedback.agent_view import acknowledge_evaluation, list_evaluations
from kontrol.feedback.dispute_window import dispute_deadline_days, set_dispute_deadline_days
from kontrol.feedback.disputes import raise_dispute, withdraw_dispute
from kontrol.feedback.evaluation_detail import evaluation_detail
from kontrol.store.tables import review_events
from tests.feedback.feedback_world import ALL_PASS, World, build_world, days_ago


@pytest.fixture
def world(engine: Engine, workspace: Workspace, tmp_path: Path) -> World:
    return build_world(engine, workspace, tmp_path)


def test_agent_sees_own_evaluations_manual_first_with_answers(world: World) -> None:
    auto = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"}, kind="auto")
    manual = world.evaluation(
        "f1", {**ALL_PASS, "tone": 3}, comments={"tone": "a bit dry"}, submitted_at=days_ago(1)
    )
    other_agent = world.evaluation("f5", ALL_PASS)
    draft = world.evaluation("f2", ALL_PASS, status="draft")
    agent = world.viewer("agent1")
    with world.engine.connect() as connection:
        listed = list_evaluations(connection, agent)
        detail = evaluation_detail(connection, agent, manual)
    assert [(e.id, e.kind) for e in listed] == [(manual, "manual"), (auto, "auto")]
    assert other_agent not in {e.id for e in listed} and draft not in {e.id for e in listed}
    # The manual one counts in the KPIs; the automatic one is shown beside it, marked as such.
    assert listed[0].counted and not listed[1].counted
    # 1 + 2 + 1 + 0.5 (a 3 of 5) of 5 = 90.
    assert detail.summary.score == 90.0
    tone = next(a for a in detail.answers if a.criterion.id == "tone")
    assert (tone.result, tone.fraction, tone.comment) == ("3", 0.5, "a bit dry")
    assert [r.id for r in detail.related] == [auto]
    assert detail.can_acknowledge and detail.can_dispute


def test_acknowledge_once_with_history(world: World) -> None:
    evaluation_id = world.evaluation("f1", ALL_PASS)
    agent = world.viewer("agent1")
    with world.engine.begin() as connection:
        done = acknowledge_evaluation(connection, agent, evaluation_id, version=1)
    assert done.acknowledged_at is not None and done.version == 2
    with pytest.raises(Conflict, match="acknowledged already"), world.engine.begin() as connection:
        acknowledge_evaluation(connection, agent, evaluation_id, version=2)
    with world.engine.connect() as connection:
        detail = evaluation_detail(connection, agent, evaluation_id)
        actions = [h.action for h in detail.history]
    assert actions == ["submitted", "acknowledged"]
    # Issue 15: acknowledging means "I have read it" (as in Zendesk QA and MaestroQA);
    # the agent may still dispute it within the window.
    assert not detail.can_acknowledge and detail.can_dispute
    assert detail.dispute_refusal is None
    with world.engine.begin() as connection:
        raised = raise_dispute(connection, agent, evaluation_id, criterion="tone", reason="late")
    assert raised.criterion == "tone" and raised.open


def test_an_acknowledged_evaluation_still_closes_with_the_window(world: World) -> None:
    evaluation_id = world.evaluation("f1", ALL_PASS, submitted_at=days_ago(30))
    agent = world.viewer("agent1")
    with world.engine.begin() as connection:
        acknowledge_evaluation(connection, agent, evaluation_id, version=1)
    with world.engine.connect() as connection:
        detail = evaluation_detail(connection, agent, evaluation_id)
    assert not detail.can_dispute and "window closed" in str(detail.dispute_refusal)
    with pytest.raises(Forbidden, match="window closed"), world.engine.begin() as connection:
        raise_dispute(connection, agent, evaluation_id, criterion="tone", reason="late")


def test_acknowledge_of_a_stale_version_is_refused(world: World) -> None:
    evaluation_id = world.evaluation("f1", ALL_PASS)
    with pytest.raises(Conflict, match="reload"), world.engine.begin() as connection:
        acknowledge_evaluation(connection, world.viewer("agent1"), evaluation_id, version=7)


def test_only_the_agent_acknowledges_and_disputes(world: World) -> None:
    evaluation_id = world.evaluation("f1", ALL_PASS)
    for username in ("lead", "qa", "admin", "reviewer"):
        viewer = world.viewer(username)
        with pytest.raises(Forbidden), world.engine.begin() as connection:
            acknowledge_evaluation(connection, viewer, evaluation_id, version=1)
        with pytest.raises(Forbidden), world.engine.begin() as connection:
            raise_dispute(connection, viewer, evaluation_id, criterion=None, reason="no")


def test_dispute_per_criterion_and_whole(world: World) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    agent = world.viewer("agent1")
    with world.engine.begin() as connection:
        one = raise_dispute(
            connection, agent, evaluation_id, criterion="empathy", reason="I apologised twice"
        )
        whole = raise_dispute(connection, agent, evaluation_id, criterion=None, reason="Unfair")
    assert (one.criterion, one.status, one.reason) == ("empathy", "open", "I apologised twice")
    assert whole.criterion is None and whole.open
    # One open dispute per (evaluation, criterion).
    with pytest.raises(Conflict, match="open dispute"), world.engine.begin() as connection:
        raise_dispute(connection, agent, evaluation_id, criterion="empathy", reason="again")
    with pytest.raises(Conflict, match="whole evaluation"), world.engine.begin() as connection:
        raise_dispute(connection, agent, evaluation_id, criterion=None, reason="again")
    with world.engine.connect() as connection:
        detail = evaluation_detail(connection, agent, evaluation_id)
        listed = list_evaluations(connection, agent, state="disputed")
    empathy = next(a for a in detail.answers if a.criterion.id == "empathy")
    assert empathy.open_dispute is not None and empathy.open_dispute.id == one.id
    assert detail.open_whole_dispute is not None and detail.open_whole_dispute.id == whole.id
    assert [e.open_disputes for e in listed] == [2]
    # Withdrawn, the criterion may be disputed again.
    with world.engine.begin() as connection:
        withdrawn = withdraw_dispute(connection, agent, one.id, version=one.version)
        again = raise_dispute(connection, agent, evaluation_id, criterion="empathy", reason="v2")
    assert withdrawn.status == "withdrawn" and again.open


def test_dispute_input_is_checked(world: World) -> None:
    evaluation_id = world.evaluation("f1", ALL_PASS)
    agent = world.viewer("agent1")
    with pytest.raises(InvalidInput, match="reason"), world.engine.begin() as connection:
        raise_dispute(connection, agent, evaluation_id, criterion="tone", reason="  ")
    with pytest.raises(InvalidInput, match="criterion"), world.engine.begin() as connection:
        raise_dispute(connection, agent, evaluation_id, criterion="nonsense", reason="why")


def test_dispute_after_the_deadline_is_refused(world: World) -> None:
    old = world.evaluation("f1", ALL_PASS, submitted_at=days_ago(8))
    recent = world.evaluation("f2", ALL_PASS, submitted_at=days_ago(6))
    agent = world.viewer("agent1")
    with world.engine.begin() as connection:
        assert dispute_deadline_days(connection, world.workspace.id) == 7
        with pytest.raises(Forbidden, match="dispute window closed"):
            raise_dispute(connection, agent, old, criterion="tone", reason="too late")
        raise_dispute(connection, agent, recent, criterion="tone", reason="in time")
    with world.engine.connect() as connection:
        detail = evaluation_detail(connection, agent, old)
    assert not detail.can_dispute and "closed" in str(detail.dispute_refusal)
    # A longer window (a workspace setting) opens it again.
    with world.engine.begin() as connection:
        with pytest.raises(Forbidden):
            set_dispute_deadline_days(connection, agent, 10)
        with pytest.raises(InvalidInput, match="dispute_deadline_days"):
            set_dispute_deadline_days(connection, world.viewer("qa"), "0")
        set_dispute_deadline_days(connection, world.viewer("qa"), "10")
        assert dispute_deadline_days(connection, world.workspace.id) == 10
        raise_dispute(connection, agent, old, criterion="tone", reason="now in time")


def test_scope_agent_and_team_lead(world: World) -> None:
    mine = world.evaluation("f1", ALL_PASS)
    colleague = world.evaluation("f5", ALL_PASS)  # a2, team L1
    other_team = world.evaluation("f6", ALL_PASS)  # a3, team L2
    with world.engine.connect() as connection:
        with pytest.raises(NotFound):
            evaluation_detail(connection, world.viewer("agent1"), colleague)
        with pytest.raises(NotFound):
            evaluation_detail(connection, world.viewer("lead"), other_team)
        lead_sees = {e.id for e in list_evaluations(connection, world.viewer("lead"))}
        qa_sees = {e.id for e in list_evaluations(connection, world.viewer("qa"))}
        agent_sees = {e.id for e in list_evaluations(connection, world.viewer("agent1"))}
    assert lead_sees == {mine, colleague}
    assert qa_sees == {mine, colleague, other_team}
    assert agent_sees == {mine}
    with pytest.raises(NotFound), world.engine.begin() as connection:
        raise_dispute(connection, world.viewer("agent1"), colleague, criterion=None, reason="x")


def test_history_events_are_stored(world: World) -> None:
    evaluation_id = world.evaluation("f1", ALL_PASS)
    with world.engine.begin() as connection:
        raise_dispute(
            connection, world.viewer("agent1"), evaluation_id, criterion="tone", reason="r"
        )
    with world.engine.connect() as connection:
        rows = connection.execute(
            select(review_events.c.subject, review_events.c.action).order_by(review_events.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [("evaluation", "submitted"), ("dispute", "raised")]
