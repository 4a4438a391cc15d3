"""Knowledge tests: scoring, the server's deadline, attempts, grading, certification, reminders."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Conflict, Forbidden, NotFound
from kontrol.staff.certification import (
    certificates,
    create_certification,
    grade,
    hand_in,
    send_reminders,
)
from kontrol.staff.competencies import competency_profile, save_competency
from kontrol.staff.knowledge import (
    EXPIRED,
    GRADED,
    TO_GRADE,
    KnowledgeTest,
    attempts_of,
    create_question,
    create_test,
    results_of_test,
    start_attempt,
)
from tests.alerts.test_alert_delivery import Inbox, smtp  # noqa: F401 (the fixture)
from tests.staff.staff_world import NOW, World, build_world


@pytest.fixture
def world(engine: Engine, workspace: Workspace) -> World:
    return build_world(engine, workspace)


def _test(world: World, *, with_text: bool = False, attempts: int = 2) -> KnowledgeTest:
    lead = world.viewer("qa")
    with world.engine.begin() as connection:
        ids = [
            create_question(
                connection,
                lead,
                topic="standards",
                kind="single",
                text="Greeting?",
                options=["Hello, I am Anna", "Yes?", "What?"],
                correct=[0],
            ).id,
            create_question(
                connection,
                lead,
                topic="standards",
                kind="multiple",
                text="At the end?",
                options=["Thank", "Ask for a rating", "Hang up"],
                correct=[0, 1],
            ).id,
        ]
        if with_text:
            ids.append(
                create_question(
                    connection,
                    lead,
                    topic="product",
                    kind="text",
                    text="Explain the plan",
                    points=2,
                ).id
            )
        return create_test(
            connection,
            lead,
            title="Standards",
            question_ids=ids,
            pass_mark=50,
            time_limit_minutes=10,
            max_attempts=attempts,
            shuffle=True,
        )


def _right(test: KnowledgeTest) -> dict[str, list[str] | str]:
    first, second = test.question_ids[:2]
    return {str(first): ["0"], str(second): ["0", "1"]}


def test_right_answers_score_by_the_banks_indexes_whatever_the_shuffle(world: World) -> None:
    test = _test(world)
    with world.engine.begin() as connection:
        attempt = start_attempt(connection, world.viewer("agent1"), test.id, now=NOW)
        done = hand_in(connection, world.viewer("agent1"), attempt.id, _right(test), now=NOW)
    assert sorted(i for s in attempt.shown for i, _ in s.choices) == [0, 0, 1, 1, 2, 2]
    assert (done.status, done.score, done.passed) == (GRADED, 1.0, True)


def test_a_multiple_choice_question_needs_every_right_choice_and_no_wrong_one(
    world: World,
) -> None:
    test = _test(world)
    first, second = test.question_ids
    with world.engine.begin() as connection:
        attempt = start_attempt(connection, world.viewer("agent1"), test.id, now=NOW)
        answers: dict[str, list[str] | str] = {str(first): ["0"], str(second): ["0", "1", "2"]}
        done = hand_in(connection, world.viewer("agent1"), attempt.id, answers, now=NOW)
    assert (done.score, done.passed) == (0.5, True)


def test_answers_after_the_deadline_are_not_counted(world: World) -> None:
    test = _test(world)
    late = NOW + timedelta(minutes=10, seconds=31)
    with world.engine.begin() as connection:
        attempt = start_attempt(connection, world.viewer("agent1"), test.id, now=NOW)
        done = hand_in(connection, world.viewer("agent1"), attempt.id, _right(test), now=late)
    assert (done.status, done.score, done.passed) == (EXPIRED, 0.0, False)


def test_the_attempts_run_out(world: World) -> None:
    test = _test(world, attempts=1)
    agent = world.viewer("agent1")
    with world.engine.begin() as connection:
        attempt = start_attempt(connection, agent, test.id, now=NOW)
        again = start_attempt(connection, agent, test.id, now=NOW + timedelta(minutes=1))
        hand_in(connection, agent, attempt.id, {}, now=NOW + timedelta(minutes=2))
        with pytest.raises(Conflict):
            start_attempt(connection, agent, test.id, now=NOW + timedelta(minutes=3))
        with pytest.raises(Conflict):
            hand_in(connection, agent, attempt.id, _right(test), now=NOW + timedelta(minutes=3))
    assert again.id == attempt.id


def test_only_agents_take_tests_and_see_only_their_own(world: World) -> None:
    test = _test(world)
    with world.engine.begin() as connection:
        mine = start_attempt(connection, world.viewer("agent1"), test.id, now=NOW)
        other = start_attempt(connection, world.viewer("agent3"), test.id, now=NOW)
        with pytest.raises(Forbidden):
            start_attempt(connection, world.viewer("lead"), test.id, now=NOW)
        with pytest.raises(NotFound):
            hand_in(connection, world.viewer("agent1"), other.id, {}, now=NOW)
        seen = [a.id for a in attempts_of(connection, world.viewer("agent1"))]
        lead_sees = [a.id for a in attempts_of(connection, world.viewer("lead"))]
    assert seen == [mine.id]
    assert lead_sees == [mine.id]


def test_free_text_waits_for_a_lead_then_counts(world: World) -> None:
    test = _test(world, with_text=True)
    text_id = str(test.question_ids[2])
    with world.engine.begin() as connection:
        attempt = start_attempt(connection, world.viewer("agent1"), test.id, now=NOW)
        answers = {**_right(test), text_id: "Plus has free delivery"}
        waiting = hand_in(connection, world.viewer("agent1"), attempt.id, answers, now=NOW)
        graded = grade(connection, world.viewer("lead"), attempt.id, {text_id: 1})
    assert (waiting.status, waiting.score) == (TO_GRADE, None)
    assert (graded.status, graded.score, graded.passed) == (GRADED, 0.75, True)


def test_results_put_the_question_most_get_wrong_first(world: World) -> None:
    test = _test(world)
    first, second = test.question_ids
    with world.engine.begin() as connection:
        for who in ("agent1", "agent3"):
            attempt = start_attempt(connection, world.viewer(who), test.id, now=NOW)
            answers: dict[str, list[str] | str] = {str(first): ["0"], str(second): ["2"]}
            hand_in(connection, world.viewer(who), attempt.id, answers, now=NOW)
        results = results_of_test(connection, world.viewer("qa"), test.id)
    assert [(q.question.id, q.share_right) for q in results.questions] == [
        (second, 0.0),
        (first, 1.0),
    ]
    assert [(t.name, t.attempts) for t in results.teams] == [("L1", 1), ("L2", 1)]


def test_passing_every_test_certifies_until_the_end_of_the_period(world: World) -> None:
    test = _test(world)
    agent = world.viewer("agent1")
    with world.engine.begin() as connection:
        create_certification(
            connection,
            world.viewer("qa"),
            name="Line",
            test_ids=[test.id],
            valid_days=180,
            remind_days=30,
        )
        attempt = start_attempt(connection, agent, test.id, now=NOW)
        hand_in(connection, agent, attempt.id, _right(test), now=NOW + timedelta(minutes=5))
        found = certificates(connection, agent)
    assert [(c.agent, c.expires_at) for c in found] == [
        ("a1", NOW + timedelta(minutes=5) + timedelta(days=180))
    ]


def test_the_profile_counts_quiz_topics_linked_to_a_competency(world: World) -> None:
    test = _test(world)
    with world.engine.begin() as connection:
        save_competency(connection, world.viewer("qa"), key="std", name="S", topics=["standards"])
        attempt = start_attempt(connection, world.viewer("agent1"), test.id, now=NOW)
        answers: dict[str, list[str] | str] = {str(test.question_ids[0]): ["0"]}
        hand_in(connection, world.viewer("agent1"), attempt.id, answers, now=NOW)
        profile = competency_profile(connection, world.viewer("agent1"), "a1", now=NOW)
    assert (profile.lines[0].months["2026-11"].n, profile.lines[0].months["2026-11"].mean) == (
        2,
        0.5,
    )


def test_one_reminder_by_e_mail_before_a_certificate_expires(
    world: World,
    smtp: Inbox,  # noqa: F811
) -> None:
    test = _test(world)
    agent = world.viewer("agent1")
    with world.engine.begin() as connection:
        create_certification(
            connection,
            world.viewer("qa"),
            name="Line",
            test_ids=[test.id],
            valid_days=60,
            remind_days=10,
            channel="email",
            target="lead@example.test",
        )
        attempt = start_attempt(connection, agent, test.id, now=NOW)
        hand_in(connection, agent, attempt.id, _right(test), now=NOW)
    assert send_reminders(world.engine, now=NOW + timedelta(days=49)) == 0
    assert send_reminders(world.engine, now=NOW + timedelta(days=51)) == 1
    assert send_reminders(world.engine, now=NOW + timedelta(days=52)) == 0
    [(recipients, raw)] = smtp.messages
    body = message_from_bytes(raw).get_payload(decode=True)
    assert recipients == ["lead@example.test"]
    assert isinstance(body, bytes) and "a1" in body.decode() and "Line" in body.decode()
