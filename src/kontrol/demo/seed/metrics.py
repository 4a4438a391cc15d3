"""Demo KPI settings: the targets of a service plan and working hours of the e-mail desk."""

from __future__ import annotations

from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.metrics.calendars import make_calendar, save_calendar
from kontrol.metrics.targets import save_target

# metric, scope, scope value, target, warning, owner
DEMO_TARGETS = (
    ("sla", "company", None, 80.0, 70.0, "Наталья Орлова, ОКК"),
    ("csat", "company", None, 85.0, 75.0, "Наталья Орлова, ОКК"),
    ("fcr", "company", None, 70.0, 60.0, "Наталья Орлова, ОКК"),
    ("abandonment", "company", None, 5.0, 10.0, "Ирина Соколова, «Линия 1»"),
    ("frt", "channel", "chat", 60.0, 120.0, "Ирина Соколова, «Линия 1»"),
    ("aht", "team", "Линия 1", 420.0, 540.0, "Ирина Соколова, «Линия 1»"),
    ("csat", "agent", "a01", 90.0, 80.0, "Ирина Соколова, «Линия 1»"),
)


def add_demo_kpi_settings(engine: Engine, workspace: Workspace) -> None:
    """Monthly targets and the e-mail desk's working hours (with lunch and holidays)."""
    with engine.begin() as connection:
        for metric, scope, value, target, warning, owner in DEMO_TARGETS:
            save_target(
                connection,
                workspace,
                metric=metric,
                scope=scope,
                scope_value=value,
                target=target,
                warning=warning,
                direction=None,
                owner=owner,
                period="month",
            )
        save_calendar(
            connection,
            workspace,
            scope="channel",
            scope_value="email",
            calendar=make_calendar(
                days=range(1, 8),
                opens="08:00",
                closes="22:00",
                lunch=("13:00", "14:00"),
                holidays=["2026-11-04", "2026-12-31"],
            ),
        )
