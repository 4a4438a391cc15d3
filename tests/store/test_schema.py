"""The migrations build exactly the tables the application declares, on both databases.

An empty database is migrated to the newest revision (the ``database_url``
fixture) and every table of ``metadata`` is compared with what the database
reports: its columns (name, kind of type, string length, nullability), primary
key, indexes, unique constraints and foreign keys. Any difference fails, naming
the table and what differs, so a table definition and its migration cannot drift.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Inspector,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.types import TypeEngine

from kontrol.store.database import make_engine
from kontrol.store.tables import metadata

# Made by the migrations and not declared as tables, each for its reason: Alembic's
# own bookkeeping, and full-text search (FTS5 tables and their shadow tables on
# SQLite, expression indexes on PostgreSQL) that Core tables cannot express.
UNDECLARED_TABLES = {"alembic_version"}
UNDECLARED_TABLE_PREFIXES = ("messages_fts", "surveys_fts")
# PostgreSQL only: full-text expression indexes, and text_pattern_ops indexes for a
# search by an id's first characters (SQLite uses the declared indexes for that).
UNDECLARED_INDEXES = {
    ("messages", "ix_messages_text_fts"),
    ("surveys", "ix_surveys_comment_fts"),
    ("interactions", "ix_interactions_ws_external_id_prefix"),
    ("interactions", "ix_interactions_ws_customer_id_prefix"),
}

# Most specific first: Boolean and JSON are not Integer or String subclasses, but
# the order keeps the answer obvious.
_KINDS: tuple[tuple[type[TypeEngine[Any]], str], ...] = (
    (Boolean, "boolean"),
    (JSON, "json"),
    (DateTime, "datetime"),
    (Date, "date"),
    (Float, "float"),
    (Integer, "integer"),
    (String, "string"),
    (LargeBinary, "binary"),
)


def _kind(column_type: TypeEngine[Any]) -> tuple[str, int | None]:
    """The kind of a column type and its length (strings only)."""
    for base, name in _KINDS:
        if isinstance(column_type, base):
            length = getattr(column_type, "length", None) if name == "string" else None
            return name, length
    return type(column_type).__name__, None


def _declared(table: Table) -> dict[str, Any]:
    indexes = {
        (index.name, tuple(column.name for column in index.columns), bool(index.unique))
        for index in table.indexes
        if isinstance(index, Index)
    }
    unique = {
        tuple(column.name for column in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    }
    # unique=True on a column is a one-column unique constraint.
    unique |= {(column.name,) for column in table.columns if column.unique}
    foreign_keys = {
        (
            tuple(element.parent.name for element in fk.elements),
            fk.referred_table.name,
            tuple(element.column.name for element in fk.elements),
            (fk.ondelete or "NO ACTION").upper(),
        )
        for fk in table.foreign_key_constraints
    }
    return {
        "columns": {
            column.name: (*_kind(column.type), bool(column.nullable)) for column in table.columns
        },
        "primary key": tuple(column.name for column in table.primary_key.columns),
        "indexes": indexes,
        "unique": unique,
        "foreign keys": foreign_keys,
    }


def _migrated(inspector: Inspector, name: str) -> dict[str, Any]:
    indexes = {
        (index["name"], tuple(index["column_names"]), bool(index["unique"]))
        for index in inspector.get_indexes(name)
        # PostgreSQL lists the index behind each unique constraint too.
        if "duplicates_constraint" not in index and (name, index["name"]) not in UNDECLARED_INDEXES
    }
    unique = {tuple(item["column_names"]) for item in inspector.get_unique_constraints(name)}
    foreign_keys = {
        (
            tuple(fk["constrained_columns"]),
            fk["referred_table"],
            tuple(fk["referred_columns"]),
            (fk["options"].get("ondelete") or "NO ACTION").upper(),
        )
        for fk in inspector.get_foreign_keys(name)
    }
    return {
        "columns": {
            column["name"]: (*_kind(column["type"]), bool(column["nullable"]))
            for column in inspector.get_columns(name)
        },
        "primary key": tuple(inspector.get_pk_constraint(name)["constrained_columns"]),
        "indexes": indexes,
        "unique": unique,
        "foreign keys": foreign_keys,
    }


def _differences(declared: dict[str, Any], migrated: dict[str, Any]) -> list[str]:
    found = []
    columns_declared, columns_migrated = declared["columns"], migrated["columns"]
    for name in sorted(set(columns_declared) | set(columns_migrated)):
        if columns_declared.get(name) != columns_migrated.get(name):
            found.append(
                f"column {name}: declared {columns_declared.get(name)}, "
                f"migrated {columns_migrated.get(name)}"
            )
    for part in ("primary key", "indexes", "unique", "foreign keys"):
        if part == "primary key":
            if declared[part] != migrated[part]:
                found.append(f"primary key: declared {declared[part]}, migrated {migrated[part]}")
            continue
        for item in sorted(declared[part] - migrated[part], key=str):
            found.append(f"{part}: declared but not migrated {item}")
        for item in sorted(migrated[part] - declared[part], key=str):
            found.append(f"{part}: migrated but not declared {item}")
    return found


def test_every_declared_table_is_migrated_exactly(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            present = set(inspector.get_table_names())
            report: dict[str, list[str]] = {}
            for name, table in sorted(metadata.tables.items()):
                if name not in present:
                    report[name] = ["not created by the migrations"]
                    continue
                differences = _differences(_declared(table), _migrated(inspector, name))
                if differences:
                    report[name] = differences
    finally:
        engine.dispose()
    assert report == {}


def test_the_migrations_make_no_undeclared_table(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    extra = {
        name
        for name in present - set(metadata.tables) - UNDECLARED_TABLES
        if not name.startswith(UNDECLARED_TABLE_PREFIXES)
    }
    assert extra == set()
