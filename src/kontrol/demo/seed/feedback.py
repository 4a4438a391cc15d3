"""Feedback for the demo agent (a01), made through the ordinary feedback calls.

Four reviewed evaluations of the agent's newest scored interactions: one the
agent acknowledged, one with an open dispute, one whose dispute a QA lead
resolved by changing the answer, and one that needs a callback; plus corrective
tasks, one of them overdue and one done.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from kontrol.accounts.access import Viewer
from kontrol.checks.scorecards import scorecard_by_id
from kontrol.checks.stored_results import AUTO
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.domain.clock import utcnow
from kontrol.domain.scorecard import Value, compute_score
from kontrol.feedback.agent_view import acknowledge_evaluation
from kontrol.feedback.dispute_resolution import resolve_dispute
from kontrol.feedback.disputes import raise_dispute
from kontrol.feedback.task_changes import TaskInput, create_task, update_task
from kontrol.metrics.facts import refresh_qa_facts
from kontrol.review.evaluations import MANUAL, SUBMITTED
from kontrol.review.history import record_event
from kontrol.store.tables import disputes, evaluations, interactions

DEMO_AGENT = "a01"


def manual_evaluation(
    connection: Connection,
    auto: Any,
    reviewer: Viewer,
    *,
    answers: dict[str, str],
    comments: dict[str, str],
    comment: str,
    when: datetime,
) -> int:
    """A reviewer's submitted manual evaluation beside an automatic one (as the review UI saves).

    Never dated before its conversation: ``when`` is moved to two hours after the
    conversation began when it falls earlier (and never later than now).
    """
    started = connection.execute(
        select(interactions.c.started_at).where(interactions.c.id == auto.interaction_id)
    ).scalar_one()
    when = min(utcnow(), max(when, started + timedelta(hours=2)))
    scorecard = scorecard_by_id(connection, int(auto.scorecard_id)).scorecard
    machine = {item["criterion"]: item.get("result") for item in auto.items or []}
    results: dict[str, Value] = {}
    for criterion in scorecard.criteria:
        given = answers.get(criterion.id) or machine.get(criterion.id)
        if given is None:
            given = "4" if criterion.scale == "1-5" else "pass"
        results[criterion.id] = int(given) if given.isdigit() else given
    score = compute_score(scorecard, results)
    items = [
        {
            "criterion": o.criterion.id,
            "check": o.criterion.check,
            "result": None if o.result is None else str(o.result),
            "fraction": o.fraction,
            "critical": o.criterion.critical,
            "comment": comments.get(o.criterion.id),
            "auto_result": machine.get(o.criterion.id),
        }
        for o in score.outcomes
    ]
    key = connection.execute(
        evaluations.insert().values(
            workspace_id=auto.workspace_id,
            interaction_id=auto.interaction_id,
            scorecard_id=auto.scorecard_id,
            kind=MANUAL,
            score=score.score,
            passed=score.passed,
            items=items,
            created_at=when,
            status=SUBMITTED,
            reviewer_id=reviewer.account.id,
            comment=comment,
            auto_evaluation_id=auto.id,
            version=1,
            updated_at=when,
        )
    ).inserted_primary_key
    assert key is not None
    evaluation_id = int(key[0])
    refresh_qa_facts(connection, int(auto.workspace_id), [int(auto.interaction_id)])
    record_event(
        connection,
        workspace_id=int(auto.workspace_id),
        subject="evaluation",
        subject_id=evaluation_id,
        actor_id=reviewer.account.id,
        action=SUBMITTED,
        at=when,
    )
    return evaluation_id


def newest_autos(
    connection: Connection,
    workspace_id: int,
    agent_id: str = DEMO_AGENT,
    *,
    limit: int = 12,
    unreviewed: bool = False,
) -> list[Any]:
    """The automatic evaluations of the agent's newest interactions, one each (up to
    ``limit`` rows read); ``unreviewed``: only interactions without a manual evaluation."""
    conditions = [
        evaluations.c.workspace_id == workspace_id,
        evaluations.c.kind == AUTO,
        interactions.c.agent_external_id == agent_id,
    ]
    if unreviewed:
        reviewed = select(evaluations.c.interaction_id).where(
            evaluations.c.workspace_id == workspace_id, evaluations.c.kind == MANUAL
        )
        conditions.append(interactions.c.id.not_in(reviewed))
    newest = (
        select(evaluations)
        .join(interactions, interactions.c.id == evaluations.c.interaction_id)
        .where(*conditions)
        .order_by(interactions.c.started_at.desc())
        .limit(limit)
    )
    autos = []
    seen: set[int] = set()
    for row in connection.execute(newest):
        if row.interaction_id not in seen:
            seen.add(row.interaction_id)
            autos.append(row)
    return autos


# What the demo reviewer answered on four of the agent's interactions, oldest story first:
# (answers, criterion comments, overall comment, days ago).
REVIEWS: tuple[tuple[dict[str, str], dict[str, str], str, int], ...] = (
    (
        {"solution_correct": "pass"},
        {"solution_correct": "Полный и точный ответ"},
        "Хороший разговор: клиент получил точный срок.",
        3,
    ),
    (
        {"empathy": "fail"},
        {"empathy": "Нет извинения за задержку"},
        "Решение верное, но не хватило сочувствия.",
        2,
    ),
    (
        {"solution_correct": "fail"},
        {"solution_correct": "Неверный срок доставки"},
        "Клиенту назван неверный срок.",
        4,
    ),
    (
        {"solution_correct": "fail"},
        {"solution_correct": "Клиенту обещан возврат, которого не будет"},
        "Неверная информация о возврате: нужно перезвонить клиенту.",
        5,
    ),
)


def _reactions(
    connection: Connection,
    qa: Viewer,
    agent: Viewer,
    acknowledged: int,
    disputed: int,
    changed: int,
) -> None:
    """The agent acknowledges one evaluation and disputes two; the QA lead resolves one."""
    acknowledge_evaluation(connection, agent, acknowledged, version=1)
    raise_dispute(
        connection,
        agent,
        disputed,
        criterion="empathy",
        reason="Я извинилась во втором сообщении: «Простите за ожидание».",
    )
    to_resolve = raise_dispute(
        connection,
        agent,
        changed,
        criterion="solution_correct",
        reason="Срок был верный: заказ пришёл в названный день, см. статус доставки.",
    )
    resolve_dispute(
        connection,
        qa,
        to_resolve.id,
        version=to_resolve.version,
        outcome="changed",
        comment="Проверили по службе доставки: срок был назван верно.",
        answers={"solution_correct": "pass"},
        evaluation_version=1,
    )


def _tasks(
    connection: Connection,
    people: dict[str, Viewer],
    *,
    changed: int,
    wrong_answer: int,
    now: datetime,
) -> None:
    """An overdue callback, a coaching session ahead, and a correction the agent has done."""
    qa, lead, agent = people["qa"], people["lead"], people["agent"]
    owner = str(agent.account.id)
    create_task(
        connection,
        lead,
        TaskInput(
            kind="callback",
            title="Перезвонить клиенту и исправить информацию о возврате",
            details="Клиенту сказали, что деньги вернут за 1 день; на деле 5–10 рабочих дней.",
            evaluation_id=str(wrong_answer),
            owner_id=owner,
            due=(now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    create_task(
        connection,
        lead,
        TaskInput(
            kind="coaching",
            title="Коучинг-сессия: эмпатия и извинения",
            agent=DEMO_AGENT,
            owner_id=str(lead.account.id),
            due=(now + timedelta(days=5)).strftime("%Y-%m-%d"),
        ),
    )
    done = create_task(
        connection,
        qa,
        TaskInput(
            kind="correction",
            title="Исправить срок доставки в карточке заказа",
            evaluation_id=str(changed),
            owner_id=owner,
            due=(now - timedelta(days=2)).strftime("%Y-%m-%d"),
        ),
    )
    update_task(
        connection,
        agent,
        done.id,
        version=done.version,
        changes={"status": "done", "outcome": "Срок в карточке исправлен, клиент уведомлён."},
    )


def seed_feedback_demo(engine: Engine, workspace_id: int) -> None:
    """Demo feedback for the demo agent (a01): reviewed evaluations, an acknowledged one,
    an open dispute, a resolved one, and corrective tasks including an overdue callback."""
    with engine.begin() as connection:
        if connection.execute(
            select(disputes.c.id).where(disputes.c.workspace_id == workspace_id).limit(1)
        ).first():
            return
        found = {
            name: demo_viewer(connection, workspace_id, name)
            for name in ("qa", "reviewer", "lead", "agent")
        }
        people = {name: viewer for name, viewer in found.items() if viewer is not None}
        if len(people) < len(found):
            return
        autos = newest_autos(connection, workspace_id)
        if len(autos) < 4:
            return
        now = utcnow()
        acknowledged, disputed, changed, wrong_answer = (
            manual_evaluation(
                connection,
                auto,
                people["reviewer"],
                answers=answers,
                comments=comments,
                comment=comment,
                when=now - timedelta(days=days),
            )
            for auto, (answers, comments, comment, days) in zip(autos, REVIEWS, strict=False)
        )
    with engine.begin() as connection:
        _reactions(
            connection,
            people["qa"],
            people["agent"],
            acknowledged=acknowledged,
            disputed=disputed,
            changed=changed,
        )
        _tasks(connection, people, changed=changed, wrong_answer=wrong_answer, now=now)
