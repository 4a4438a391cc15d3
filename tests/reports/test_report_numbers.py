"""A report says what the dashboard and `kontrol kpi` say for the same dates and filters."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.domain.periods import Period
from kontrol.metrics.dashboard import DashboardQuery, build_dashboard
from kontrol.metrics.date_ranges import DateRange
from kontrol.reports.runs import build_content, covered_dates
from tests.factories import viewer_of
from tests.reports.builders import WEEK, fill, make_report


def test_the_weekly_report_covers_the_last_whole_week_before_its_day() -> None:
    monday_morning = datetime(2026, 11, 16, 6, 0)  # 09:00 in Moscow
    assert covered_dates(Period.WEEK, monday_morning, "Europe/Moscow") == DateRange(
        WEEK, WEEK + timedelta(days=6)
    )
    assert covered_dates(Period.MONTH, datetime(2026, 12, 1, 6), "Europe/Moscow") == DateRange(
        datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date()
    )


def test_weekly_report_numbers_equal_the_dashboard_and_kontrol_kpi(
    engine: Engine, workspace: Workspace, tmp_path: Path, database_url: str
) -> None:
    people = fill(engine, workspace, tmp_path)
    owner = people["qa@example.test"]
    report = make_report(engine, workspace, owner, params={"team": "L1"})
    dates = DateRange(WEEK, WEEK + timedelta(days=6))
    with engine.connect() as connection:
        content = build_content(connection, report, dates)
        viewer = viewer_of(connection, owner, workspace)
        query = DashboardQuery(
            period=Period.WEEK, date_from=dates.first, date_to=dates.last, filters={"team": "L1"}
        )
        dashboard = build_dashboard(connection, viewer, query, now=datetime(2026, 11, 16))
    shown = {tile.metric.id: tile.figure.value for tile in dashboard.tiles}
    assert content.figures == shown
    assert content.figures["contacts"] == 7
    assert content.figures["csat"] == 100

    result = CliRunner().invoke(
        app,
        [
            "kpi",
            "--db",
            database_url,
            "--from",
            dates.first.isoformat(),
            "--to",
            dates.last.isoformat(),
            "--filter",
            "team=L1",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    row = rows[0] if isinstance(rows, list) else rows["rows"][0]
    for metric_id, value in content.figures.items():
        assert row[metric_id] == value, metric_id
