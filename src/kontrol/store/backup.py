"""``kontrol backup`` / ``kontrol restore``: a portable archive of every table (docs/deploy.md).

The archive is gzip-compressed JSON lines, the same on SQLite and PostgreSQL,
so a backup of one restores into the other:

1. a header object: ``{"format": "kontrol-backup", "version": 1, "migration":
   "<alembic revision>", "dialect": ..., "created_at": ...}``;
2. per table, in foreign-key order: ``{"table": name, "columns": [[name,
   codec], ...]}``, then one JSON array per row (values in column order,
   encoded by the column's codec), then ``{"end": name, "rows": n}``;
3. a trailer ``{"end_of_archive": true, "tables": n, "rows": n}``; an archive
   without it was cut short and is refused.

Both directions stream: rows are read in batches (server-side cursors on
PostgreSQL) and written as they come, so memory does not grow with the data.
Restore goes into an empty database only, brings it to the archive's
migration first, loads every row in one transaction (all or nothing), sets
PostgreSQL's id sequences past the restored ids, then upgrades to this code's
newest migration. An archive from a newer schema than this code knows is
refused: upgrade Kontrol first.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    Time,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.types import TypeEngine

from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput
from kontrol.store.migrate import current_revision, head_revision, known_revisions, upgrade

ARCHIVE_FORMAT = "kontrol-backup"
ARCHIVE_VERSION = 1
# Rows read from the database and inserted into it at a time.
BATCH_ROWS = 1000
VERSION_TABLE = "alembic_version"
# The tables SQLite's FTS5 keeps for a virtual table.
FTS_SHADOWS = ("data", "idx", "content", "docsize", "config")


@dataclass(frozen=True)
class ArchiveSummary:
    """What a backup wrote or a restore loaded."""

    migration: str | None
    tables: int
    rows: int
    row_counts: dict[str, int]


# -- codecs: how a column's values travel in JSON ------------------------------------------


def _codec_of(column_type: TypeEngine[Any]) -> str:
    if isinstance(column_type, JSON):
        return "json"
    if isinstance(column_type, DateTime):
        return "datetime"
    if isinstance(column_type, Date):
        return "date"
    if isinstance(column_type, Time):
        return "time"
    if isinstance(column_type, LargeBinary):
        return "bytes"
    if isinstance(column_type, Float):
        return "float"
    if isinstance(column_type, Numeric):
        return "decimal"
    return "plain"


def _encode(codec: str, value: Any) -> Any:
    if value is None:
        return None
    if codec == "json":
        return value
    if codec in ("datetime", "date", "time") and hasattr(value, "isoformat"):
        return value.isoformat()
    if codec == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if codec == "decimal":
        return str(value)
    if codec == "float" and isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoder(codec: str, target: TypeEngine[Any]) -> Callable[[Any], Any]:
    aware = isinstance(target, DateTime) and bool(target.timezone)

    def decode(value: Any) -> Any:
        if value is None or codec in ("json", "plain"):
            return value
        if codec == "datetime":
            moment = datetime.fromisoformat(value)
            if aware and moment.tzinfo is None:  # naive values are UTC throughout Kontrol
                moment = moment.replace(tzinfo=UTC)
            return moment
        if codec == "date":
            return date.fromisoformat(value)
        if codec == "time":
            return time.fromisoformat(value)
        if codec == "bytes":
            return base64.b64decode(value)
        if codec == "decimal":
            return Decimal(value)
        if codec == "float":
            return float(value)
        return value

    return decode


# -- backup ------------------------------------------------------------------------------------


def _reflect(connection: Connection) -> MetaData:
    """The database's own tables (SQLite's full-text index is derived: triggers refill it)."""
    derived: set[str] = set()
    if connection.dialect.name == "sqlite":
        virtual = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
        ).scalars()
        for name in virtual:
            derived.add(name)
            derived.update(f"{name}_{part}" for part in FTS_SHADOWS)
    metadata = MetaData()
    metadata.reflect(connection, only=lambda name, _: name not in derived)
    return metadata


def _tables_in_order(metadata: MetaData) -> list[Table]:
    return [table for table in metadata.sorted_tables if table.name != VERSION_TABLE]


def _line(out: IO[str], value: Any) -> None:
    out.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    out.write("\n")


def _rows_of(connection: Connection, table: Table) -> Iterator[Any]:
    order = list(table.primary_key.columns) or list(table.columns)
    query = select(table).order_by(*order)
    result = connection.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(query)
    yield from result


def write_backup(engine: Engine, path: Path) -> ArchiveSummary:
    """Write every table of the database at ``engine`` to the archive ``path``."""
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # One snapshot for the whole archive: rows committed meanwhile are all
            # in it or all out, and foreign keys agree between tables.
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        migration = current_revision(connection)
        if migration is None:
            raise InvalidInput(
                "the database has no Kontrol schema: nothing to back up",
                key="store.error.no_schema",
            )
        metadata = _reflect(connection)
        partial = path.with_name(path.name + ".partial")
        with gzip.open(partial, "wt", encoding="utf-8", compresslevel=6) as out:
            _line(
                out,
                {
                    "format": ARCHIVE_FORMAT,
                    "version": ARCHIVE_VERSION,
                    "migration": migration,
                    "dialect": engine.dialect.name,
                    "created_at": utcnow().isoformat(),
                },
            )
            for table in _tables_in_order(metadata):
                codecs = [(column.name, _codec_of(column.type)) for column in table.columns]
                _line(out, {"table": table.name, "columns": codecs})
                count = 0
                for row in _rows_of(connection, table):
                    values = zip(codecs, row, strict=True)
                    _line(out, [_encode(codec, value) for (_, codec), value in values])
                    count += 1
                _line(out, {"end": table.name, "rows": count})
                counts[table.name] = count
            total = sum(counts.values())
            _line(out, {"end_of_archive": True, "tables": len(counts), "rows": total})
        connection.rollback()
    partial.replace(path)
    return ArchiveSummary(migration, len(counts), sum(counts.values()), counts)


# -- restore -----------------------------------------------------------------------------------


def _read_header(lines: Iterator[str]) -> dict[str, Any]:
    try:
        header = json.loads(next(lines))
    except (StopIteration, json.JSONDecodeError, EOFError, OSError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"not a Kontrol backup: {error or 'the file is empty'}",
            key="store.error.not_backup",
            params={"error": error or "the file is empty"},
        ) from error
    if not isinstance(header, dict) or header.get("format") != ARCHIVE_FORMAT:
        raise InvalidInput(
            "not a Kontrol backup (no kontrol-backup header)", key="store.error.no_header"
        )
    version = header.get("version")
    if not isinstance(version, int) or version > ARCHIVE_VERSION:
        raise InvalidInput(
            f"the backup's format version {version} is newer than this Kontrol reads "
            f"({ARCHIVE_VERSION}): restore it with the Kontrol version that wrote it or newer",
            key="store.error.newer_format",
            params={"version": version, "readable": ARCHIVE_VERSION},
        )
    return header


def _check_migration(migration: Any) -> str:
    if not isinstance(migration, str):
        raise InvalidInput("the backup names no migration", key="store.error.no_migration")
    if migration not in known_revisions():
        raise InvalidInput(
            f"the backup comes from a newer schema (migration {migration}) than this Kontrol "
            f"knows (newest {head_revision()}): upgrade Kontrol, then restore",
            key="store.error.newer_schema",
            params={"migration": migration, "newest": head_revision()},
        )
    return migration


def _rows_in(connection: Connection, metadata: MetaData) -> dict[str, int]:
    return {
        table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
        for table in _tables_in_order(metadata)
    }


def _prepare_target(engine: Engine, migration: str) -> None:
    """Bring an empty database to ``migration``; refuse one that holds anything."""
    with engine.connect() as connection:
        names = set(inspect(connection).get_table_names())
        current = current_revision(connection) if VERSION_TABLE in names else None
        filled = {name: n for name, n in _rows_in(connection, _reflect(connection)).items() if n}
    if filled:
        shown = ", ".join(f"{name} ({count})" for name, count in sorted(filled.items())[:5])
        raise InvalidInput(
            f"the target database is not empty: {shown}: restore into a new, empty database",
            key="store.error.not_empty",
            params={"shown": shown},
        )
    if current is None and names - {VERSION_TABLE}:
        raise InvalidInput(
            "the target database has tables that are not Kontrol's: use a new one",
            key="store.error.foreign_tables",
        )
    if current not in (None, migration):
        raise InvalidInput(
            f"the target database is at migration {current}, the backup at {migration}: "
            "restore into a new database (no tables), which is brought to the backup's migration",
            key="store.error.other_migration",
            params={"current": current, "migration": migration},
        )
    if current is None:
        upgrade(engine, migration)


def _reset_sequences(connection: Connection, metadata: MetaData) -> None:
    if connection.dialect.name != "postgresql":
        return
    for table in _tables_in_order(metadata):
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = connection.execute(
                select(func.pg_get_serial_sequence(table.name, column.name))
            ).scalar_one()
            if sequence is None:
                continue
            highest = connection.execute(select(func.max(column))).scalar_one()
            connection.execute(select(func.setval(sequence, highest or 1, highest is not None)))


def _load_tables(
    connection: Connection, lines: Iterator[str], metadata: MetaData
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for raw in lines:
        entry = json.loads(raw)
        if entry.get("end_of_archive"):
            if entry.get("rows") != sum(counts.values()):
                raise InvalidInput(
                    "the backup's trailer does not match its rows: it is damaged",
                    key="store.error.trailer",
                )
            return counts
        name = entry.get("table")
        if name not in metadata.tables:
            raise InvalidInput(
                f"the backup has a table {name!r} its migration does not have",
                key="store.error.unknown_table",
                params={"name": name},
            )
        table = metadata.tables[name]
        columns: list[tuple[str, str]] = [(str(c), str(k)) for c, k in entry["columns"]]
        missing = [column for column, _ in columns if column not in table.columns]
        if missing:
            raise InvalidInput(
                f"table {name}: columns {missing} are not in the target schema",
                key="store.error.columns",
                params={"name": name, "missing": missing},
            )
        decoders = [_decoder(codec, table.columns[column].type) for column, codec in columns]
        batch: list[dict[str, Any]] = []
        count = 0
        for raw_row in lines:
            row = json.loads(raw_row)
            if isinstance(row, dict):
                if row.get("end") != name or row.get("rows") != count:
                    raise InvalidInput(
                        f"table {name}: the backup is damaged (row count)",
                        key="store.error.row_count",
                        params={"name": name},
                    )
                break
            batch.append(
                {
                    column: decode(value)
                    for (column, _), decode, value in zip(columns, decoders, row, strict=True)
                }
            )
            count += 1
            if len(batch) >= BATCH_ROWS:
                connection.execute(table.insert(), batch)
                batch = []
        else:
            raise InvalidInput(
                f"the backup ends inside table {name}: it was cut short",
                key="store.error.cut_in_table",
                params={"name": name},
            )
        if batch:
            connection.execute(table.insert(), batch)
        counts[name] = count
    raise InvalidInput(
        "the backup was cut short (no end-of-archive line)", key="store.error.cut_short"
    )


def _lines(handle: IO[str]) -> Iterator[str]:
    try:
        for line in handle:
            if line.strip():
                yield line
    except (EOFError, OSError) as error:  # a truncated or corrupt gzip stream
        raise InvalidInput(
            f"the backup file is damaged: {error}",
            key="store.error.file_damaged",
            params={"error": error},
        ) from error


def restore_backup(engine: Engine, path: Path, *, upgrade_after: bool = True) -> ArchiveSummary:
    """Load the archive ``path`` into the empty database at ``engine``."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lines = _lines(handle)
        header = _read_header(lines)
        migration = _check_migration(header.get("migration"))
        _prepare_target(engine, migration)
        with engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                # Rows go in foreign-key order; SQLite checks the keys again at commit.
                connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            metadata = _reflect(connection)
            try:
                counts = _load_tables(connection, lines, metadata)
            except json.JSONDecodeError as error:
                raise InvalidInput(
                    f"the backup is damaged: {error}",
                    key="store.error.damaged",
                    params={"error": error},
                ) from error
            _reset_sequences(connection, metadata)
    if upgrade_after:
        upgrade(engine)
    return ArchiveSummary(migration, len(counts), sum(counts.values()), counts)
