"""``kontrol backup FILE`` and ``kontrol restore FILE`` (docs/deploy.md, "Backups")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kontrol.accounts.installation import database_url
from kontrol.cli.options import DbOption, reports_errors

# Commands without a group: main.py puts them on the root command as they are.
commands = typer.Typer()


def _echo_summary(action: str, path: Path, migration: str | None, tables: int, rows: int) -> None:
    summary = {action: str(path), "migration": migration, "tables": tables, "rows": rows}
    typer.echo(json.dumps(summary, ensure_ascii=False))


@commands.command()
@reports_errors
def backup(
    file: Annotated[Path, typer.Argument(help="The archive to write (gzip'd JSON lines).")],
    db: DbOption = None,
) -> None:
    """Write every table of the database to FILE: a portable archive of the whole installation.

    Safe while Kontrol runs (PostgreSQL: one consistent snapshot). The archive
    restores into SQLite or PostgreSQL with `kontrol restore`.
    """
    from kontrol.store.backup import write_backup
    from kontrol.store.database import make_engine

    engine = make_engine(database_url(db))
    try:
        done = write_backup(engine, file)
    finally:
        engine.dispose()
    _echo_summary("backup", file, done.migration, done.tables, done.rows)


@commands.command()
@reports_errors
def restore(
    file: Annotated[Path, typer.Argument(help="An archive written by `kontrol backup`.")],
    db: DbOption = None,
) -> None:
    """Load FILE into an EMPTY database (a new one: no tables), then upgrade it to this version.

    Refuses a database that holds any row and an archive from a newer schema
    than this Kontrol knows. All or nothing: a failed restore leaves no rows.
    """
    from kontrol.domain.errors import InvalidInput
    from kontrol.store.backup import restore_backup
    from kontrol.store.database import make_engine

    if not file.is_file():
        raise InvalidInput(f"no such file: {file}", key="cli.error.no_file", params={"file": file})
    engine = make_engine(database_url(db))
    try:
        done = restore_backup(engine, file)
    finally:
        engine.dispose()
    _echo_summary("restored", file, done.migration, done.tables, done.rows)
