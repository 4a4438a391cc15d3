"""Onboarding: a new agent's first 90 days against the team, the mentor, feedback sessions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Forbidden, NotFound
from kontrol.metrics.facts import rebuild
from kontrol.metrics.kpis import compute
from kontrol.staff.certification import create_certification
from kontrol.staff.onboarding import (
    get_onboarding,
    kpi_comparison,
    onboarding_view,
    record_session,
    set_mentor,
    start_onboarding,
)
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.roleplay import create_scenario
from kontrol.staff.training import assign_module, create_module
from kontrol.web.app import create_app
from tests.feedback.feedback_world import sign_in
from tests.staff.staff_world import START, World, build_world

# a1's 16 evaluated interactions run from START (2026-09-01) for 16 days.
BEGIN = START.date()


@pytest.fixture
def world(engine: Engine, workspace: Workspace) -> World:
    return build_world(engine, workspace)


def _start(world: World, mentor: str = "lead") -> None:
    with world.engine.begin() as connection:
        start_onboarding(
            connection, world.viewer("lead"), agent="a1", started_on=BEGIN, mentor=mentor
        )


def test_a_lead_starts_an_onboarding_with_a_mentor_and_the_agent_sees_it(world: World) -> None:
    _start(world)
    with world.engine.begin() as connection:
        own = get_onboarding(connection, world.viewer("agent1"), "a1")
        with pytest.raises(NotFound):
            get_onboarding(connection, world.viewer("agent3"), "a1")
        with pytest.raises(NotFound):  # a3 is not in the team lead's team
            start_onboarding(connection, world.viewer("lead"), agent="a3")
        with pytest.raises(Forbidden):
            get_onboarding(connection, world.viewer("reviewer"), "a1")
        with pytest.raises(StaffInputError) as twice:
            start_onboarding(connection, world.viewer("qa"), agent="a1")
    assert (own.started_on, own.ends_on) == (BEGIN, BEGIN + timedelta(days=89))
    assert own.mentor is not None and own.mentor.username == "lead"
    assert twice.value.key == "staff.error.onboarding_taken"


def test_the_mentor_is_a_member_chosen_by_name(world: World) -> None:
    _start(world, mentor="")
    with world.engine.begin() as connection:
        changed = set_mentor(connection, world.viewer("qa"), "a1", "admin")
        with pytest.raises(StaffInputError) as unknown:
            set_mentor(connection, world.viewer("qa"), "a1", "nobody")
        with pytest.raises(StaffInputError) as themselves:
            set_mentor(connection, world.viewer("qa"), "a1", "agent1")
    assert changed.mentor is not None and changed.mentor.display_name == "Admin"
    assert unknown.value.values == {"name": "nobody"}
    assert themselves.value.key == "staff.error.mentor_unknown"


def test_feedback_sessions_keep_date_leader_notes_and_next_steps(world: World) -> None:
    _start(world)
    with world.engine.begin() as connection:
        record_session(
            connection,
            world.viewer("lead"),
            "a1",
            held_on=BEGIN + timedelta(days=7),
            led_by="lead",
            notes="Первая неделя: приветствие уверенное, эмпатии мало.",
            next_steps="Пройти модуль «Эмпатия»",
        )
        with pytest.raises(StaffInputError) as early:
            record_session(
                connection,
                world.viewer("lead"),
                "a1",
                held_on=BEGIN - timedelta(days=1),
                led_by="lead",
                notes="x",
            )
        with pytest.raises(StaffInputError) as empty:
            record_session(
                connection, world.viewer("lead"), "a1", held_on=BEGIN, led_by="lead", notes=" "
            )
        (session,) = get_onboarding(connection, world.viewer("agent1"), "a1").sessions
    assert (session.held_on, session.led_by_name, session.next_steps) == (
        BEGIN + timedelta(days=7),
        "Lead",
        "Пройти модуль «Эмпатия»",
    )
    assert early.value.key == "staff.error.session_date"
    assert empty.value.key == "staff.error.session_notes"


def test_the_kpis_are_the_dashboards_for_the_agent_and_the_team(world: World) -> None:
    _start(world)
    # The interactions were stored directly: build their KPI facts as an import would.
    rebuild(world.engine, world.workspace.id)
    with world.engine.begin() as connection:
        viewer = world.viewer("qa")
        onboarding = get_onboarding(connection, viewer, "a1")
        found = {k.metric: k for k in kpi_comparison(connection, viewer, onboarding)}
        end = BEGIN + timedelta(days=89)
        mine = compute(
            connection,
            workspace=world.workspace,
            date_from=BEGIN,
            date_to=end,
            filters={"agent": "a1"},
        )[0]
        team = compute(
            connection,
            workspace=world.workspace,
            date_from=BEGIN,
            date_to=end,
            filters={"team": "L1"},
        )[0]
    assert found["qa_score"].agent == mine["qa_score"] is not None
    assert found["qa_score"].team == team["qa_score"]
    assert found["qa_score"].agent_n == 16
    assert found["qa_fail"].agent == mine["qa_fail"]


def test_the_view_shows_training_and_where_certification_stands(world: World) -> None:
    _start(world)
    with world.engine.begin() as connection:
        qa = world.viewer("qa")
        module = create_module(connection, qa, title="Эмпатия", kind="text", body="Текст")
        assign_module(connection, qa, module_id=module.id, agent="a1")
        scenario = create_scenario(
            connection, qa, title="Заказ", language="ru", script="Где мой заказ?\n"
        )
        create_certification(connection, qa, name="Линия", test_ids=[], roleplays={scenario.id: 70})
        view = onboarding_view(connection, world.viewer("agent1"), "a1")
    data = view.as_json()
    assert [a["module_title"] for a in data["assignments"]] == ["Эмпатия"]
    (standing,) = data["certifications"]
    assert standing["requirements"] == [
        {
            "kind": "roleplay",
            "id": scenario.id,
            "pass_mark": 70.0,
            "met": False,
            "met_at": None,
            "best": None,
            "title": "Заказ",
        }
    ]
    assert set(data["qa_score_by_week"]) == set(view.coaching.keys)


@pytest.fixture
def client(database_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def test_a_team_lead_runs_an_onboarding_through_the_pages(client: TestClient) -> None:
    token = sign_in(client, "lead")
    started = client.post(
        "/staff/onboarding",
        data={"csrf_token": token, "agent": "a1", "mentor": "lead", "started_on": "2026-09-01"},
        follow_redirects=False,
    )
    assert started.headers["location"] == "/staff/onboarding/a1"
    today = date.today().isoformat()
    bad = client.post(
        "/staff/onboarding/a1/sessions",
        data={"csrf_token": token, "held_on": "1.9.2026", "led_by": "lead", "notes": "x"},
    )
    assert bad.status_code == 422 and "ГГГГ-ММ-ДД" in bad.text
    saved = client.post(
        "/staff/onboarding/a1/sessions",
        data={
            "csrf_token": token,
            "held_on": today,
            "led_by": "lead",
            "notes": "<script>alert(1)</script> Хорошо держит тон",
            "next_steps": "Разобрать два чата",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get("/staff/onboarding/a1")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Хорошо держит тон" in page.text
    assert 'data-metric="qa_score"' in page.text
    api = client.get("/api/v1/staff/onboardings/a1").json()
    assert (api["mentor"], [s["next_steps"] for s in api["sessions"]]) == (
        "lead",
        ["Разобрать два чата"],
    )
    assert client.get("/api/v1/staff/onboardings/a3").status_code == 404
    sign_in(client, "agent1")
    own = client.get("/staff/onboarding", follow_redirects=False)
    assert own.headers["location"] == "/staff/onboarding/a1"
    mine = client.get("/staff/onboarding/a1")
    assert "Разобрать два чата" in mine.text and "/sessions" not in mine.text
    sign_in(client, "agent3")
    none = client.get("/staff/onboarding", follow_redirects=False)
    assert none.status_code == 200 and 'data-agent="a1"' not in none.text
