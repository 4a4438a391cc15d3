"""Writing by natural key: bulk upsert, and one insert that ignores a duplicate.

The upsert skips unchanged rows by their content hash.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Table,
    bindparam,
    func,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError


def is_write_conflict(error: BaseException) -> bool:
    """True for a unique-key collision or a deadlock with a concurrent writer.

    Raised by SQLAlchemy, or by psycopg itself where ``COPY`` runs on the raw
    connection; the transaction is lost and the writer may try again.
    """
    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    state = getattr(getattr(error, "diag", None), "sqlstate", None) or getattr(
        error, "sqlstate", None
    )
    # 23505 unique_violation, 40P01 deadlock_detected, 40001 serialization_failure
    return state in {"23505", "40P01", "40001"}


def insert_ignoring_duplicate(
    connection: Connection, table: Table, values: dict[str, Any], *, unique: Sequence[str]
) -> int | None:
    """Insert one row unless a row with the same ``unique`` columns is stored; its new id.

    None when the row was there already. Two writers racing with one key: the
    unique index lets one row in, the other insert does nothing (no savepoint
    needed, on either database).
    """
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(table.c.id)
    )
    new_id = connection.execute(statement).scalar()
    return None if new_id is None else int(new_id)


def insert_many_ignoring_duplicates(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], *, unique: Sequence[str]
) -> None:
    """Insert ``rows``, leaving out those whose ``unique`` columns another writer stored first.

    For rows recomputed from what is stored (two writers compute the same row), so
    the one that lands is as good as the other.
    """
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=list(unique))
    connection.execute(statement, list(rows))


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
    if connection.dialect.name == "postgresql":
        return _existing_rows_postgresql(connection, table, workspace_id, key_columns, keys)
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


def _existing_rows_postgresql(
    connection: Connection,
    table: Table,
    workspace_id: int,
    key_columns: Sequence[str],
    keys: Sequence[tuple[Any, ...]],
) -> dict[tuple[Any, ...], tuple[int, str | None]]:
    # One array per key column instead of thousands of placeholders: psycopg
    # re-parses every long statement, which cost more than the query itself.
    # "= ANY" on each column keeps to the unique index whatever the statistics
    # say; the exact pairs are picked out here.
    conditions = " AND ".join(
        f"{name} = ANY(CAST(:k{i} AS text[]))" for i, name in enumerate(key_columns)
    )
    query = text(
        f"SELECT id, content_hash, {', '.join(key_columns)} FROM {table.name} "
        f"WHERE workspace_id = :workspace_id AND {conditions}"
    )
    params: dict[str, Any] = {"workspace_id": workspace_id}
    for i in range(len(key_columns)):
        params[f"k{i}"] = list({key[i] for key in keys})
    wanted = set(keys)
    found: dict[tuple[Any, ...], tuple[int, str | None]] = {}
    for row in connection.execute(query, params):
        key = tuple(row[2:])
        if key in wanted:
            found[key] = (row[0], row[1])
    return found


def _insert_returning_ids(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows``; their new ids in the same order.

    On SQLite the caller's transaction must already hold the write lock (it has
    written something): then no other writer can take the ids counted here.
    ``INSERT ... RETURNING`` runs one statement per row there, ten times slower.
    """
    if connection.dialect.name == "sqlite":
        top = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        ids = list(range(int(top) + 1, int(top) + 1 + len(rows)))
        columns = ["id", *[name for name in rows[0] if name != "id"]]
        bulk_insert(
            connection,
            table,
            columns,
            [
                (new_id, *[row[name] for name in columns[1:]])
                for new_id, row in zip(ids, rows, strict=True)
            ],
        )
        return ids
    if connection.dialect.name != "postgresql" or len(rows) <= SMALL_INSERT:
        # A few rows (an API request): one INSERT ... RETURNING is one round trip
        # to the server, where nextval and COPY take three.
        inserted = connection.execute(
            table.insert().returning(table.c.id, sort_by_parameter_order=True), list(rows)
        )
        return list(inserted.scalars())
    # Ids from the sequence, then COPY: a multi-row INSERT ... RETURNING of a
    # thousand wide rows is parsed anew each time and is several times slower.
    ids = list(
        connection.execute(
            text(
                f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": len(rows)},
        ).scalars()
    )
    columns = ["id", *[name for name in rows[0] if name != "id"]]
    values = [
        (new_id, *[row[name] for name in columns[1:]])
        for new_id, row in zip(ids, rows, strict=True)
    ]
    bulk_insert(connection, table, columns, values)
    return ids


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
        new_ids = _insert_returning_ids(connection, table, [row for _, row in fresh])
        for (key, _), new_id in zip(fresh, new_ids, strict=True):
            result.ids[key] = new_id
            result.inserted.append(key)
    if changed:
        # The SET clause is made from the parameter names of the rows.
        connection.execute(table.update().where(table.c.id == bindparam("_id")), changed)
    return result


# Up to this many rows, PostgreSQL gets plain INSERTs instead of COPY (fewer round trips).
SMALL_INSERT = 8
# SQLite binds at most 32766 parameters per statement (since 3.32).
_SQLITE_MAX_PARAMETERS = 32766


def _sqlite_datetime(value: datetime) -> str:
    # SQLAlchemy's storage format for SQLite, written by C code instead of "%" formatting.
    return value.isoformat(" ", "microseconds")


def _sqlite_processor(
    table: Table, name: str, connection: Connection
) -> Callable[[Any], Any] | None:
    column_type = table.c[name].type
    if isinstance(column_type, DateTime) and not column_type.timezone:
        return _sqlite_datetime
    return column_type._cached_bind_processor(connection.dialect)


def bulk_insert(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert many rows (tuples in ``columns`` order) as fast as the database allows.

    PostgreSQL gets ``COPY``. SQLite gets multi-row ``INSERT`` statements: one
    statement per few thousand rows instead of one per row, which matters for
    ``messages``, whose FTS5 trigger is far cheaper inside one statement than
    across thousands (each statement flushes the full-text index).
    """
    if not rows:
        return
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql" and len(rows) <= SMALL_INSERT:
        connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    if connection.dialect.name == "postgresql":
        as_json = [isinstance(table.c[name].type, JSON) for name in columns]
        if any(as_json):
            rows = [
                tuple(
                    json.dumps(value, ensure_ascii=False) if dump and value is not None else value
                    for dump, value in zip(as_json, row, strict=True)
                )
                for row in rows
            ]
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # The column types' own conversions, so values are stored exactly as
    # SQLAlchemy stores them (datetimes as "YYYY-MM-DD HH:MM:SS.ffffff").
    processors = [_sqlite_processor(table, name, connection) for name in columns]
    converted = [(index, process) for index, process in enumerate(processors) if process]
    placeholder = "(" + ", ".join("?" * len(columns)) + ")"
    per_statement = max(1, min(2000, _SQLITE_MAX_PARAMETERS // len(columns)))
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values: list[Any] = []
            for row in chunk:
                if converted:
                    cells = list(row)
                    for index, process in converted:
                        if cells[index] is not None:
                            cells[index] = process(cells[index])
                    values.extend(cells)
                else:
                    values.extend(row)
            statement = f"INSERT INTO {table.name} ({names}) VALUES " + ", ".join(
                [placeholder] * len(chunk)
            )
            cursor.execute(statement, values)
    finally:
        cursor.close()
