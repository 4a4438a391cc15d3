"""The demo command: realistic demo data and demo logins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from kontrol.accounts.installation import database_url, initialize
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, reports_errors
from kontrol.domain.errors import InvalidInput

# Commands without a group: main.py puts them on the root command as they are.
commands = typer.Typer()
DEMO_TIMEZONE = "Europe/Moscow"


def _last_day(text: str | None) -> date:
    """The demo's last day: ``--end`` or today in the demo's time zone."""
    if text is None:
        return datetime.now(ZoneInfo(DEMO_TIMEZONE)).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"--end: a date as YYYY-MM-DD, not {text!r}", key="cli.error.end", params={"text": text}
        ) from None


@commands.command()
@reports_errors
def demo(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    seed: Annotated[int, typer.Option(help="Seed of the generator.")] = 42,
    size: Annotated[
        str,
        typer.Option(
            help="centre: a 60-seat contact centre, about 30 agents in four teams over six "
            "months (12,000 contacts); small: ten agents, 400 contacts over three months "
            "(the tests' world)."
        ),
    ] = "centre",
    count: Annotated[
        int | None, typer.Option(help="How many interactions (default: the size's own).")
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the workspace has data.")
    ] = False,
    end: Annotated[
        str | None,
        typer.Option(
            help="Last day of the conversations, YYYY-MM-DD (default: today in Moscow), "
            "for reproducible demo data."
        ),
    ] = None,
) -> None:
    """Generate realistic demo data and demo logins (known passwords: demo only)."""
    from kontrol.accounts.workspaces import ensure_workspace, set_timezone
    from kontrol.demo.seeding import DEMO_LOGINS, has_interactions, load_demo
    from kontrol.demo.sizes import SIZES

    last_day = _last_day(end)
    if size not in SIZES:
        raise InvalidInput(
            f"--size: one of {', '.join(SIZES)}, not {size!r}",
            key="cli.error.size",
            params={"sizes": ", ".join(SIZES), "size": size},
        )
    engine = initialize(database_url(db))
    target = ensure_workspace(engine, workspace, DEMO_TIMEZONE)
    if if_empty and has_interactions(engine, target):
        typer.echo(f"workspace {target.name!r} has data already; demo data not loaded")
    else:
        from pathlib import Path

        from kontrol.settings import current_settings

        if not has_interactions(engine, target):
            # The demo centre is in Moscow: days, weeks and charts in its local time.
            target = set_timezone(engine, target, DEMO_TIMEZONE)
        recordings = Path(current_settings().recordings_dir)
        report = load_demo(
            engine,
            target,
            seed=seed,
            count=count,
            recordings=recordings,
            end=last_day,
            size=SIZES[size],
        )
        typer.echo(f"demo data: {report.imported} records imported into workspace {target.name!r}")
    typer.echo("demo logins (username / password):")
    for login in DEMO_LOGINS:
        typer.echo(
            f"  {login.username} / {login.password}  ({login.role.value}: {login.display_name})"
        )
