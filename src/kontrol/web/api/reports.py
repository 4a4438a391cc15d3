"""The JSON API of the reporting regulation under ``/api/v1/reports``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, UploadFile
from pydantic import BaseModel, Field

from kontrol.accounts.policy import Action, require
from kontrol.reports.definitions import ReportInput, get_report, save_report
from kontrol.reports.files import files_of
from kontrol.reports.jobs import send_now
from kontrol.reports.manual import upload
from kontrol.reports.views import discipline_of, preview, register, report_view_page
from kontrol.settings import current_settings
from kontrol.web.deps import CurrentViewer, Db, State
from kontrol.web.params import Id

router = APIRouter(prefix="/api/v1", tags=["reports"])


class ReportBody(BaseModel):
    """A report of the regulation (docs/reports.md)."""

    name: str
    source: str = Field(default="builtin", description="builtin or manual")
    kind: str | None = Field(
        default="service_weekly", description="service_weekly, qa_monthly, agent, ..."
    )
    params: dict[str, str] = Field(
        default_factory=dict, description="team, channel, agent, period (day, week, month)"
    )
    description: str = ""
    formats: list[str] = Field(default=["pdf"], description="pdf, xlsx, csv, link")
    language: str = "ru"
    schedule: str = Field(
        default="weekly 1 09:00",
        description="daily HH:MM | weekly 1-7 HH:MM | monthly 1-31 HH:MM | cron M H DOM MON DOW",
    )
    member_ids: list[int] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    telegram_chats: list[str] = Field(default_factory=list)
    owner_id: int | None = Field(default=None, description="default: the caller")
    reviewer_id: int | None = None
    checks: list[str] = Field(default=["import_gap", "rollups_current"])
    enabled: bool = True


@router.get("/reports")
def list_reports_api(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The reports the caller may open, each with its last run."""
    rows = register(db, viewer)
    return {
        "reports": [
            {**row.report.as_json(), "last_run": row.last.as_json() if row.last else None}
            for row in rows
        ]
    }


@router.post("/reports", status_code=201)
def create_report_api(db: Db, viewer: CurrentViewer, body: ReportBody) -> dict[str, Any]:
    """Add a report to the regulation."""
    require(viewer, Action.MANAGE_REPORTS)
    values = body.model_dump()
    values["owner_id"] = values["owner_id"] or viewer.account.id
    report = save_report(db, viewer.workspace, ReportInput(**values))
    return report.as_json()


@router.get("/reports/discipline")
def discipline_api(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Reporting discipline: deadlines of the last 90 days met on time, late, missed."""
    found = discipline_of(db, viewer)
    return {
        "days": found.days,
        "on_time_share": found.share,
        "deadlines": found.total,
        "reports": [
            {
                "report_id": row.report_id,
                "report": row.report,
                "owner": row.owner,
                "on_time": row.on_time,
                "late": row.late,
                "missing": row.missing,
            }
            for row in found.rows
        ],
    }


@router.get("/reports/{report_id}")
def get_report_api(db: Db, viewer: CurrentViewer, report_id: Id) -> dict[str, Any]:
    """One report."""
    return report_view_page(db, viewer, report_id).report.as_json()


@router.get("/reports/{report_id}/runs")
def report_runs_api(db: Db, viewer: CurrentViewer, report_id: Id) -> dict[str, Any]:
    """The report's runs, newest first: the delivery log, with the files of each."""
    found = report_view_page(db, viewer, report_id)
    return {
        "runs": [
            {**run.as_json(), "files": [f.as_json() for f in found.files[run.id]]}
            for run in found.runs
        ]
    }


@router.get("/reports/{report_id}/preview")
def preview_api(db: Db, viewer: CurrentViewer, report_id: Id) -> dict[str, Any]:
    """What "send now" would send: the figures, the tables and the dashboard link."""
    report, dates, content = preview(db, viewer, report_id)
    return {
        "report_id": report.id,
        "date_from": dates.first.isoformat(),
        "date_to": dates.last.isoformat(),
        "title": content.title,
        "subtitle": content.subtitle,
        "figures": content.figures,
        "link": current_settings().public_url.rstrip("/") + content.link,
        "tables": [
            {
                "title": table.title,
                "columns": [column.heading for column in table.columns],
                "rows": table.rows,
            }
            for section in content.sections
            for table in section.tables
        ],
    }


@router.post("/reports/{report_id}/send", status_code=202)
def send_report_api(db: Db, state: State, viewer: CurrentViewer, report_id: Id) -> dict[str, Any]:
    """Queue a run of a built-in report for the last complete period ("send now")."""
    require(viewer, Action.MANAGE_REPORTS)
    report = get_report(db, viewer.workspace, report_id)
    return send_now(state.engine, db, report).as_json()


@router.post("/reports/runs/{run_id}/upload", status_code=201)
async def upload_report_api(
    db: Db, viewer: CurrentViewer, run_id: Id, file: UploadFile | None = None
) -> dict[str, Any]:
    """Hand in the file of a manual report's deadline (multipart, field ``file``)."""
    require(viewer, Action.VIEW_REPORTS)
    limit = current_settings().reports_max_upload_mb * 1024 * 1024
    data = await file.read(limit + 1) if file is not None else b""
    name = file.filename if file is not None and file.filename else "report"
    run, _ = upload(db, viewer, run_id, file_name=name, data=data)
    return {**run.as_json(), "files": [f.as_json() for f in files_of(db, [run.id])[run.id]]}
