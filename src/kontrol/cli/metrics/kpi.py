"""The kpi and rollup commands: KPIs of the database or of files, and their rebuild."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, fail, open_workspace, reports_errors

# Commands without a group: main.py puts them on the root command as they are.
commands = typer.Typer()


def comma_list(value: str | None) -> list[str]:
    """The non-empty, stripped parts of a comma-separated option."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option}: expected YYYY-MM-DD, got {value!r}") from None


def _filters(values: list[str] | None) -> dict[str, str]:
    found = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise fail(f"--filter: expected NAME=VALUE, got {item!r}")
        found[name.strip()] = value.strip()
    return found


@commands.command()
@reports_errors
def kpi(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Interchange files; without files, the database (--db) is used."),
    ] = None,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    by: Annotated[
        str | None, typer.Option(help="Group by: agent,team,channel,topic,language.")
    ] = None,
    period: Annotated[str | None, typer.Option(help="day, week, month or quarter.")] = None,
    metrics: Annotated[
        str | None, typer.Option(help="Metric ids, comma-separated (default: all).")
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="First local day, YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last local day, YYYY-MM-DD.")] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option("--filter", help="Only rows where NAME=VALUE (agent, team, channel, …)."),
    ] = None,
    timezone: Annotated[
        str, typer.Option(help="With files: the time zone of periods and offset-less times.")
    ] = "UTC",
    output: Annotated[str, typer.Option("--format", help="json, csv or table.")] = "json",
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="Count from the per-interaction facts: exact medians and p90 at any size "
            "(slower). Files are always exact.",
        ),
    ] = False,
) -> None:
    """KPIs (spec/METRICS.md) of the database, or of files through a temporary database."""
    from kontrol.cli.metrics.output import as_csv, as_json, as_table
    from kontrol.metrics.kpis import chosen_metrics, compute, kpi_for_files
    from kontrol.metrics.targets import Target, list_targets

    if output not in ("json", "csv", "table"):
        raise fail(f"--format: json, csv or table, not {output!r}")
    request = {
        "metrics": comma_list(metrics) or None,
        "by": comma_list(by),
        "period": period,
        "date_from": _day(date_from, "--from"),
        "date_to": _day(date_to, "--to"),
        "filters": _filters(filters),
    }
    targets: list[Target] = []
    if files:
        for path in files:
            if not path.exists():
                raise fail(f"{path}: no such file")
        from kontrol.cli.progress import file_progress

        with file_progress() as progress:
            rows, problems = kpi_for_files(
                files,
                timezone=timezone,
                progress=progress,
                **request,  # type: ignore[arg-type]
            )
        for problem in problems[:20]:
            typer.echo(f"rejected: {problem}", err=True)
        if len(problems) > 20:
            typer.echo(f"rejected: … {len(problems) - 20} more", err=True)
    else:
        engine, target = open_workspace(db, workspace)
        with engine.connect() as connection:
            rows = compute(
                connection,
                workspace=target,
                exact=True if exact else None,
                **request,  # type: ignore[arg-type]
            )
            targets = list_targets(connection, target)
    if output == "json":
        typer.echo(as_json(rows))
    elif output == "csv":
        typer.echo(as_csv(rows), nl=False)
    else:
        selected = chosen_metrics(request["metrics"])  # type: ignore[arg-type]
        typer.echo(
            as_table(rows, selected, targets=targets, period=period, colour=sys.stdout.isatty())
        )


@commands.command()
@reports_errors
def rollup(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Recompute the per-interaction facts and the daily rollups KPIs are counted from."""
    import time

    from kontrol.metrics.facts import rebuild

    engine, target = open_workspace(db, workspace)
    started = time.perf_counter()
    facts, orders = rebuild(engine, target.id)
    took = time.perf_counter() - started
    typer.echo(
        f"{facts} interaction facts and {orders} order facts rebuilt "
        f"(with the daily rollups) in {took:.1f} s"
    )
