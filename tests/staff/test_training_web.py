"""The training pages and API as a QA lead, a team lead and an agent use them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scorecards import default_scorecard_text, save_scorecard
from kontrol.web.app import create_app
from tests.feedback.feedback_world import sign_in
from tests.staff.staff_world import World, build_world


@pytest.fixture
def world(engine: Engine, workspace: Workspace) -> World:
    return build_world(engine, workspace)


@pytest.fixture
def client(database_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def test_a_lead_sets_up_training_and_an_agent_completes_it(client: TestClient) -> None:
    token = sign_in(client, "qa")
    module = client.post(
        "/staff/modules",
        data={
            "csrf_token": token,
            "title": "Эмпатия",
            "kind": "text",
            "body": "<b>Текст</b>",
            "criterion": "empathy",
        },
        follow_redirects=False,
    )
    assert module.status_code == 303
    module_id = client.get("/api/v1/staff/modules").json()["items"][0]["id"]
    rule = client.post(
        "/staff/rules",
        data={
            "csrf_token": token,
            "criterion": "empathy",
            "threshold": "70",
            "window": "10",
            "module_id": str(module_id),
        },
        follow_redirects=False,
    )
    assert rule.status_code == 303
    page = client.get("/staff")
    assert 'data-agent="a1"' in page.text and 'data-agent="a3"' not in page.text
    rule_id = client.get("/api/v1/staff/rules").json()["items"][0]["id"]
    assigned = client.post(
        "/staff/assignments",
        data={
            "csrf_token": token,
            "module_id": str(module_id),
            "agent": "a1",
            "due": "2026-12-31",
            "rule_id": str(rule_id),
        },
        follow_redirects=False,
    )
    assert assigned.status_code == 303
    token = sign_in(client, "agent1")
    mine = client.get("/staff")
    assert "Эмпатия" in mine.text
    body = client.get(f"/staff/modules/{module_id}").text
    assert "&lt;b&gt;Текст&lt;/b&gt;" in body
    assignment_id = client.get("/api/v1/staff/assignments").json()["items"][0]["id"]
    done = client.post(
        f"/staff/assignments/{assignment_id}/complete",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.get("/api/v1/staff/assignments").json()["items"][0]["status"] == "done"


def test_a_refused_module_form_says_why_in_the_readers_language(client: TestClient) -> None:
    token = sign_in(client, "qa")
    refused = client.post(
        "/staff/modules",
        data={"csrf_token": token, "title": "Видео", "kind": "video", "url": "javascript:x"},
    )
    assert refused.status_code == 422
    assert "Ссылка должна начинаться с http://" in refused.text


def test_the_api_refuses_an_unknown_criterion_naming_it(client: TestClient) -> None:
    sign_in(client, "qa")
    answer = client.put(
        "/api/v1/staff/competencies",
        json={"key": "empathy", "name": "E", "criteria": ["empathy", "nonsense"]},
    )
    assert answer.status_code == 422
    assert "nonsense" in answer.json()["detail"]


def test_a_module_assigned_twice_is_refused_in_russian_and_unknown_ones_too(
    client: TestClient,
) -> None:
    token = sign_in(client, "qa")
    client.post(
        "/staff/modules",
        data={"csrf_token": token, "title": "Эмпатия", "kind": "text", "body": "Текст"},
    )
    module_id = client.get("/api/v1/staff/modules").json()["items"][0]["id"]
    form = {"csrf_token": token, "module_id": str(module_id), "agent": "a1", "due": ""}
    assert client.post("/staff/assignments", data=form, follow_redirects=False).is_redirect
    again = client.post("/staff/assignments", data=form)
    assert again.status_code == 409
    assert "У оператора a1 уже открыт модуль «Эмпатия»" in again.text
    assert "already has" not in again.text
    # The API keeps the English words.
    api = client.post("/api/v1/staff/assignments", json={"module_id": module_id, "agent": "a1"})
    assert api.status_code == 409 and "already has 'Эмпатия' open" in api.json()["detail"]
    missing = client.get("/staff/modules/987654")
    assert missing.status_code == 404
    assert "Учебный модуль № 987654 не найден" in missing.text
    assert "no training module" not in missing.text


def test_the_training_page_names_criteria_and_counts_scores_in_words(client: TestClient) -> None:
    # Issue 15: «Критерий: empathy» and «60% n=20» were codes, not words.
    token = sign_in(client, "qa")
    client.post(
        "/staff/modules",
        data={
            "csrf_token": token,
            "title": "Эмпатия",
            "kind": "text",
            "body": "Текст",
            "criterion": "empathy",
        },
    )
    module_id = client.get("/api/v1/staff/modules").json()["items"][0]["id"]
    client.post(
        "/staff/rules",
        data={
            "csrf_token": token,
            "criterion": "empathy",
            "threshold": "70",
            "window": "10",
            "module_id": str(module_id),
        },
    )
    page = client.get("/staff").text
    assert "<td>Showed empathy</td>" in page and "<td>empathy</td>" not in page
    assert re.search(r"\d+ % <span class=\"muted small\">\(\d+ оцен(ка|ки|ок)\)", page)
    assert not re.search(r"\bn=\d", page)
    assert "&lt; 70 %" in page
    module = client.get(f"/staff/modules/{module_id}").text
    assert "Критерий: Showed empathy" in module and "Критерий: empathy" not in module


def test_criteria_are_named_in_the_readers_language_with_both_default_scorecards(
    engine: Engine, world: World, client: TestClient
) -> None:
    with engine.begin() as connection:
        for name in ("default-en", "default-ru"):
            save_scorecard(connection, world.workspace.id, default_scorecard_text(name))
    token = sign_in(client, "qa")
    client.post(
        "/staff/modules",
        data={"csrf_token": token, "title": "Прощание", "kind": "text", "body": "Текст"},
    )
    module_id = client.get("/api/v1/staff/modules").json()["items"][0]["id"]
    client.post(
        "/staff/rules",
        data={
            "csrf_token": token,
            "criterion": "closing_thanks",
            "threshold": "70",
            "window": "10",
            "module_id": str(module_id),
        },
    )
    rule_id = client.get("/api/v1/staff/rules").json()["items"][0]["id"]
    assigned = client.post(
        "/staff/assignments",
        data={
            "csrf_token": token,
            "module_id": str(module_id),
            "agent": "a1",
            "due": "2026-12-31",
            "rule_id": str(rule_id),
        },
        follow_redirects=False,
    )
    assert assigned.status_code == 303
    lead_page = client.get("/staff").text
    assert "Поблагодарил за обращение" in lead_page
    assert "Thanked the customer" not in lead_page
    setup = client.get("/staff/setup").text
    assert "Проявил сочувствие к недовольству" in setup
    assert "Acknowledged the customer" not in setup
    token = sign_in(client, "agent1")
    mine = client.get("/staff").text
    assert "Поблагодарил за обращение" in mine and "Thanked the customer" not in mine
    client.post("/locale", data={"locale": "en", "csrf_token": token, "next": "/staff"})
    english = client.get("/staff").text
    assert "Thanked the customer" in english and "Поблагодарил за обращение" not in english
