"""Rejected records: stored with their reason, listed, exported for fixing, closed
when a fixed record lands."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, tuple_, update

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.ingest.batches import ImportState
from kontrol.ingest.registry import SourceRecord
from kontrol.ingest.schema import RecordError
from kontrol.store.tables import import_rejects


@dataclass(frozen=True)
class StoredReject:
    """A reject as kept in the database."""

    id: int
    file: str
    line: int
    field: str | None
    error: str
    raw: str
    created_at: datetime
    resolved: bool
    batch_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """A JSON form for the CLI and the API."""
        return {
            "id": self.id,
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "error": self.error,
            "raw": self.raw,
            "created_at": self.created_at.isoformat(),
            "resolved": self.resolved,
        }


def list_rejects(
    connection: Connection,
    workspace: Workspace,
    *,
    include_resolved: bool = False,
    limit: int | None = None,
    offset: int = 0,
    batch_id: int | None = None,
) -> Iterator[StoredReject]:
    """Rejects of the workspace (of one import with ``batch_id``), oldest first."""
    query = select(import_rejects).where(import_rejects.c.workspace_id == workspace.id)
    if batch_id is not None:
        query = query.where(import_rejects.c.batch_id == batch_id)
    if not include_resolved:
        query = query.where(import_rejects.c.resolved_at.is_(None))
    query = query.order_by(import_rejects.c.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    for row in connection.execute(query):
        yield StoredReject(
            row.id,
            row.file,
            row.line,
            row.field,
            row.error,
            row.raw,
            row.created_at,
            row.resolved_at is not None,
            row.batch_id,
        )


def count_open_rejects(connection: Connection, workspace: Workspace) -> int:
    """How many rejects wait to be fixed."""
    return int(
        connection.execute(
            select(func.count())
            .select_from(import_rejects)
            .where(
                import_rejects.c.workspace_id == workspace.id,
                import_rejects.c.resolved_at.is_(None),
            )
        ).scalar_one()
    )


def reject_key(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(record_source, record_id)`` under which a reject is closed by a fixed record.

    Interactions use their own ``(source, id)``; the other kinds get a prefixed
    source so that an order ``o-1`` never closes the reject of interaction ``o-1``.
    A survey is known by the interaction it rates; ``*`` stands for "no source given".
    """

    def text(name: str) -> str | None:
        value = data.get(name)
        return value if isinstance(value, str) and value else None

    kind = data.get("kind", "interaction")
    if kind == "agent":
        return ("agent", text("id")) if text("id") else (None, None)
    if kind == "survey":
        target = text("interaction_id")
        return (f"survey:{text('source') or '*'}"[:100], target) if target else (None, None)
    record_id = text("id")
    if record_id is None:
        return None, None
    source = text("source") or "import"
    if kind == "order":
        return f"order:{source}"[:100], record_id
    if kind == "work_item":
        return f"work_item:{source}"[:100], record_id
    return source[:100], record_id


def storable_text(text: str) -> str:
    """``text`` with each NUL character (PostgreSQL cannot store it) and each lone
    surrogate (no database can encode it) as U+FFFD.

    A reject keeps the line that holds the NUL (a CSV cell, a raw byte in a
    JSON line) with the character marked, rather than failing its whole batch;
    an ``id`` of ``"\\ud800"`` is refused, and its reject is stored alike.
    """
    return _UNSTORABLE_CHARACTER.sub("\ufffd", text)


_UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def write_rejects(
    connection: Connection, state: ImportState, rejects: list[tuple[SourceRecord, RecordError]]
) -> None:
    """Store a batch's rejects with file, line, field and reason (no twin of an open one)."""
    now = utcnow()
    already = _open_rejects_at(connection, state, [source.line for source, _ in rejects])
    rows = []
    for source, error in rejects:
        raw = storable_text(source.raw)
        if (source.line, raw) in already:
            continue
        record_source, record_id = reject_key(source.data or {})
        rows.append(
            {
                "workspace_id": state.workspace.id,
                "batch_id": state.batch_id,
                "file": state.file_label,
                "line": source.line,
                "field": storable_text(error.field)[:200] if error.field else None,
                "error": storable_text(str(error)),
                "raw": raw,
                "record_source": storable_text(record_source) if record_source else None,
                "record_id": storable_text(record_id)[:200] if record_id else None,
                "created_at": now,
            }
        )
    if rows:
        connection.execute(import_rejects.insert(), rows)


def _open_rejects_at(
    connection: Connection, state: ImportState, lines: list[int]
) -> set[tuple[int, str]]:
    """Open rejects of this file at these lines: importing it again adds no twins."""
    if not state.open_rejects:
        return set()
    found: set[tuple[int, str]] = set()
    for start in range(0, len(lines), 400):
        rows = connection.execute(
            select(import_rejects.c.line, import_rejects.c.raw).where(
                import_rejects.c.workspace_id == state.workspace.id,
                import_rejects.c.file == state.file_label,
                import_rejects.c.resolved_at.is_(None),
                import_rejects.c.line.in_(lines[start : start + 400]),
            )
        )
        found.update((row.line, row.raw) for row in rows)
    return found


def resolve_rejects(
    connection: Connection, state: ImportState, keys: list[tuple[Any, ...]]
) -> None:
    """A record that lands closes the open rejects of the same record."""
    if not state.open_rejects or not keys:
        return
    for start in range(0, len(keys), 400):
        chunk = keys[start : start + 400]
        connection.execute(
            update(import_rejects)
            .where(
                import_rejects.c.workspace_id == state.workspace.id,
                import_rejects.c.resolved_at.is_(None),
                import_rejects.c.batch_id != state.batch_id,
                tuple_(import_rejects.c.record_source, import_rejects.c.record_id).in_(chunk),
            )
            .values(resolved_at=utcnow())
        )
