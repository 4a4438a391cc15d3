"""Assignment: even over reviewers, never one's own interaction; reassigning, skipping,
the reviewer's next item and completing it, with history and stale-version conflicts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import get_account, memberships_of
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.review.history import history
from kontrol.review.routing.assignment import assign_item, skip_item
from kontrol.review.routing.items import complete_item, next_item
from kontrol.review.routing.runs import route_scheduled
from kontrol.store.tables import evaluations, review_items, users
from tests.review.routing_data import chat, interaction_id, load, person, queued, recent, rule


def viewer(engine: Engine, user_id: int) -> Viewer:
    with engine.connect() as connection:
        account = get_account(connection, user_id)
        return Viewer(account, memberships_of(connection, account)[0])


def low_ratings(
    engine: Engine, workspace: Workspace, folder: Path, count: int, *, agent: str = "a9"
) -> None:
    at = recent()
    prefix = f"{agent}-{len(list(folder.glob('batch-*')))}"
    records = [
        chat(f"{prefix}-{n}", started=at, agent=agent, survey={"csat": 1}) for n in range(count)
    ]
    load(engine, workspace, folder, records)


def loads(engine: Engine) -> Counter[str]:
    return Counter(item.username for item in queued(engine).values() if item.status == "open")


def auto_evaluation(engine: Engine, external_id: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(evaluations.c.id).where(
                    evaluations.c.interaction_id == interaction_id(engine, external_id),
                    evaluations.c.kind == "auto",
                )
            ).scalar_one()
        )


def test_work_is_spread_evenly_over_reviewers(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    for name in ("r1", "r2", "r3"):
        person(engine, workspace, name)
    person(engine, workspace, "lead", WorkspaceRole.QA_LEAD)
    rule(engine, workspace, "csat_low")
    low_ratings(engine, workspace, tmp_path, 9)
    assert loads(engine) == {"r1": 3, "r2": 3, "r3": 3}
    low_ratings(engine, workspace, tmp_path, 2)
    assert sorted(loads(engine).values()) == [3, 4, 4]


def test_new_work_goes_to_the_least_loaded_until_the_loads_level(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    # r1 was the only reviewer for a while and holds six open items.
    person(engine, workspace, "r1")
    rule(engine, workspace, "csat_low")
    low_ratings(engine, workspace, tmp_path, 6)
    assert loads(engine) == {"r1": 6}
    for name in ("r2", "r3"):
        person(engine, workspace, name)
    # The newcomers take the new work until they hold as much as r1...
    low_ratings(engine, workspace, tmp_path, 10)
    assert loads(engine) == {"r1": 6, "r2": 5, "r3": 5}
    low_ratings(engine, workspace, tmp_path, 2)
    assert loads(engine) == {"r1": 6, "r2": 6, "r3": 6}
    # ...then it is spread evenly: nobody ends with three times another's load.
    low_ratings(engine, workspace, tmp_path, 6)
    assert loads(engine) == {"r1": 8, "r2": 8, "r3": 8}


def test_the_least_loaded_first_then_the_longest_waiting(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    ids = {name: person(engine, workspace, name) for name in ("r1", "r2", "r3")}
    rule(engine, workspace, "csat_low")
    for _ in range(3):
        low_ratings(engine, workspace, tmp_path, 1)
    first = {item.username: external for external, item in queued(engine).items()}
    assert set(first) == {"r1", "r2", "r3"}
    # r2 finishes their item: the least loaded now, so the next item is theirs.
    with engine.begin() as connection:
        item = queued(engine)[first["r2"]]
        complete_item(connection, item.id, auto_evaluation(engine, first["r2"]), ids["r2"])
    low_ratings(engine, workspace, tmp_path, 1)
    assert loads(engine) == {"r1": 1, "r2": 1, "r3": 1}
    # All equal: the one whose last assignment is the oldest (r1) comes next.
    low_ratings(engine, workspace, tmp_path, 1)
    assert loads(engine) == {"r1": 2, "r2": 1, "r3": 1}


def test_nobody_reviews_their_own_interaction(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    person(engine, workspace, "agent-reviewer", agent="a1")
    rule(engine, workspace, "csat_low")
    low_ratings(engine, workspace, tmp_path, 3, agent="a1")
    assert {item.username for item in queued(engine).values()} == {None}
    person(engine, workspace, "other")
    low_ratings(engine, workspace, tmp_path, 4, agent="a1")
    low_ratings(engine, workspace, tmp_path, 2, agent="a2")
    a1_reviewers = {
        item.username for external, item in queued(engine).items() if external.startswith("a1")
    }
    assert a1_reviewers == {"other", None}
    a2_reviewers = {
        item.username for external, item in queued(engine).items() if external.startswith("a2")
    }
    assert "agent-reviewer" in a2_reviewers
    # The scheduled run gives the waiting a1 items to the one reviewer who may take them.
    route_scheduled(engine)
    a1_items = [item for external, item in queued(engine).items() if external.startswith("a1")]
    assert {item.username for item in a1_items} == {"other"}


def test_qa_leads_take_items_only_when_the_rule_says_so(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    person(engine, workspace, "lead", WorkspaceRole.QA_LEAD)
    rule(engine, workspace, "csat_low")
    rule(engine, workspace, "nps_low", queue="Leads", assign_qa_leads=True)
    at = recent()
    load(
        engine,
        workspace,
        tmp_path,
        [
            chat("low-csat", started=at, survey={"csat": 1}),
            chat("low-nps", started=at, survey={"nps": 1}),
        ],
    )
    assert queued(engine)["low-csat"].username is None
    assert queued(engine, "Leads")["low-nps"].username == "lead"


def test_a_lead_reassigns_with_the_version_seen(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    r1 = person(engine, workspace, "r1")
    r2 = person(engine, workspace, "r2")
    own = person(engine, workspace, "r-a9", agent="a9")
    lead = viewer(engine, person(engine, workspace, "lead", WorkspaceRole.QA_LEAD))
    rule(engine, workspace, "csat_low")
    low_ratings(engine, workspace, tmp_path, 1)
    (item,) = queued(engine).values()
    assert item.assignee_id in (r1, r2)
    target = r2 if item.assignee_id == r1 else r1
    with engine.begin() as connection:
        moved = assign_item(connection, lead, item.id, assignee_id=target, version=item.version)
    assert (moved.assignee_id, moved.version) == (target, item.version + 1)
    with engine.begin() as connection, pytest.raises(Conflict, match="reload"):
        assign_item(connection, lead, item.id, assignee_id=item.assignee_id, version=item.version)
    with engine.begin() as connection, pytest.raises(InvalidInput, match="own work"):
        assign_item(connection, lead, item.id, assignee_id=own, version=moved.version)
    with engine.begin() as connection:
        taken = assign_item(connection, lead, item.id, assignee_id=None, version=moved.version)
    assert taken.assignee_id is None
    with engine.begin() as connection, pytest.raises(Forbidden):
        assign_item(connection, viewer(engine, r1), item.id, assignee_id=r1, version=taken.version)
    with engine.connect() as connection:
        events = history(connection, workspace.id, "item", item.id)
    assert [event.action for event in events] == ["routed", "assigned", "reassigned", "unassigned"]
    assert events[2].actor == "lead"
    assert events[2].details == {"from": item.assignee_id, "to": target}


def test_skipping_passes_the_item_on_and_never_back(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    r1 = person(engine, workspace, "r1")
    r2 = person(engine, workspace, "r2")
    rule(engine, workspace, "csat_low")
    low_ratings(engine, workspace, tmp_path, 1)
    (item,) = queued(engine).values()
    first, second = (r1, r2) if item.assignee_id == r1 else (r2, r1)
    with engine.begin() as connection, pytest.raises(InvalidInput, match="reason"):
        skip_item(connection, viewer(engine, first), item.id, reason=" ", version=item.version)
    with engine.begin() as connection:
        left = skip_item(
            connection, viewer(engine, first), item.id, reason="I know the customer", version=1
        )
    assert left is None  # the reviewer no longer sees it
    (moved,) = queued(engine).values()
    assert (moved.assignee_id, moved.status) == (second, "open")
    with engine.begin() as connection:
        skip_item(connection, viewer(engine, second), item.id, reason="no Kazakh", version=2)
    (waiting,) = queued(engine).values()
    assert (waiting.assignee_id, waiting.status) == (None, "skipped")
    route_scheduled(engine)
    assert queued(engine)[next(iter(queued(engine)))].status == "skipped"
    with engine.connect() as connection:
        events = history(connection, workspace.id, "item", item.id)
    skipped = [event for event in events if event.action == "skipped"]
    assert [event.details["reason"] for event in skipped] == ["I know the customer", "no Kazakh"]


def test_next_item_is_the_most_urgent_and_completing_closes_every_queue(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    reviewer_id = person(engine, workspace, "r1")
    me = viewer(engine, reviewer_id)
    rule(engine, workspace, "csat_low", queue="Low", priority="high", due_hours=4)
    rule(engine, workspace, "complaint", queue="Complaints", priority="normal", due_hours=24)
    rule(engine, workspace, "nps_low", queue="Low NPS", priority="high", due_hours=2)
    at = recent()
    load(
        engine,
        workspace,
        tmp_path,
        [
            chat("complaint", started=at, tags=["complaint"]),
            chat("csat", started=at, survey={"csat": 2}, tags=["complaint"]),
            chat("nps", started=at, survey={"nps": 3}),
        ],
    )
    with engine.connect() as connection:
        first = next_item(connection, me)
    assert first is not None and (first.external_id, first.queue_name) == ("nps", "Low NPS")
    with engine.begin() as connection:
        done = complete_item(connection, first.id, auto_evaluation(engine, "nps"), reviewer_id)
    assert (done.status, done.evaluation_id) == ("done", auto_evaluation(engine, "nps"))
    with engine.connect() as connection:
        second = next_item(connection, me)
    assert second is not None and (second.external_id, second.queue_name) == ("csat", "Low")
    evaluation = auto_evaluation(engine, "csat")
    with engine.begin() as connection:
        complete_item(connection, second.id, evaluation, reviewer_id)
        again = complete_item(connection, second.id, evaluation, reviewer_id)
    assert again.status == "done"
    # "csat" was in the complaints queue too: reviewed once, done there as well.
    assert queued(engine, "Complaints")["csat"].status == "done"
    assert queued(engine, "Complaints")["csat"].evaluation_id == evaluation
    with engine.begin() as connection:
        auto = connection.execute(select(evaluations).where(evaluations.c.id == evaluation)).one()
        other = connection.execute(
            evaluations.insert().values(
                workspace_id=auto.workspace_id,
                interaction_id=auto.interaction_id,
                scorecard_id=auto.scorecard_id,
                kind="manual",
                items=[],
                created_at=auto.created_at,
            )
        ).inserted_primary_key
    assert other is not None
    with engine.begin() as connection, pytest.raises(Conflict, match="done already"):
        complete_item(connection, second.id, int(other[0]), reviewer_id)
    with engine.connect() as connection:
        third = next_item(connection, me)
    assert third is not None and third.external_id == "complaint"
    with engine.begin() as connection, pytest.raises(InvalidInput, match="another interaction"):
        complete_item(connection, third.id, evaluation, reviewer_id)
    with engine.begin() as connection, pytest.raises(NotFound):
        complete_item(connection, 999999, evaluation, reviewer_id)


def test_an_agent_has_no_next_item(engine: Engine, workspace: Workspace) -> None:
    agent = viewer(engine, person(engine, workspace, "ag", WorkspaceRole.AGENT, agent="a1"))
    with engine.connect() as connection, pytest.raises(Forbidden):
        next_item(connection, agent)


def test_an_inactive_reviewer_gets_nothing(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    gone = person(engine, workspace, "gone")
    person(engine, workspace, "here")
    with engine.begin() as connection:
        connection.execute(users.update().where(users.c.id == gone).values(is_active=False))
    rule(engine, workspace, "csat_low")
    low_ratings(engine, workspace, tmp_path, 3)
    assert loads(engine) == {"here": 3}
    with engine.connect() as connection:
        assert connection.execute(select(review_items.c.id)).all()
