"""The target commands: KPI targets with their warning level and owner."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from kontrol.accounts.installation import database_url, open_database
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, reports_errors

target_app = typer.Typer(help="KPI targets: goal, warning level, owner.", no_args_is_help=True)


@target_app.command("set")
@reports_errors
def target_set(
    metric: Annotated[str, typer.Argument(help="Metric id, e.g. sla.")],
    target: Annotated[float, typer.Option(help="The value to reach.")],
    warning: Annotated[float, typer.Option(help="Beyond this the value is bad.")],
    owner: Annotated[str, typer.Option(help="Who answers for it.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    scope: Annotated[str, typer.Option(help="company, team, agent or channel.")] = "company",
    value: Annotated[
        str | None, typer.Option(help="The team, agent id or channel of the scope.")
    ] = None,
    direction: Annotated[
        str | None, typer.Option(help="higher or lower is better (default: the metric's).")
    ] = None,
    period: Annotated[str, typer.Option(help="day, week, month or quarter.")] = "month",
) -> None:
    """Set the target of a metric for a scope and period (replaces an existing one)."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.metrics.targets import save_target

    engine = open_database(database_url(db))
    with engine.begin() as connection:
        saved = save_target(
            connection,
            find_workspace(connection, workspace),
            metric=metric,
            scope=scope,
            scope_value=value,
            target=target,
            warning=warning,
            direction=direction,
            owner=owner,
            period=period,
        )
    typer.echo(
        f"target {saved.id}: {saved.metric} {saved.scope} {saved.scope_value or ''} "
        f"{saved.direction} is better, target {saved.target:g}, warning {saved.warning:g}, "
        f"per {saved.period}, owner {saved.owner}"
    )


@target_app.command("list")
@reports_errors
def target_list(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List the targets of a workspace."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.metrics.targets import list_targets

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        for item in list_targets(connection, find_workspace(connection, workspace)):
            if as_json:
                typer.echo(json.dumps(item.as_json(), ensure_ascii=False))
            else:
                typer.echo(
                    f"{item.id}\t{item.metric}\t{item.scope}\t{item.scope_value or ''}\t"
                    f"{item.direction}\t{item.target:g}\t{item.warning:g}\t{item.period}\t"
                    f"{item.owner}"
                )


@target_app.command("delete")
@reports_errors
def target_delete(
    target_id: int, db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE
) -> None:
    """Delete a target by id."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.metrics.targets import delete_target

    engine = open_database(database_url(db))
    with engine.begin() as connection:
        delete_target(connection, find_workspace(connection, workspace), target_id)
    typer.echo(f"target {target_id} deleted")
