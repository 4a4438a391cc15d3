"""Rejected records: listed, exported for fixing, closed when a fixed record lands."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from kontrol.accounts.workspaces import Workspace
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
) -> Iterator[StoredReject]:
    """Rejects of the workspace, oldest first."""
    query = select(import_rejects).where(import_rejects.c.workspace_id == workspace.id)
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
