"""Commands of ingest: importing files and the records an import rejected."""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kontrol.accounts.installation import database_url, open_database
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, fail, reports_errors
from kontrol.domain.errors import KontrolError, Unreadable
from kontrol.ingest.import_report import ImportReport

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from kontrol.accounts.workspaces import Workspace
    from kontrol.ingest.import_report import ImportReport

# Commands without a group: main.py puts them on the root command as they are.
commands = typer.Typer()
rejects_app = typer.Typer(
    help="Records an import rejected, kept to be fixed.", no_args_is_help=True
)


# ``kontrol import`` exit codes (docs/format.md).
EXIT_REJECTS = 1
EXIT_UNREADABLE = 2
EXIT_FAILED = 3


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
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            min=1,
            help="Processes that score what was imported (without Redis; default: 1).",
        ),
    ] = 1,
) -> None:
    """Import interactions, surveys, agents and orders (spec/FORMAT.md).

    Exit code 0: everything imported; 1: some records were rejected (the rest
    imported); 2: a file could not be read (in whole or part-way); 3: the
    import stopped unexpectedly (what was stored before is counted).
    """
    from kontrol.accounts.workspaces import find_workspace

    engine = open_database(database_url(db))
    try:
        with engine.connect() as connection:
            target = find_workspace(connection, workspace)
    except KontrolError as error:
        raise fail(str(error)) from None
    total = ImportReport()
    errors: list[dict[str, str | None]] = []
    failed = False
    try:
        from kontrol.ingest.effects_backlog import drain_backlog

        # Effects an import killed earlier still owes (its claim ran out) come first.
        drain_backlog(engine)
        _import_files(engine, target, files, format_name, total, errors, quiet=as_json)
        from kontrol.jobs.parallel import drain_in_processes

        # Without Redis, the background work the import queued (scoring) runs before
        # exiting, here and in ``jobs - 1`` other processes.
        drain_in_processes(engine, database_url(db), jobs)
        from kontrol.checks.word_cache import save_words

        save_words()  # the dictionaries' answers, for the next command
    except typer.Exit:
        raise
    except Exception as error:
        failed = True
        errors.append(_failure(error))
        typer.echo("".join(traceback.format_exception(error)).rstrip(), err=True)
    for problem in errors:
        where = f"{problem['file']}: " if problem["file"] else ""
        typer.echo(f"error: {where}{problem['error']}", err=True)
    if as_json:
        summary = total.as_json()
        if errors:
            summary["errors"] = errors
        typer.echo(json.dumps(summary, ensure_ascii=False))
    if failed:
        raise typer.Exit(EXIT_FAILED)
    if errors:
        raise typer.Exit(EXIT_UNREADABLE)
    if total.rejected:
        raise typer.Exit(EXIT_REJECTS)


def _import_files(
    engine: Engine,
    target: Workspace,
    files: list[Path],
    format_name: str | None,
    total: ImportReport,
    errors: list[dict[str, str | None]],
    *,
    quiet: bool,
) -> None:
    """Import each file into ``total``; unreadable ones go to ``errors`` and the rest go on."""
    from kontrol.ingest.importing import DamagedFile, ImportFailed, import_file

    for path in files:
        try:
            report = import_file(
                engine=engine, workspace=target, path=path, format_name=format_name
            )
        except DamagedFile as error:
            errors.append({"file": str(path), "error": _without_file(str(error), path)})
            report = error.report
        except Unreadable as error:
            errors.append({"file": str(path), "error": _without_file(str(error), path)})
            continue
        except ImportFailed as error:
            total.add(error.report)
            raise
        except KontrolError as error:
            raise fail(str(error)) from None
        total.add(report)
        if not quiet:
            typer.echo(
                f"{path}: {report.imported} imported, {report.updated} updated, "
                f"{report.unchanged} unchanged, {report.rejected} rejected"
            )
            for reject in report.rejects[:20]:
                typer.echo(f"  {reject.file}:{reject.line}: {reject.error}")
            if report.rejected > 20:
                typer.echo(f"  … {report.rejected - 20} more: kontrol rejects list")


def _without_file(message: str, path: Path) -> str:
    """The error without the leading file name (the summary names the file apart)."""
    return message.removeprefix(f"{path}: ")


def _failure(error: Exception) -> dict[str, str | None]:
    """What the summary says about an unexpected failure, and in which file."""
    from kontrol.ingest.importing import ImportFailed

    cause = error.__cause__ if isinstance(error, ImportFailed) else error
    file = error.file if isinstance(error, ImportFailed) else None
    reason = f"{type(cause).__name__}: {cause}" if cause is not None else str(error)
    return {"file": file, "error": f"the import stopped unexpectedly ({reason})"}


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
