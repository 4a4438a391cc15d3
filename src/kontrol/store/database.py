"""The engine: one place that knows SQLite from PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, false, update
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

from kontrol.store.tables import app_settings


def normalize_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``postgresql://``) and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def is_sqlite(engine: Engine) -> bool:
    """True for the embedded database."""
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode and foreign keys on every connection."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def hold_write_lock(connection: Connection) -> None:
    """SQLite: take the database's write lock now, not at the first write.

    pysqlite runs SELECTs before the first write outside any transaction, so
    what they read could be stale by the time it is written (two pushes for one
    customer would each compute facts that miss the other), and a transaction
    that has read cannot take the lock once another writer has committed.
    Holding it from the start makes every later read see the latest commit.
    An UPDATE that matches nothing takes the lock and changes no row. A no-op on
    PostgreSQL, where row locks and advisory locks serve.
    """
    if connection.dialect.name == "sqlite":
        connection.execute(update(app_settings).where(false()).values(value=app_settings.c.value))
