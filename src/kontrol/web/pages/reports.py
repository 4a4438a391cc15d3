"""Report pages: the register, a report's form, its delivery log, preview, files, uploads."""

from __future__ import annotations

import base64
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from kontrol.accounts.members import list_members
from kontrol.accounts.policy import Action, require
from kontrol.domain.errors import InvalidInput
from kontrol.domain.vocabulary import Channel
from kontrol.reports.charts import chart_png
from kontrol.reports.content import figure_text
from kontrol.reports.definitions import (
    BUILTIN_FORMATS,
    MANUAL_FORMATS,
    ReportInput,
    delete_report,
    get_report,
    save_report,
    visible_report,
)
from kontrol.reports.files import get_file, read_report_file
from kontrol.reports.formats import render_report
from kontrol.reports.jobs import retry_delivery, send_now
from kontrol.reports.kinds import REPORT_KINDS
from kontrol.reports.manual import accept_report, upload
from kontrol.reports.quality import QUALITY_CHECKS
from kontrol.reports.runs import get_report_run
from kontrol.reports.schedule import (
    ScheduleParts,
    compose_schedule,
    describe_schedule,
    split_schedule,
)
from kontrol.reports.views import discipline_of, preview, register, report_view_page
from kontrol.settings import current_settings
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, State, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.params import Id
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, locale_of

router = APIRouter(include_in_schema=False)
DOWNLOAD_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}


def attachment(data: bytes, content_type: str, file_name: str) -> Response:
    """A file served for download only, never shown inline."""
    ascii_name = file_name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"
    return Response(
        data,
        media_type=content_type,
        headers={**DOWNLOAD_HEADERS, "Content-Disposition": disposition},
    )


@router.get("/reports")
def reports_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The reporting regulation: every report the viewer may open, and the discipline."""
    rows = register(db, viewer)
    return page.render(
        "reports/register.html",
        {
            "rows": rows,
            "discipline": discipline_of(db, viewer),
            **helpers(page.request, viewer),
        },
    )


def helpers(request: Request, viewer: Any) -> dict[str, Any]:
    """What the report templates use to show schedules and times in the viewer's terms."""
    locale = locale_of(request)
    return {
        "schedule_words": lambda text: describe_schedule(text, locale),
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _optional_id(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _form_values(form: FormData) -> dict[str, Any]:
    def text(name: str, default: str = "") -> str:
        return str(form.get(name) or default).strip()

    return {
        "name": text("name"),
        "source": text("source", "builtin"),
        "kind": text("kind", "service_weekly"),
        "team": text("team"),
        "channel": text("channel"),
        "agent": text("agent"),
        "period": text("period"),
        "description": text("description"),
        "formats": [str(v) for v in form.getlist("formats")],
        "language": text("language", "ru"),
        "frequency": text("frequency", "weekly"),
        "weekday": text("weekday", "1"),
        "month_day": text("month_day", "1"),
        "at": text("at", "09:00"),
        "cron": text("cron"),
        "member_ids": [str(v) for v in form.getlist("member_ids")],
        "emails": text("emails"),
        "telegram": text("telegram"),
        "owner_id": text("owner_id"),
        "reviewer_id": text("reviewer_id"),
        "checks": [str(v) for v in form.getlist("checks")],
        "enabled": form.get("enabled") == "1",
    }


def _number(value: str, name: str) -> int:
    if not value.isdigit():
        raise InvalidInput(
            f"{name}: a number",
            key="reports.error.number",
            where_key="error.where.field",
            where_params={"field": name},
        )
    return int(value)


def _input(values: dict[str, Any]) -> ReportInput:
    schedule = compose_schedule(
        ScheduleParts(
            frequency=values["frequency"],
            weekday=_number(values["weekday"], "weekday"),
            month_day=_number(values["month_day"], "month_day"),
            at=values["at"],
            cron=values["cron"],
        )
    )
    params = {name: values[name] for name in ("team", "channel", "agent", "period")}
    kind = str(values["kind"]) if values["source"] == "builtin" else None
    if kind is not None and kind in REPORT_KINDS:
        accepted = {*REPORT_KINDS.get(kind).params, "period"}
        params = {k: v for k, v in params.items() if k in accepted}
    return ReportInput(
        name=values["name"],
        source=values["source"],
        kind=kind,
        params=params,
        description=values["description"],
        formats=values["formats"],
        language=values["language"],
        schedule=schedule,
        member_ids=[int(v) for v in values["member_ids"] if v.isdigit()],
        emails=_lines(values["emails"]),
        telegram_chats=_lines(values["telegram"]),
        owner_id=_optional_id(values["owner_id"]),
        reviewer_id=_optional_id(values["reviewer_id"]),
        checks=values["checks"],
        enabled=values["enabled"],
    )


def _values_of(report: Any) -> dict[str, Any]:
    parts = split_schedule(report.schedule)
    return {
        "name": report.name,
        "source": report.source,
        "kind": report.kind or "service_weekly",
        "team": report.params.get("team", ""),
        "channel": report.params.get("channel", ""),
        "agent": report.params.get("agent", ""),
        "period": report.params.get("period", ""),
        "description": report.description,
        "formats": report.formats,
        "language": report.language,
        "frequency": parts.frequency,
        "weekday": str(parts.weekday),
        "month_day": str(parts.month_day),
        "at": parts.at,
        "cron": parts.cron,
        "member_ids": [str(i) for i in report.member_ids],
        "emails": "\n".join(report.emails),
        "telegram": "\n".join(report.telegram_chats),
        "owner_id": str(report.owner_id or ""),
        "reviewer_id": str(report.reviewer_id or ""),
        "checks": report.checks,
        "enabled": report.enabled,
    }


def _form_context(db: Db, viewer: Any, report_id: int | None, values: dict[str, Any]) -> Any:
    return {
        "report_id": report_id,
        "values": values,
        "kinds": REPORT_KINDS.ids(),
        "members": [m for m in list_members(db, viewer.workspace) if m.active],
        "channels": [item.value for item in Channel],
        "builtin_formats": BUILTIN_FORMATS,
        "manual_formats": MANUAL_FORMATS,
        "quality_checks": list(QUALITY_CHECKS),
        "error": None,
    }


@router.get("/reports/new")
def new_report_form(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The form of a new report."""
    require(viewer, Action.MANAGE_REPORTS)
    values = {
        "source": "builtin",
        "kind": "service_weekly",
        "formats": ["pdf", "link"],
        "language": viewer.account.locale,
        "frequency": "weekly",
        "weekday": "1",
        "month_day": "1",
        "at": "09:00",
        "owner_id": str(viewer.account.id),
        "checks": list(QUALITY_CHECKS),
        "enabled": True,
        "member_ids": [],
    }
    return page.render("reports/form.html", _form_context(db, viewer, None, values))


@router.get("/reports/{report_id}/edit")
def edit_report_form(db: Db, viewer: CurrentViewer, page: CurrentPage, report_id: Id) -> Response:
    """The form of an existing report."""
    require(viewer, Action.MANAGE_REPORTS)
    report = get_report(db, viewer.workspace, report_id)
    return page.render(
        "reports/form.html", _form_context(db, viewer, report.id, _values_of(report))
    )


@router.post("/reports")
async def save_report_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage
) -> Response:
    """Create or update a report from the form."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.MANAGE_REPORTS)
    report_id = _optional_id(str(form.get("report_id") or ""))
    values = _form_values(form)
    try:
        with attempt(db):
            saved = save_report(db, viewer.workspace, _input(values), report_id=report_id)
    except REFUSALS as error:
        context = _form_context(db, viewer, report_id, values)
        context["error"] = page.says(error)
        return page.render("reports/form.html", context, status=status_of(error))
    return RedirectResponse(f"/reports/{saved.id}", status_code=303)


@router.get("/reports/files/{file_id}")
def report_file(db: Db, viewer: CurrentViewer, file_id: Id) -> Response:
    """A generated or uploaded file, as an attachment."""
    require(viewer, Action.VIEW_REPORTS)
    stored = get_file(db, viewer.workspace.id, file_id)
    run = get_report_run(db, viewer.workspace.id, stored.run_id)
    visible_report(db, viewer, run.report_id)
    return attachment(read_report_file(stored), stored.content_type, stored.file_name)


def _report_view(
    db: Db, viewer: Any, page: Page, report_id: int, error: Exception | None = None
) -> Response:
    found = report_view_page(db, viewer, report_id)
    return page.render(
        "reports/report.html",
        {
            "page_data": found,
            "report": found.report,
            "public_url": current_settings().public_url,
            "error": page.says(error) if error else None,
            **helpers(page.request, viewer),
        },
        status=status_of(error) if isinstance(error, REFUSALS) else 200,
    )


@router.get("/reports/{report_id}")
def report_detail(db: Db, viewer: CurrentViewer, page: CurrentPage, report_id: Id) -> Response:
    """A report: its settings, its runs (the delivery log) and their files."""
    return _report_view(db, viewer, page, report_id)


@router.get("/reports/{report_id}/preview")
def report_preview(
    db: Db, viewer: CurrentViewer, page: CurrentPage, report_id: Id, format: str = "html"
) -> Response:
    """What "send now" would send, in the browser (or as a file with ``format``)."""
    report, dates, content = preview(db, viewer, report_id)
    if format in ("pdf", "xlsx", "csv"):
        rendered = render_report(content, format, locale=report.language)
        name = f"{report.name} {dates.first:%Y-%m-%d}.{format}"
        return attachment(rendered.data, rendered.content_type, name)
    if format != "html":
        raise InvalidInput(
            "format: html, pdf, xlsx or csv",
            key="reports.error.preview_format",
            where_key="error.where.field",
            where_params={"field": "format"},
        )
    images = {
        id(chart): base64.b64encode(chart_png(chart)).decode()
        for section in content.sections
        for chart in section.charts
    }
    return page.render(
        "reports/preview.html",
        {
            "report": report,
            "content": content,
            "images": images,
            "text_of": lambda value, unit: figure_text(value, unit, report.language),
            "id_of": id,
        },
    )


@router.post("/reports/{report_id}/send")
def send_report_now(
    request: Request,
    db: Db,
    state: State,
    viewer: CurrentViewer,
    report_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Send a built-in report now (the last complete period)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_REPORTS)
    report = get_report(db, viewer.workspace, report_id)
    send_now(state.engine, db, report)
    return RedirectResponse(f"/reports/{report.id}", status_code=303)


@router.post("/reports/{report_id}/delete")
def delete_report_form(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    report_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Delete a report and its log."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_REPORTS)
    delete_report(db, viewer.workspace, report_id)
    return RedirectResponse("/reports", status_code=303)


@router.post("/reports/runs/{run_id}/retry")
def retry_report_run(
    request: Request,
    db: Db,
    state: State,
    viewer: CurrentViewer,
    run_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Queue a held or failed run again."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_REPORTS)
    run = get_report_run(db, viewer.workspace.id, run_id)
    report = get_report(db, viewer.workspace, run.report_id)
    retry_delivery(state.engine, db, report, run)
    return RedirectResponse(f"/reports/{report.id}", status_code=303)


@router.post("/reports/runs/{run_id}/upload")
async def upload_report_file(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    run_id: Id,
    file: UploadFile | None = None,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """The owner hands in the file of a manual report's deadline."""
    check_csrf(request, csrf_token)
    require(viewer, Action.VIEW_REPORTS)
    limit = current_settings().reports_max_upload_mb * 1024 * 1024
    found = get_report_run(db, viewer.workspace.id, run_id)
    visible_report(db, viewer, found.report_id)
    try:
        data = await file.read(limit + 1) if file is not None else b""
        with attempt(db):
            name = file.filename if file is not None and file.filename else "report"
            upload(db, viewer, run_id, file_name=name, data=data)
    except REFUSALS as error:
        return _report_view(db, viewer, page, found.report_id, error)
    return RedirectResponse(f"/reports/{found.report_id}", status_code=303)


@router.post("/reports/runs/{run_id}/accept")
def accept_report_file(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    run_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """The reviewer accepts the uploaded file."""
    check_csrf(request, csrf_token)
    require(viewer, Action.VIEW_REPORTS)
    run = accept_report(db, viewer, run_id)
    return RedirectResponse(f"/reports/{run.report_id}", status_code=303)
