"""Bulk upsert by natural key, with a content hash so unchanged rows are skipped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, tuple_


@dataclass
class UpsertResult:
    """Row ids by key, and which keys were inserted, updated or left as they were."""

    ids: dict[tuple[Any, ...], int] = field(default_factory=dict)
    inserted: list[tuple[Any, ...]] = field(default_factory=list)
    updated: list[tuple[Any, ...]] = field(default_factory=list)
    unchanged: list[tuple[Any, ...]] = field(default_factory=list)


def existing_rows(
    connection: Connection,
    table: Table,
    workspace_id: int,
    key_columns: Sequence[str],
    keys: Sequence[tuple[Any, ...]],
) -> dict[tuple[Any, ...], tuple[int, str | None]]:
    """``key -> (id, content_hash)`` for the keys already stored."""
    if not keys:
        return {}
    columns = [table.c[name] for name in key_columns]
    found: dict[tuple[Any, ...], tuple[int, str | None]] = {}
    # Chunked so the number of bound parameters stays under every driver's limit.
    for start in range(0, len(keys), 400):
        chunk = keys[start : start + 400]
        condition = (
            columns[0].in_([key[0] for key in chunk])
            if len(columns) == 1
            else tuple_(*columns).in_(chunk)
        )
        rows = connection.execute(
            select(table.c.id, table.c.content_hash, *columns).where(
                table.c.workspace_id == workspace_id, condition
            )
        )
        for row in rows:
            found[tuple(row[2:])] = (row[0], row[1])
    return found


def upsert(
    connection: Connection,
    table: Table,
    workspace_id: int,
    key_columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    *,
    insert_only: Sequence[str] = (),
) -> UpsertResult:
    """Insert new rows and update changed ones, matching on ``key_columns``.

    Every row carries ``workspace_id``, its key columns and ``content_hash``.
    Keys must be unique within ``rows``. Columns in ``insert_only`` (such as
    a first-seen time) are written on insert and never updated.
    """
    result = UpsertResult()
    keyed = [(tuple(row[name] for name in key_columns), row) for row in rows]
    stored = existing_rows(connection, table, workspace_id, key_columns, [k for k, _ in keyed])
    fresh: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    changed: list[dict[str, Any]] = []
    for key, row in keyed:
        previous = stored.get(key)
        if previous is None:
            fresh.append((key, row))
        elif previous[1] == row["content_hash"]:
            result.ids[key] = previous[0]
            result.unchanged.append(key)
        else:
            result.ids[key] = previous[0]
            result.updated.append(key)
            kept = {name: value for name, value in row.items() if name not in insert_only}
            changed.append({**kept, "_id": previous[0]})
    if fresh:
        inserted = connection.execute(
            table.insert().returning(table.c.id, sort_by_parameter_order=True),
            [row for _, row in fresh],
        )
        for (key, _), new_id in zip(fresh, inserted.scalars(), strict=True):
            result.ids[key] = new_id
            result.inserted.append(key)
    if changed:
        # The SET clause is made from the parameter names of the rows.
        connection.execute(table.update().where(table.c.id == bindparam("_id")), changed)
    return result
