"""Ingest pages: importing a file (upload, column mapping, progress, summary) and the
records an import rejected, with file, line, field and reason."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, QueryParams

from kontrol.accounts.access import require_rejects
from kontrol.accounts.policy import Action, require
from kontrol.domain.clock import zone
from kontrol.i18n import translate
from kontrol.i18n.formats import moment_label, number_label
from kontrol.i18n.plurals import fill, plural
from kontrol.ingest.csv_reader import (
    DATE_FORMATS,
    SEPARATORS,
    TIME_OF_DAY_FIELDS,
    guess_date_format,
)
from kontrol.ingest.registry import importers
from kontrol.ingest.reject_reasons import field_name, reject_reason
from kontrol.ingest.rejects import list_rejects
from kontrol.ingest.uploaded_files import (
    FIXED_FIELDS,
    MAPPED_FIELDS,
    MAPPING,
    REQUIRED_FIELDS,
    MappingPreview,
    UploadRefused,
    accepted_suffixes,
    batch_counts,
    channel_values,
    column_cells,
    field_names,
    first_rejects,
    get_upload,
    mapping_preview,
    recent_imports,
    save_mapping,
    store_upload,
    suggest_columns,
    upload_encoding_and_separator,
    upload_field_names,
    upload_of_batch,
    upload_sample,
    with_text_role,
)
from kontrol.settings import current_settings
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.params import LARGEST_ID, Id, Offset
from kontrol.web.render import Page, render
from kontrol.web.security import check_csrf, locale_of

router = APIRouter(include_in_schema=False)
BatchFilter = Annotated[int | None, Query(ge=1, le=LARGEST_ID)]


@router.get("/rejects")
def rejects_page(
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    show_all: bool = False,
    offset: Offset = 0,
    batch: BatchFilter = None,
) -> Response:
    """Records an import rejected, with file, line, field and reason."""
    require_rejects(viewer)
    rejects = list(
        list_rejects(
            db,
            viewer.workspace,
            include_resolved=show_all or batch is not None,
            limit=101,
            offset=offset,
            batch_id=batch,
        )
    )
    shown = rejects[:100]
    locale = locale_of(page.request)
    # Each reject's fields by the names of its own import's columns (a file read with a
    # mapping), else by the fields' labels: never by their internal codes.
    labels = field_names({}, locale)
    by_batch: dict[int, dict[str, str]] = {}
    for reject in shown:
        if reject.batch_id is not None and reject.batch_id not in by_batch:
            upload = upload_of_batch(db, viewer.workspace, reject.batch_id)
            found = upload_field_names(upload, locale) if upload is not None else {}
            by_batch[reject.batch_id] = found or labels
    names = [by_batch.get(r.batch_id, labels) if r.batch_id else labels for r in shown]
    context = {
        "rejects": shown,
        "reasons": [
            reject_reason(reject.error, locale, named)
            for reject, named in zip(shown, names, strict=True)
        ],
        "fields": [
            field_name(reject.field, named) if reject.field else None
            for reject, named in zip(shown, names, strict=True)
        ],
        "records": [readable_record(reject.raw, locale) for reject in shown],
        "show_all": show_all,
        "batch": batch,
        "next_offset": offset + 100 if len(rejects) > 100 else None,
    }
    return page.render("ingest/rejects.html", context)


READABLE_FIELDS = 10


def readable_record(raw: str, locale: str) -> list[tuple[str, str]] | None:
    """A rejected JSON record as "field: value" lines in the reader's words, or None when
    the line is no JSON object (a CSV line reads well as it is)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    lines = []
    for key, value in list(data.items())[:READABLE_FIELDS]:
        label = translate(locale, f"import.field.{key}")
        if key == "messages" and isinstance(value, list):
            text = messages_excerpt(value, locale)
        elif isinstance(value, dict | list):
            text = json.dumps(value, ensure_ascii=False)
        else:
            text = "—" if value is None or value == "" else str(value)
        lines.append((key if label.startswith("import.field.") else label, text[:200]))
    return lines


EXCERPT_CHARS = 60


def messages_excerpt(messages: list[Any], locale: str) -> str:
    """A rejected record's messages in words, not as JSON: «3 сообщения: клиент —
    «Здравствуйте, заказ…»» (their count, and the first one's author and start)."""
    text = plural(locale, "rejects.messages", len(messages))
    first = messages[0] if messages else None
    if isinstance(first, dict):
        said, role = first.get("text"), first.get("role")
    else:
        said, role = first, None
    if said is None or said == "":
        return text
    said = " ".join(str(said).split())
    if len(said) > EXCERPT_CHARS:
        said = said[:EXCERPT_CHARS].rstrip() + "…"
    who = translate(locale, f"import.role.{role}") if isinstance(role, str) else ""
    if who == f"import.role.{role}":
        who = str(role)
    quoted = fill(translate(locale, "rejects.quoted"), {"text": said})
    return f"{text}: {who} — {quoted}" if who else f"{text}: {quoted}"


@router.get("/rejects/export.jsonl")
def rejects_file(db: Db, viewer: CurrentViewer) -> Response:
    """The original lines of the open rejects, one a line: fix them and import the file."""
    require_rejects(viewer)
    lines = [reject.raw.rstrip("\n") + "\n" for reject in list_rejects(db, viewer.workspace)]
    return Response(
        "".join(lines),
        media_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rejects.jsonl"'},
    )


# -- importing a file -----------------------------------------------------------------------


def _formats(request: Request) -> list[tuple[str, str]]:
    """Every registered importer by its name in the viewer's language (else its own label)."""
    locale = locale_of(request)
    shown = []
    for name in importers.ids():
        key = f"import.format.{name}"
        text = translate(locale, key)
        shown.append((name, importers.get(name).label if text == key else text))
    return shown


def _form_page(
    db: Db, page: Page, *, error: UploadRefused | None = None, chosen: str = ""
) -> Response:
    viewer = page.viewer
    context: dict[str, Any] = {
        "formats": _formats(page.request),
        "chosen": chosen,
        "accept": ",".join(sorted({s.removesuffix(".gz") for s in accepted_suffixes()})) + ",.gz",
        "limit_mb": current_settings().import_upload_max_mb,
        "imports": recent_imports(db, viewer.workspace),
        "error": error,
    }
    return page.render("ingest/import.html", context, status=422 if error else 200)


@router.get("/import")
def import_files_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The upload form and the workspace's recent imports."""
    require(viewer, Action.IMPORT_FILES)
    return _form_page(db, page)


@router.post("/import")
async def upload_import(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    file: UploadFile | None = None,
    format_name: Annotated[str, Form(alias="format", max_length=50)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Store the uploaded file and queue its import (or ask for its CSV columns)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.IMPORT_FILES)
    limit = current_settings().import_upload_max_mb * 1024 * 1024
    data = await file.read(limit + 1) if file is not None else b""
    try:
        with attempt(db):
            upload = store_upload(
                db,
                viewer.workspace,
                sent_name=(file.filename or "") if file is not None else "",
                data=data,
                format_name=format_name.strip(),
                created_by=viewer.account.username,
            )
    except UploadRefused as error:
        return _form_page(db, page, error=error, chosen=format_name)
    target = f"/import/{upload.id}/columns" if upload.status == MAPPING else f"/import/{upload.id}"
    return RedirectResponse(target, status_code=303)


def _progress_context(db: Db, page: Page, upload_id: int) -> dict[str, Any]:
    viewer = page.viewer
    upload = get_upload(db, viewer.workspace, upload_id)
    counts = batch_counts(db, viewer.workspace, upload.batch_id) if upload.batch_id else None
    rejects = (
        first_rejects(db, viewer.workspace, upload.batch_id)
        if upload.batch_id and upload.finished
        else []
    )
    names = upload_field_names(upload, locale_of(page.request))
    return {"upload": upload, "counts": counts, "rejects": rejects, "names": names}


@router.get("/import/{upload_id}")
def import_status_page(db: Db, viewer: CurrentViewer, page: CurrentPage, upload_id: Id) -> Response:
    """One import: its progress while it runs, its summary and first rejects once done."""
    require(viewer, Action.IMPORT_FILES)
    context = _progress_context(db, page, upload_id)
    if context["upload"].status == MAPPING:
        return RedirectResponse(f"/import/{upload_id}/columns", status_code=303)
    return page.render("ingest/import_status.html", context)


@router.get("/import/{upload_id}/progress")
def import_progress(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, upload_id: Id
) -> Response:
    """The progress part of an import's page, polled while it runs."""
    require(viewer, Action.IMPORT_FILES)
    return render(request, "ingest/_import_progress.html", _progress_context(db, page, upload_id))


def _mapping_of(
    values: FormData | QueryParams,
) -> tuple[dict[str, str], dict[str, str], str, str | None]:
    columns = {
        field: str(values.get(f"map.{field}") or "").strip()
        for field in MAPPED_FIELDS
        if values.get(f"map.{field}")
    }
    fixed = {
        field: str(values.get(f"fixed.{field}") or "").strip()
        for field in FIXED_FIELDS
        if values.get(f"fixed.{field}")
    }
    separator = str(values.get("separator") or "")
    return (
        columns,
        fixed,
        str(values.get("dates") or "iso"),
        separator if separator in SEPARATORS else None,
    )


def _mapping_page(
    page: Page,
    upload_id: int,
    columns: dict[str, str] | None,
    fixed: dict[str, str],
    dates: str | None,
    separator: str | None,
    error: UploadRefused | None = None,
) -> Response:
    viewer = page.viewer
    upload = get_upload(page.connection, viewer.workspace, upload_id)
    encoding, found_separator = upload_encoding_and_separator(upload)
    separator = separator or found_separator
    sample = upload_sample(upload, SEPARATORS[separator])
    header = sample[0]
    if columns is None:
        columns = suggest_columns(*sample)
        fixed = with_text_role(columns, fixed)
    if dates is None:
        dates = guess_date_format(column_cells(sample, columns.get("started_at")))
    preview = mapping_preview(upload, columns, fixed, dates, SEPARATORS[separator])
    locale = locale_of(page.request)
    names = field_names(columns, locale)
    context = {
        "upload": upload,
        "header": header,
        "columns": columns,
        "fixed": fixed,
        "encoding": encoding,
        "separator": separator,
        "separators": list(SEPARATORS),
        "channel_values": channel_values(column_cells(sample, columns.get("channel"))),
        "required": REQUIRED_FIELDS,
        # A time of day in its own column is offered right under the date it completes.
        "paired": {day: clock for clock, day in TIME_OF_DAY_FIELDS.items()},
        "optional": [
            f for f in MAPPED_FIELDS if f not in REQUIRED_FIELDS and f not in TIME_OF_DAY_FIELDS
        ],
        "fixed_choices": FIXED_FIELDS,
        "preview": preview,
        "cells": preview_cells(preview, locale, zone(viewer.workspace.timezone)),
        "rejected": rejected_cells(preview, locale),
        "turns": [turn_summary(row, locale) for row in preview.rows],
        "unsplit_note": unsplit_note(preview, fixed, locale),
        "names": names,
        "dates": dates,
        "date_formats": list(DATE_FORMATS),
        "error": error,
        "error_params": _named_params(error, locale) if error else {},
    }
    return page.render("ingest/import_columns.html", context, status=422 if error else 200)


# Preview values whose codes read as words of the catalogue: the field and its key prefix.
_WORDED = {
    "channel": "channel.",
    "direction": "direction.",
    "status": "status.",
    "message.role": "role.",
}
_TIMES = ("started_at", "ended_at")


def preview_cell(field: str, value: Any, locale: str, local: tzinfo) -> str:
    """One value of a previewed row as the reader writes it: a channel in words, a time as
    ``24.11.2026 11:00`` on the workspace's clock, a number with a decimal comma."""
    if value is None or value == "":
        return ""
    if field in _TIMES and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value  # not a time: the check column says why
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=local)  # the file's wall clock is the workspace's
        return moment_label(moment, locale, zone=local)
    if field in _WORDED and isinstance(value, str):
        key = _WORDED[field] + value
        text = translate(locale, key)
        return value if text == key else text
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_label(value, locale, 2)
    return str(value)


def preview_cells(preview: MappingPreview, locale: str, local: tzinfo) -> list[list[str]]:
    """The previewed rows' values of ``preview.fields``, each as :func:`preview_cell` shows it;
    a row the reader could not read shows the file's own text of each cell."""
    return [
        [
            str(row.get(field) or "")
            if row.get("_raw")
            else preview_cell(field, row.get(field), locale, local)
            for field in preview.fields
        ]
        for row in preview.rows
    ]


def turn_summary(row: dict[str, Any], locale: str) -> str:
    """A previewed conversation's turns in words: «3 реплики: клиент — 2, оператор — 1;
    время у каждой»; nothing for a row of one message or none."""
    roles: Counter[str] = row.get("_roles") or Counter()
    count = sum(roles.values())
    if count < 2:
        return ""
    who = ", ".join(
        fill(
            translate(locale, "import.columns.turns_by"),
            {"role": translate(locale, f"import.role.{role or 'unknown'}"), "n": n},
        )
        for role, n in roles.items()
    )
    text = plural(locale, "import.columns.turns", count, roles=who)
    timed = int(row.get("_timed") or 0)
    if timed == count:
        text += translate(locale, "import.columns.turns_all_timed")
    elif timed:
        some = translate(locale, "import.columns.turns_some_timed")
        text += fill(some, {"timed": timed, "n": count})
    return text


def unsplit_note(preview: MappingPreview, fixed: dict[str, str], locale: str) -> str:
    """What becomes of previewed texts of several lines that name no speaker: one message of
    the role chosen for the text column, and what the checks can judge of it."""
    if not preview.unsplit:
        return ""
    role = "agent" if fixed.get("message.role") == "agent" else "customer"
    lines = ", ".join(str(line) for line in preview.unsplit)
    return plural(locale, f"import.columns.unsplit.{role}", len(preview.unsplit), lines=lines)


def rejected_cells(preview: MappingPreview, locale: str) -> list[dict[str, str]]:
    """For each previewed row, the fields whose cells were rejected, each with the reason
    (a time of day in its own column is shown, and marked, in its date's cell)."""
    marked: list[dict[str, str]] = []
    for problem in preview.errors:
        cells: dict[str, str] = {}
        if problem is not None:
            for reason in problem.reasons:
                for field in (reason.field or problem.field or "").split(", "):
                    field = TIME_OF_DAY_FIELDS.get(field, field)
                    if field in preview.fields and field not in cells:
                        cells[field] = reason.said(locale)
        marked.append(cells)
    return marked


def _named_params(error: UploadRefused, locale: str) -> dict[str, Any]:
    """The refusal's values with fields named by their labels, not their codes."""
    params = dict(error.params)

    def label(field: str) -> str:
        key = f"import.field.{field}"
        text = translate(locale, key)
        return field if text == key else text

    field, fields = params.get("field"), params.get("fields")
    if isinstance(field, str):
        params["field"] = label(field)
    if isinstance(fields, str):
        params["fields"] = ", ".join(label(name) for name in fields.split(", "))
    return params


@router.get("/import/{upload_id}/columns")
def import_columns_page(
    request: Request, viewer: CurrentViewer, page: CurrentPage, upload_id: Id
) -> Response:
    """The mapping step of a CSV: a column of the file for each field, and a preview."""
    require(viewer, Action.IMPORT_FILES)
    upload = get_upload(page.connection, viewer.workspace, upload_id)
    if upload.status != MAPPING:
        return RedirectResponse(f"/import/{upload_id}", status_code=303)
    params = request.query_params
    trial = any(key.startswith(("map.", "fixed.")) for key in params) or "mapped" in params
    columns, fixed, dates, separator = _mapping_of(params)
    if not trial:
        return _mapping_page(page, upload_id, None, fixed, None, separator)
    return _mapping_page(page, upload_id, columns, fixed, dates, separator)


@router.post("/import/{upload_id}/columns")
async def save_import_columns(
    request: Request, viewer: CurrentViewer, page: CurrentPage, upload_id: Id
) -> Response:
    """Keep the mapping and start the import."""
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else None)
    require(viewer, Action.IMPORT_FILES)
    columns, fixed, dates, separator = _mapping_of(form)
    if separator is None:
        separator = upload_encoding_and_separator(
            get_upload(page.connection, viewer.workspace, upload_id)
        )[1]
    try:
        with attempt(page.connection):
            save_mapping(
                page.connection, viewer.workspace, upload_id, columns, fixed, dates, separator
            )
    except UploadRefused as error:
        return _mapping_page(page, upload_id, columns, fixed, dates, separator, error)
    return RedirectResponse(f"/import/{upload_id}", status_code=303)
