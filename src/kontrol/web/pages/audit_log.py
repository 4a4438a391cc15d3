"""The audit log page (``/admin/audit``) and its CSV export, for workspace admins.

Filters by action, person and dates, 50 entries a page, newest first. The
export writes every matching entry (up to ``AUDIT_EXPORT_LIMIT``) through the
same formula-safe CSV writer as the KPI exports; exporting is itself logged.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kontrol.accounts.audit import (
    AUDIT_EXPORT_LIMIT,
    AUDIT_PAGE_SIZE,
    AuditAction,
    AuditEntry,
    AuditFilter,
    audit_actors,
    count_audit_entries,
    list_audit_entries,
    record_audit,
)
from kontrol.accounts.policy import Action, require
from kontrol.domain.errors import InvalidInput
from kontrol.i18n import translate
from kontrol.metrics.exports import ExportTable, to_csv
from kontrol.web.deps import CurrentPage, CurrentViewer, Db
from kontrol.web.params import Offset, read_day
from kontrol.web.security import client_address, locale_of

router = APIRouter(include_in_schema=False)


def _read_filter(request: Request) -> AuditFilter:
    params = request.query_params
    action = (params.get("action") or "").strip()
    if action and action not in {item.value for item in AuditAction}:
        raise InvalidInput(
            "action: not a kind of audit entry",
            key="accounts.error.audit_action",
            where_key="error.where.field",
            where_params={"field": "action"},
        )
    return AuditFilter(
        action=action,
        actor=(params.get("actor") or "").strip()[:100],
        since=read_day(params.get("since"), "since"),
        until=read_day(params.get("until"), "until"),
    )


def _query(wanted: AuditFilter, **more: str) -> dict[str, str]:
    params = {
        "action": wanted.action,
        "actor": wanted.actor,
        "since": wanted.since.isoformat() if wanted.since else "",
        "until": wanted.until.isoformat() if wanted.until else "",
        **more,
    }
    return {key: value for key, value in params.items() if value}


def _details_text(entry: AuditEntry) -> str:
    return json.dumps(entry.details, ensure_ascii=False, sort_keys=True) if entry.details else ""


@router.get("/admin/audit")
def audit_log_page(
    request: Request, viewer: CurrentViewer, page: CurrentPage, offset: Offset = 0
) -> Response:
    """The workspace's audit log, filtered and paginated."""
    require(viewer, Action.VIEW_AUDIT_LOG)
    wanted = _read_filter(request)
    workspace_id = viewer.workspace.id
    total = count_audit_entries(page.connection, workspace_id, wanted)
    entries = list_audit_entries(page.connection, workspace_id, wanted, offset=offset)
    context = {
        "entries": entries,
        "total": total,
        "offset": offset,
        "page_size": AUDIT_PAGE_SIZE,
        "wanted": wanted,
        "actions": [item.value for item in AuditAction],
        "actors": audit_actors(page.connection, workspace_id),
        "query": _query(wanted),
        "details_text": _details_text,
    }
    return page.render("accounts/audit_log.html", context)


@router.get("/admin/audit.csv")
def audit_log_export(request: Request, db: Db, viewer: CurrentViewer) -> Response:
    """Every entry matching the filters as CSV (formula-safe, UTF-8 with BOM)."""
    require(viewer, Action.VIEW_AUDIT_LOG)
    wanted = _read_filter(request)
    locale = locale_of(request)
    entries = list_audit_entries(db, viewer.workspace.id, wanted, limit=AUDIT_EXPORT_LIMIT)
    headings = [
        translate(locale, f"audit.column.{name}")
        for name in ("time", "actor", "action", "target", "details", "address")
    ]
    rows = [
        [
            entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor,
            translate(locale, f"audit.action.{entry.action}"),
            entry.target,
            _details_text(entry),
            entry.address or "",
        ]
        for entry in entries
    ]
    body = to_csv(ExportTable(title="audit", headings=headings, rows=rows), locale)
    record_audit(
        db,
        workspace_id=viewer.workspace.id,
        actor=viewer.account.username,
        action=AuditAction.EXPORTED,
        target="audit log",
        details={"rows": len(rows), **_query(wanted)},
        address=client_address(request),
    )
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="kontrol-audit-log.csv"',
            "Cache-Control": "no-store",
        },
    )
