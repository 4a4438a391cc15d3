"""The data the report tests are about: two full weeks of chats, people, and a report maker."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from kontrol.accounts.logins import Account
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.reports.definitions import Report, ReportInput, save_report
from tests.factories import add_people, import_records
from tests.webapp import record

# Monday of the week the reports cover, and the week before it (for the trend).
WEEK = date(2026, 11, 9)
BEFORE = WEEK - timedelta(days=7)
PEOPLE = [
    ("qa@example.test", WorkspaceRole.QA_LEAD, None, None),
    ("admin", WorkspaceRole.ADMIN, None, None),
    ("lead", WorkspaceRole.TEAM_LEAD, None, "L1"),
    ("agent1", WorkspaceRole.AGENT, "a1", "L1"),
]


def week_records(first: date, *, skip: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """Two chats a day for seven days from ``first`` (days in ``skip`` left out)."""
    found = []
    for offset in range(7):
        if offset in skip:
            continue
        day = first + timedelta(days=offset)
        for number, (agent, team, csat) in enumerate((("a1", "L1", 5), ("a3", "L2", 2))):
            found.append(
                record(
                    f"{day:%m%d}-{number}",
                    agent=agent,
                    team=team,
                    started=f"{day.isoformat()}T10:0{number}:00+00:00",
                    text="Где мой заказ?" if number == 0 else "Верните деньги, это ужасно",
                    csat=csat,
                    customer=f"c{offset}{number}",
                )
            )
    return found


def add_report_people(engine: Engine, workspace: Workspace) -> dict[str, Account]:
    """The people only (tests of deadlines and uploads need no interactions)."""
    with engine.begin() as connection:
        return add_people(connection, workspace, PEOPLE)


def fill(
    engine: Engine, workspace: Workspace, folder: Path, *, skip: tuple[int, ...] = ()
) -> dict[str, Account]:
    """Two weeks of chats and the people; their accounts by login."""
    import_records(engine, workspace, folder, week_records(BEFORE) + week_records(WEEK, skip=skip))
    with engine.begin() as connection:
        return add_people(connection, workspace, PEOPLE)


def make_report(engine: Engine, workspace: Workspace, owner: Account, **changes: Any) -> Report:
    """A weekly service report owned by ``owner`` (fields changed by ``changes``)."""
    values: dict[str, Any] = {
        "name": "Сервис за неделю",
        "kind": "service_weekly",
        "formats": ["pdf", "xlsx", "csv"],
        "schedule": "weekly 1 09:00",
        "owner_id": owner.id,
        **changes,
    }
    with engine.begin() as connection:
        return save_report(
            connection, workspace, ReportInput(**values), now=datetime(2026, 11, 16, 8, 0)
        )
