"""The serve command: the web app and the JSON API."""

from __future__ import annotations

from typing import Annotated

import typer

from kontrol.accounts.installation import database_url, open_database
from kontrol.cli.options import DbOption, reports_errors

# Commands without a group: main.py puts them on the root command as they are.
commands = typer.Typer()


@commands.command()
@reports_errors
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo_mode: Annotated[
        bool, typer.Option("--demo", help="Show the demo logins on the login page.")
    ] = False,
    workers: Annotated[
        int, typer.Option(help="Web processes (more than 1 needs PostgreSQL to pay off).")
    ] = 1,
) -> None:
    """Serve the web app and the JSON API."""
    import os

    import uvicorn

    from kontrol.web.app import create_app

    url = database_url(db)
    typer.echo(f"Kontrol is at http://{host}:{port}/  (database: {url})")
    if workers > 1:
        # Each process builds its own app from the environment; migrate once, here.
        open_database(url).dispose()
        os.environ["KONTROL_DATABASE_URL"] = url
        if demo_mode:
            os.environ["KONTROL_DEMO"] = "true"
        uvicorn.run(
            "kontrol.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
        )
        return
    application = create_app(url, demo=demo_mode or None)
    uvicorn.run(application, host=host, port=port, log_level="info")
