"""Reviewed conversations for the learning tests: chats imported and scored by the
checks, and submitted manual evaluations of one criterion written beside them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.jobs.backends import drain
from kontrol.settings import Settings
from kontrol.store.tables import evaluations, scorecards
from tests.factories import import_records, interaction_ids, interaction_record, message

AT = "2026-11-02T10:00:00+00:00"
NAMES = ("Анна", "Олег", "Мария", "Иван", "Ольга", "Павел", "Нина", "Глеб")
QUESTIONS = (
    "Где мой заказ?",
    "Когда приедет курьер?",
    "Как вернуть товар?",
    "Почему списали деньги дважды?",
    "Можно поменять адрес доставки?",
)
POLITE = "Здравствуйте! Меня зовут {name}, чем могу помочь?"
# The greeting check finds "здравствуйте" and passes; reviewers fail the greeting.
RUDE = "Здравствуйте. Ну чего надо, говорите быстрее, я занят."
NO_GREETING = "Меня зовут {name}. Что у вас?"


def chat(external_id: str, agent_opening: str, number: int) -> dict[str, Any]:
    """A short chat whose first agent message is ``agent_opening``."""
    name = NAMES[number % len(NAMES)]
    return interaction_record(
        external_id,
        started=AT,
        language="ru",
        messages=[
            message("customer", QUESTIONS[number % len(QUESTIONS)], AT),
            message("agent", agent_opening.format(name=name), AT),
            message("customer", "Спасибо, понятно.", AT),
            message("agent", "Заказ приедет завтра до 18:00. Хорошего дня!", AT),
        ],
    )


def import_chats(
    engine: Engine, workspace: Workspace, folder: Path, records: list[dict[str, Any]]
) -> dict[str, int]:
    """Import and score the chats; their stored ids by external id."""
    report = import_records(engine, workspace, folder, records)
    assert report.imported == len(records), report.rejects
    drain(engine, Settings())
    with engine.connect() as connection:
        return interaction_ids(connection, workspace)


def review(
    engine: Engine,
    workspace: Workspace,
    ids: dict[str, int],
    answer: Callable[[str], str],
    criterion: str = "greeting",
) -> None:
    """A submitted manual evaluation of ``criterion`` for each interaction: ``answer(id)``."""
    with engine.begin() as connection:
        card_id = (
            connection.execute(
                select(scorecards.c.id)
                .where(scorecards.c.workspace_id == workspace.id, scorecards.c.name == "default-ru")
                .order_by(scorecards.c.version.desc())
            )
            .scalars()
            .first()
        )
        connection.execute(
            evaluations.insert(),
            [
                {
                    "workspace_id": workspace.id,
                    "interaction_id": stored,
                    "scorecard_id": card_id,
                    "kind": "manual",
                    "status": "submitted",
                    "items": [{"criterion": criterion, "check": criterion, "result": answer(key)}],
                    "created_at": utcnow(),
                }
                for key, stored in sorted(ids.items())
            ],
        )


def rule_wrong_set(
    engine: Engine, workspace: Workspace, folder: Path, count: int = 120
) -> dict[str, int]:
    """Chats where the greeting rule always passes but reviewers fail the rude half."""
    records = [chat(f"r{n:03d}", RUDE if n % 2 else POLITE, n) for n in range(count)]
    ids = {
        key: stored
        for key, stored in import_chats(engine, workspace, folder, records).items()
        if key.startswith("r")
    }
    review(engine, workspace, ids, lambda key: "fail" if int(key[1:]) % 2 else "pass")
    return ids
