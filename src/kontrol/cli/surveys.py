"""Commands of surveys: single-use links and survey places."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kontrol.accounts.installation import database_url, open_database
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors

survey_app = typer.Typer(help="Customer surveys: links, places and QR codes.", no_args_is_help=True)


@survey_app.command("link")
@reports_errors
def survey_link(
    interaction: Annotated[
        str, typer.Argument(help="The interaction's id (external, else number).")
    ],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    kind: Annotated[str, typer.Option(help="csat, nps or ces.")] = "csat",
    hours: Annotated[int | None, typer.Option(help="Valid for (default 72 h).")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Default: KONTROL_PUBLIC_URL.")
    ] = None,
) -> None:
    """Print a signed, single-use, expiring survey link for one interaction."""
    from kontrol.settings import Settings
    from kontrol.surveys.links import create_link, find_interaction_id

    settings = Settings()
    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        link = create_link(
            connection,
            workspace=target,
            interaction_id=find_interaction_id(connection, target, interaction),
            created_by="cli",
            kind=kind,
            # 0 is a lifetime to refuse, not a missing option.
            hours=settings.survey_link_hours if hours is None else hours,
        )
    typer.echo((base_url or settings.public_url).rstrip("/") + link.path())


@survey_app.command("place")
@reports_errors
def survey_place(
    name: Annotated[str, typer.Argument(help="Where the QR code hangs: a counter, an office.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    kind: Annotated[str, typer.Option(help="csat, nps or ces.")] = "csat",
    language: Annotated[str, typer.Option(help="ru or en.")] = "ru",
    team: Annotated[str | None, typer.Option(help="The team answers count for.")] = None,
    agent: Annotated[str | None, typer.Option(help="The agent answers count for.")] = None,
    qr: Annotated[Path | None, typer.Option(help="Write the QR code here (.png or .svg).")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Default: KONTROL_PUBLIC_URL.")
    ] = None,
) -> None:
    """Create a survey place; print its QR and kiosk addresses (and write the QR code)."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.settings import Settings
    from kontrol.surveys.places import create_place, qr_code

    base = (base_url or Settings().public_url).rstrip("/")
    engine = open_database(database_url(db))
    with engine.begin() as connection:
        place = create_place(
            connection,
            workspace=find_workspace(connection, workspace),
            name=name,
            kind=kind,
            language=language,
            team=team,
            agent_id=agent,
            created_by="cli",
        )
    typer.echo(f"QR code: {base}{place.public_path}")
    typer.echo(f"kiosk:   {base}{place.kiosk_path}")
    if qr is not None:
        fmt = "svg" if qr.suffix.lower() == ".svg" else "png"
        qr.write_bytes(qr_code(base + place.public_path, kind=fmt))
        typer.echo(f"QR code written to {qr}")
