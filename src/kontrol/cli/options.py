"""What every command shares: the ``--db`` and ``--workspace`` options and error reporting."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, ParamSpec

import typer

from kontrol.accounts.installation import database_url, open_database
from kontrol.domain.errors import KontrolError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from kontrol.accounts.workspaces import Workspace

P = ParamSpec("P")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default: KONTROL_DATABASE_URL, else sqlite:///kontrol.db).",
        show_default=False,
    ),
]
WorkspaceOption = Annotated[str, typer.Option("--workspace", "-w", help="Workspace name.")]


def reports_errors(command: Callable[P, None]) -> Callable[P, None]:
    """Show a domain error as one line on stderr and exit 2, never a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except KontrolError as error:
            raise fail(str(error)) from None

    return run


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr; the exit to raise, with ``code``."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def open_workspace(db: str | None, workspace: str) -> tuple[Engine, Workspace]:
    """The database of ``--db`` (upgraded if needed) and the workspace named ``workspace``."""
    from kontrol.accounts.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        return engine, find_workspace(connection, workspace)
