"""Commands of review: routing rules and routing now."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, fail, open_workspace, reports_errors
from kontrol.cli.rules_import import rules_report
from kontrol.review.routing.rules import import_routing_rules, routing_rules_as_yaml
from kontrol.review.routing.runs import route_recent, route_scheduled

# Commands without a group: main.py puts them on the root command as they are.
commands = typer.Typer()
review_rules_app = typer.Typer(
    help="Routing rules that fill the review queues (docs/routing.md).", no_args_is_help=True
)


@commands.command("review-route")
@reports_errors
def review_route(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    recent_days: Annotated[
        int,
        typer.Option(
            "--recent-days",
            min=0,
            max=365,
            help="Also run the immediate rules (ratings, critical, complaints) "
            "over the interactions of the last N days.",
        ),
    ] = 0,
) -> None:
    """Run the scheduled routing rules now (random sample, handle time, repeat contact)."""

    engine, target = open_workspace(db, workspace)
    recent = route_recent(engine, target.id, days=recent_days) if recent_days else 0
    report = route_scheduled(engine, workspace_id=target.id)
    typer.echo(f"{report.created + recent} items queued, {report.assigned} waiting items assigned")


@review_rules_app.command("export")
@reports_errors
def review_rules_export(
    file: Annotated[Path, typer.Argument(help="YAML file to write; '-' for the screen.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Write the routing rules of a workspace as YAML (for review-rules import)."""

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        text = routing_rules_as_yaml(connection, target.id)
    if str(file) == "-":
        typer.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        typer.echo(f"routing rules written to {file}")


@review_rules_app.command("import")
@reports_errors
def review_rules_import(
    file: Annotated[Path, typer.Argument(help="Routing rules YAML (docs/routing.md).")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Create or update (by name) routing rules from YAML; exit 1 if a rule was refused."""

    engine, target = open_workspace(db, workspace)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as unreadable:
        raise fail(f"{file}: cannot be read: {unreadable}") from None
    rules_report(import_routing_rules(engine, target.id, text, label=str(file)))
