"""Report files on disk: generated ones and the ones people upload.

Uploads are untrusted: their size is limited, their content must match the
report's format (PDF, XLSX, CSV checked by their first bytes), their name is
reduced to safe characters and only shown, never used as a path; they are
kept by a name Kontrol chooses in the reports folder or in the S3-compatible
bucket the settings name (``kontrol.uploads.file_store``), and served as an
attachment with their checked type, never inline as HTML.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.reports.formats import CONTENT_TYPES
from kontrol.settings import Settings, current_settings
from kontrol.store.tables import report_files
from kontrol.uploads import FileStore, file_store

ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class ReportFile:
    """A file of a report run."""

    id: int
    run_id: int
    format: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    path: str
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The file as the API gives it."""
        return {
            "id": self.id,
            "format": self.format,
            "file_name": self.file_name,
            "size": self.size,
            "sha256": self.sha256,
            "url": f"/reports/files/{self.id}",
        }


def report_store() -> FileStore:
    """Where report files are kept: the reports folder or the bucket, by setting."""
    return file_store("reports", current_settings().reports_dir)


def report_file_name(name: str, extension: str) -> str:
    """A file name of letters, digits, ``-``, ``_`` and ``.``, ending in ``.extension``."""
    base = Path(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFKC", base)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^\w\-]+", "_", stem, flags=re.UNICODE).strip("._-")[:80]
    return f"{stem or 'report'}.{extension}"


def sniff_format(data: bytes, declared: str) -> str:
    """The format the bytes really are, of pdf, xlsx, csv; ``InvalidInput`` otherwise."""
    if data.startswith(PDF_MAGIC):
        return "pdf"
    if (
        data.startswith(ZIP_MAGIC)
        and b"[Content_Types].xml" in data[:4096]
        or (data.startswith(ZIP_MAGIC) and declared == "xlsx")
    ):
        return "xlsx"
    if b"\x00" not in data[:8192]:
        head = data[:8192].lstrip(b"\xef\xbb\xbf").lstrip().lower()
        if head.startswith((b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml")):
            raise InvalidInput(
                "file: HTML or XML is not accepted",
                key="reports.error.file_markup",
                where_key="error.where.field",
                where_params={"field": "file"},
            )
        try:
            data[:65536].decode("utf-8")
        except UnicodeDecodeError:
            try:
                data[:65536].decode("cp1251")
            except UnicodeDecodeError:
                raise InvalidInput(
                    "file: not text, PDF or XLSX",
                    key="reports.error.file_not_text",
                    where_key="error.where.field",
                    where_params={"field": "file"},
                ) from None
        return "csv"
    raise InvalidInput(
        "file: not a PDF, XLSX or CSV file",
        key="reports.error.file_type",
        where_key="error.where.field",
        where_params={"field": "file"},
    )


def check_report_upload(
    name: str, data: bytes, formats: list[str], settings: Settings | None = None
) -> str:
    """The checked format of an uploaded file; ``InvalidInput`` says what is wrong."""
    limit = (settings or current_settings()).reports_max_upload_mb * 1024 * 1024
    if not data:
        raise InvalidInput(
            "file: empty",
            key="reports.error.file_empty",
            where_key="error.where.field",
            where_params={"field": "file"},
        )
    if len(data) > limit:
        raise InvalidInput(
            f"file: larger than {limit // (1024 * 1024)} MB",
            key="reports.error.file_too_large",
            params={"limit": limit // (1024 * 1024)},
            where_key="error.where.field",
            where_params={"field": "file"},
        )
    declared = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    found = sniff_format(data, declared)
    if found not in formats:
        raise InvalidInput(
            f"file: a {found.upper()} file; this report takes {', '.join(formats)}",
            key="reports.error.file_format",
            params={"value": found.upper(), "formats": ", ".join(formats)},
            where_key="error.where.field",
            where_params={"field": "file"},
        )
    if declared and declared != found:
        raise InvalidInput(
            f"file: named .{declared} but its content is {found.upper()}",
            key="reports.error.file_mismatch",
            params={"declared": declared, "value": found.upper()},
            where_key="error.where.field",
            where_params={"field": "file"},
        )
    return found


def store_report_file(
    connection: Connection,
    *,
    workspace_id: int,
    run_id: int,
    file_format: str,
    file_name: str,
    data: bytes,
    now: datetime,
) -> ReportFile:
    """Write ``data`` under the reports folder and record it for the run."""
    relative = f"{workspace_id}/{run_id}/{secrets.token_hex(12)}.{file_format}"
    report_store().put(relative, data, CONTENT_TYPES[file_format])
    new_id = connection.execute(
        insert(report_files).values(
            workspace_id=workspace_id,
            run_id=run_id,
            format=file_format,
            file_name=report_file_name(file_name, file_format),
            content_type=CONTENT_TYPES[file_format],
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            path=relative,
            created_at=now,
        )
    ).inserted_primary_key
    assert new_id is not None
    return get_file(connection, workspace_id, int(new_id[0]))


def _stored(row: Any) -> ReportFile:
    return ReportFile(
        row.id,
        row.run_id,
        row.format,
        row.file_name,
        row.content_type,
        row.size,
        row.sha256,
        row.path,
        row.created_at,
    )


def get_file(connection: Connection, workspace_id: int, file_id: int) -> ReportFile:
    """A file of the workspace's runs."""
    row = connection.execute(
        select(report_files).where(
            report_files.c.id == file_id, report_files.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no report file {file_id}", key="reports.error.no_file", params={"file_id": file_id}
        )
    return _stored(row)


def files_of(connection: Connection, run_ids: list[int]) -> dict[int, list[ReportFile]]:
    """The files of runs, by run id, oldest first."""
    found: dict[int, list[ReportFile]] = {run_id: [] for run_id in run_ids}
    if not run_ids:
        return found
    rows = connection.execute(
        select(report_files).where(report_files.c.run_id.in_(run_ids)).order_by(report_files.c.id)
    )
    for row in rows:
        found[row.run_id].append(_stored(row))
    return found


def read_report_file(stored: ReportFile) -> bytes:
    """The bytes of a stored file."""
    try:
        return report_store().get(stored.path)
    except NotFound:
        raise NotFound(
            f"report file {stored.id} is missing from the file store",
            key="reports.error.file_missing",
            params={"id": stored.id},
        ) from None
