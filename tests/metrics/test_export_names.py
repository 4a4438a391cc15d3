"""The KPI export names people and channels as the page does; their codes sit beside them."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from kontrol.accounts.workspaces import Workspace
from kontrol.store.tables import agents
from tests.factories import log_in

NOVEMBER = "period=month&date_from=2026-11-01&date_to=2026-11-30"
NAMES = {"a1": "Анна Смирнова", "a2": "Дмитрий Козлов", "a3": "Игорь Волков"}


def name_agents(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection:
        for external_id, name in NAMES.items():
            connection.execute(
                update(agents)
                .where(agents.c.workspace_id == workspace.id, agents.c.external_id == external_id)
                .values(name=name)
            )


def rows_of(client: TestClient, query: str) -> list[list[str]]:
    answer = client.get(f"/dashboard?{NOVEMBER}&{query}&format=csv")
    assert answer.status_code == 200
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))


def test_agent_export_gives_names_first_and_ids_in_their_own_column(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    name_agents(engine, populated)
    log_in(client, "admin")
    rows = rows_of(client, "by=agent")
    assert rows[0][:2] == ["Оператор", "Код оператора"]
    named = {row[0]: row[1] for row in rows[1:-1]}
    assert named == {"Анна Смирнова": "a1", "Дмитрий Козлов": "a2", "Игорь Волков": "a3"}
    # No id stands where a name is known.
    assert not {row[0] for row in rows[1:]} & set(NAMES)
    assert rows[-1][:2] == ["Всего", ""]


def test_channel_export_writes_channels_in_words(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    log_in(client, "admin")
    rows = rows_of(client, "by=channel")
    assert rows[0][:2] == ["Канал", "Код канала"]
    assert {row[0]: row[1] for row in rows[1:-1]} == {
        "Чат": "chat",
        "Эл. почта": "email",
        "Звонок": "call",
    }


def test_team_export_has_no_code_column(client: TestClient, populated: Workspace) -> None:
    log_in(client, "admin")
    rows = rows_of(client, "by=team")
    assert rows[0][0] == "Группа"
    assert rows[0][1].endswith(")")  # the first figure: a team is known by its name alone
    assert {row[0] for row in rows[1:-1]} == {"L1", "L2"}
