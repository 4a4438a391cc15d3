"""Pages that show an agent name them (issue 15): the id stays in links, never in the text."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from kontrol.accounts.workspaces import Workspace
from kontrol.metrics.targets import save_target
from kontrol.store.tables import agents
from kontrol.surveys.places import create_place
from tests.factories import log_in

NAMES = {"a1": "Анна Смирнова", "a2": "Дмитрий Козлов", "a3": "Игорь Волков"}
NOVEMBER = "date_from=2026-11-01&date_to=2026-11-30"


def name_agents(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection:
        for external_id, name in NAMES.items():
            connection.execute(
                update(agents)
                .where(agents.c.workspace_id == workspace.id, agents.c.external_id == external_id)
                .values(name=name)
            )


def visible_text(html: str) -> str:
    """The page's text without its tags and attributes (links may carry ids)."""
    return re.sub(r"<[^>]+>", " ", html)


def shows_no_ids(html: str) -> bool:
    return not re.search(r"(?<![\w-])a[123](?![\w-])", visible_text(html))


def test_targets_name_the_agent_they_are_set_for(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    name_agents(engine, populated)
    with engine.begin() as connection:
        save_target(
            connection,
            populated,
            metric="csat",
            scope="agent",
            scope_value="a1",
            target=90,
            warning=80,
            direction=None,
            owner="Ирина",
            period="month",
        )
    log_in(client, "admin")
    page = client.get("/targets").text
    assert "Оператор: Анна Смирнова" in visible_text(page)
    assert shows_no_ids(page)


def test_the_conversations_of_a_reason_name_their_agents(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    name_agents(engine, populated)
    log_in(client, "admin")
    page = client.get(f"/analysis/reasons/delivery?{NOVEMBER}")
    assert page.status_code == 200
    assert "Анна Смирнова" in page.text
    assert shows_no_ids(page.text)


def test_survey_places_name_their_agent(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    name_agents(engine, populated)
    with engine.begin() as connection:
        create_place(
            connection, workspace=populated, name="Тверская", agent_id="a2", created_by="admin"
        )
    log_in(client, "admin")
    page = client.get("/surveys/places").text
    assert "Дмитрий Козлов" in page
    assert shows_no_ids(page)


def test_an_owners_work_items_are_headed_with_their_name(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    name_agents(engine, populated)
    log_in(client, "admin")
    page = client.get("/work/items?owner=a1")
    assert page.status_code == 200
    assert re.search(r"<h1>[^<]*: Анна Смирнова</h1>", page.text)
