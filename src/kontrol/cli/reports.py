"""Commands of the reporting regulation: ``kontrol report list`` and ``kontrol report run``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors

report_app = typer.Typer(
    help="The reporting regulation: reports, runs, deliveries.", no_args_is_help=True
)


@report_app.command("list")
@reports_errors
def report_list(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """List the reports of the regulation with their last run."""
    from kontrol.reports.definitions import list_reports
    from kontrol.reports.runs import runs_of

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        for report in list_reports(connection, target):
            runs = runs_of(connection, report.id, limit=1)
            last = (
                f"{runs[0].status} {runs[0].period_from}..{runs[0].period_to}"
                if runs
                else "never run"
            )
            source = report.kind if report.source == "builtin" else "manual"
            state = "" if report.enabled else " (disabled)"
            typer.echo(
                f"{report.id}\t{report.name}\t{source}\t{report.schedule}\t"
                f"{','.join(report.formats)}\t{last}{state}"
            )


@report_app.command("run")
@reports_errors
def report_run(
    name: Annotated[str, typer.Argument(help="The report's name (see `kontrol report list`).")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the generated files to this folder.")
    ] = None,
) -> None:
    """Generate, check and send a built-in report now (last whole period); exit 1 unless sent."""
    from kontrol.reports.definitions import find_report
    from kontrol.reports.delivery import deliver_run
    from kontrol.reports.files import files_of, read_report_file
    from kontrol.reports.jobs import open_now_run
    from kontrol.reports.runs import get_report_run

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        report = find_report(connection, target, name)
        run = open_now_run(connection, report)
    try:
        status = deliver_run(engine, run.id, target.id)
    except Exception as error:  # noqa: BLE001 - the log has the reason; say it and fail
        typer.echo(f"failed: {error}", err=True)
        status = "failed"
    with engine.connect() as connection:
        finished = get_report_run(connection, target.id, run.id)
        stored = files_of(connection, [run.id])[run.id]
        for line in finished.log:
            typer.echo(f"{line['at']}\t{line['step']}\t{line['detail']}")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            for item in stored:
                (out / item.file_name).write_bytes(read_report_file(item))
                typer.echo(f"wrote {out / item.file_name}")
    typer.echo(f"{report.name}: {status} ({finished.period_from}..{finished.period_to})")
    if status != "sent":
        raise typer.Exit(1)
