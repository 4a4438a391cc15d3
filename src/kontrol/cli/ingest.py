"""Commands of ingest: importing files and the records an import rejected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kontrol.accounts.installation import database_url, open_database
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, fail, reports_errors
from kontrol.domain.errors import KontrolError, Unreadable

# Commands without a group: main.py puts them on the root command as they are.
commands = typer.Typer()
rejects_app = typer.Typer(
    help="Records an import rejected, kept to be fixed.", no_args_is_help=True
)


@commands.command("import")
@reports_errors
def import_(
    files: Annotated[list[Path], typer.Argument(help="JSONL, JSONL.gz or CSV files.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    format_name: Annotated[
        str | None, typer.Option("--format", help="Importer to use (default: by file name).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Import interactions, surveys, agents and orders (spec/FORMAT.md).

    Exit code 0: everything imported; 1: some records were rejected (the rest
    imported); 2: a file could not be read at all.
    """
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.ingest.importing import ImportReport, import_file

    engine = open_database(database_url(db))
    try:
        with engine.connect() as connection:
            target = find_workspace(connection, workspace)
    except KontrolError as error:
        raise fail(str(error)) from None
    total = ImportReport()
    unreadable: list[str] = []
    for path in files:
        try:
            report = import_file(
                engine=engine, workspace=target, path=path, format_name=format_name
            )
        except Unreadable as error:
            unreadable.append(str(error))
            continue
        except KontrolError as error:
            raise fail(str(error)) from None
        total.add(report)
        if not as_json:
            typer.echo(
                f"{path}: {report.imported} imported, {report.updated} updated, "
                f"{report.unchanged} unchanged, {report.rejected} rejected"
            )
            for reject in report.rejects[:20]:
                typer.echo(f"  {reject.file}:{reject.line}: {reject.error}")
            if report.rejected > 20:
                typer.echo(f"  … {report.rejected - 20} more: kontrol rejects list")
    from kontrol.jobs import run_due_jobs

    # Without Redis, the background work the import queued runs here before exiting.
    run_due_jobs(engine)
    for message in unreadable:
        typer.echo(f"error: {message}", err=True)
    if as_json:
        typer.echo(json.dumps(total.as_json(), ensure_ascii=False))
    if unreadable:
        raise typer.Exit(2)
    if total.rejected:
        raise typer.Exit(1)


@rejects_app.command("list")
@reports_errors
def rejects_list(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    include_resolved: Annotated[
        bool, typer.Option("--all", help="Also rejects fixed by a later import.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List rejected records: file, line, field and reason."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.ingest.rejects import list_rejects

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        try:
            target = find_workspace(connection, workspace)
        except KontrolError as error:
            raise fail(str(error)) from None
        for reject in list_rejects(connection, target, include_resolved=include_resolved):
            if as_json:
                typer.echo(json.dumps(reject.as_json(), ensure_ascii=False))
            else:
                state = " (fixed)" if reject.resolved else ""
                typer.echo(f"{reject.file}:{reject.line}: {reject.error}{state}")


@rejects_app.command("export")
@reports_errors
def rejects_export(
    out: Annotated[Path, typer.Argument(help="File to write the original lines to.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Write the original text of open rejects to a file, to fix and import again."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.ingest.rejects import list_rejects

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        try:
            target = find_workspace(connection, workspace)
        except KontrolError as error:
            raise fail(str(error)) from None
        count = 0
        with out.open("w", encoding="utf-8") as handle:
            for reject in list_rejects(connection, target):
                handle.write(reject.raw.rstrip("\n") + "\n")
                count += 1
    typer.echo(f"{count} rejected records written to {out}")
