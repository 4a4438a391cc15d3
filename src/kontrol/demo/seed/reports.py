"""Demo reporting regulation: three built-in reports (one already sent) and a weekly
report the team lead prepares, with deadlines met on time, late and missed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, func, select, update

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.i18n import translate
from kontrol.reports.content import Column, ReportContent, ReportSection, ReportTable
from kontrol.reports.definitions import ReportInput, save_report
from kontrol.reports.delivery import deliver_run
from kontrol.reports.files import store_report_file
from kontrol.reports.formats import report_pdf_bytes
from kontrol.reports.jobs import open_now_run
from kontrol.reports.runs import LATE, MISSING, ON_TIME, QUEUED, append_log, open_run
from kontrol.store.tables import agents, interaction_facts, report_definitions, report_runs, users

# The demo's reports are named in Russian, as its people would name them (the routing
# rules do the same); ``demo_report_texts`` gives them in another language.
LOCALE = "ru"
# The agent of the demo's agent report: the demo login "agent".
DEMO_AGENT = "a01"


def _user(engine: Engine, username: str) -> int | None:
    with engine.connect() as connection:
        found = connection.execute(select(users.c.id).where(users.c.username == username))
        value = found.scalar()
    return int(value) if value is not None else None


def _lead_report_pdf(week: str) -> bytes:
    content = ReportContent(
        title="Отчёт руководителя «Линии 1»",
        subtitle=f"Неделя {week}",
        sections=[
            ReportSection(
                "Итоги недели",
                tables=[
                    ReportTable(
                        "Итоги недели",
                        [Column("Показатель"), Column("Значение")],
                        [["Проведено разборов", 12], ["Обучено новичков", 2]],
                    )
                ],
                notes=["Главная тема недели — задержки доставки в регионах."],
            )
        ],
        link="/dashboard",
    )
    return report_pdf_bytes(content)


def demo_report_texts(locale: str, agent_name: str) -> dict[str, str]:
    """The names and descriptions of the demo's reports in ``locale``, as a person writes them."""

    def t(key: str) -> str:
        return translate(locale, key)

    return {
        "weekly": t("reports.demo.weekly"),
        "weekly_about": t("reports.demo.weekly_about"),
        "monthly": t("reports.demo.monthly"),
        "monthly_about": t("reports.demo.monthly_about"),
        "agent": t("reports.demo.agent").replace("{agent}", agent_name),
        "manual": t("reports.demo.manual"),
        "manual_about": t("reports.demo.manual_about"),
    }


def _agent_name(engine: Engine, workspace: Workspace, external_id: str) -> str:
    with engine.connect() as connection:
        name = connection.execute(
            select(agents.c.name).where(
                agents.c.workspace_id == workspace.id, agents.c.external_id == external_id
            )
        ).scalar()
    return str(name or external_id)


def seed_reports_demo(engine: Engine, workspace: Workspace, locale: str = LOCALE) -> None:
    """The demo regulation, once (nothing is added when the workspace has reports)."""
    qa, lead = _user(engine, "qa"), _user(engine, "lead")
    if qa is None or lead is None:
        return
    with engine.connect() as connection:
        known = connection.execute(
            select(report_definitions.c.id).where(report_definitions.c.workspace_id == workspace.id)
        ).first()
    if known is not None:
        return
    texts = demo_report_texts(locale, _agent_name(engine, workspace, DEMO_AGENT))
    with engine.begin() as connection:
        weekly = save_report(
            connection,
            workspace,
            ReportInput(
                name=texts["weekly"],
                kind="service_weekly",
                language=locale,
                formats=["pdf", "xlsx", "link"],
                schedule="weekly 1 09:00",
                member_ids=[qa, lead],
                owner_id=qa,
                description=texts["weekly_about"],
            ),
        )
        save_report(
            connection,
            workspace,
            ReportInput(
                name=texts["monthly"],
                kind="qa_monthly",
                language=locale,
                formats=["pdf", "xlsx"],
                schedule="monthly 1 10:00",
                member_ids=[qa],
                owner_id=qa,
                description=texts["monthly_about"],
            ),
        )
        save_report(
            connection,
            workspace,
            ReportInput(
                name=texts["agent"],
                kind="agent",
                params={"agent": DEMO_AGENT},
                language=locale,
                formats=["pdf"],
                schedule="monthly 2 09:00",
                member_ids=[lead],
                owner_id=lead,
            ),
        )
        manual = save_report(
            connection,
            workspace,
            ReportInput(
                name=texts["manual"],
                source="manual",
                language=locale,
                kind=None,
                formats=["pdf", "xlsx"],
                schedule="weekly 5 18:00",
                owner_id=lead,
                reviewer_id=qa,
                description=texts["manual_about"],
            ),
        )
        # A week the demo data covers whole (sent), then "send now" (the latest week,
        # which the demo data leaves half empty: held by the import-gap check).
        busy = connection.execute(
            select(interaction_facts.c.day)
            .where(interaction_facts.c.workspace_id == workspace.id)
            .group_by(interaction_facts.c.day)
            .having(func.count() >= 3)
            .order_by(interaction_facts.c.day.desc())
            .limit(1)
        ).scalar()
        runs = [open_now_run(connection, weekly)]
        if busy is not None:
            day = date.fromisoformat(str(busy))
            monday = datetime.combine(day - timedelta(days=day.weekday()), time(9, 0))
            runs.insert(
                0,
                open_run(
                    connection,
                    weekly,
                    trigger="schedule",
                    due_at=monday,
                    timezone=workspace.timezone,
                    status=QUEUED,
                ),
            )
    for run in runs:
        deliver_run(engine, run.id, workspace.id)
    _past_deadlines(engine, workspace, manual.id, lead, qa)


def _past_deadlines(
    engine: Engine, workspace: Workspace, report_id: int, lead: int, qa: int
) -> None:
    """Four Fridays back: on time, on time, late, missed."""
    from kontrol.reports.definitions import get_report

    now = utcnow()
    friday = now - timedelta(days=(now.weekday() - 4) % 7 or 7)
    friday = friday.replace(hour=18, minute=0, second=0, microsecond=0)
    outcomes = [MISSING, LATE, ON_TIME, ON_TIME]
    with engine.begin() as connection:
        report = get_report(connection, workspace, report_id)
        for weeks_back, outcome in enumerate(outcomes):
            due = friday - timedelta(days=7 * weeks_back)
            run = open_run(
                connection,
                report,
                trigger="schedule",
                due_at=due,
                timezone=workspace.timezone,
                status=MISSING,
                now=due - timedelta(days=6),
            )
            if outcome == MISSING:
                append_log(connection, run.id, "missing", "срок прошёл, файл не загружен")
                continue
            handed = due + (timedelta(hours=20) if outcome == LATE else -timedelta(hours=3))
            stored = store_report_file(
                connection,
                workspace_id=workspace.id,
                run_id=run.id,
                file_format="pdf",
                file_name=f"Линия 1 — неделя {due:%d.%m}.pdf",
                data=_lead_report_pdf(f"{due - timedelta(days=4):%d.%m}–{due:%d.%m}"),
                now=handed,
            )
            append_log(connection, run.id, "uploaded", f"{stored.file_name} by lead")
            connection.execute(
                update(report_runs)
                .where(report_runs.c.id == run.id)
                .values(
                    status=outcome,
                    submitted_at=handed,
                    submitted_by=lead,
                    finished_at=handed,
                    accepted_at=handed + timedelta(hours=2) if weeks_back > 1 else None,
                    accepted_by=qa if weeks_back > 1 else None,
                )
            )
