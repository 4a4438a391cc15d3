"""The jobs of the reporting regulation (docs/reports.md, docs/jobs.md).

- ``reports.tick`` (every minute): starts the runs of built-in reports whose
  scheduled moment came and queues their delivery; opens the next deadline of
  each manual report, reminds owners before it and marks it missing after it
  (alerting the owner).
- ``reports.deliver``: generates, checks and sends one run (reports/delivery.py);
  retried with back-off by the queue when a recipient cannot be reached.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select

from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.i18n import translate
from kontrol.jobs import JobContext, enqueue, job
from kontrol.reports.definitions import Report, advance, due_reports, get_report, list_reports
from kontrol.reports.delivery import alert_owner, deliver_run
from kontrol.reports.manual import due_reminders, overdue, pass_deadline
from kontrol.reports.runs import (
    FAILED,
    HELD,
    QUEUED,
    WAITING,
    ReportRun,
    append_log,
    open_run,
    workspace_of,
)
from kontrol.settings import current_settings
from kontrol.store.tables import report_definitions, workspaces

DELIVER_JOB = "reports.deliver"


@job(DELIVER_JOB, max_attempts=4)
def deliver_report(ctx: JobContext, *, run_id: int, workspace_id: int) -> None:
    """Generate, check and send one run of a built-in report."""
    deliver_run(ctx.engine, run_id, workspace_id)


def queue_delivery(engine: Engine, run: ReportRun, workspace_id: int) -> int:
    """Queue the delivery of ``run`` (once per run and attempt round)."""
    return enqueue(
        engine,
        DELIVER_JOB,
        dedup_key=f"report-run:{run.id}:{run.attempts}",
        run_id=run.id,
        workspace_id=workspace_id,
    )


def start_due(engine: Engine, now: datetime) -> list[int]:
    """Start every built-in report whose moment came; the runs queued."""
    queued: list[tuple[ReportRun, int]] = []
    with engine.begin() as connection:
        for report, timezone in due_reports(connection, now):
            assert report.next_run_at is not None
            if report.source == "builtin":
                run = open_run(
                    connection,
                    report,
                    trigger="schedule",
                    due_at=report.next_run_at,
                    timezone=timezone,
                    status=QUEUED,
                    now=now,
                )
                queued.append((run, report.workspace_id))
            else:
                # A manual report's deadline passed: its run is judged by ``judge_deadlines``.
                open_run(
                    connection,
                    report,
                    trigger="schedule",
                    due_at=report.next_run_at,
                    timezone=timezone,
                    status=WAITING,
                    now=now,
                )
            advance(connection, report, now, timezone)
    return [queue_delivery(engine, run, workspace_id) for run, workspace_id in queued]


def open_deadlines(engine: Engine, now: datetime) -> int:
    """Make sure each enabled manual report has a waiting run for its next deadline."""
    made = 0
    with engine.begin() as connection:
        for row in connection.execute(select(workspaces.c.id)).all():
            workspace = workspace_of(connection, int(row.id))
            for report in list_reports(connection, workspace):
                if report.source != "manual" or not report.enabled or report.next_run_at is None:
                    continue
                before = open_run(
                    connection,
                    report,
                    trigger="schedule",
                    due_at=report.next_run_at,
                    timezone=workspace.timezone,
                    status=WAITING,
                    now=now,
                )
                made += int(before.created_at == now)
    return made


def judge_deadlines(engine: Engine, now: datetime) -> list[int]:
    """Remind before deadlines, mark the passed ones missing and alert owners; runs alerted."""
    settings = current_settings()
    alerted: list[int] = []
    with engine.begin() as connection:
        for run in due_reminders(connection, now):
            report = _report_of(connection, run)
            text = translate(report.language, "reports.mail.reminder").format(
                deadline=run.due_at.isoformat(sep=" ", timespec="minutes")
            )
            append_log(connection, run.id, "reminded", text, reminded_at=now)
            alert_owner(connection, report, run, text, settings)
        for run in overdue(connection, now):
            if not pass_deadline(connection, run):
                continue
            report = _report_of(connection, run)
            text = translate(report.language, "reports.mail.missing").format(
                deadline=run.due_at.isoformat(sep=" ", timespec="minutes")
            )
            append_log(connection, run.id, "missing", text, alerted_at=now)
            alert_owner(connection, report, run, text, settings)
            alerted.append(run.id)
    return alerted


def _report_of(connection: Connection, run: ReportRun) -> Report:
    workspace_id = connection.execute(
        select(report_definitions.c.workspace_id).where(report_definitions.c.id == run.report_id)
    ).scalar_one()
    return get_report(connection, workspace_of(connection, int(workspace_id)), run.report_id)


def open_now_run(
    connection: Connection, report: Report, *, now: datetime | None = None
) -> ReportRun:
    """A run of a built-in report for the last complete period, started by a person."""
    if report.source != "builtin":
        raise InvalidInput(
            "source: a report prepared by people is uploaded, not sent",
            key="reports.error.manual_not_sent",
            where_key="error.where.field",
            where_params={"field": "source"},
        )
    moment = now or utcnow()
    workspace = workspace_of(connection, report.workspace_id)
    return open_run(
        connection,
        report,
        trigger="now",
        due_at=moment,
        timezone=workspace.timezone,
        status=QUEUED,
        now=moment,
    )


def send_now(
    engine: Engine, connection: Connection, report: Report, *, now: datetime | None = None
) -> ReportRun:
    """Send now: a run of the last complete period, queued in the caller's transaction."""
    run = open_now_run(connection, report, now=now)
    enqueue(
        engine,
        DELIVER_JOB,
        connection=connection,
        dedup_key=f"report-run:{run.id}:0",
        run_id=run.id,
        workspace_id=report.workspace_id,
    )
    return run


def retry_delivery(
    engine: Engine, connection: Connection, report: Report, run: ReportRun
) -> ReportRun:
    """Queue a held or failed run again (after the data or the recipient was fixed).

    A held run retried is generated and checked again: it is sent only when the
    checks pass now.
    """
    if report.source != "builtin" or run.status not in (HELD, FAILED):
        raise Conflict("only a held or failed run is retried", key="reports.error.retry")
    append_log(connection, run.id, "retry_requested", status=QUEUED, detail="")
    enqueue(
        engine,
        DELIVER_JOB,
        connection=connection,
        dedup_key=f"report-run:{run.id}:retry:{run.attempts}",
        run_id=run.id,
        workspace_id=report.workspace_id,
    )
    return run


def tick(engine: Engine, now: datetime | None = None) -> list[int]:
    """One pass of the scheduler; the delivery runs it queued."""
    moment = now or utcnow()
    queued = start_due(engine, moment)
    open_deadlines(engine, moment)
    judge_deadlines(engine, moment)
    return queued


@job("reports.tick", every=timedelta(minutes=1), max_attempts=3)
def tick_job(ctx: JobContext, *, due: str) -> None:
    """Every minute: start due reports, open deadlines, remind and alert (docs/reports.md)."""
    tick(ctx.engine)
