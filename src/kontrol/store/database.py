"""The engine: one place that knows SQLite from PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, false, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
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


# The connection whose commit points commit now (a job's, on SQLite), per thread.
_committing: ContextVar[Connection | None] = ContextVar("kontrol_committing", default=None)


@contextmanager
def commit_points(connection: Connection) -> Iterator[None]:
    """While open, :func:`commit_point` on ``connection`` commits (SQLite only).

    The job runner opens it around a run's work. SQLite has one write lock for
    the whole file, held from a transaction's first write to its commit: a
    nightly training that wrote its first model and then computed the next for
    a minute kept every login waiting until SQLite gave up ("database is
    locked", a 503). With commit points, what a long job finished is committed
    before it computes the next part, and the lock is free in between.
    PostgreSQL locks rows, not the database: the run stays one transaction there.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    token = _committing.set(connection)
    try:
        yield
    finally:
        _committing.reset(token)


def commit_point(connection: Connection) -> None:
    """A part of a long job is written: commit it now if the job runner asked for it.

    Only between parts that are recomputations (a model trained again, verdicts
    or reasons assigned again): a run retried after a crash does the remaining
    and the committed parts again, and the result is the same. Elsewhere (a
    request's transaction, a command, PostgreSQL) this does nothing.
    """
    if _committing.get() is not connection or connection.in_nested_transaction():
        return
    # pysqlite begins its transaction at the next write by itself; SQLAlchemy's
    # transaction stays open around it and commits (or rolls back) the rest.
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None:
        dbapi_connection.commit()


# PostgreSQL SQLSTATEs that mean "the server is not there for now": the connection
# exception class, an administrator or crash shutdown, a server still starting.
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03")
# SQLite's words for a file it cannot open or a lock it waited for in vain.
_SQLITE_UNAVAILABLE = ("unable to open database", "database is locked", "disk i/o error")


def database_unavailable(error: BaseException) -> bool:
    """True when ``error`` says the database cannot be reached now, not that a query is wrong.

    The web app answers these with 503 and tries again on the next request
    (the pool checks every connection before lending it).
    """
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError):
        return False
    state = getattr(error.orig, "sqlstate", None)
    if state is not None:
        return any(state.startswith(prefix) for prefix in _UNAVAILABLE_STATES)
    message = str(error.orig).lower()
    if type(error.orig).__module__.startswith("sqlite3"):
        return any(words in message for words in _SQLITE_UNAVAILABLE)
    # psycopg: no SQLSTATE at all means the connection failed or was lost.
    return True
