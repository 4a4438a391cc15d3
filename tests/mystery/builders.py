"""Builders of the mystery-shopping tests: a programme in YAML and shops stored directly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.scorecard import Value, compute_score
from kontrol.mystery.programmes import get_programme, save_programme
from kontrol.store.tables import mystery_answers, mystery_assignments, mystery_submissions

PROGRAMME = """\
name: retail
title: Тайный покупатель — розница
language: ru
pass_mark: 80
plan:
  visits_per_month: 2
scenarios:
  - id: delivery-price
    title: Цена доставки
    channel: call
    ask: Сколько стоит доставка в Казань?
    correct_answer: Бесплатно от 3000 ₽, иначе 390 ₽
    checklist:
      sections:
        - id: contact
          title: Контакт
          criteria:
            - {id: greeting, title: Поздоровался и представился, weight: 1}
            - {id: correct, title: Назвал правильную цену, weight: 3, critical: true}
            - {id: polite, title: Вежливость, weight: 1, scale: 1-5}
  - id: return-chat
    title: Возврат в чате
    channel: chat
    ask: Можно вернуть товар без чека?
    correct_answer: Да, в течение 14 дней по паспорту
    checklist:
      sections:
        - id: chat
          title: Чат
          criteria:
            - {id: speed, title: Ответ за 2 минуты, weight: 1}
            - {id: correct, title: Правильный ответ, weight: 2}
targets:
  - id: our-calls
    title: Наш колл-центр
    kind: own
    channel: call
    team: L1
    contact: 8 800 000-00-00
  - id: our-chat
    title: Наш чат на сайте
    kind: own
    channel: chat
    visits_per_month: 1
  - id: rival-calls
    title: Колл-центр «ТехноМир»
    kind: competitor
    competitor: ТехноМир
    channel: call
"""


def add_programme(engine: Engine, workspace: Workspace, text: str = PROGRAMME) -> int:
    """Store ``text`` as a programme; its id."""
    with engine.begin() as connection:
        programme, _created = save_programme(connection, workspace, text, created_by="test")
    return programme.id


def add_shop(
    connection: Connection,
    workspace: Workspace,
    programme_id: int,
    *,
    target: str,
    scenario: str,
    answers: dict[str, Value],
    month: str = "2026-11",
    happened_at: datetime | None = None,
    visit_no: int = 1,
    shopper_id: int | None = None,
    contact: str | None = None,
    channel: str | None = None,
    submitted_at: datetime | None = None,
) -> int:
    """A done visit and its shop, stored as the shop form would store it; the shop's id."""
    programme = get_programme(connection, workspace, programme_id)
    spec_target = programme.spec.target(target)
    spec_scenario = programme.spec.scenario(scenario)
    score = compute_score(spec_scenario.checklist, answers)
    moment = happened_at or datetime.fromisoformat(f"{month}-10T12:00:00")
    assignment = connection.execute(
        mystery_assignments.insert().values(
            workspace_id=workspace.id,
            programme_id=programme_id,
            month=month,
            target_key=target,
            scenario_key=scenario,
            visit_no=visit_no,
            shopper_id=shopper_id,
            status="done",
            created_at=utcnow(),
        )
    ).inserted_primary_key
    assert assignment is not None
    values: dict[str, Any] = {
        "workspace_id": workspace.id,
        "programme_id": programme_id,
        "assignment_id": assignment[0],
        "shopper_id": shopper_id,
        "target_key": target,
        "scenario_key": scenario,
        "target_kind": spec_target.kind,
        "team": spec_target.team,
        "happened_at": moment,
        "month": month,
        "channel": channel or spec_scenario.channel,
        "contact": contact,
        "transcript": "— Здравствуйте!",
        "score": score.score,
        "passed": score.passed,
        "critical_failed": score.critical_failed,
        "submitted_at": submitted_at or utcnow(),
    }
    inserted = connection.execute(mystery_submissions.insert().values(**values))
    submission_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
    connection.execute(
        mystery_answers.insert(),
        [
            {
                "submission_id": submission_id,
                "criterion_key": o.criterion.id,
                "value": str(o.result),
                "fraction": o.fraction,
            }
            for o in score.outcomes
        ],
    )
    return submission_id
