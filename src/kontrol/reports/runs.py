"""Runs of a report: generated, checked, sent (or held, or failed), logged.

A run covers the last complete period (day, week or month) before its due
moment, in the workspace time zone. For a built-in report, the job
``reports.deliver`` builds the content with the owner as the viewer, writes
the files, runs the data-quality checks and sends; every step is written to
the run's log. A failed check holds the run and alerts the owner; a failed
delivery is written with its reason and raised, so that the job queue
retries it with back-off (recipients already served are not sent again).

The log is written in its own short transactions: a failed attempt's job
transaction rolls back, its log entry must stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import get_account, memberships_of
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.periods import Period, first_day, period_keys
from kontrol.metrics.date_ranges import DateRange, last_day, previous_key
from kontrol.reports.content import ReportContent
from kontrol.reports.definitions import Report
from kontrol.reports.kinds import BuildRequest, get_kind
from kontrol.store.tables import report_runs, workspaces

# Statuses of a built-in report's run, then of a manual report's deadline.
QUEUED, HELD, SENT, FAILED = "queued", "held", "sent", "failed"
WAITING, ON_TIME, LATE, MISSING = "waiting", "on_time", "late", "missing"
FINISHED = (HELD, SENT, FAILED, ON_TIME, LATE, MISSING)


@dataclass(frozen=True)
class ReportRun:
    """One run of a report, with its log."""

    id: int
    report_id: int
    trigger: str
    due_at: datetime
    period_from: date
    period_to: date
    status: str
    detail: str
    log: list[dict[str, Any]]
    attempts: int
    created_at: datetime
    finished_at: datetime | None
    submitted_at: datetime | None
    submitted_by: int | None
    accepted_at: datetime | None
    accepted_by: int | None

    @property
    def dates(self) -> DateRange:
        """The days the run covers."""
        return DateRange(self.period_from, self.period_to)

    def as_json(self) -> dict[str, Any]:
        """The run as the API gives it."""
        return {
            "id": self.id,
            "report_id": self.report_id,
            "trigger": self.trigger,
            "due_at": self.due_at.isoformat(),
            "period_from": self.period_from.isoformat(),
            "period_to": self.period_to.isoformat(),
            "status": self.status,
            "detail": self.detail,
            "log": self.log,
            "attempts": self.attempts,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "accepted_at": self.accepted_at.isoformat() if self.accepted_at else None,
        }


def run_from_row(row: Any) -> ReportRun:
    """A run from its table row."""
    return ReportRun(
        id=row.id,
        report_id=row.report_id,
        trigger=row.trigger,
        due_at=row.due_at,
        period_from=date.fromisoformat(row.period_from),
        period_to=date.fromisoformat(row.period_to),
        status=row.status,
        detail=row.detail,
        log=list(row.log or []),
        attempts=row.attempts,
        created_at=row.created_at,
        finished_at=row.finished_at,
        submitted_at=row.submitted_at,
        submitted_by=row.submitted_by,
        accepted_at=row.accepted_at,
        accepted_by=row.accepted_by,
    )


def covered_dates(period: Period, due_at: datetime, timezone: str) -> DateRange:
    """The last complete ``period`` before the local day of ``due_at``."""
    today = from_utc(due_at, zone(timezone)).date()
    current = period_keys(today)[period]
    before = previous_key(period, current)
    return DateRange(first_day(period, before), last_day(period, before))


def get_report_run(connection: Connection, workspace_id: int, run_id: int) -> ReportRun:
    """A run of the workspace's reports."""
    row = connection.execute(
        select(report_runs).where(
            report_runs.c.id == run_id, report_runs.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no report run {run_id}", key="reports.error.no_run", params={"run_id": run_id}
        )
    return run_from_row(row)


def runs_of(connection: Connection, report_id: int, *, limit: int = 50) -> list[ReportRun]:
    """The report's runs, newest first."""
    rows = connection.execute(
        select(report_runs)
        .where(report_runs.c.report_id == report_id)
        .order_by(report_runs.c.due_at.desc(), report_runs.c.id.desc())
        .limit(limit)
    )
    return [run_from_row(row) for row in rows]


def entry(step: str, detail: str = "", *, at: datetime | None = None) -> dict[str, Any]:
    """One line of a run's log."""
    return {"at": (at or utcnow()).isoformat(timespec="seconds"), "step": step, "detail": detail}


def open_run(
    connection: Connection,
    report: Report,
    *,
    trigger: str,
    due_at: datetime,
    timezone: str,
    status: str,
    now: datetime | None = None,
) -> ReportRun:
    """A new run of ``report`` due at ``due_at``; the existing one when it was made already."""
    existing = connection.execute(
        select(report_runs).where(
            report_runs.c.report_id == report.id,
            report_runs.c.trigger == trigger,
            report_runs.c.due_at == due_at,
        )
    ).first()
    if existing is not None:
        return run_from_row(existing)
    moment = now or utcnow()
    dates = covered_dates(report.period, due_at, timezone)
    new_id = connection.execute(
        insert(report_runs).values(
            workspace_id=report.workspace_id,
            report_id=report.id,
            trigger=trigger,
            due_at=due_at,
            period_from=dates.first.isoformat(),
            period_to=dates.last.isoformat(),
            status=status,
            detail="",
            log=[entry("created" if trigger == "schedule" else "requested", at=moment)],
            attempts=0,
            created_at=moment,
            updated_at=moment,
        )
    ).inserted_primary_key
    assert new_id is not None
    return get_report_run(connection, report.workspace_id, int(new_id[0]))


def append_log(
    connection: Connection,
    run_id: int,
    step: str,
    note: str = "",
    **values: Any,
) -> None:
    """Add a line to a run's log (and set ``values``, the run's columns, on the run)."""
    found = connection.execute(select(report_runs.c.log).where(report_runs.c.id == run_id)).first()
    if found is None:
        return
    log = [*list(found.log or []), entry(step, note)]
    connection.execute(
        update(report_runs)
        .where(report_runs.c.id == run_id)
        .values(log=log, updated_at=utcnow(), **values)
    )


def log_apart(engine: Engine, run_id: int, step: str, note: str = "", **values: Any) -> None:
    """``append_log`` in a transaction of its own (kept when the caller's rolls back)."""
    with engine.begin() as connection:
        append_log(connection, run_id, step, note, **values)


def owner_viewer(connection: Connection, report: Report) -> Viewer:
    """The owner acting in the report's workspace: the numbers are the ones they may see."""
    if report.owner_id is None:
        raise Conflict(
            "owner: the report has no owner; choose one",
            key="reports.error.no_owner",
            where_key="error.where.field",
            where_params={"field": "owner"},
        )
    account = get_account(connection, report.owner_id)
    for membership in memberships_of(connection, account):
        if membership.workspace.id == report.workspace_id:
            return Viewer(account, membership)
    raise Conflict(
        "owner: no longer a member of the workspace; choose another",
        key="reports.error.owner_left",
        where_key="error.where.field",
        where_params={"field": "owner"},
    )


def workspace_of(connection: Connection, workspace_id: int) -> Workspace:
    """The workspace with this id."""
    row = connection.execute(select(workspaces).where(workspaces.c.id == workspace_id)).first()
    if row is None:
        raise NotFound(
            f"no workspace {workspace_id}",
            key="reports.error.no_workspace",
            params={"workspace_id": workspace_id},
        )
    return Workspace(row.id, row.name, row.timezone)


def build_content(
    connection: Connection,
    report: Report,
    dates: DateRange,
    *,
    viewer: Viewer | None = None,
    now: datetime | None = None,
) -> ReportContent:
    """The content of a built-in report over ``dates``, counted for its owner (or ``viewer``)."""
    if report.source != "builtin" or not report.kind:
        raise InvalidInput(
            "source: a report prepared by people has no generated content",
            key="reports.error.manual_no_content",
            where_key="error.where.field",
            where_params={"field": "source"},
        )
    person = viewer or owner_viewer(connection, report)
    request = BuildRequest(
        connection=connection,
        viewer=person,
        dates=dates,
        period=report.period,
        params=report.params,
        locale=report.language,
        now=now or utcnow(),
    )
    return get_kind(report.kind).build(request)


def preview_dates(report: Report, timezone: str, now: datetime | None = None) -> DateRange:
    """What a run started now would cover."""
    return covered_dates(report.period, now or utcnow(), timezone)
