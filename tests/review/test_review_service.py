"""Manual evaluations (review/evaluations.py): pre-fill, submit, KPIs, concurrency, rights."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import add_user, get_account, memberships_of
from kontrol.accounts.workspaces import Workspace
from kontrol.checks.stored_results import evaluations_of
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.domain.scorecard import compute_score
from kontrol.ingest.importing import import_file
from kontrol.metrics.kpis import compute
from kontrol.review.assigned_items import my_queue, next_in_queue
from kontrol.review.machine_agreement import review_agreement
from kontrol.review.saving import AnswerInput, create_evaluation, save_evaluation
from kontrol.review.scoring_form import review_form
from kontrol.store.tables import (
    evaluations,
    interactions,
    review_events,
    review_items,
    review_queues,
)
from tests.demos import DemoCopy
from tests.factories import PASSWORD
from tests.webapp import SAMPLE

# username, role, agent id, team
PEOPLE = [
    ("admin", WorkspaceRole.ADMIN, None, None),
    ("qa", WorkspaceRole.QA_LEAD, None, None),
    ("reviewer", WorkspaceRole.REVIEWER, None, None),
    ("reviewer2", WorkspaceRole.REVIEWER, None, None),
    # A reviewer who also answers customers as agent a2.
    ("reviewer_a2", WorkspaceRole.REVIEWER, "a2", None),
    ("lead", WorkspaceRole.TEAM_LEAD, None, "L1"),
    ("agent1", WorkspaceRole.AGENT, "a1", None),
]


def set_up(engine: Engine, workspace: Workspace, folder: Path) -> dict[str, int]:
    """The web sample (four scored interactions) and one person of every role.

    Every interaction waits in each reviewer's queue (reviewers see what is assigned
    to them). Returns the interaction ids by external id.
    """
    path = folder / "sample.jsonl"
    path.write_text(
        "\n".join(json.dumps(item, ensure_ascii=False) for item in SAMPLE) + "\n",
        encoding="utf-8",
    )
    import_file(engine=engine, workspace=workspace, path=path)
    with engine.begin() as connection:
        for username, role, agent, team in PEOPLE:
            add_user(
                connection,
                username=username,
                password=PASSWORD,
                workspace_name=workspace.name,
                role=role,
                display_name=f"{username} <b>",
                agent_external_id=agent,
                team=team,
            )
        found = {
            row.external_id: int(row.id)
            for row in connection.execute(select(interactions.c.external_id, interactions.c.id))
        }
    # i2 (CSAT 1) first by priority, then i3 and i1 by due time, i4 (no due time) last.
    order = {"i1": (10, 2), "i2": (90, 4), "i3": (10, 1), "i4": (10, None)}
    for username in ("reviewer", "reviewer2", "reviewer_a2"):
        for external_id, interaction_id in found.items():
            priority, due = order[external_id]
            queue_item(engine, workspace, interaction_id, username, priority, due)
    return found


def viewer_of(engine: Engine, username: str) -> Viewer:
    """The person called ``username`` acting in their (only) workspace."""
    with engine.connect() as connection:
        from kontrol.store.tables import users

        user_id = connection.execute(
            select(users.c.id).where(users.c.username == username)
        ).scalar_one()
        account = get_account(connection, int(user_id))
        return Viewer(account, memberships_of(connection, account)[0])


def queue_item(
    engine: Engine,
    workspace: Workspace,
    interaction_id: int,
    assignee: str,
    priority: int = 10,
    due_hours: int | None = None,
    queue: str | None = None,
) -> int:
    """An open review item assigned to ``assignee`` (as routing would put it), in
    ``queue`` (by default the assignee's own queue)."""
    assignee_id = viewer_of(engine, assignee).account.id
    now = utcnow()
    name = queue or f"Queue of {assignee}"
    with engine.begin() as connection:
        queue_id = connection.execute(
            select(review_queues.c.id).where(review_queues.c.name == name)
        ).scalar()
        if queue_id is None:
            queue_id = connection.execute(
                review_queues.insert().values(workspace_id=workspace.id, name=name, created_at=now)
            ).inserted_primary_key[0]
        key = connection.execute(
            review_items.insert().values(
                workspace_id=workspace.id,
                queue_id=queue_id,
                interaction_id=interaction_id,
                reason="CSAT 1 <script>x</script>",
                priority=priority,
                due_at=now + timedelta(hours=due_hours) if due_hours is not None else None,
                status="open",
                assignee_id=assignee_id,
                assigned_at=now,
                created_at=now,
            )
        ).inserted_primary_key
    return int(key[0])


@pytest.fixture
def ids(engine: Engine, workspace: Workspace, tmp_path: Path) -> dict[str, int]:
    return set_up(engine, workspace, tmp_path)


def test_the_form_is_prefilled_with_the_automatic_evaluation(
    engine: Engine, ids: dict[str, int]
) -> None:
    reviewer = viewer_of(engine, "reviewer")
    with engine.connect() as connection:
        form = review_form(connection, reviewer, ids["i2"])
        auto = evaluations_of(connection, ids["i2"])
    assert len(auto) == 1 and form.auto is not None and form.auto.id == auto[0].id
    assert form.scorecard.id == auto[0].scorecard.id
    assert form.evaluation is None
    for answer in form.answers:
        if answer.criterion.check is None:
            # Criteria only a person answers start empty.
            assert answer.result is None and answer.auto_result is None
        else:
            machine = auto[0].items[answer.criterion.id][0]
            assert answer.auto_result == machine
            assert answer.result == machine
    assert any(a.criterion.check is None for a in form.answers)
    # The score preview of the untouched form is the machine's score (manual criteria empty).
    assert form.preview == auto[0].score


def test_without_an_automatic_evaluation_the_active_scorecard_is_used_empty(
    engine: Engine, ids: dict[str, int]
) -> None:
    with engine.begin() as connection:
        (scored_with,) = [e.scorecard for e in evaluations_of(connection, ids["i3"])]
        connection.execute(
            evaluations.delete().where(
                evaluations.c.interaction_id == ids["i3"], evaluations.c.kind == "auto"
            )
        )
    with engine.connect() as connection:
        form = review_form(connection, viewer_of(engine, "reviewer"), ids["i3"])
    # The active scorecard for the channel and language (the one the checks used), empty.
    assert form.auto is None and form.scorecard.id == scored_with.id
    assert all(a.result is None and a.auto_result is None for a in form.answers)


def test_submit_scores_with_compute_score_and_moves_the_kpis(
    engine: Engine, workspace: Workspace, ids: dict[str, int]
) -> None:
    reviewer = viewer_of(engine, "reviewer")
    with engine.connect() as connection:
        before = compute(connection, workspace=workspace, metrics=["qa_score"])[0]["qa_score"]
        autos = {i: evaluations_of(connection, i)[0].score for i in ids.values()}
        form = review_form(connection, reviewer, ids["i2"])
    assert before == pytest.approx(sum(autos.values()) / len(autos), abs=1e-6)
    answers = {a.criterion.id: AnswerInput(a.result, None) for a in form.answers}
    for answer in form.answers:
        if answer.criterion.check is None:
            value = "2" if answer.criterion.scale == "1-5" else "pass"
            answers[answer.criterion.id] = AnswerInput(value, "manual <i>check</i>")
    overturned = next(a for a in form.answers if a.auto_result == "pass")
    answers[overturned.criterion.id] = AnswerInput("fail", "the greeting was cut off")

    # A draft is stored but counts nowhere.
    with engine.begin() as connection:
        draft = create_evaluation(connection, reviewer, ids["i2"], answers=answers)
    assert draft.status == "draft" and draft.score is None and draft.version == 1
    with engine.connect() as connection:
        assert compute(connection, workspace=workspace, metrics=["qa_score"])[0]["qa_score"] == (
            before
        )

    with engine.begin() as connection:
        submitted = save_evaluation(
            connection, reviewer, draft.id, version=1, comment="Overall fine", submit=True
        )
    expected = compute_score(
        form.scorecard.scorecard,
        {
            key: int(value.result) if value.result in ("1", "2", "3", "4", "5") else value.result
            for key, value in answers.items()
            if value.result is not None
        },
    )
    assert submitted.status == "submitted" and submitted.version == 2
    assert submitted.score == expected.score and submitted.passed == expected.passed
    assert submitted.auto_evaluation_id == form.auto.id  # type: ignore[union-attr]
    assert submitted.comment == "Overall fine"
    stored = {item["criterion"]: item for item in submitted.items}
    assert stored[overturned.criterion.id]["auto_result"] == "pass"
    assert stored[overturned.criterion.id]["result"] == "fail"
    assert stored[overturned.criterion.id]["comment"] == "the greeting was cut off"

    with engine.connect() as connection:
        after = compute(connection, workspace=workspace, metrics=["qa_score"])[0]["qa_score"]
        # The automatic evaluation is still there, beside the manual one.
        kinds = sorted(
            connection.execute(
                select(evaluations.c.kind).where(evaluations.c.interaction_id == ids["i2"])
            ).scalars()
        )
        actions = list(
            connection.execute(
                select(review_events.c.action)
                .where(review_events.c.subject == "evaluation")
                .order_by(review_events.c.id)
            ).scalars()
        )
    assert kinds == ["auto", "manual"]
    autos[ids["i2"]] = expected.score
    assert after == pytest.approx(sum(autos.values()) / len(autos), abs=1e-6)
    assert after != before
    assert actions == ["draft_saved", "submitted"]


def test_submit_needs_every_required_answer(engine: Engine, ids: dict[str, int]) -> None:
    reviewer = viewer_of(engine, "reviewer")
    with engine.begin() as connection, pytest.raises(InvalidInput, match=r"items\.\w+\.result"):
        create_evaluation(connection, reviewer, ids["i1"], submit=True)
    with engine.begin() as connection, pytest.raises(InvalidInput, match="items.greeting.result"):
        create_evaluation(
            connection, reviewer, ids["i1"], answers={"greeting": AnswerInput("maybe")}
        )
    with engine.begin() as connection, pytest.raises(InvalidInput, match="items.nope"):
        create_evaluation(connection, reviewer, ids["i1"], answers={"nope": AnswerInput("pass")})
    with engine.connect() as connection:
        assert (
            connection.execute(
                select(evaluations.c.id).where(evaluations.c.kind == "manual")
            ).first()
            is None
        )


def complete_answers(engine: Engine, viewer: Viewer, interaction_id: int) -> dict[str, AnswerInput]:
    with engine.connect() as connection:
        form = review_form(connection, viewer, interaction_id)
    answers = {}
    for answer in form.answers:
        value = answer.result or ("4" if answer.criterion.scale == "1-5" else "pass")
        answers[answer.criterion.id] = AnswerInput(value, None)
    return answers


def test_two_people_save_the_same_version_the_second_is_refused(
    engine: Engine, ids: dict[str, int]
) -> None:
    reviewer = viewer_of(engine, "reviewer")
    qa = viewer_of(engine, "qa")
    answers = complete_answers(engine, reviewer, ids["i3"])
    with engine.begin() as connection:
        evaluation = create_evaluation(
            connection, reviewer, ids["i3"], answers=answers, submit=True
        )
    assert evaluation.version == 1
    criterion = next(iter(answers))
    first = {criterion: AnswerInput("fail", "first session")}
    second = {criterion: AnswerInput("na", "second session")}
    # Both read version 1; the reviewer saves first, the QA lead second.
    with engine.begin() as connection:
        saved = save_evaluation(connection, reviewer, evaluation.id, version=1, answers=first)
    assert saved.version == 2
    with engine.begin() as connection, pytest.raises(Conflict) as refused:
        save_evaluation(connection, qa, evaluation.id, version=1, answers=second)
    message = str(refused.value)
    assert "reviewer <b>" in message and "reload" in message
    with engine.connect() as connection:
        kept = review_form(connection, qa, ids["i3"], evaluation_id=evaluation.id)
    answer = next(a for a in kept.answers if a.criterion.id == criterion)
    assert (answer.result, answer.comment) == ("fail", "first session")
    assert kept.version == 2
    # With the current version the QA lead's change goes through, and is in the history.
    with engine.begin() as connection:
        changed = save_evaluation(connection, qa, evaluation.id, version=2, answers=second)
    assert changed.version == 3 and changed.status == "submitted"
    with engine.connect() as connection:
        kept = review_form(connection, qa, ids["i3"], evaluation_id=evaluation.id)
    assert [(e["action"], e["actor"]) for e in kept.history] == [
        ("submitted", "reviewer <b>"),
        ("changed", "reviewer <b>"),
        ("changed", "qa <b>"),
    ]
    assert kept.history[-1]["details"]["changes"][criterion]["to"] == "na"


def test_who_may_review(engine: Engine, ids: dict[str, int]) -> None:
    for username in ("agent1", "lead"):
        with engine.connect() as connection, pytest.raises(Forbidden):
            review_form(connection, viewer_of(engine, username), ids["i1"])
    # A reviewer who is also agent a2 may not score a2's interaction, but others.
    own = viewer_of(engine, "reviewer_a2")
    with engine.connect() as connection, pytest.raises(Forbidden, match="your own"):
        review_form(connection, own, ids["i2"])
    with engine.connect() as connection:
        assert review_form(connection, own, ids["i1"]).interaction_id == ids["i1"]
    # A draft is its reviewer's own: another reviewer (and a QA lead) do not see it.
    reviewer = viewer_of(engine, "reviewer")
    with engine.begin() as connection:
        draft = create_evaluation(connection, reviewer, ids["i1"])
    for username in ("reviewer2", "qa"):
        with engine.begin() as connection, pytest.raises(NotFound):
            save_evaluation(connection, viewer_of(engine, username), draft.id, version=1)
    with engine.connect() as connection, pytest.raises(NotFound):
        review_form(connection, reviewer, 10**6)


def test_submitting_from_a_queue_item_marks_it_done(
    engine: Engine, workspace: Workspace, ids: dict[str, int]
) -> None:
    reviewer = viewer_of(engine, "reviewer")
    with engine.connect() as connection:
        queue = [entry.item for entry in my_queue(connection, reviewer)]
    assert [item.interaction_id for item in queue] == [ids[i] for i in ("i2", "i3", "i1", "i4")]
    assert all(item.assignee_id == reviewer.account.id for item in queue)
    item_id = queue[0].id
    with engine.connect() as connection, pytest.raises(NotFound):
        review_form(connection, viewer_of(engine, "reviewer2"), ids["i2"], item_id=item_id)
    answers = complete_answers(engine, reviewer, ids["i2"])
    with engine.begin() as connection:
        form = review_form(connection, reviewer, ids["i2"], item_id=item_id)
        assert form.item is not None and form.item.id == item_id
        evaluation = create_evaluation(
            connection, reviewer, ids["i2"], answers=answers, submit=True, item_id=item_id
        )
    with engine.connect() as connection:
        item = connection.execute(select(review_items).where(review_items.c.id == item_id)).one()
        events = connection.execute(
            select(review_events.c.action).where(
                review_events.c.subject == "item", review_events.c.subject_id == item_id
            )
        ).scalars()
        assert list(events) == ["done"]
        after = [entry.item.id for entry in my_queue(connection, reviewer)]
    assert item.status == "done" and item.evaluation_id == evaluation.id
    assert evaluation.review_item_id == item_id
    # The item left the queue; what comes next is the next by priority and due time.
    assert after == [item.id for item in queue[1:]]


def test_the_next_item_passes_over_an_interaction_already_scored(
    engine: Engine, workspace: Workspace, ids: dict[str, int]
) -> None:
    """Issue 15: submit-and-next (and Ctrl+Enter) opens new work, not a finished one."""
    reviewer = viewer_of(engine, "reviewer")
    with engine.begin() as connection:
        create_evaluation(
            connection,
            reviewer,
            ids["i3"],
            answers=complete_answers(engine, reviewer, ids["i3"]),
            submit=True,
        )
    # Another queue's item for i3 arrives after it was scored: still open, but done work.
    # (Submitting did the interaction's other open items too: it is reviewed once.)
    second = queue_item(
        engine, workspace, ids["i3"], "reviewer", priority=10, due_hours=1, queue="Complaints"
    )
    queue_item(engine, workspace, ids["i3"], "reviewer2", priority=10, due_hours=1, queue="Extra")
    with engine.connect() as connection:
        queue = [entry.item for entry in my_queue(connection, reviewer)]
        first = next_in_queue(connection, reviewer)
        after_i2 = next_in_queue(connection, reviewer, after=queue[0].id)
        # reviewer2 has not scored i3: their new item for it comes after i2.
        other = viewer_of(engine, "reviewer2")
        other_queue = [entry.item for entry in my_queue(connection, other)]
        other_next = next_in_queue(connection, other, after=other_queue[0].id)
    assert second in [item.id for item in queue]
    assert first is not None and first.interaction_id == ids["i2"]
    assert after_i2 is not None and after_i2.interaction_id == ids["i1"]
    assert other_next is not None and other_next.interaction_id == ids["i3"]


def test_a_draft_begun_ad_hoc_completes_the_item_that_arrived_meanwhile(
    engine: Engine, workspace: Workspace, ids: dict[str, int]
) -> None:
    qa = viewer_of(engine, "qa")
    answers = complete_answers(engine, qa, ids["i4"])
    with engine.begin() as connection:
        draft = create_evaluation(connection, qa, ids["i4"], answers=answers)
    assert draft.review_item_id is None
    item_id = queue_item(engine, workspace, ids["i4"], "qa")
    with engine.begin() as connection:
        done = save_evaluation(connection, qa, draft.id, version=1, submit=True)
        status = connection.execute(
            select(review_items.c.status).where(review_items.c.id == item_id)
        ).scalar_one()
    assert done.review_item_id == item_id and status == "done"


def test_agreement_counts_a_constructed_case(
    engine: Engine, workspace: Workspace, ids: dict[str, int]
) -> None:
    reviewer = viewer_of(engine, "reviewer")
    reviewer2 = viewer_of(engine, "reviewer2")
    # Three interactions scored with the same scorecard: i1, i2, i4 (Russian chats and call).
    chosen = [ids["i1"], ids["i2"], ids["i4"]]
    with engine.connect() as connection:
        forms = [review_form(connection, reviewer, i) for i in chosen]
    assert len({f.scorecard.id for f in forms}) == 1
    greeting = {f.interaction_id: f for f in forms}
    machine = {
        i: next(a.auto_result for a in greeting[i].answers if a.criterion.id == "greeting")
        for i in chosen
    }
    # Overturn the greeting on the first two, keep it on the third.
    flip = {"pass": "fail", "fail": "pass"}
    for position, interaction_id in enumerate(chosen):
        answers = complete_answers(engine, reviewer, interaction_id)
        if position < 2:
            answers["greeting"] = AnswerInput(flip[str(machine[interaction_id])], None)
        with engine.begin() as connection:
            create_evaluation(connection, reviewer, interaction_id, answers=answers, submit=True)
    # A draft and another reviewer's work do not count in the reviewer's own figures.
    with engine.begin() as connection:
        create_evaluation(connection, reviewer, ids["i3"])
        create_evaluation(
            connection,
            reviewer2,
            ids["i1"],
            answers=complete_answers(engine, reviewer2, ids["i1"]),
            submit=True,
        )
    with engine.connect() as connection:
        report = review_agreement(connection, reviewer)
        everyone = review_agreement(connection, viewer_of(engine, "qa"))
        only_other = review_agreement(
            connection, viewer_of(engine, "qa"), reviewer_id=reviewer2.account.id
        )
    assert report.evaluations == 3 and report.reviewer_id == reviewer.account.id
    row = next(r for r in report.rows if r.criterion == "greeting")
    assert row.compared == 3
    assert row.agreed == 1 and row.overturned == 2
    expected_p2f = sum(1 for i in chosen[:2] if machine[i] == "pass")
    assert row.pass_to_fail == expected_p2f
    assert row.fail_to_pass == 2 - expected_p2f
    assert row.percent == pytest.approx(33.3)
    # Every agent greets in the sample: the machine said pass three times, the reviewer
    # fail, fail, pass. p_o = 1/3; chance agreement p_e = 1 x 1/3 + 0 x 2/3 = 1/3, so
    # Cohen's kappa = (1/3 - 1/3) / (1 - 1/3) = 0: no agreement beyond chance.
    assert set(machine.values()) == {"pass"}
    assert row.kappa == pytest.approx(0.0)
    # Criteria answered only by people are not compared with the machine.
    assert all(r.criterion not in ("solution_correct", "overall") for r in report.rows)
    kept = next(r for r in report.rows if r.criterion == "no_rudeness")
    assert kept.percent == 100.0 and kept.overturned == 0
    # All answers in one category: kappa is undefined (0/0), said rather than invented.
    assert kept.kappa is None and kept.kappa_reason == "no_variation"
    assert report.total.compared == sum(r.compared for r in report.rows)
    assert everyone.evaluations == 4
    assert only_other.evaluations == 1
    with engine.connect() as connection, pytest.raises(Forbidden):
        review_agreement(connection, reviewer, reviewer_id=reviewer2.account.id)
    with engine.connect() as connection, pytest.raises(Forbidden):
        review_agreement(connection, viewer_of(engine, "agent1"))


def test_the_demo_reviewer_has_scored_work_and_a_queue(demo_copy: DemoCopy) -> None:
    demo = demo_copy()
    engine, workspace = demo.engine, demo.workspace
    reviewer = viewer_of(engine, "reviewer")
    with engine.connect() as connection:
        manual = connection.execute(
            select(evaluations.c.status, evaluations.c["items"]).where(
                evaluations.c.kind == "manual"
            )
        ).all()
        waiting = my_queue(connection, reviewer)
        report = review_agreement(connection, reviewer)
        qa_score = compute(connection, workspace=workspace, metrics=["qa_score"])[0]["qa_score"]
    submitted = [items for status, items in manual if status == "submitted"]
    assert len(submitted) >= 5 and [s for s, _ in manual].count("draft") == 1
    overturned = [
        item
        for items in submitted
        for item in items
        if item["auto_result"] is not None and item["result"] != item["auto_result"]
    ]
    assert overturned, "the demo reviewer overturns the machine now and then"
    assert len(waiting) >= 3
    assert report.evaluations == len(submitted) and report.total.overturned == len(overturned)
    assert qa_score is not None


# SQLite lets one writer in at a time: simultaneous saves exist on PostgreSQL only.
@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_saves_at_the_same_moment_on_postgresql_the_second_is_refused(
    engine: Engine, ids: dict[str, int], backend: str
) -> None:
    reviewer = viewer_of(engine, "reviewer")
    qa = viewer_of(engine, "qa")
    with engine.begin() as connection:
        evaluation = create_evaluation(
            connection,
            reviewer,
            ids["i3"],
            answers=complete_answers(engine, reviewer, ids["i3"]),
            submit=True,
        )
    outcome: dict[str, object] = {}

    def lead_saves() -> None:
        try:
            with engine.begin() as connection:
                save_evaluation(
                    connection,
                    qa,
                    evaluation.id,
                    version=1,
                    answers={"greeting": AnswerInput("na", "the lead")},
                )
            outcome["lead"] = "saved"
        except Conflict as refused:
            outcome["lead"] = refused

    # The reviewer's save is made but not committed yet; the lead's save of the same
    # version waits on the row, and is refused once the reviewer's commits.
    first = engine.connect()
    transaction = first.begin()
    save_evaluation(
        first,
        reviewer,
        evaluation.id,
        version=1,
        answers={"greeting": AnswerInput("fail", "the reviewer")},
    )
    lead = threading.Thread(target=lead_saves)
    lead.start()
    deadline = time.monotonic() + 30
    with engine.connect() as watcher:
        while not watcher.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar():
            assert time.monotonic() < deadline, "the second save never reached the row lock"
            time.sleep(0.05)
    transaction.commit()
    first.close()
    lead.join()
    assert isinstance(outcome["lead"], Conflict)
    with engine.connect() as connection:
        kept = review_form(connection, reviewer, ids["i3"], evaluation_id=evaluation.id)
    greeting = next(a for a in kept.answers if a.criterion.id == "greeting")
    assert (greeting.result, greeting.comment) == ("fail", "the reviewer")
    assert kept.version == 2
