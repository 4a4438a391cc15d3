"""The demo command: realistic demo data and demo logins."""

from __future__ import annotations

from typing import Annotated

import typer

from kontrol.accounts.installation import database_url, initialize
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, reports_errors

# Commands without a group: main.py puts them on the root command as they are.
commands = typer.Typer()


@commands.command()
@reports_errors
def demo(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    seed: Annotated[int, typer.Option(help="Seed of the generator.")] = 42,
    count: Annotated[int, typer.Option(help="How many interactions.")] = 400,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the workspace has data.")
    ] = False,
) -> None:
    """Generate realistic demo data and demo logins (known passwords: demo only)."""
    from kontrol.accounts.workspaces import ensure_workspace
    from kontrol.demo.seeding import DEMO_LOGINS, has_interactions, load_demo

    engine = initialize(database_url(db))
    target = ensure_workspace(engine, workspace, "Europe/Moscow")
    if if_empty and has_interactions(engine, target):
        typer.echo(f"workspace {target.name!r} has data already; demo data not loaded")
    else:
        from pathlib import Path

        from kontrol.settings import current_settings

        recordings = Path(current_settings().recordings_dir)
        report = load_demo(engine, target, seed=seed, count=count, recordings=recordings)
        typer.echo(f"demo data: {report.imported} records imported into workspace {target.name!r}")
    typer.echo("demo logins (username / password):")
    for login in DEMO_LOGINS:
        typer.echo(
            f"  {login.username} / {login.password}  ({login.role.value}: {login.display_name})"
        )
