"""The centre's team work: reviews, disputes and coaching spread over every team.

Only the 60-seat demo (``kontrol demo``'s default size) gets it: the small one
keeps its single story around the demo agent (``feedback.py``), which the tests
are written against. Everything goes through the ordinary calls, as the
feedback demo does: the three reviewers evaluate the newest conversations of
every agent, the agents with a login dispute one each, and each team lead
sets a coaching session for the people of their team who need it most.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from kontrol.accounts.access import Viewer
from kontrol.demo.people import SOLID, STAR, TEAM_1, TEAM_2, TEAM_CHAT, TEAM_EN, Agent
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.demo.seed.feedback import DEMO_AGENT, manual_evaluation, newest_autos
from kontrol.domain.clock import utcnow
from kontrol.feedback.disputes import raise_dispute
from kontrol.feedback.task_changes import TaskInput, create_task
from kontrol.store.tables import corrective_tasks

REVIEWERS = ("reviewer", "reviewer2", "qa")
LEADS = {TEAM_1: "lead", TEAM_2: "lead2", TEAM_EN: "lead-en", TEAM_CHAT: "lead-chat"}
# The agents with a demo login (seed/accounts.py) dispute one of their evaluations.
DISPUTING = {"a02": "empathy", "a05": "specific_answer", "a08": "empathy"}
REVIEWS_PER_AGENT = 2
COACHING = {
    "ru": (
        "Коучинг-сессия: вежливость и тон",
        "Коучинг-сессия: конкретные ответы клиенту",
        "Коучинг-сессия: скорость ответа и удержание",
        "Коучинг-сессия: приветствие и завершение по стандарту",
    ),
    "en": (
        "Coaching session: tone and courtesy",
        "Coaching session: concrete answers",
        "Coaching session: reply time and holds",
        "Coaching session: the greeting and closing",
    ),
}
REASONS = {
    "empathy": "Я извинился(-лась) за ожидание в начале разговора, см. расшифровку.",
    "specific_answer": "Срок был назван: «в четверг до 18:00», см. третье сообщение.",
}
COMMENTS = (
    "По стандарту, без замечаний по существу.",
    "Решение верное; стоит чаще называть клиента по имени.",
    "Не хватило конкретики: срок назван приблизительно.",
    "Хорошо снято возражение, завершение по скрипту.",
    "Клиент ждал ответа дольше нормы: предупредите об ожидании.",
)


def _answers(auto: Any, dice: random.Random, needs_work: bool) -> dict[str, str]:
    """The machine's answers, with a fail on a soft criterion for the agents to coach."""
    criteria = {item["criterion"] for item in auto.items or []}
    answers = {"solution_correct": "pass"} if "solution_correct" in criteria else {}
    if needs_work or dice.random() < 0.25:
        soft = sorted(criteria & {"empathy", "specific_answer", "customer_name"})
        if soft:
            answers[dice.choice(soft)] = "fail"
    return answers


def _reviews(
    connection: Connection,
    workspace_id: int,
    roster: tuple[Agent, ...],
    reviewers: list[Viewer],
    dice: random.Random,
) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Two manual evaluations of every agent, by the three reviewers in turn, over two weeks."""
    now = utcnow()
    made: dict[str, list[tuple[int, dict[str, str]]]] = {}
    turn = 0
    for agent in roster:
        if agent.id == DEMO_AGENT:
            continue  # the demo agent's own story (feedback.py)
        autos = newest_autos(
            connection, workspace_id, agent.id, limit=REVIEWS_PER_AGENT * 3, unreviewed=True
        )
        for auto in autos[:REVIEWS_PER_AGENT]:
            # the agents who dispute need a failed criterion to dispute
            needs_work = agent.profile not in (STAR, SOLID) or agent.id in DISPUTING
            answers = _answers(auto, dice, needs_work)
            # within the dispute window for the agents who dispute
            days_ago = dice.randint(1, 3 if agent.id in DISPUTING else 14)
            evaluation_id = manual_evaluation(
                connection,
                auto,
                reviewers[turn % len(reviewers)],
                answers=answers,
                comments={},
                comment=dice.choice(COMMENTS),
                when=now - timedelta(days=days_ago, hours=3),
            )
            made.setdefault(agent.id, []).append((evaluation_id, answers))
            turn += 1
    return made


def _disputes(
    connection: Connection,
    workspace_id: int,
    made: dict[str, list[tuple[int, dict[str, str]]]],
) -> int:
    """Each agent with a login disputes a failed criterion of one of their evaluations."""
    raised = 0
    for agent_id, criterion in DISPUTING.items():
        login = demo_viewer(connection, workspace_id, agent_id)
        if login is None:
            continue
        for evaluation_id, answers in made.get(agent_id, []):
            failed = criterion if answers.get(criterion) == "fail" else None
            failed = failed or next((c for c, r in answers.items() if r == "fail"), None)
            if failed is None:
                continue
            reason = REASONS.get(failed, "Считаю оценку по этому пункту неверной, см. запись.")
            raise_dispute(connection, login, evaluation_id, criterion=failed, reason=reason)
            raised += 1
            break
    return raised


def _coaching(
    connection: Connection, workspace_id: int, roster: tuple[Agent, ...], dice: random.Random
) -> int:
    """Each team lead's coaching sessions for the agents of the team who need it most."""
    now = utcnow()
    set_up = 0
    for team, username in LEADS.items():
        lead = demo_viewer(connection, workspace_id, username)
        if lead is None:
            continue
        for agent in roster:
            if agent.team != team or agent.profile in (STAR, SOLID) or agent.id == DEMO_AGENT:
                continue
            create_task(
                connection,
                lead,
                TaskInput(
                    kind="coaching",
                    title=dice.choice(COACHING[agent.lang]),
                    agent=agent.id,
                    owner_id=str(lead.account.id),
                    due=(now + timedelta(days=dice.randint(1, 10))).strftime("%Y-%m-%d"),
                ),
            )
            set_up += 1
    return set_up


def seed_team_work_demo(
    engine: Engine, workspace_id: int, roster: tuple[Agent, ...], *, seed: int = 11
) -> tuple[int, int, int]:
    """Reviews of every agent, a few disputes and the team leads' coaching; how many of each.

    Does nothing when a team lead has set coaching for anyone but the demo agent
    already (the demo loaded twice).
    """
    dice = random.Random(seed)
    with engine.begin() as connection:
        reviewers = [
            viewer
            for viewer in (demo_viewer(connection, workspace_id, name) for name in REVIEWERS)
            if viewer is not None
        ]
        done = connection.execute(
            select(corrective_tasks.c.id)
            .where(
                corrective_tasks.c.workspace_id == workspace_id,
                corrective_tasks.c.kind == "coaching",
                corrective_tasks.c.agent_external_id != DEMO_AGENT,
            )
            .limit(1)
        ).first()
        if not reviewers or done is not None:
            return 0, 0, 0
        made = _reviews(connection, workspace_id, roster, reviewers, dice)
        disputes = _disputes(connection, workspace_id, made)
        coaching = _coaching(connection, workspace_id, roster, dice)
    return sum(len(m) for m in made.values()), disputes, coaching
