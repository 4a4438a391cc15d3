"""Resolving disputes: upheld, changed (manual and automatic), concurrency, history, KPIs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput
from kontrol.feedback.agent_view import list_evaluations
from kontrol.feedback.dispute_resolution import resolve_dispute
from kontrol.feedback.disputes import count_open_disputes, list_disputes, raise_dispute
from kontrol.feedback.evaluation_detail import evaluation_detail
from kontrol.metrics.kpis import compute
from kontrol.store.tables import evaluations
from tests.feedback.feedback_world import ALL_PASS, World, build_world


@pytest.fixture
def world(engine: Engine, workspace: Workspace, tmp_path: Path) -> World:
    return build_world(engine, workspace, tmp_path)


def qa_score(world: World) -> float | None:
    with world.engine.connect() as connection:
        rows = compute(connection, workspace=world.workspace, metrics=["qa_score"])
    value = rows[0]["qa_score"]
    return None if value is None else float(value)


def dispute(world: World, evaluation_id: int, criterion: str | None, reason: str = "wrong") -> int:
    with world.engine.begin() as connection:
        return raise_dispute(
            connection, world.viewer("agent1"), evaluation_id, criterion=criterion, reason=reason
        ).id


def test_upheld_keeps_the_evaluation(world: World) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    dispute_id = dispute(world, evaluation_id, "empathy")
    with world.engine.begin() as connection:
        done = resolve_dispute(
            connection,
            world.viewer("qa"),
            dispute_id,
            version=1,
            outcome="upheld",
            comment="No apology in the chat",
        )
    assert done.dispute.status == "upheld" and done.dispute.resolution == "No apology in the chat"
    assert done.score_before == done.score_after == 60.0
    row = world.row(evaluation_id)
    assert (row.version, row.score) == (1, 60.0)
    with world.engine.connect() as connection:
        detail = evaluation_detail(connection, world.viewer("agent1"), evaluation_id)
    assert [(h.subject, h.action) for h in detail.history] == [
        ("evaluation", "submitted"),
        ("dispute", "raised"),
        ("dispute", "resolved"),
    ]
    assert detail.history[-1].details["outcome"] == "upheld"


def test_changed_rescores_the_manual_evaluation_and_the_kpis(world: World) -> None:
    # f1: empathy failed: (1 + 0 + 1 + 1) / 5 = 60. f5: all passed, 100. qa_score = 80.
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    world.evaluation("f5", ALL_PASS)
    assert qa_score(world) == 80.0
    dispute_id = dispute(world, evaluation_id, "empathy")
    with world.engine.begin() as connection:
        done = resolve_dispute(
            connection,
            world.viewer("qa"),
            dispute_id,
            version=1,
            outcome="changed",
            comment="Yes, the apology is there",
            answers={"empathy": "pass"},
            evaluation_version=1,
        )
    assert (done.score_before, done.score_after, done.created_evaluation_id) == (60.0, 100.0, None)
    row = world.row(evaluation_id)
    assert (row.version, row.score, row.passed) == (2, 100.0, True)
    empathy = next(item for item in row.items if item["criterion"] == "empathy")
    assert (empathy["result"], empathy["fraction"]) == ("pass", 1.0)
    assert qa_score(world) == 100.0
    with world.engine.connect() as connection:
        detail = evaluation_detail(connection, world.viewer("agent1"), evaluation_id)
    changed = next(h for h in detail.history if h.action == "changed")
    assert changed.details["answers_before"] == {"empathy": "fail"}
    assert changed.details["answers_after"] == {"empathy": "pass"}
    assert (changed.details["score_before"], changed.details["score_after"]) == (60.0, 100.0)
    resolved = detail.history[-1]
    assert (resolved.action, resolved.details["outcome"]) == ("resolved", "changed")
    assert detail.answers[1].disputes[0].status == "changed"


def test_changed_on_an_automatic_evaluation_adds_a_manual_one(world: World) -> None:
    auto_id = world.evaluation("f1", {**ALL_PASS, "accuracy": "fail"}, kind="auto")
    assert qa_score(world) == 0.0  # a failed critical criterion scores 0
    dispute_id = dispute(world, auto_id, "accuracy")
    with world.engine.begin() as connection:
        done = resolve_dispute(
            connection,
            world.viewer("qa"),
            dispute_id,
            version=1,
            outcome="changed",
            comment="The information was right",
            answers={"accuracy": "pass"},
        )
    created = done.created_evaluation_id
    assert created is not None and done.evaluation_id == created
    row = world.row(created)
    assert (row.kind, row.status, row.score, row.auto_evaluation_id) == (
        "manual",
        "submitted",
        100.0,
        auto_id,
    )
    assert row.reviewer_id == world.accounts["qa"].id
    accuracy = next(item for item in row.items if item["criterion"] == "accuracy")
    assert (accuracy["result"], accuracy["auto_result"]) == ("pass", "fail")
    # The automatic evaluation itself is unchanged; the KPIs take the manual one.
    assert world.row(auto_id).score == 0.0
    assert qa_score(world) == 100.0
    with world.engine.connect() as connection:
        listed = list_evaluations(connection, world.viewer("agent1"))
    assert [(e.id, e.kind, e.counted) for e in listed] == [
        (created, "manual", True),
        (auto_id, "auto", False),
    ]


def test_whole_dispute_may_change_several_criteria(world: World) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail", "tone": 1})
    dispute_id = dispute(world, evaluation_id, None)
    with world.engine.begin() as connection:
        done = resolve_dispute(
            connection,
            world.viewer("admin"),
            dispute_id,
            version=1,
            outcome="changed",
            comment="Both were scored too harshly",
            answers={"empathy": "pass", "tone": "4", "greeting": "pass"},
            evaluation_version=1,
        )
    # (1 + 2 + 1 + 0.75) / 5 = 95.
    assert (done.score_before, done.score_after) == (40.0, 95.0)
    with world.engine.connect() as connection:
        detail = evaluation_detail(connection, world.viewer("qa"), evaluation_id)
    resolved = detail.history[-1].details
    # Only the answers that changed are recorded as changed.
    assert resolved["answers_before"] == {"empathy": "fail", "tone": "1"}
    assert resolved["answers_after"] == {"empathy": "pass", "tone": "4"}


def test_resolution_input_is_checked(world: World) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    dispute_id = dispute(world, evaluation_id, "empathy")
    qa = world.viewer("qa")
    cases = [
        ({"outcome": "maybe", "comment": "x"}, "outcome"),
        ({"outcome": "upheld", "comment": " "}, "comment"),
        ({"outcome": "changed", "comment": "x", "evaluation_version": 1}, "answers"),
        (
            {
                "outcome": "changed",
                "comment": "x",
                "answers": {"tone": "2"},
                "evaluation_version": 1,
            },
            "only the disputed criterion",
        ),
        (
            {"outcome": "changed", "comment": "x", "answers": {"empathy": "7"}},
            "answers.empathy",
        ),
        (
            {"outcome": "changed", "comment": "x", "answers": {"empathy": "fail"}},
            "upheld",
        ),
        (
            {"outcome": "changed", "comment": "x", "answers": {"empathy": "pass"}},
            "evaluation_version",
        ),
    ]
    for arguments, message in cases:
        with pytest.raises(InvalidInput, match=message), world.engine.begin() as connection:
            resolve_dispute(connection, qa, dispute_id, version=1, **arguments)  # type: ignore[arg-type]
    assert world.row(evaluation_id).version == 1


def test_only_leads_resolve(world: World) -> None:
    evaluation_id = world.evaluation("f1", ALL_PASS)
    dispute_id = dispute(world, evaluation_id, "tone")
    for username in ("agent1", "lead", "reviewer"):
        with pytest.raises(Forbidden), world.engine.begin() as connection:
            resolve_dispute(
                connection,
                world.viewer(username),
                dispute_id,
                version=1,
                outcome="upheld",
                comment="x",
            )


def test_two_leads_resolving_at_once_the_second_is_refused(world: World) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    dispute_id = dispute(world, evaluation_id, "empathy")
    # Both leads loaded the dispute at version 1; the first one saves.
    with world.engine.begin() as connection:
        resolve_dispute(
            connection,
            world.viewer("qa"),
            dispute_id,
            version=1,
            outcome="changed",
            comment="fair point",
            answers={"empathy": "pass"},
            evaluation_version=1,
        )
    with pytest.raises(Conflict, match="changed already by Qa"), world.engine.begin() as connection:
        resolve_dispute(
            connection,
            world.viewer("qa2"),
            dispute_id,
            version=1,
            outcome="upheld",
            comment="it stands",
        )
    assert world.row(evaluation_id).score == 100.0


def test_a_stale_evaluation_version_is_refused_and_nothing_changes(world: World) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    dispute_id = dispute(world, evaluation_id, "empathy")
    # The reviewer changed the evaluation after the lead opened it.
    with world.engine.begin() as connection:
        connection.execute(
            evaluations.update()
            .where(evaluations.c.id == evaluation_id)
            .values(version=evaluations.c.version + 1)
        )
    with pytest.raises(Conflict, match="reload"), world.engine.begin() as connection:
        resolve_dispute(
            connection,
            world.viewer("qa"),
            dispute_id,
            version=1,
            outcome="changed",
            comment="fair point",
            answers={"empathy": "pass"},
            evaluation_version=1,
        )
    with world.engine.connect() as connection:
        still_open = list_disputes(connection, world.viewer("qa"))
        score = connection.execute(
            select(evaluations.c.score).where(evaluations.c.id == evaluation_id)
        ).scalar()
    assert [d.dispute.id for d in still_open] == [dispute_id] and score == 60.0


def test_dispute_lists_are_scoped(world: World) -> None:
    mine = dispute(world, world.evaluation("f1", ALL_PASS), "tone")
    with world.engine.begin() as connection:
        other = raise_dispute(
            connection,
            world.viewer("agent3"),
            world.evaluation("f6", ALL_PASS),
            criterion=None,
            reason="no",
        ).id
    with world.engine.connect() as connection:
        qa = [d.dispute.id for d in list_disputes(connection, world.viewer("qa"))]
        lead = [d.dispute.id for d in list_disputes(connection, world.viewer("lead"))]
        agent = [d.dispute.id for d in list_disputes(connection, world.viewer("agent1"))]
    assert qa == [mine, other] and lead == [mine] and agent == [mine]


def test_open_disputes_are_counted_in_the_viewer_s_scope(world: World) -> None:
    dispute(world, world.evaluation("f1", ALL_PASS), "tone")
    with world.engine.begin() as connection:
        raise_dispute(
            connection,
            world.viewer("agent3"),
            world.evaluation("f6", ALL_PASS),
            criterion=None,
            reason="no",
        )
    with world.engine.connect() as connection:
        counted = {
            who: count_open_disputes(connection, world.viewer(who))
            for who in ("qa", "lead", "agent1")
        }
        listed = {who: len(list_disputes(connection, world.viewer(who))) for who in counted}
    assert counted == listed == {"qa": 2, "lead": 1, "agent1": 1}
