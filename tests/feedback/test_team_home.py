"""The team lead's start page (/coaching): the team's month, weakest criteria, whom to
coach first and open coaching tasks, in the team lead's reach only; and the dispute page
with the conversation beside the disputed criterion."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scorecards import save_scorecard
from kontrol.feedback import team_overview
from kontrol.feedback.coaching import coaching_view
from kontrol.feedback.disputes import raise_dispute
from kontrol.feedback.task_changes import TaskInput, create_task
from kontrol.store.tables import (
    check_failures,
    corrective_tasks,
    interactions,
    messages,
    scorecards,
)
from kontrol.web.app import create_app
from tests.factories import import_records, interaction_ids
from tests.feedback.feedback_world import (
    ALL_PASS,
    CARD,
    World,
    build_world,
    days_ago,
    exchange,
    interaction_record,
    sign_in,
)


@pytest.fixture
def world(engine: Engine, workspace: Workspace, tmp_path: Path) -> World:
    return build_world(engine, workspace, tmp_path)


@pytest.fixture
def client(database_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def _section(page: str, section_id: str) -> str:
    return page.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def _team_failures(world: World, team: str) -> dict[str, int]:
    """How many of the team's conversations failed each check (what the heat map counts)."""
    with world.engine.connect() as connection:
        rows = connection.execute(
            select(check_failures.c.check_id, func.count())
            .join(interactions, interactions.c.id == check_failures.c.interaction_id)
            .where(interactions.c.team == team)
            .group_by(check_failures.c.check_id)
        ).all()
    return {str(check): int(n) for check, n in rows}


def test_team_lead_start_page_shows_the_team_month_and_whom_to_coach(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Four conversations are enough to rank an agent in this small world.
    monkeypatch.setattr(team_overview, "MIN_EVALUATIONS", 1)
    world.evaluation("f1", ALL_PASS)
    world.evaluation("f2", ALL_PASS)
    world.evaluation("f5", {**ALL_PASS, "empathy": "fail", "accuracy": "fail"})
    world.evaluation("f6", {**ALL_PASS, "greeting": "fail"})
    lead = world.viewer("lead")
    with world.engine.begin() as connection:
        overdue = create_task(
            connection, lead, TaskInput(kind="coaching", title="Эмпатия с Борисом", agent="a2")
        )
        later = create_task(
            connection, lead, TaskInput(kind="coaching", title="Разбор звонков", agent="a1")
        )
        create_task(connection, lead, TaskInput(kind="callback", title="Перезвонить", agent="a1"))
        connection.execute(
            update(corrective_tasks)
            .where(corrective_tasks.c.id == overdue.id)
            .values(due_at=days_ago(3))
        )
    sign_in(client, "lead")
    page = client.get("/coaching")
    assert page.status_code == 200
    text = page.text
    assert "команда L1" in text
    figures = _section(text, "team-figures")
    assert 'data-metric="qa_score"' in figures and 'data-metric="csat"' in figures
    assert "Балл качества" in figures and "по 3 оценкам" in figures  # f1, f2, f5 of team L1
    assert "прошлый месяц" in figures
    # Changes in words, numbers with the decimal comma: no bare arrow, no "n=".
    assert "▲" not in figures and "▼" not in figures and "n=" not in figures
    # The weakest agent first, each leading to their coaching page; a3 is another team's.
    to_coach = _section(text, "team-to-coach")
    assert re.findall(r'data-agent="([^"]+)"', to_coach) == ["a2", "a1"]
    assert 'href="/coaching/a2"' in to_coach
    assert "a3" not in to_coach
    # Weakest checks: each link lists exactly the team's conversations that failed it.
    failed = _team_failures(world, "L1")
    weakest = _section(text, "team-weakest")
    shown = re.findall(r'data-check="([^"]+)"><td><a href="([^"]+)"', weakest)
    assert shown, "the sample conversations fail some checks"
    check, link = shown[0][0], html.unescape(shown[0][1])
    assert failed[check] == max(failed.values())
    assert "team=L1" in link and f"failed={check}" in link
    listing = client.get("/api/v1/interactions?" + urlsplit(link).query).json()
    assert len(listing["items"]) == failed[check]
    # Open coaching tasks, the overdue one first; other kinds are not coaching.
    tasks = _section(text, "team-tasks")
    assert re.findall(r'data-task="(\d+)"', tasks) == [str(overdue.id), str(later.id)]
    overdue_row = tasks.split(f'data-task="{overdue.id}"', 1)[1].split("</tr>", 1)[0]
    assert "просрочена" in overdue_row
    assert "Перезвонить" not in tasks


def test_another_team_lead_sees_only_their_team(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(team_overview, "MIN_EVALUATIONS", 1)
    world.evaluation("f5", {**ALL_PASS, "empathy": "fail"})
    world.evaluation("f6", {**ALL_PASS, "greeting": "fail"})
    with world.engine.begin() as connection:
        create_task(
            connection,
            world.viewer("lead"),
            TaskInput(kind="coaching", title="Только для L1", agent="a2"),
        )
    sign_in(client, "lead2")
    text = client.get("/coaching").text
    assert "команда L2" in text
    assert re.findall(r'data-agent="([^"]+)"', _section(text, "team-to-coach")) == ["a3"]
    assert "Agent a1" not in text and "Agent a2" not in text
    assert "Только для L1" not in text
    for _check, link in re.findall(r'data-check="([^"]+)"><td><a href="([^"]+)"', text):
        assert "team=L2" in html.unescape(link)
    # An agent still goes straight to their own coaching view.
    sign_in(client, "agent1")
    assert client.get("/coaching", follow_redirects=False).headers["location"] == "/coaching/a1"


BONUS_CARD = (
    CARD.replace("name: feedback-card", "name: feedback-card-bonus")
    + """      - {id: upsell, title: Предложил доп. товар, weight: 1, bonus: true, check: CHECK}
"""
)


def test_a_bonus_criterion_is_never_a_weakest_criterion(client: TestClient, world: World) -> None:
    sign_in(client, "lead")
    before = _section(client.get("/coaching").text, "team-weakest")
    most = re.findall(r'data-check="([^"]+)"', before)[0]
    # The most failed check bonus in a scorecard, while another active card counts it: a
    # failure still (checks.scorecards.bonus_checks).
    with world.engine.begin() as connection:
        card = save_scorecard(connection, world.workspace.id, BONUS_CARD.replace("CHECK", most))
    assert f'data-check="{most}"' in _section(client.get("/coaching").text, "team-weakest")
    # Bonus in every active scorecard: not earning it is no failure.
    with world.engine.begin() as connection:
        connection.execute(
            update(scorecards)
            .where(
                scorecards.c.workspace_id == world.workspace.id,
                scorecards.c.name != "feedback-card-bonus",
            )
            .values(is_active=False)
        )
    after = _section(client.get("/coaching").text, "team-weakest")
    assert f'data-check="{most}"' not in after
    assert "Предложил доп. товар" not in after
    # On an agent's coaching view a missed bonus is not a weak criterion either.
    bonus_world = replace(world, card=card)
    bonus_world.evaluation("f1", {**ALL_PASS, "empathy": "fail", "upsell": "fail"})
    with world.engine.connect() as connection:
        view = coaching_view(connection, world.viewer("lead"), "a1", period="month")
    criteria = [c.criterion for c in view.criteria]
    assert "empathy" in criteria and "upsell" not in criteria
    page = client.get("/coaching/a1?period=month").text
    assert 'data-criterion="empathy"' in page and "Предложил доп. товар" not in page


def test_the_dispute_page_shows_the_conversation_and_the_evidence(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    # A conversation whose customer text would be markup if it were not escaped.
    record = interaction_record(
        "d1",
        started="2026-11-06T10:00:00+00:00",
        agent_id="a1",
        agent_name="Agent a1",
        team="L1",
        customer_name="Иван Петров",
        topic="delivery",
        messages=exchange(
            "<script>alert(1)</script> Где заказ?",
            "Здравствуйте! Меня зовут Анна, сейчас проверю.",
            at="2026-11-06T10:00:00+00:00",
        ),
    )
    import_records(world.engine, world.workspace, tmp_path, [record], name="dispute.jsonl")
    with world.engine.connect() as connection:
        world.interactions.update(interaction_ids(connection, world.workspace))
        said = connection.execute(
            select(func.count()).where(messages.c.interaction_id == world.interactions["d1"])
        ).scalar()
    assert said == 2
    # The reviewer failed the greeting the automatic check found; the agent disputes it.
    with world.engine.begin() as connection:
        card = save_scorecard(
            connection,
            world.workspace.id,
            CARD.replace("name: feedback-card", "name: feedback-card-checked").replace(
                "{id: greeting, title: Greeted the customer, weight: 1}",
                "{id: greeting, title: Greeted the customer, weight: 1, check: greeting}",
            ),
        )
    evaluation_id = replace(world, card=card).evaluation(
        "d1", {**ALL_PASS, "greeting": "fail"}, comments={"greeting": "Не поздоровался"}
    )
    with world.engine.begin() as connection:
        dispute = raise_dispute(
            connection,
            world.viewer("agent1"),
            evaluation_id,
            criterion="greeting",
            reason="Я поздоровался <b>сразу</b>",
        )
    sign_in(client, "qa")
    page = client.get(f"/disputes/{dispute.id}")
    assert page.status_code == 200
    text = page.text
    # The disputed criterion with the reviewer's answer and comment, the agent's reason.
    row = text.split('data-criterion="greeting"', 1)[1].split("</tr>", 1)[0]
    assert "Greeted the customer" in row and "Не поздоровался" in row
    assert "«Здравствуйте" in row  # the check's evidence
    assert 'class="machine-answer"' in row
    assert "Я поздоровался &lt;b&gt;сразу&lt;/b&gt;" in text
    # The transcript on the same page, escaped.
    transcript = text.split('id="dispute-transcript"', 1)[1]
    assert "Анна, сейчас проверю." in transcript
    assert '<mark class="evidence' in transcript
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in transcript
    assert "<script>alert(1)</script>" not in text
