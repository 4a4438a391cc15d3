"""Commands of the analysis: reasons, bottlenecks, quality beside the business,
the reason taxonomy, training and assignment. Figures are printed as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors

analysis_app = typer.Typer(
    help="Contact reasons, bottlenecks, quality and the business.", no_args_is_help=True
)

PeriodOption = Annotated[str, typer.Option(help="day, week, month or quarter.")]
FromOption = Annotated[
    str | None, typer.Option("--from", help="First day, YYYY-MM-DD (workspace time zone).")
]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (inclusive).")]


def _day(name: str, value: str | None) -> date | None:
    from kontrol.domain.errors import InvalidInput

    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{name}: not a date (YYYY-MM-DD): {value[:20]!r}",
            key="error.not_a_date",
            params={"value": value[:20]},
            where_key="error.where.field",
            where_params={"field": name},
        ) from None


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@analysis_app.command("reasons")
@reports_errors
def reasons_command(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    kind: Annotated[str, typer.Option(help="reason or complaint.")] = "reason",
    period: PeriodOption = "week",
    date_from: FromOption = None,
    date_to: ToOption = None,
) -> None:
    """Per contact reason (or complaint type): share, trend, FCR, repeats, CSAT, cost."""
    from kontrol.analysis.costs import load_costs
    from kontrol.analysis.reasons import reason_rows
    from kontrol.analysis.scope import make_scope
    from kontrol.domain.errors import InvalidInput

    if kind not in ("reason", "complaint"):
        raise InvalidInput("--kind: reason or complaint", key="cli.error.kind")
    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        scope = make_scope(
            connection,
            target.id,
            period=period,
            date_from=_day("--from", date_from),
            date_to=_day("--to", date_to),
        )
        rows = reason_rows(connection, scope, kind=kind, costs=load_costs(connection, target.id))
    _print({"scope": scope.query(), "kind": kind, "rows": [row.as_json() for row in rows]})


@analysis_app.command("bottlenecks")
@reports_errors
def bottlenecks_command(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    period: PeriodOption = "week",
    date_from: FromOption = None,
    date_to: ToOption = None,
) -> None:
    """The findings of the bottlenecks page, the gaps to targets and the channel costs."""
    from kontrol.analysis.bottlenecks import bottlenecks
    from kontrol.analysis.costs import load_costs
    from kontrol.analysis.reasons import reason_rows
    from kontrol.analysis.scope import make_scope

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        scope = make_scope(
            connection,
            target.id,
            period=period,
            date_from=_day("--from", date_from),
            date_to=_day("--to", date_to),
        )
        costs = load_costs(connection, target.id)
        found = bottlenecks(
            connection,
            target,
            scope,
            reasons=reason_rows(connection, scope, costs=costs),
            complaint_types=reason_rows(connection, scope, kind="complaint", costs=costs),
            costs=costs,
        )
    _print(
        {
            "scope": scope.query(),
            "findings": [asdict(f) for f in found.findings],
            "target_gaps": [asdict(g) for g in found.gaps],
            "channels": [asdict(c) for c in found.channels],
        }
    )


@analysis_app.command("business")
@reports_errors
def business_command(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    period: PeriodOption = "week",
    date_from: FromOption = None,
    date_to: ToOption = None,
    max_lag: Annotated[int | None, typer.Option(help="Lags 0..N (default by period).")] = None,
) -> None:
    """Quality beside the business: series, lagged correlations, Granger tests,
    customer outcomes after bad and good contacts, seasonality (association only)."""
    from kontrol.analysis.business import business_view
    from kontrol.analysis.scope import make_scope

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        scope = make_scope(
            connection,
            target.id,
            period=period,
            date_from=_day("--from", date_from),
            date_to=_day("--to", date_to),
            whole_history=True,
        )
        view = business_view(connection, target, scope, max_lag=max_lag)
    _print(view.as_json())


@analysis_app.command("taxonomy")
@reports_errors
def taxonomy_command(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    load: Annotated[
        Path | None, typer.Option("--load", help="Replace the taxonomy with this YAML file.")
    ] = None,
) -> None:
    """Print the reason taxonomy as YAML, or replace it with ``--load FILE``."""
    from kontrol.analysis.assignment import reassign_guesses
    from kontrol.analysis.taxonomy import (
        dump_taxonomy,
        load_taxonomy,
        parse_taxonomy,
        save_taxonomy,
    )
    from kontrol.domain.errors import Unreadable

    engine, target = open_workspace(db, workspace)
    if load is None:
        with engine.connect() as connection:
            typer.echo(dump_taxonomy(load_taxonomy(connection, target.id)), nl=False)
        return
    try:
        text = load.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise Unreadable(
            f"{load}: {error}", key="cli.error.file", params={"load": load, "error": error}
        ) from None
    taxonomy = parse_taxonomy(text, source=str(load))
    with engine.begin() as connection:
        save_taxonomy(connection, target.id, taxonomy)
        count = reassign_guesses(connection, target.id)
    typer.echo(
        f"saved {len(taxonomy.reasons)} reasons, {len(taxonomy.complaints)} complaint types; "
        f"{count} interactions assigned again"
    )


@analysis_app.command("train")
@reports_errors
def train_command(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Learn the reason and complaint-type models now, then assign the guessed reasons again."""
    from kontrol.analysis.assignment import reassign_guesses, train

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        results = train(connection, target.id)
        count = reassign_guesses(connection, target.id)
    _print({"models": [asdict(r) for r in results], "assigned": count})


@analysis_app.command("assign")
@reports_errors
def assign_reasons_command(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    all_: Annotated[
        bool, typer.Option("--all", help="Every interaction, not only new ones.")
    ] = False,
) -> None:
    """Give a reason and complaint type to the interactions that have none (or all)."""
    from kontrol.analysis.assignment import assign_missing, assign_reasons

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        count = (
            assign_reasons(connection, target.id) if all_ else assign_missing(connection, target.id)
        )
    typer.echo(f"assigned {count} interactions")
