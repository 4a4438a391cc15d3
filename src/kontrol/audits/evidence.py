"""Evidence files of audit answers: checked, named safely, kept outside the database.

Uploads are untrusted. A file is accepted only when its bytes are an image
(JPEG, PNG, GIF, WebP), a PDF or audio (MP3, WAV, OGG, M4A); the type is
sniffed from the bytes and the name the browser sent is only used, cleaned, as
the download name. Files are kept by a random key, never by their name, in
``settings.evidence_dir`` or in the S3-compatible bucket the settings name
(``kontrol.uploads.file_store``), and deleted with their answer's audit. They are served
as attachments with ``nosniff``; only a verified image is shown inline.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import aliased

from kontrol.domain.clock import utcnow
from kontrol.domain.errors import NotFound
from kontrol.improvement.messages import KeyedInvalid
from kontrol.settings import current_settings
from kontrol.store.tables import audit_evidence, users
from kontrol.uploads import EXTENSIONS, IMAGES, FileStore, file_store, safe_name, sniff

# What an audit accepts as evidence: photos and screenshots, documents, recordings.
ACCEPTED = (*IMAGES, "application/pdf", "audio/mpeg", "audio/wav", "audio/ogg", "audio/mp4")


def evidence_store() -> FileStore:
    """Where evidence files are kept: the evidence folder or the bucket, by setting."""
    return file_store("evidence", current_settings().evidence_dir)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One stored evidence file."""

    id: int
    audit_id: int
    item_key: str
    subject: str
    filename: str
    content_type: str
    size: int
    storage_key: str
    uploaded_by: str | None
    uploaded_at: datetime

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGES

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "item": self.item_key,
            "subject": self.subject,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "uploaded_by": self.uploaded_by,
            "uploaded_at": self.uploaded_at.isoformat(),
            "url": f"/audits/{self.audit_id}/evidence/{self.id}",
        }


def _evidence(row: Any) -> Evidence:
    return Evidence(
        id=int(row.id),
        audit_id=int(row.audit_id),
        item_key=row.item_key,
        subject=row.subject,
        filename=row.filename,
        content_type=row.content_type,
        size=int(row.size),
        storage_key=row.storage_key,
        uploaded_by=row.uploader,
        uploaded_at=row.uploaded_at,
    )


def _query() -> Any:
    uploader = aliased(users)
    return select(audit_evidence, uploader.c.display_name.label("uploader")).select_from(
        audit_evidence.outerjoin(uploader, uploader.c.id == audit_evidence.c.uploaded_by)
    )


def evidence_of(connection: Connection, audit_id: int) -> list[Evidence]:
    """Every evidence file of one audit, oldest first."""
    rows = connection.execute(
        _query().where(audit_evidence.c.audit_id == audit_id).order_by(audit_evidence.c.id)
    )
    return [_evidence(row) for row in rows]


def one_evidence(connection: Connection, audit_id: int, evidence_id: int) -> Evidence:
    """One evidence file of an audit (the caller has checked the audit is the viewer's)."""
    row = connection.execute(
        _query().where(audit_evidence.c.id == evidence_id, audit_evidence.c.audit_id == audit_id)
    ).first()
    if row is None:
        raise NotFound(
            f"no evidence {evidence_id}",
            key="audits.error.no_evidence",
            params={"evidence_id": evidence_id},
        )
    return _evidence(row)


def store_file(
    connection: Connection,
    *,
    workspace_id: int,
    audit_id: int,
    item_key: str,
    subject: str,
    filename: str,
    data: bytes,
    user_id: int | None,
) -> Evidence:
    """Check and keep one uploaded file; its row is written in the caller's transaction."""
    limit = current_settings().evidence_max_bytes
    if not data:
        raise KeyedInvalid("audits.error.file_empty", "file")
    if len(data) > limit:
        raise KeyedInvalid("audits.error.file_too_big", "file", limit=limit // (1024 * 1024))
    content_type = sniff(data)
    if content_type not in ACCEPTED:
        raise KeyedInvalid("audits.error.file_type", "file")
    key = f"{workspace_id}/{audit_id}/{secrets.token_hex(16)}{EXTENSIONS[content_type]}"
    store = evidence_store()
    store.put(key, data, content_type)
    try:
        new_id = connection.execute(
            audit_evidence.insert().values(
                audit_id=audit_id,
                item_key=item_key,
                subject=subject,
                filename=safe_name(filename, content_type, default="evidence"),
                content_type=content_type,
                size=len(data),
                storage_key=key,
                uploaded_by=user_id,
                uploaded_at=utcnow(),
            )
        ).inserted_primary_key
    except Exception:
        # The row was not written: the file must not outlive it.
        store.delete(key)
        raise
    assert new_id is not None
    return one_evidence(connection, audit_id, int(new_id[0]))


def read_file(item: Evidence) -> bytes:
    """The bytes of an evidence file."""
    return evidence_store().get(item.storage_key)


def remove_files(keys: list[str]) -> None:
    """Delete stored files (after their rows went); a file already gone is no error."""
    store = evidence_store()
    for key in keys:
        store.delete(key)


def delete_one(connection: Connection, item: Evidence) -> None:
    """Delete one evidence file and its row."""
    connection.execute(audit_evidence.delete().where(audit_evidence.c.id == item.id))
    remove_files([item.storage_key])


def storage_keys(connection: Connection, audit_id: int) -> list[str]:
    """The stored files of one audit, to remove with it."""
    return [
        row.storage_key
        for row in connection.execute(
            select(audit_evidence.c.storage_key).where(audit_evidence.c.audit_id == audit_id)
        )
    ]
