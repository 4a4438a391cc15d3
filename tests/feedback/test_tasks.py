"""Corrective tasks: created from an evaluation or freely, moved along, overdue, scoped."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kontrol.feedback.disputes import raise_dispute
from kontrol.feedback.task_changes import TaskInput, create_task, update_task
from kontrol.feedback.tasks import get_task, list_tasks, task_history
from kontrol.store.tables import workspaces
from tests.feedback.feedback_world import ALL_PASS, World, build_world, days_ago


@pytest.fixture
def world(engine: Engine, workspace: Workspace, tmp_path: Path) -> World:
    return build_world(engine, workspace, tmp_path)


def test_task_lifecycle_with_history(world: World) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "accuracy": "fail"})
    lead = world.viewer("lead")
    agent_owner = str(world.accounts["agent1"].id)
    with world.engine.begin() as connection:
        task = create_task(
            connection,
            lead,
            TaskInput(
                kind="callback",
                title="Call the customer back and correct the delivery date",
                evaluation_id=str(evaluation_id),
                owner_id=agent_owner,
                due="2026-12-01",
            ),
        )
    # The agent and the interaction come from the evaluation.
    assert (task.agent_external_id, task.interaction_id, task.evaluation_id) == (
        "a1",
        world.interactions["f1"],
        evaluation_id,
    )
    assert (task.status, task.owner, task.version) == ("open", "Agent1", 1)
    assert task.due_at is not None and task.due_at.isoformat() == "2026-12-01T23:59:00"
    agent = world.viewer("agent1")
    with world.engine.begin() as connection:
        started = update_task(
            connection, agent, task.id, version=1, changes={"status": "in_progress"}
        )
    assert (started.status, started.version) == ("in_progress", 2)
    # Done needs an outcome.
    with pytest.raises(InvalidInput, match="outcome"), world.engine.begin() as connection:
        update_task(connection, agent, task.id, version=2, changes={"status": "done"})
    # The owner moves the task along but does not rewrite it.
    with pytest.raises(Forbidden), world.engine.begin() as connection:
        update_task(connection, agent, task.id, version=2, changes={"title": "Nothing to do"})
    with world.engine.begin() as connection:
        done = update_task(
            connection,
            agent,
            task.id,
            version=2,
            changes={"status": "done", "outcome": "Called; the customer has the right date now"},
        )
    assert done.status == "done" and done.done_at is not None and done.version == 3
    with world.engine.connect() as connection:
        events = task_history(connection, lead, task.id)
    assert [e.action for e in events] == ["created", "updated", "updated"]
    assert events[1].details["changes"] == {"status": ["open", "in_progress"]}
    assert events[2].details["changes"]["status"] == ["in_progress", "done"]


def test_a_stale_task_update_is_refused(world: World) -> None:
    qa = world.viewer("qa")
    with world.engine.begin() as connection:
        task = create_task(
            connection, qa, TaskInput(kind="coaching", title="Coaching on empathy", agent="a2")
        )
        update_task(connection, qa, task.id, version=1, changes={"due": "2026-12-05"})
    with pytest.raises(Conflict, match="changed by Qa"), world.engine.begin() as connection:
        update_task(
            connection, world.viewer("admin"), task.id, version=1, changes={"title": "Other"}
        )
    with world.engine.connect() as connection:
        assert get_task(connection, qa, task.id).title == "Coaching on empathy"


def test_overdue_and_mine(world: World) -> None:
    qa = world.viewer("qa")
    owner = str(world.accounts["lead"].id)
    with world.engine.begin() as connection:
        late = create_task(
            connection,
            qa,
            TaskInput(
                kind="callback",
                title="Late callback",
                agent="a1",
                owner_id=owner,
                due=days_ago(2).strftime("%Y-%m-%dT%H:%M"),
            ),
        )
        future = create_task(
            connection,
            qa,
            TaskInput(
                kind="training",
                title="Product training",
                agent="a2",
                owner_id=owner,
                due=days_ago(-5).strftime("%Y-%m-%d"),
            ),
        )
        closed_late = create_task(
            connection,
            qa,
            TaskInput(
                kind="other", title="Cancelled", agent="a1", due=days_ago(3).strftime("%Y-%m-%d")
            ),
        )
        update_task(connection, qa, closed_late.id, version=1, changes={"status": "cancelled"})
    with world.engine.connect() as connection:
        overdue = [t.id for t in list_tasks(connection, qa, view="overdue")]
        mine = [t.id for t in list_tasks(connection, world.viewer("lead"), view="mine")]
        by_agent = [t.id for t in list_tasks(connection, qa, agent="a1")]
        by_team = [t.id for t in list_tasks(connection, qa, team="L1")]
        late_task = get_task(connection, qa, late.id)
    assert overdue == [late.id]
    assert late_task.overdue() and not get_task_overdue(world, future.id)
    assert mine == [late.id, future.id]
    assert by_agent == [late.id, closed_late.id]
    assert sorted(by_team) == sorted([late.id, future.id, closed_late.id])


def get_task_overdue(world: World, task_id: int) -> bool:
    with world.engine.connect() as connection:
        return get_task(connection, world.viewer("qa"), task_id).overdue()


def test_task_from_a_dispute_and_input_errors(world: World) -> None:
    evaluation_id = world.evaluation("f1", ALL_PASS)
    with world.engine.begin() as connection:
        dispute = raise_dispute(
            connection, world.viewer("agent1"), evaluation_id, criterion="tone", reason="fine"
        )
        task = create_task(
            connection,
            world.viewer("qa"),
            TaskInput(kind="coaching", title="Talk about tone", dispute_id=str(dispute.id)),
        )
    assert (task.evaluation_id, task.agent_external_id) == (evaluation_id, "a1")
    qa = world.viewer("qa")
    for data, field in [
        (TaskInput(kind="party", title="x"), "kind"),
        (TaskInput(kind="other", title=" "), "title"),
        (TaskInput(kind="other", title="x", due="tomorrow"), "due"),
        (TaskInput(kind="other", title="x", owner_id="999"), "owner_id"),
        (TaskInput(kind="other", title="x", evaluation_id="abc"), "evaluation_id"),
        (TaskInput(kind="other", title="x", agent="nobody"), "agent: no agent"),
    ]:
        with pytest.raises(InvalidInput, match=field), world.engine.begin() as connection:
            create_task(connection, qa, data)


def test_task_scope_and_permissions(world: World) -> None:
    qa = world.viewer("qa")
    with world.engine.begin() as connection:
        for_a1 = create_task(connection, qa, TaskInput(kind="coaching", title="a1", agent="a1"))
        for_a3 = create_task(connection, qa, TaskInput(kind="coaching", title="a3", agent="a3"))
    with world.engine.connect() as connection:
        assert [t.id for t in list_tasks(connection, world.viewer("agent1"))] == [for_a1.id]
        assert [t.id for t in list_tasks(connection, world.viewer("lead"))] == [for_a1.id]
        assert [t.id for t in list_tasks(connection, world.viewer("reviewer"))] == []
        with pytest.raises(NotFound):
            get_task(connection, world.viewer("agent1"), for_a3.id)
        with pytest.raises(NotFound):
            get_task(connection, world.viewer("lead"), for_a3.id)
    with pytest.raises(Forbidden), world.engine.begin() as connection:
        create_task(connection, world.viewer("agent1"), TaskInput(kind="other", title="x"))
    # A team lead sets tasks for their own team only.
    with pytest.raises(Forbidden, match="own team"), world.engine.begin() as connection:
        create_task(
            connection, world.viewer("lead"), TaskInput(kind="other", title="x", agent="a3")
        )
    with pytest.raises(NotFound), world.engine.begin() as connection:
        create_task(
            connection,
            world.viewer("lead"),
            TaskInput(kind="other", title="x", interaction_id=str(world.interactions["f6"])),
        )


def test_due_times_are_read_and_shown_in_the_workspace_time_zone(world: World) -> None:
    with world.engine.begin() as connection:
        connection.execute(
            workspaces.update()
            .where(workspaces.c.id == world.workspace.id)
            .values(timezone="Europe/Moscow")
        )
    qa = world.viewer("qa")
    with world.engine.begin() as connection:
        task = create_task(
            connection,
            qa,
            TaskInput(kind="callback", title="Call back", agent="a1", due="2026-12-01T10:00"),
        )
        assert task.due_at is not None and task.due_at.isoformat() == "2026-12-01T07:00:00"
        assert task.due_local is not None and task.due_local.isoformat() == "2026-12-01T10:00:00"
        # Saving the form as shown changes nothing.
        same = update_task(
            connection,
            qa,
            task.id,
            version=1,
            changes={"due": "2026-12-01T10:00", "title": "Call back"},
        )
    assert same.version == 1 and same.due_at == task.due_at
