"""The improvement plan: the action form filled in from where it came from, the plan with
overdue first, who sees and changes what, and the effect after the due date."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.audits.conduct import add_evidence, complete_audit, save_answer
from kontrol.domain.clock import utcnow
from kontrol.domain.roles import WorkspaceRole
from kontrol.i18n.messages import error_text
from kontrol.improvement.actions import create_action, get_action, list_actions, today_of
from kontrol.improvement.effects import effect_of
from kontrol.improvement.messages import KeyedInvalid
from kontrol.metrics import figures
from kontrol.metrics.targets import save_target
from kontrol.store.tables import improvement_actions
from tests.audits.builders import PNG, chat, import_chats, person, small_audit
from tests.factories import interaction_ids, log_in


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_form_is_filled_in_from_the_query(
    client: TestClient, engine: Engine, populated: Workspace, backend: str
) -> None:
    with engine.connect() as connection:
        i2 = interaction_ids(connection, populated)["i2"]
    log_in(client, "qa")
    page = client.get(
        "/actions/new",
        params={
            "title": "Вернуть деньги <быстрее>",
            "source": "mystery:17",
            "metric": "csat",
            "interaction": str(i2),
        },
    )
    assert page.status_code == 200
    assert 'value="Вернуть деньги &lt;быстрее&gt;"' in page.text
    assert 'value="mystery:17"' in page.text
    assert '<option value="csat" selected>' in page.text
    assert f'name="interaction_id" value="{i2}"' in page.text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_red_figure_of_the_dashboard_offers_an_action(
    client: TestClient,
    engine: Engine,
    populated: Workspace,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A handful of contacts judged: the badge's sample floor (30) is lowered to one.
    monkeypatch.setattr(figures, "MIN_SAMPLE", 1)
    with engine.begin() as connection:
        save_target(
            connection,
            populated,
            metric="csat",
            scope="company",
            scope_value=None,
            target=90,
            warning=80,
            direction="higher",
            owner="QA",
            period="month",
        )
    log_in(client, "qa")
    page = client.get("/dashboard", params={"date_from": "2026-11-01", "date_to": "2026-11-30"})
    assert "/actions/new?metric=csat&amp;source=dashboard%3Acsat" in page.text
    log_in(client, "agent1")
    assert (
        "/actions/new?"
        not in client.get(
            "/dashboard", params={"date_from": "2026-11-01", "date_to": "2026-11-30"}
        ).text
    )


def test_the_plan_puts_overdue_first_and_agents_see_the_actions_about_them(
    engine: Engine, workspace: Workspace, backend: str
) -> None:
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        agent = person(connection, workspace, "agent1", WorkspaceRole.AGENT, agent="a1")
        today = today_of(qa)
        later = create_action(
            connection, qa, {"title": "Later", "due": (today + timedelta(days=9)).isoformat()}
        )
        late = create_action(
            connection,
            qa,
            {"title": "Late", "due": (today - timedelta(days=2)).isoformat(), "agent": "a1"},
        )
        done = create_action(
            connection,
            qa,
            {"title": "Done", "due": (today - timedelta(days=5)).isoformat(), "status": "done"},
        )
        plan = list_actions(connection, qa)
        mine = list_actions(connection, agent)
        overdue = list_actions(connection, qa, overdue_only=True)
    assert [a.title for a in plan] == ["Late", "Later", "Done"]
    assert late.overdue(today) and not later.overdue(today) and not done.overdue(today)
    assert [a.id for a in mine] == [late.id]
    assert [a.id for a in overdue] == [late.id]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_owner_moves_the_action_along_but_does_not_rewrite_it(
    client: TestClient, engine: Engine, populated: Workspace, backend: str
) -> None:
    log_in(client, "qa")
    with engine.connect() as connection:
        from sqlalchemy import select

        from kontrol.store.tables import users

        owner_id = connection.execute(
            select(users.c.id).where(users.c.username == "agent1")
        ).scalar()
    created = client.post(
        "/api/v1/actions",
        json={"title": "Скрипт возврата", "owner_id": owner_id, "agent": "a1", "due": "2026-12-01"},
    )
    assert created.status_code == 201, created.text
    action_id = created.json()["id"]
    bad = client.post("/api/v1/actions", json={"title": "x", "metric": "happiness"})
    assert bad.status_code == 422 and bad.json()["detail"] == 'metric: unknown KPI "happiness"'
    log_in(client, "agent1")
    moved = client.patch(
        f"/api/v1/actions/{action_id}", json={"version": 1, "status": "in_progress"}
    )
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    assert (
        client.patch(f"/api/v1/actions/{action_id}", json={"version": 2, "title": "x"}).status_code
        == 403
    )
    stale = client.patch(f"/api/v1/actions/{action_id}", json={"version": 1, "status": "done"})
    assert stale.status_code == 409
    log_in(client, "agent3")
    assert client.get(f"/api/v1/actions/{action_id}").status_code == 404


def test_the_kpi_after_the_due_date_confirms_the_effect_or_not(
    engine: Engine, workspace: Workspace, tmp_path: Path, backend: str
) -> None:
    import_chats(
        engine, workspace, tmp_path, [chat(f"c{d}", day=d, greeting=True) for d in (3, 4, 5)]
    )
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        met = create_action(
            connection,
            qa,
            {"title": "More contacts", "metric": "contacts", "target": "3", "due": "2026-11-01"},
        )
        missed = create_action(
            connection,
            qa,
            {"title": "Many more", "metric": "contacts", "target": "10", "due": "2026-11-01"},
        )
        future = create_action(
            connection,
            qa,
            {"title": "Not yet", "metric": "contacts", "target": "1", "due": "2999-01-01"},
        )
        today = today_of(qa)
        results = [effect_of(connection, workspace, item, today) for item in (met, missed, future)]
    assert results[0] is not None and (results[0].status, results[0].value) == ("confirmed", 3.0)
    assert results[0].period_from == date(2026, 11, 1)
    assert results[0].period_to == date(2026, 11, 29)
    assert results[1] is not None and results[1].status == "not_confirmed"
    assert results[2] is None


def test_the_next_audit_confirms_an_audit_item_action(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        first = small_audit(connection, qa)
        action = create_action(
            connection,
            qa,
            {
                "title": "Единый регламент приёма",
                "source": f"audit:{first.id}:item:intake",
                "audit_template": "small",
                "audit_item": "intake",
                "target": "1",
                "due": "2026-11-15",
            },
        )
        connection.execute(
            improvement_actions.update()
            .where(improvement_actions.c.id == action.id)
            .values(created_at=utcnow() - timedelta(days=40))
        )
        action = get_action(connection, qa, action.id)
        today = today_of(qa)
        waiting = effect_of(connection, workspace, action, today)
        second = small_audit(connection, qa)
        for item, answer in (
            ("intake", "yes"),
            ("offer", "4"),
            ("greeting", "90"),
            ("bots", "na"),
            ("speed", "100"),
        ):
            save_answer(connection, qa, second.id, item_key=item, answer=answer)
        add_evidence(connection, qa, second.id, item_key="intake", filename="r.png", data=PNG)
        complete_audit(connection, qa, second.id, version=second.version)
        confirmed = effect_of(connection, workspace, action, today)
    assert waiting is not None and waiting.status == "waiting"
    assert confirmed is not None
    assert (confirmed.status, confirmed.value, confirmed.audit_id) == ("confirmed", 1.0, second.id)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_plan_names_the_source_and_the_audit_item_in_words(
    client: TestClient, engine: Engine, populated: Workspace, backend: str
) -> None:
    # Issue 15: «Источник: dashboard:frt» and «пункт аудита request_intake» were codes.
    from kontrol.audits.templates import ensure_shipped_templates

    with engine.begin() as connection:
        ensure_shipped_templates(connection, populated.id)
        qa = person(connection, populated, "qa2", WorkspaceRole.QA_LEAD)
        from_dashboard = create_action(
            connection, qa, {"title": "Быстрее отвечать", "source": "dashboard:frt"}
        )
        create_action(
            connection,
            qa,
            {
                "title": "Единый порядок",
                "source": "audit:1:item:request_intake",
                "audit_template": "service-audit-ru",
                "audit_item": "request_intake",
                "target": "1",
            },
        )
    log_in(client, "qa")
    plan = client.get("/actions").text
    assert "Панель: время первого ответа" in plan and "dashboard:frt" not in plan
    assert "пункт аудита «Обращение принимается по единому порядку во всех каналах»" in plan
    assert "request_intake" not in plan
    action = client.get(f"/actions/{from_dashboard.id}").text
    assert "Панель: время первого ответа" in action and ">dashboard:frt<" not in action


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_due_date_is_taken_as_typed_and_a_day_not_in_the_calendar_is_named(
    engine: Engine, workspace: Workspace, backend: str
) -> None:
    with engine.begin() as connection:
        qa = person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        typed = create_action(connection, qa, {"title": "Typed", "due": "15.12.2026"})
        iso = create_action(connection, qa, {"title": "ISO", "due": "2026-12-15"})
        with pytest.raises(KeyedInvalid) as refused:
            create_action(connection, qa, {"title": "No such day", "due": "31.11.2026"})
    assert typed.due_on == iso.due_on == date(2026, 12, 15)
    assert refused.value.field == "due"
    assert "«31.11.2026»" in error_text(refused.value, "ru")
    assert "ДД.ММ.ГГГГ" in error_text(refused.value, "ru")
