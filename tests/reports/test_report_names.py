"""Reports name agents and channels as people do; the demo's reports are named in its language."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from kontrol.accounts.workspaces import Workspace
from kontrol.demo.seed.reports import demo_report_texts, seed_reports_demo
from kontrol.domain.roles import WorkspaceRole
from kontrol.reports.definitions import ReportInput, save_report
from kontrol.store.tables import agents, report_definitions, users
from tests.factories import add_person, log_in
from tests.webapp import client, populated  # noqa: F401 - fixtures


def name_agent(engine: Engine, workspace: Workspace, external_id: str, name: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(agents)
            .where(agents.c.workspace_id == workspace.id, agents.c.external_id == external_id)
            .values(name=name)
        )


def test_agent_report_names_the_agent_on_its_page_and_in_its_preview(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    name_agent(engine, populated, "a1", "Анна Смирнова")
    with engine.begin() as connection:
        owner = connection.execute(select(users.c.id).where(users.c.username == "qa")).scalar()
        report = save_report(
            connection,
            populated,
            ReportInput(
                name="Анна: месяц",
                kind="agent",
                params={"agent": "a1"},
                schedule="monthly 2 09:00",
                owner_id=owner,
            ),
        )
    log_in(client, "qa")
    page = client.get(f"/reports/{report.id}").text
    assert "Оператор: Анна Смирнова" in page
    assert ": a1<" not in page
    preview = client.get(f"/api/v1/reports/{report.id}/preview").json()
    assert preview["title"] == "Отчёт по оператору: Анна Смирнова"
    assert "a1" not in preview["title"] + preview["subtitle"]


def test_a_channel_filter_is_written_in_words_in_the_subtitle(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    with engine.begin() as connection:
        owner = connection.execute(select(users.c.id).where(users.c.username == "qa")).scalar()
        report = save_report(
            connection,
            populated,
            ReportInput(name="Чаты", kind="qa_monthly", params={"channel": "chat"}, owner_id=owner),
        )
    log_in(client, "qa")
    preview = client.get(f"/api/v1/reports/{report.id}/preview").json()
    assert preview["subtitle"].endswith("Канал: Чат")
    assert "Канал: Чат" in client.get(f"/reports/{report.id}").text


def test_the_demo_names_its_reports_in_its_language(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection:
        add_person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        add_person(connection, workspace, "lead", WorkspaceRole.TEAM_LEAD, team="Линия 1")
        connection.execute(
            agents.insert().values(
                workspace_id=workspace.id, external_id="a01", name="Анна Смирнова"
            )
        )
    seed_reports_demo(engine, workspace)
    with engine.connect() as connection:
        stored = connection.execute(
            select(report_definitions.c.name, report_definitions.c.language).where(
                report_definitions.c.workspace_id == workspace.id
            )
        ).all()
    names = {row.name for row in stored}
    assert names == {
        "Сервис за неделю",
        "Качество за месяц",
        "Анна Смирнова: итоги месяца",
        "Еженедельный отчёт «Линии 1»",
    }
    assert {row.language for row in stored} == {"ru"}
    english = demo_report_texts("en", "Anna Smirnova")
    assert english["monthly"] == "Monthly QA report"
    assert english["agent"] == "Anna Smirnova: the month"
