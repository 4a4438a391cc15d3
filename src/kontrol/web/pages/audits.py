"""Service audit pages: templates (edit, import, export), audits (new, answering on a phone,
results with the previous audit and the competitors, PDF) and their evidence files."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from kontrol.accounts.policy import Action, allowed, require
from kontrol.audits.conduct import (
    OWN,
    SCOPES,
    Audit,
    add_evidence,
    answers_of,
    complete_audit,
    create_audit,
    delete_audit,
    get_audit,
    list_audits,
    may_answer,
    prefill,
    remove_evidence,
    reopen_audit,
    require_answerer,
    save_answer,
    unfinished_items,
)
from kontrol.audits.evidence import evidence_of, one_evidence, read_file
from kontrol.audits.report_pdf import audit_pdf
from kontrol.audits.results import action_link, audit_results
from kontrol.audits.templates import (
    ensure_shipped_templates,
    export_template,
    list_templates,
    save_template,
    template_versions,
)
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.i18n import translate
from kontrol.i18n.messages import error_text
from kontrol.improvement.actions import action_owners, list_actions
from kontrol.improvement.messages import KeyedInvalid
from kontrol.settings import current_settings
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import status_of
from kontrol.web.params import Id
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, locale_of

router = APIRouter(include_in_schema=False)
REFUSED = (InvalidInput, Conflict)
AUDIT_FIELDS = (
    "template",
    "title",
    "scope_kind",
    "scope_value",
    "period_from",
    "period_to",
    "held_on",
    "competitors",
)
# Room for the form fields around an evidence file.
FORM_OVERHEAD = 64 * 1024


def _version(raw: object) -> int:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


# -- templates ----------------------------------------------------------------------------


@router.get("/audit-templates")
def templates_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The workspace's audit templates (the shipped ones on first visit) and the import form."""
    require(viewer, Action.VIEW_AUDITS)
    if allowed(viewer, Action.RUN_AUDITS):
        ensure_shipped_templates(db, viewer.workspace.id)
    return page.render(
        "audits/templates.html",
        {
            "templates": list_templates(db, viewer.workspace.id),
            "can_run": allowed(viewer, Action.RUN_AUDITS),
        },
    )


def _template_page(
    page: Page,
    name: str,
    *,
    yaml_text: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    versions = template_versions(page.connection, page.viewer.workspace.id, name)
    return page.render(
        "audits/template.html",
        {
            "stored": versions[0],
            "versions": versions,
            "yaml": yaml_text if yaml_text is not None else versions[0].yaml,
            "can_run": allowed(page.viewer, Action.RUN_AUDITS),
            "error": error,
        },
        status=status,
    )


@router.get("/audit-templates/{name}")
def template_page(db: Db, viewer: CurrentViewer, page: CurrentPage, name: str) -> Response:
    """One template: areas and items, versions, and the YAML editor."""
    require(viewer, Action.VIEW_AUDITS)
    return _template_page(page, name[:60])


@router.get("/audit-templates/{name}/export.yaml")
def template_export(db: Db, viewer: CurrentViewer, name: str) -> Response:
    """The newest version of a template as a YAML file."""
    require(viewer, Action.VIEW_AUDITS)
    text = export_template(db, viewer.workspace.id, name[:60])
    return Response(
        text,
        media_type="application/x-yaml; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name[:60])}.yaml",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/audit-templates")
async def template_save(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage
) -> Response:
    """Save a template from the editor or from an uploaded YAML file (a new version)."""
    require(viewer, Action.RUN_AUDITS)
    form = await request.form(max_files=1, max_fields=10)
    check_csrf(request, str(form.get("csrf_token") or ""))
    upload = form.get("file")
    file = "template.yaml"
    text = str(form.get("yaml") or "")
    if isinstance(upload, UploadFile) and upload.filename:
        file = upload.filename.replace("/", "_")[-100:]
        raw = await upload.read(1024 * 1024 + 1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
            error = f"{file}: " + translate(locale_of(request), "error.not_utf8")
            return _templates_with_error(page, error)
    try:
        with attempt(db):
            stored = save_template(
                db, viewer.workspace.id, text, user_id=viewer.account.id, file=file
            )
    except REFUSED as error:
        message = error_text(error, locale_of(request))
        name = str(form.get("name") or "")
        if name and not (isinstance(upload, UploadFile) and upload.filename):
            return _template_page(
                page, name[:60], yaml_text=text, error=message, status=status_of(error)
            )
        return _templates_with_error(page, message, status=status_of(error))
    return RedirectResponse(f"/audit-templates/{quote(stored.name)}", status_code=303)


def _templates_with_error(page: Page, error: str, status: int = 422) -> Response:
    return page.render(
        "audits/templates.html",
        {
            "templates": list_templates(page.connection, page.viewer.workspace.id),
            "can_run": True,
            "error": error,
        },
        status=status,
    )


# -- audits -------------------------------------------------------------------------------


@router.get("/audits")
def audits_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Every audit of the workspace, newest first."""
    items = list_audits(db, viewer)
    return page.render(
        "audits/audits.html",
        {"audits": items, "can_run": allowed(viewer, Action.RUN_AUDITS)},
    )


def _new_form(
    page: Page,
    values: dict[str, str],
    auditors: list[str],
    error: str | None = None,
    status: int = 200,
) -> Response:
    return page.render(
        "audits/new.html",
        {
            "templates": list_templates(page.connection, page.viewer.workspace.id),
            "people": action_owners(page.connection, page.viewer),
            "scopes": SCOPES,
            "values": values,
            "auditors": auditors,
            "error": error,
        },
        status=status,
    )


@router.get("/audits/new")
def new_audit_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The form of a new audit."""
    require(viewer, Action.RUN_AUDITS)
    ensure_shipped_templates(db, viewer.workspace.id)
    language = locale_of(page.request)
    values = dict.fromkeys(AUDIT_FIELDS, "")
    values["template"] = f"service-audit-{language}"
    values["scope_kind"] = "company"
    return _new_form(page, values, [str(viewer.account.id)])


@router.post("/audits")
async def create_audit_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage
) -> Response:
    """Create an audit from the form and open it for answering."""
    require(viewer, Action.RUN_AUDITS)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    values = {name: str(form.get(name) or "") for name in AUDIT_FIELDS}
    auditors = [str(x) for x in form.getlist("auditors")]
    try:
        with attempt(db):
            audit = create_audit(db, viewer, values, auditors=auditors)
    except REFUSED as error:
        return _new_form(
            page, values, auditors, error_text(error, locale_of(request)), status_of(error)
        )
    return RedirectResponse(f"/audits/{audit.id}", status_code=303)


def _audit_form(
    page: Page, audit: Audit, *, error: str | None = None, error_item: str = "", status: int = 200
) -> Response:
    db = page.connection
    files: dict[tuple[str, str], list[Any]] = {}
    for item in evidence_of(db, audit.id):
        files.setdefault((item.item_key, item.subject), []).append(item)
    unfinished = unfinished_items(db, audit)
    return page.render(
        "audits/audit.html",
        {
            "audit": audit,
            "answers": answers_of(db, audit.id),
            "files": files,
            "unfinished": unfinished,
            "unfinished_keys": {(m.item_key, m.subject) for m in unfinished},
            "total_items": sum(len(audit.subjects(i)) for i in audit.template.template.items),
            "can_run": allowed(page.viewer, Action.RUN_AUDITS),
            "error": error,
            "error_item": error_item,
            "max_mb": current_settings().evidence_max_bytes // (1024 * 1024),
            "OWN": OWN,
        },
        status=status,
    )


@router.get("/audits/{audit_id}")
def audit_page(db: Db, viewer: CurrentViewer, page: CurrentPage, audit_id: Id) -> Response:
    """The audit's checklist: answer, comment, evidence per item (a completed one: its report)."""
    audit = get_audit(db, viewer, audit_id)
    if audit.status == "completed" or not may_answer(viewer, audit):
        return RedirectResponse(f"/audits/{audit_id}/report", status_code=303)
    return _audit_form(page, audit)


@router.post("/audits/{audit_id}/items/{item_key}")
async def answer_item_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, audit_id: Id, item_key: str
) -> Response:
    """Save one item's answer, comment, linked interactions and an optional file."""
    limit = current_settings().evidence_max_bytes
    audit = get_audit(db, viewer, audit_id)
    require_answerer(viewer, audit)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + FORM_OVERHEAD:
        # Refused before the body is read: nothing that large reaches the disk.
        too_big = KeyedInvalid("audits.error.file_too_big", "file", limit=limit // (1024 * 1024))
        return _audit_form(
            page,
            audit,
            error=error_text(too_big, locale_of(request)),
            error_item=item_key[:60],
            status=413,
        )
    form = await request.form(max_files=1, max_fields=20)
    check_csrf(request, str(form.get("csrf_token") or ""))
    subject = str(form.get("subject") or "")[:100]
    upload = form.get("file")
    try:
        with attempt(db):
            save_answer(
                db,
                viewer,
                audit_id,
                item_key=item_key[:60],
                subject=subject,
                answer=str(form.get("answer") or ""),
                comment=str(form.get("comment") or ""),
                interaction_links=str(form.get("interactions") or ""),
            )
            if isinstance(upload, UploadFile) and upload.filename:
                data = await upload.read(limit + 1)
                add_evidence(
                    db,
                    viewer,
                    audit_id,
                    item_key=item_key[:60],
                    subject=subject,
                    filename=upload.filename,
                    data=data,
                )
    except REFUSED as error:
        return _audit_form(
            page,
            audit,
            error=error_text(error, locale_of(request)),
            error_item=item_key[:60],
            status=status_of(error),
        )
    anchor = f"item-{item_key[:60]}" + (f"-{quote(subject)}" if subject else "")
    return RedirectResponse(f"/audits/{audit_id}#{anchor}", status_code=303)


@router.post("/audits/{audit_id}/prefill")
async def prefill_form(request: Request, db: Db, viewer: CurrentViewer, audit_id: Id) -> Response:
    """Measure the pre-filled items again (answers the auditor changed stay)."""
    require(viewer, Action.RUN_AUDITS)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    audit = get_audit(db, viewer, audit_id)
    if audit.status == "draft":
        prefill(db, viewer, audit)
    return RedirectResponse(f"/audits/{audit_id}", status_code=303)


@router.post("/audits/{audit_id}/complete")
async def complete_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, audit_id: Id
) -> Response:
    """Complete the audit (every item answered, evidence where required) and show its report."""
    require(viewer, Action.RUN_AUDITS)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        with attempt(db):
            complete_audit(db, viewer, audit_id, version=_version(form.get("version")))
    except REFUSED as error:
        audit = get_audit(db, viewer, audit_id)
        return _audit_form(
            page, audit, error=error_text(error, locale_of(request)), status=status_of(error)
        )
    return RedirectResponse(f"/audits/{audit_id}/report", status_code=303)


@router.post("/audits/{audit_id}/reopen")
async def reopen_form(request: Request, db: Db, viewer: CurrentViewer, audit_id: Id) -> Response:
    """Open a completed audit again for corrections."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    reopen_audit(db, viewer, audit_id, version=_version(form.get("version")))
    return RedirectResponse(f"/audits/{audit_id}", status_code=303)


@router.post("/audits/{audit_id}/delete")
async def delete_form(request: Request, db: Db, viewer: CurrentViewer, audit_id: Id) -> Response:
    """Delete the audit with its answers and evidence files."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    delete_audit(db, viewer, audit_id)
    return RedirectResponse("/audits", status_code=303)


@router.get("/audits/{audit_id}/report")
def report_page(db: Db, viewer: CurrentViewer, page: CurrentPage, audit_id: Id) -> Response:
    """Results per area and item, against the previous audit and the competitors; findings."""
    audit = get_audit(db, viewer, audit_id)
    results = audit_results(db, audit)
    actions = list_actions(db, viewer, source_prefix=f"audit:{audit.id}:")
    by_item: dict[str, list[Any]] = {}
    for action in actions:
        by_item.setdefault(action.source.rsplit(":", 1)[-1] if action.source else "", []).append(
            action
        )
    return page.render(
        "audits/report.html",
        {
            "audit": audit,
            "results": results,
            "action_links": {f.item.key: action_link(audit, f.item) for f in results.findings},
            "actions_by_item": by_item,
            "can_run": allowed(viewer, Action.RUN_AUDITS),
            "can_answer": may_answer(viewer, audit),
            "can_act": allowed(viewer, Action.MANAGE_ACTIONS),
        },
    )


@router.get("/audits/{audit_id}/report.pdf")
def report_pdf(request: Request, db: Db, viewer: CurrentViewer, audit_id: Id) -> Response:
    """The report as a PDF in the reader's language."""
    audit = get_audit(db, viewer, audit_id)
    data = audit_pdf(audit_results(db, audit), locale_of(request))
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{audit.id}.pdf"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/audits/{audit_id}/evidence/{evidence_id}")
def evidence_file(db: Db, viewer: CurrentViewer, audit_id: Id, evidence_id: Id) -> Response:
    """An evidence file: a verified image inline, anything else as an attachment; never HTML."""
    get_audit(db, viewer, audit_id)
    item = one_evidence(db, audit_id, evidence_id)
    disposition = "inline" if item.is_image else "attachment"
    return Response(
        read_file(item),
        media_type=item.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(item.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/audits/{audit_id}/evidence/{evidence_id}/delete")
async def evidence_delete(
    request: Request, db: Db, viewer: CurrentViewer, audit_id: Id, evidence_id: Id
) -> Response:
    """Remove one evidence file from a draft audit."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require_answerer(viewer, get_audit(db, viewer, audit_id))
    item = one_evidence(db, audit_id, evidence_id)
    remove_evidence(db, viewer, audit_id, evidence_id)
    return RedirectResponse(f"/audits/{audit_id}#item-{item.item_key}", status_code=303)
