"""Files uploaded on the web import page: checked, stored, mapped, imported by a job.

The page never trusts what the browser sent: the name is cleaned and only its
ending chooses the reader (as ``kontrol import`` does), the bytes must be UTF-8
text (or gzip of it; a CSV may be Windows-1251, as Russian Excel saves it), the
file is kept in the file store under a key Kontrol makes, and the import runs
in the background (job ``ingest.import_upload``) while the page polls
:func:`get_upload` for the progress. A CSV whose header lacks the format's
required columns waits in ``mapping`` until a person maps its columns
(:data:`MAPPED_FIELDS`); the mapping is a reader option of
:class:`~kontrol.ingest.csv_reader.CsvImporter`, so the rows that still fail
validation become rejects like any other.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import tempfile
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from kontrol.accounts.workspaces import Workspace, list_workspaces
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput, NotFound, Unreadable
from kontrol.domain.vocabulary import Channel
from kontrol.i18n import translate
from kontrol.i18n.messages import error_text
from kontrol.ingest.batches import validate_record
from kontrol.ingest.csv_reader import (
    DATE_FORMATS,
    SEPARATORS,
    TEXT_ROLES,
    TIME_OF_DAY_FIELDS,
    CsvImporter,
    channel_value,
    csv_header_and_rows,
    detect_encoding,
    sniff_csv,
)
from kontrol.ingest.import_report import Reject
from kontrol.ingest.importing import DamagedFile, ImportFailed, import_file
from kontrol.ingest.registry import Importer, SourceRecord, get_importer, importer_for, importers
from kontrol.ingest.reject_reasons import ExplainedReject, explain_reject
from kontrol.ingest.schema import RecordError
from kontrol.jobs import JobContext, enqueue, job
from kontrol.settings import current_settings
from kontrol.store.tables import import_batches, import_rejects, import_uploads
from kontrol.uploads import FileStore, file_store, sniff

JOB_NAME = "ingest.import_upload"

MAPPING = "mapping"
QUEUED = "queued"
RUNNING = "running"
DONE = "done"
DAMAGED = "damaged"
UNREADABLE = "unreadable"
FAILED = "failed"
FINISHED = frozenset({DONE, DAMAGED, UNREADABLE, FAILED})

# Fields a spreadsheet's columns can be mapped to, required first (spec/FORMAT.md).
REQUIRED_FIELDS = ("id", "channel", "started_at")
OPTIONAL_FIELDS = (
    "started_time",
    "ended_at",
    "direction",
    "status",
    "agent_id",
    "agent_name",
    "team",
    "customer_id",
    "customer_name",
    "topic",
    "tags",
    "wrap_seconds",
    "survey.csat",
    "survey.nps",
    "survey.ces",
    "survey.comment",
    "message.role",
    "message.text",
)
MAPPED_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
# Fields that may take one value for every row when the file has no column for them.
FIXED_FIELDS = {
    "channel": tuple(channel.value for channel in Channel),
    "message.role": TEXT_ROLES,  # who wrote a text column without an author column
}

# Column names that obviously mean a field, lower case, in Russian and English.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": (
        "id",
        "ид",
        "номер",
        "№",
        "номер обращения",
        "id обращения",
        "ид обращения",
        "идентификатор обращения",
        "номер заявки",
        "id заявки",
        "номер тикета",
        "id тикета",
        "номер запроса",
        "номер диалога",
        "id диалога",
        "номер чата",
        "id чата",
        "тикет",
        "заявка",
        "ticket id",
        "call id",
        "номер звонка",
        "идентификатор",
        "contact id",
        "conversation id",
    ),
    "channel": (
        "channel",
        "канал",
        "канал связи",
        "канал обращения",
        "источник",
        "тип",
        "тип обращения",
        "type",
        "source",
    ),
    "started_at": (
        "started_at",
        "дата",
        "дата и время",
        "дата время",
        "дата начала",
        "дата создания",
        "дата и время создания",
        "дата обращения",
        "дата и время обращения",
        "дата звонка",
        "дата регистрации",
        "создано",
        "создан",
        "date",
        "created",
        "created at",
        "date created",
        "начало",
        "время",
        "время начала",
        "time",
        "start",
        "started",
        "start time",
    ),
    # Suggested only beside a column of dates without their time (suggest_columns).
    "started_time": (
        "started_time",
        "время",
        "время начала",
        "время создания",
        "время обращения",
        "время звонка",
        "время регистрации",
        "time",
        "start time",
        "time created",
    ),
    "ended_at": (
        "ended_at",
        "конец",
        "окончание",
        "дата окончания",
        "время окончания",
        "end",
        "ended",
        "end time",
    ),
    "direction": ("direction", "направление", "входящий/исходящий"),
    "status": ("status", "статус", "состояние"),
    "agent_id": (
        "agent_id",
        "оператор",
        "сотрудник",
        "агент",
        "логин оператора",
        "agent",
        "operator",
        "employee",
        "id оператора",
        "логин",
        "ответственный",
        "исполнитель",
        "ответственный сотрудник",
        "ответственный оператор",
        "assignee",
        "owner",
    ),
    "agent_name": (
        "agent_name",
        "фио оператора",
        "имя оператора",
        "agent name",
        "operator name",
        "фио",
        "фио сотрудника",
        "фио ответственного",
        "имя сотрудника",
    ),
    "team": ("team", "команда", "группа", "отдел", "group", "department"),
    "customer_id": (
        "customer_id",
        "клиент",
        "id клиента",
        "телефон",
        "телефон клиента",
        "customer",
        "client",
        "phone",
        "номер клиента",
    ),
    "customer_name": (
        "customer_name",
        "имя клиента",
        "фио клиента",
        "customer name",
        "client name",
    ),
    "topic": (
        "topic",
        "тема",
        "тема обращения",
        "тематика",
        "категория",
        "категория обращения",
        "причина",
        "причина обращения",
        "subject",
        "category",
        "reason",
    ),
    "tags": ("tags", "теги", "метки", "labels"),
    "wrap_seconds": (
        "wrap_seconds",
        "постобработка",
        "поствызывная обработка",
        "wrap",
        "wrap-up",
        "acw",
    ),
    "survey.csat": (
        "survey.csat",
        "csat",
        "оценка клиента",
        "оценка",
        "оценка качества",
        "оценка обслуживания",
        "оценка диалога",
        "удовлетворённость",
        "удовлетворенность",
        "rating",
    ),
    "survey.nps": ("survey.nps", "nps"),
    "survey.ces": ("survey.ces", "ces", "усилие"),
    "survey.comment": (
        "survey.comment",
        "комментарий",
        "комментарий клиента",
        "отзыв",
        "comment",
        "feedback",
    ),
    "message.role": ("message.role", "роль", "автор", "role", "author"),
    "message.text": (
        "message.text",
        "текст",
        "текст обращения",
        "текст сообщения",
        "текст заявки",
        "текст диалога",
        "текст переписки",
        "переписка",
        "история переписки",
        "диалог",
        "сообщение",
        "сообщения",
        "реплика",
        "описание",
        "содержание",
        "содержание обращения",
        "text",
        "message",
        "messages",
        "transcript",
        "conversation",
        "dialog",
        "dialogue",
        "расшифровка",
        "расшифровка разговора",
        "транскрипт",
        "стенограмма",
    ),
}

_COUNT_LIMIT = 512 * 1024 * 1024  # decompressed bytes counted for a progress bar, at most


class UploadRefused(InvalidInput):
    """An upload or mapping the page refuses; ``key`` and ``params`` say why, translated."""

    key: str  # always set: the message in the catalogue

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key=key, params=params)
        self.args = (error_text(self, "en"),)


@dataclass(frozen=True)
class ImportUpload:
    """An uploaded file and where its import stands."""

    id: int
    workspace_id: int
    file_name: str
    size: int
    importer: str | None
    columns: dict[str, Any]
    status: str
    records_read: int
    lines_read: int
    lines_total: int | None
    batch_id: int | None
    error: str | None
    error_detail: str | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    storage_key: str

    @property
    def finished(self) -> bool:
        """Whether the import has ended (well or not)."""
        return self.status in FINISHED

    @property
    def percent(self) -> int | None:
        """How far the reading got, when the file's lines tell (JSON Lines, CSV)."""
        if self.status in FINISHED:
            return 100
        if not self.lines_total or self.importer not in ("csv", "jsonl"):
            return None
        return min(99, int(self.lines_read * 100 / self.lines_total))


@dataclass(frozen=True)
class BatchSummary:
    """One import of the workspace, for the list of recent imports."""

    id: int
    file: str
    importer: str
    started_at: datetime
    finished_at: datetime | None
    imported: int
    updated: int
    unchanged: int
    rejected: int


def accepted_suffixes() -> tuple[str, ...]:
    """File endings the page takes, longest first: every importer's, plain or gzip."""
    found = {".json", ".jsonl", ".ndjson", ".csv"}
    for cls in importers.values():
        found.update(suffix.lower().removesuffix(".gz") for suffix in cls.suffixes)
    with_gzip = found | {suffix + ".gz" for suffix in found}
    return tuple(sorted(with_gzip, key=lambda suffix: (-len(suffix), suffix)))


def _store() -> FileStore:
    return file_store("imports", Path(current_settings().data_dir) / "imports")


def _clean_stem(name: str, suffix: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base[: len(base) - len(suffix)] if base.lower().endswith(suffix) else base
    cleaned = "".join(ch if ch.isalnum() or ch in " -_." else "_" for ch in stem)
    cleaned = re.sub(r"[_ .]{2,}", "_", cleaned).strip(" _.-")[:100]
    return (cleaned or "import") + suffix


def _suffix_of(name: str) -> str | None:
    lowered = (name or "").lower()
    return next((suffix for suffix in accepted_suffixes() if lowered.endswith(suffix)), None)


def _check_text(head: bytes, *, complete: bool, csv_file: bool) -> None:
    """Refuse bytes that are not UTF-8 text (an image, a PDF, a spreadsheet...); a CSV
    may be Windows-1251 text, as Russian Excel saves it."""
    if sniff(head) is not None or b"\x00" in head or head.startswith(b"PK\x03\x04"):
        raise UploadRefused("import.error.not_text")
    if csv_file and detect_encoding(head) == "cp1251":
        try:
            head.decode("cp1251")
        except UnicodeDecodeError:
            raise UploadRefused("import.error.not_utf8") from None
        return
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A cut in the middle of a character at the end of a sample is no error.
        if complete or error.start < len(head) - 4:
            raise UploadRefused("import.error.not_utf8") from None


def _count_lines(data: bytes, gzipped: bool) -> int | None:
    """Lines in the (decompressed) file, for the progress bar; ``None`` when unknown."""
    if not gzipped:
        return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    lines = 0
    total = 0
    last = b"\n"
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
            while chunk := handle.read(1 << 20):
                lines += chunk.count(b"\n")
                total += len(chunk)
                last = chunk[-1:]
                if total > _COUNT_LIMIT:
                    return None
    except (EOFError, OSError, zlib.error):
        pass  # damaged: counted up to the damage, the import says the rest
    return lines + (0 if last == b"\n" else 1)


def _first_text(data: bytes) -> bytes:
    """The first decompressed bytes of a gzip upload.

    Refused when it is not gzip at all or when not even its start can be read;
    a file damaged further on is accepted: its import stores what it can and says so.
    """
    if not data.startswith(b"\x1f\x8b"):
        raise UploadRefused("import.error.not_gzip")
    try:
        head = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(data[: 1 << 20], 65536)
    except zlib.error:
        raise UploadRefused("import.error.damaged_gzip") from None
    if not head:
        raise UploadRefused("import.error.damaged_gzip")
    return head


def _row(row: Any) -> ImportUpload:
    return ImportUpload(
        id=row.id,
        workspace_id=row.workspace_id,
        file_name=row.file_name,
        size=row.size,
        importer=row.importer,
        columns=json.loads(row.columns) if row.columns else {},
        status=row.status,
        records_read=row.records_read,
        lines_read=row.lines_read,
        lines_total=row.lines_total,
        batch_id=row.batch_id,
        error=row.error,
        error_detail=row.error_detail,
        created_by=row.created_by,
        created_at=row.created_at,
        finished_at=row.finished_at,
        storage_key=row.storage_key,
    )


def store_upload(
    connection: Connection,
    workspace: Workspace,
    *,
    sent_name: str,
    data: bytes,
    format_name: str,
    created_by: str,
) -> ImportUpload:
    """Check and keep an uploaded file; it waits for a mapping or for its job.

    Raises :class:`UploadRefused` for an empty, too large, non-text file, a
    name whose ending no importer reads (unless a format is chosen), a file
    that is not gzip though named ``.gz`` and an unknown format.
    """
    limit = current_settings().import_upload_max_mb * 1024 * 1024
    if not data:
        raise UploadRefused("import.error.empty")
    if len(data) > limit:
        raise UploadRefused("import.error.too_big", limit=current_settings().import_upload_max_mb)
    suffix = _suffix_of(sent_name)
    if format_name and format_name not in importers.ids():
        raise UploadRefused("import.error.unknown_format")
    if suffix is None:
        if not format_name:
            raise UploadRefused("import.error.wrong_type", accepted=", ".join(_shown_suffixes()))
        suffix = ".gz" if sent_name.lower().endswith(".gz") else ".data"
    gzipped = suffix.endswith(".gz") or data.startswith(b"\x1f\x8b")
    if gzipped and not suffix.endswith(".gz"):
        suffix += ".gz"  # gzip named as plain text: read as what it is
    head = _first_text(data) if gzipped else data[:65536]
    file_name = _clean_stem(sent_name, suffix)
    importer = format_name or importer_for(Path(file_name)).name
    _check_text(head, complete=len(head) == len(data) and not gzipped, csv_file=importer == "csv")
    key = f"{workspace.id}/{uuid.uuid4().hex}{suffix}"
    _store().put(key, data, "application/octet-stream")
    status = QUEUED
    if importer == "csv":
        header, _ = _header(data, suffix)
        if header is not None and not _has_required(header):
            status = MAPPING
    new_id = connection.execute(
        import_uploads.insert().values(
            workspace_id=workspace.id,
            file_name=file_name,
            storage_key=key,
            size=len(data),
            importer=importer[:50],
            columns=None,
            status=status,
            records_read=0,
            lines_read=0,
            lines_total=_count_lines(data, gzipped),
            created_by=created_by[:100],
            created_at=utcnow(),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    upload = get_upload(connection, workspace, int(new_id))
    if status == QUEUED:
        _queue(connection, upload)
    return upload


def _shown_suffixes() -> list[str]:
    return sorted({suffix.removesuffix(".gz") for suffix in accepted_suffixes()}) + [".gz"]


def _header(data: bytes, suffix: str) -> tuple[list[str] | None, list[list[str]]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            header, rows = csv_header_and_rows(path)
        except Unreadable:
            return None, []  # the import reports it
    return header, rows


def _has_required(header: list[str]) -> bool:
    names = {column.strip() for column in header}
    if "kind" in names:
        return "id" in names or "interaction_id" in names
    return all(field in names for field in REQUIRED_FIELDS)


def _queue(connection: Connection, upload: ImportUpload) -> None:
    enqueue(
        connection.engine,
        JOB_NAME,
        connection=connection,
        dedup_key=f"import-upload:{upload.id}",
        max_attempts=1,
        workspace_id=upload.workspace_id,
        upload_id=upload.id,
    )


def get_upload(connection: Connection, workspace: Workspace, upload_id: int) -> ImportUpload:
    """An upload of the workspace; ``UploadMissing`` for another workspace's or none."""
    row = connection.execute(
        select(import_uploads).where(
            import_uploads.c.id == upload_id, import_uploads.c.workspace_id == workspace.id
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no import {upload_id}", key="ingest.error.no_import", params={"upload_id": upload_id}
        )
    return _row(row)


def upload_of_batch(
    connection: Connection, workspace: Workspace, batch_id: int
) -> ImportUpload | None:
    """The uploaded file an import batch read, if it came from the import page."""
    row = connection.execute(
        select(import_uploads).where(
            import_uploads.c.batch_id == batch_id, import_uploads.c.workspace_id == workspace.id
        )
    ).first()
    return None if row is None else _row(row)


def recent_imports(
    connection: Connection, workspace: Workspace, limit: int = 20
) -> list[BatchSummary]:
    """The workspace's latest imports (web, command line, API with rejects), newest first."""
    rows = connection.execute(
        select(import_batches)
        .where(import_batches.c.workspace_id == workspace.id)
        .order_by(import_batches.c.id.desc())
        .limit(limit)
    )
    return [
        BatchSummary(
            row.id,
            row.file,
            row.importer,
            row.started_at,
            row.finished_at,
            row.imported,
            row.updated,
            row.unchanged,
            row.rejected,
        )
        for row in rows
    ]


def first_rejects(
    connection: Connection, workspace: Workspace, batch_id: int, limit: int = 20
) -> list[ExplainedReject]:
    """The first rejects of one import, in the order of the file."""
    rows = connection.execute(
        select(
            import_rejects.c.file,
            import_rejects.c.line,
            import_rejects.c.error,
            import_rejects.c.field,
        )
        .where(
            import_rejects.c.workspace_id == workspace.id,
            import_rejects.c.batch_id == batch_id,
        )
        .order_by(import_rejects.c.line, import_rejects.c.id)
        .limit(limit)
    )
    return [explain_reject(Reject(row.file, row.line, row.error, row.field)) for row in rows]


def batch_counts(
    connection: Connection, workspace: Workspace, batch_id: int
) -> BatchSummary | None:
    """The counts of one import (while it runs, of the batches committed so far)."""
    row = connection.execute(
        select(import_batches).where(
            import_batches.c.id == batch_id, import_batches.c.workspace_id == workspace.id
        )
    ).first()
    if row is None:
        return None
    return BatchSummary(
        row.id,
        row.file,
        row.importer,
        row.started_at,
        row.finished_at,
        row.imported,
        row.updated,
        row.unchanged,
        row.rejected,
    )


# -- the mapping step ---------------------------------------------------------------------


def _normal(text: str) -> str:
    """A column's name as matched: case, ё, punctuation and spaces aside, № read "номер"
    (``«№ обращения»`` is ``номер обращения``, ``Дата/время`` is ``дата время``)."""
    lowered = text.lower().replace("ё", "е").replace("№", " номер ")
    return " ".join(re.sub(r"[\W_]+", " ", lowered).split())


# An id field whose column holds people's names rather than ids: the name field instead.
_NAME_FIELDS = {"agent_id": "agent_name", "customer_id": "customer_name"}
_NAME = re.compile(r"^[^\W\d_]+(?:[ .'-]+[^\W\d_]+)*\.?$")


def _exact_names(field: str) -> tuple[str, ...]:
    """A field's own names: its id and its label on the mapping step in both languages."""
    return (field, *(translate(locale, f"import.field.{field}") for locale in ("ru", "en")))


def _looks_like_names(cells: list[str]) -> bool:
    """Letters and spaces (``Иванова Анна``), not ids or logins (``a17``, ``ivanova``)."""
    filled = [cell.strip() for cell in cells if cell.strip()]
    return bool(filled) and all(_NAME.match(c) for c in filled) and any(" " in c for c in filled)


def suggest_columns(header: list[str], rows: list[list[str]] | None = None) -> dict[str, str]:
    """For each mappable field, the file's column that obviously holds it (if any).

    A column named exactly as a field (its id or label) wins over synonyms, and a
    column suggested for an id whose first ``rows`` hold names goes to the name field.
    """
    taken: set[str] = set()
    suggested: dict[str, str] = {}
    by_name = {_normal(column): column for column in header}
    for names in (_exact_names, lambda field: SYNONYMS.get(field, ())):
        for field in MAPPED_FIELDS:
            if field in suggested:
                continue
            for synonym in names(field):
                column = by_name.get(_normal(synonym))
                if column is not None and column not in taken:
                    suggested[field] = column
                    taken.add(column)
                    break
    _pair_day_and_time(suggested, header, rows)
    for id_field, name_field in _NAME_FIELDS.items():
        column = suggested.get(id_field)
        if column is None or name_field in suggested or not rows:
            continue
        at = header.index(column)
        if _looks_like_names([cells[at] for cells in rows if len(cells) > at]):
            suggested[name_field] = suggested.pop(id_field)
    return suggested


_CLOCK = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?$")
_HAS_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_MIDNIGHT = re.compile(r"\s0?0:00(?::00)?$")


def _pair_day_and_time(
    suggested: dict[str, str], header: list[str], rows: list[list[str]] | None
) -> None:
    """Keep a suggested time column (``started_time``) only beside a column of dates without
    their time and when its own first rows are times of day; a time column with nothing
    to join stands for the start itself."""
    clock_column = suggested.get("started_time")
    if clock_column is None:
        return
    if "started_at" not in suggested:
        suggested["started_at"] = suggested.pop("started_time")
        return

    def cells(column: str) -> list[str]:
        at = header.index(column)
        return [c[at].strip() for c in rows or [] if len(c) > at and c[at].strip()]

    days, clocks = cells(suggested["started_at"]), cells(clock_column)
    dates_alone = bool(days) and not any(
        _HAS_CLOCK.search(day) and not _MIDNIGHT.search(day) for day in days
    )
    if not (dates_alone and clocks and all(_CLOCK.match(clock) for clock in clocks)):
        del suggested["started_time"]


@dataclass(frozen=True)
class MappingPreview:
    """The mapping step's view of a CSV: its columns and its first rows as mapped."""

    header: list[str]
    rows: list[dict[str, Any]]
    errors: list[ExplainedReject | None]
    fields: list[str]
    # Lines whose text of several lines names no speaker: one message, not split in turns.
    unsplit: tuple[int, ...] = ()


def field_names(columns: dict[str, str], locale: str) -> dict[str, str]:
    """How the reader knows each field of a mapped spreadsheet: by the file's column with
    the field's label (``«Дата звонка» (Дата и время начала)``), or by the label alone."""
    names = {}
    for field in MAPPED_FIELDS:
        label = translate(locale, f"import.field.{field}")
        column = columns.get(field)
        names[field] = (
            f"«{column}»" if column == label else (f"«{column}» ({label})" if column else label)
        )
    return names


def upload_field_names(upload: ImportUpload, locale: str) -> dict[str, str]:
    """:func:`field_names` of an upload read with a mapping; none for a file whose
    columns (keys) are the format's fields themselves."""
    if upload.importer != "csv" or not upload.columns:
        return {}
    return field_names(upload.columns.get("columns", {}), locale)


def _stored_path(upload: ImportUpload, folder: str) -> Path:
    suffix = next(
        (suffix for suffix in accepted_suffixes() if upload.storage_key.endswith(suffix)),
        ".gz" if upload.storage_key.endswith(".gz") else ".data",
    )
    path = Path(folder) / f"upload{suffix}"
    path.write_bytes(_store().get(upload.storage_key))
    return path


def mapping_preview(
    upload: ImportUpload,
    columns: dict[str, str],
    fixed: dict[str, str],
    dates: str = "iso",
    separator: str | None = None,
) -> MappingPreview:
    """The file's header and its first five records read with ``columns``, ``fixed``, ``dates``."""
    reader = CsvImporter(columns=columns, fixed=fixed, dates=dates, separator=separator)
    with tempfile.TemporaryDirectory() as folder:
        path = _stored_path(upload, folder)
        header, _ = csv_header_and_rows(path, rows=0, separator=separator)
        rows: list[dict[str, Any]] = []
        errors: list[ExplainedReject | None] = []
        try:
            for source in reader.read(path):
                rows.append(
                    _flat(source)
                    if source.data is not None
                    else _file_cells(source, header, columns)
                )
                outcome = validate_record(source)
                errors.append(
                    explain_reject(
                        Reject(upload.file_name, source.line, str(outcome), outcome.field)
                    )
                    if isinstance(outcome, RecordError)
                    else None
                )
                if len(rows) >= 5:
                    break
        except Unreadable:
            pass
    # A time of day in its own column is shown joined to its date, in the date's column.
    shown = [
        name
        for name in MAPPED_FIELDS
        if (name in columns or name in fixed) and name not in TIME_OF_DAY_FIELDS
    ]
    # In the file's order: a conversation of several rows is read after a reject below it.
    order = sorted(range(len(rows)), key=lambda at: int(rows[at]["_line"]))
    lines = {int(row["_line"]) for row in rows}
    return MappingPreview(
        header,
        [rows[at] for at in order],
        [errors[at] for at in order],
        shown,
        tuple(sorted(lines & reader.unsplit)),
    )


def _file_cells(source: SourceRecord, header: list[str], columns: dict[str, str]) -> dict[str, Any]:
    """A row the reader could not read, as the file has it: each mapped field's cell
    verbatim (``_raw`` marks it, so the page shows the text and not a reading of it).

    The reader keeps a row's cells as CSV with commas whatever the file's separator, a
    quoted cell over several lines (a transcript) whole; its first row is the record's."""
    try:
        cells = next(csv.reader(io.StringIO(source.raw)), [])
    except csv.Error:
        cells = []
    flat: dict[str, Any] = {"_line": source.line, "_raw": True}
    for name, column in columns.items():
        if column in header and header.index(column) < len(cells):
            flat[name] = cells[header.index(column)]
    for clock_field, day_field in TIME_OF_DAY_FIELDS.items():
        if flat.get(clock_field) and day_field in flat:
            flat[day_field] = f"{flat[day_field]} {flat.pop(clock_field)}"
    return flat


def _flat(source: SourceRecord) -> dict[str, Any]:
    data = source.data or {}
    flat: dict[str, Any] = {"_line": source.line}
    for name, value in data.items():
        if name == "survey" and isinstance(value, dict):
            flat.update({f"survey.{inner}": item for inner, item in value.items()})
        elif name == "messages" and isinstance(value, list) and value:
            first = value[0] if isinstance(value[0], dict) else {}
            flat["message.role"] = first.get("role")
            flat["message.text"] = first.get("text")
            said = [m for m in value if isinstance(m, dict)]
            # Who spoke how often, in the order they first spoke, and how many have a time.
            flat["_roles"] = Counter(str(m.get("role") or "") for m in said)
            flat["_timed"] = sum(1 for m in said if m.get("at"))
        elif name != "meta":
            flat[name] = value
    return flat


def save_mapping(
    connection: Connection,
    workspace: Workspace,
    upload_id: int,
    columns: dict[str, str],
    fixed: dict[str, str],
    dates: str = "iso",
    separator: str = "comma",
) -> ImportUpload:
    """Keep the mapping of a CSV waiting for one and queue its import."""
    if dates not in DATE_FORMATS:
        raise UploadRefused("import.error.bad_column", field="dates")
    if separator not in SEPARATORS:
        raise UploadRefused("import.error.bad_column", field="separator")
    upload = get_upload(connection, workspace, upload_id)
    if upload.status != MAPPING:
        raise UploadRefused("import.error.not_waiting")
    header = upload_header(upload, SEPARATORS[separator])
    columns = {field: column for field, column in columns.items() if column}
    for field, column in columns.items():
        if field not in MAPPED_FIELDS or column not in header:
            raise UploadRefused("import.error.bad_column", field=field)
    if len(set(columns.values())) < len(columns):
        raise UploadRefused("import.error.column_twice")
    fixed = with_text_role(columns, {field: value for field, value in fixed.items() if value})
    for field, value in fixed.items():
        if value not in FIXED_FIELDS.get(field, ()):
            raise UploadRefused("import.error.bad_column", field=field)
    missing = [f for f in REQUIRED_FIELDS if f not in columns and f not in fixed]
    if missing:
        raise UploadRefused("import.error.required", fields=", ".join(missing))
    connection.execute(
        update(import_uploads)
        .where(import_uploads.c.id == upload.id)
        .values(
            columns=json.dumps(
                {"columns": columns, "fixed": fixed, "dates": dates, "separator": separator}
            ),
            status=QUEUED,
        )
    )
    upload = get_upload(connection, workspace, upload.id)
    _queue(connection, upload)
    return upload


def with_text_role(columns: dict[str, str], fixed: dict[str, str]) -> dict[str, str]:
    """``fixed`` with who wrote the text: by turns, customer first, when a text column is
    mapped without an author column and nobody chose (one text per row: the customer's)."""
    if "message.text" in columns and "message.role" not in columns:
        return {"message.role": "alternate", **fixed}
    return {field: value for field, value in fixed.items() if field != "message.role"}


def upload_header(upload: ImportUpload, separator: str | None = None) -> list[str]:
    """The header row of an uploaded CSV."""
    return upload_sample(upload, separator, rows=0)[0]


def upload_sample(
    upload: ImportUpload, separator: str | None = None, rows: int = 20
) -> tuple[list[str], list[list[str]]]:
    """The header row of an uploaded CSV and its first ``rows`` data rows."""
    with tempfile.TemporaryDirectory() as folder:
        return csv_header_and_rows(_stored_path(upload, folder), rows=rows, separator=separator)


def upload_encoding_and_separator(upload: ImportUpload) -> tuple[str, str]:
    """How an uploaded CSV is written: ``utf-8``/``cp1251`` and the separator's name."""
    with tempfile.TemporaryDirectory() as folder:
        encoding, separator = sniff_csv(_stored_path(upload, folder))
    name = next(name for name, char in SEPARATORS.items() if char == separator)
    return encoding.removesuffix("-sig"), name


def column_cells(sample: tuple[list[str], list[list[str]]], column: str | None) -> list[str]:
    """The cells of ``column`` in a sample read by :func:`upload_sample`."""
    header, rows = sample
    if not column or column not in header:
        return []
    at = header.index(column)
    return [cells[at] for cells in rows if len(cells) > at]


def channel_values(cells: list[str]) -> list[tuple[str, str | None]]:
    """The distinct channel values among ``cells``, each with the channel it is read as."""
    seen = dict.fromkeys(cell.strip() for cell in cells if cell.strip())
    return [(value, channel_value(value)) for value in seen]


# -- the job ------------------------------------------------------------------------------


def _set(engine: Engine, upload_id: int, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(import_uploads).where(import_uploads.c.id == upload_id).values(**values)
        )


def _reader(upload: ImportUpload) -> Importer:
    name = upload.importer or "jsonl"
    if name == "csv" and upload.columns:
        return CsvImporter(
            columns=upload.columns.get("columns", {}),
            fixed=upload.columns.get("fixed", {}),
            dates=upload.columns.get("dates", "iso"),
            separator=SEPARATORS.get(upload.columns.get("separator", "")),
        )
    return get_importer(name)


@job(JOB_NAME, max_attempts=1)
def import_upload_job(ctx: JobContext, *, workspace_id: int, upload_id: int) -> None:
    """Import an uploaded file, telling its row how far it got and how it ended."""
    engine = ctx.engine
    with engine.connect() as connection:
        workspace = next(w for w in list_workspaces(connection) if w.id == workspace_id)
    with engine.connect() as connection:
        upload = get_upload(connection, workspace, upload_id)
    if upload.status not in (QUEUED, RUNNING, FAILED):
        return  # finished already (a second delivery); FAILED is run again by a retry
    _set(engine, upload_id, status=RUNNING)

    def on_progress(read: int, line: int) -> None:
        _set(engine, upload_id, records_read=read, lines_read=line)

    def on_batch(batch_id: int) -> None:
        _set(engine, upload_id, batch_id=batch_id)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        try:
            path = _stored_path(upload, folder)
            import_file(
                engine=engine,
                workspace=workspace,
                path=path,
                label=upload.file_name,
                importer=_reader(upload),
                on_progress=on_progress,
                on_batch=on_batch,
            )
        except DamagedFile as error:
            _finish(engine, upload, DAMAGED, "import.error.damaged", str(error), path)
            return
        except Unreadable as error:
            _finish(engine, upload, UNREADABLE, "import.error.unreadable", str(error), path)
            return
        except ImportFailed as error:
            _finish(engine, upload, FAILED, "import.error.failed", str(error.__cause__), path)
            raise
        except Exception as error:
            _finish(engine, upload, FAILED, "import.error.failed", str(error), path)
            raise
    _finish(engine, upload, DONE, None, None, None)


def _finish(
    engine: Engine,
    upload: ImportUpload,
    status: str,
    error: str | None,
    detail: str | None,
    path: Path | None,
) -> None:
    if status != FAILED:
        # Imported (or never importable): the records are stored, the file is not kept.
        _store().delete(upload.storage_key)
    if detail and path is not None:
        # The reader names the temporary copy; people know the file by its name.
        detail = detail.replace(str(path), upload.file_name)
    _set(
        engine,
        upload.id,
        status=status,
        error=error,
        error_detail=(detail or None) and detail[:2000],
        finished_at=utcnow(),
    )
