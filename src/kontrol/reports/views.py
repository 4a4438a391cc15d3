"""What the report pages and the API show: the register with each report's last run,
one report with its runs and files, and the preview of a built-in report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.members import Member, list_members
from kontrol.accounts.policy import Action, require
from kontrol.domain.clock import utcnow
from kontrol.metrics.date_ranges import DateRange
from kontrol.reports.content import ReportContent
from kontrol.reports.definitions import Report, visible_report, visible_reports
from kontrol.reports.files import ReportFile, files_of
from kontrol.reports.manual import Discipline, discipline, may_accept, may_submit
from kontrol.reports.runs import (
    ReportRun,
    build_content,
    preview_dates,
    run_from_row,
    runs_of,
)
from kontrol.store.tables import report_runs


@dataclass(frozen=True)
class RegisterRow:
    """A report of the register with its last run."""

    report: Report
    last: ReportRun | None
    owner: str


@dataclass(frozen=True)
class ReportPage:
    """One report: its runs (newest first) with their files, and what the viewer may do."""

    report: Report
    runs: list[ReportRun]
    files: dict[int, list[ReportFile]]
    members: dict[int, Member]
    may_submit: bool
    may_accept: bool


def _last_runs(connection: Connection, report_ids: list[int]) -> dict[int, ReportRun]:
    if not report_ids:
        return {}
    newest = (
        select(func.max(report_runs.c.id).label("id"))
        .where(report_runs.c.report_id.in_(report_ids))
        .group_by(report_runs.c.report_id)
        .subquery()
    )
    rows = connection.execute(select(report_runs).join(newest, newest.c.id == report_runs.c.id))
    return {row.report_id: run_from_row(row) for row in rows}


def register(connection: Connection, viewer: Viewer) -> list[RegisterRow]:
    """The reports ``viewer`` may open, each with its last run and owner's name."""
    require(viewer, Action.VIEW_REPORTS)
    reports = visible_reports(connection, viewer)
    last = _last_runs(connection, [r.id for r in reports])
    people = {m.user_id: m.display_name for m in list_members(connection, viewer.workspace)}
    return [
        RegisterRow(r, last.get(r.id), people.get(r.owner_id, "—") if r.owner_id else "—")
        for r in reports
    ]


def report_view_page(connection: Connection, viewer: Viewer, report_id: int) -> ReportPage:
    """One report with its last 50 runs."""
    require(viewer, Action.VIEW_REPORTS)
    report = visible_report(connection, viewer, report_id)
    runs = runs_of(connection, report.id)
    return ReportPage(
        report=report,
        runs=runs,
        files=files_of(connection, [run.id for run in runs]),
        members={m.user_id: m for m in list_members(connection, viewer.workspace)},
        may_submit=may_submit(report, viewer),
        may_accept=may_accept(report, viewer),
    )


def preview(
    connection: Connection,
    viewer: Viewer,
    report_id: int,
    *,
    now: datetime | None = None,
) -> tuple[Report, DateRange, ReportContent]:
    """What the next "send now" would send, counted for the report's owner."""
    require(viewer, Action.VIEW_REPORTS)
    report = visible_report(connection, viewer, report_id)
    dates = preview_dates(report, viewer.workspace.timezone, now or utcnow())
    return report, dates, build_content(connection, report, dates, now=now)


def discipline_of(connection: Connection, viewer: Viewer) -> Discipline:
    """Reporting discipline of the reports ``viewer`` may open."""
    require(viewer, Action.VIEW_REPORTS)
    ids = [report.id for report in visible_reports(connection, viewer)]
    return discipline(connection, viewer.workspace.id, report_ids=ids)
