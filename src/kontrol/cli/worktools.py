"""Commands of work-tool quality: hygiene rules, checking items, scores and items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import true

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, fail, open_workspace, reports_errors
from kontrol.cli.rules_import import rules_report
from kontrol.domain.clock import utcnow
from kontrol.worktools.evaluation import check_work_items
from kontrol.worktools.items import list_work_items
from kontrol.worktools.rules import export_rules, import_rules_text, list_rules
from kontrol.worktools.scores import GROUPS, WINDOW, load, overall, scores, trend

work_app = typer.Typer(
    help="Work-tool quality: hygiene of CRM deals, tickets and tasks.", no_args_is_help=True
)
rules_app = typer.Typer(help="Hygiene rules (YAML, docs/work-tools.md).", no_args_is_help=True)
work_app.add_typer(rules_app, name="rules")

JsonOption = Annotated[bool, typer.Option("--json", help="JSON instead of a table.")]


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@rules_app.command("import")
@reports_errors
def rules_import(
    file: Annotated[Path, typer.Argument(help="A YAML file of hygiene rules.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Create or update (by name) hygiene rules; exit 1 if a rule was refused."""
    engine, target = open_workspace(db, workspace)
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"{file}: cannot be read ({error.__class__.__name__})") from None
    rules_report(import_rules_text(engine, target.id, text, label=str(file)))


@rules_app.command("export")
@reports_errors
def rules_export(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Print the hygiene rules as YAML (what `work rules import` reads back)."""
    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        typer.echo(export_rules(connection, target.id), nl=False)


@rules_app.command("list")
@reports_errors
def rules_list(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """List the hygiene rules: id, name, kind, types, weight."""
    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        for rule in list_rules(connection, target.id):
            types = ",".join(rule.item_types) or "*"
            state = "" if rule.enabled else " (disabled)"
            typer.echo(f"{rule.id}\t{rule.name}\t{rule.kind}\t{types}\t{rule.weight:g}{state}")


@work_app.command("check")
@reports_errors
def work_check_command(
    db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE, as_json: JsonOption = False
) -> None:
    """Check every work item against the rules now (the recurring job does it hourly)."""
    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        report = check_work_items(connection, target.id)
    if as_json:
        _echo_json(report.as_json())
        return
    typer.echo(
        f"{report.items} items checked: {report.open} violations open, "
        f"{report.opened} new, {report.closed} closed"
    )


@work_app.command("scores")
@reports_errors
def work_scores(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    by: Annotated[str, typer.Option("--by", help="owner or team.")] = "owner",
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=52, help="Weeks of trend.")] = 8,
    as_json: JsonOption = False,
) -> None:
    """Hygiene scores per owner or team now, worst first, and the weekly trend."""
    if by not in GROUPS:
        raise fail("--by: owner or team")
    engine, target = open_workspace(db, workspace)
    now = utcnow()
    with engine.connect() as connection:
        data = load(connection, target.id, true())
    groups = scores(data, by=by, at=now)
    total = overall(data, now)
    points = trend(data, timezone=target.timezone, weeks=weeks, now=now)
    if as_json:
        _echo_json(
            {
                "overall": total.as_json(),
                "groups": [group.as_json() for group in groups],
                "trend": points,
            }
        )
        return
    typer.echo(f"{by}\tscore\titems\twith violations")
    for group in groups:
        typer.echo(
            f"{group.label or '—'}\t{group.score}\t{group.items}\t{group.items - group.clean}"
        )
    typer.echo(f"all\t{total.score}\t{total.items}\t{total.items - total.clean}")
    typer.echo("week\tscore\titems")
    for point in points:
        typer.echo(f"{point['week']}\t{point['score']}\t{point['items']}")


@work_app.command("items")
@reports_errors
def work_items_list(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    owner: Annotated[str | None, typer.Option("--owner", help="Agent id.")] = None,
    team: Annotated[str | None, typer.Option("--team")] = None,
    violations: Annotated[
        bool, typer.Option("--violations", help="Only items breaking a rule.")
    ] = False,
    everything: Annotated[
        bool, typer.Option("--all", help="Also items finished more than 30 days ago.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    as_json: JsonOption = False,
) -> None:
    """Work items with the rules they break, those with violations first (those the scores
    count: open, or finished within 30 days, unless --all)."""
    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        items, total = list_work_items(
            connection,
            target.id,
            true(),
            owner=owner,
            team=team,
            only_violations=violations,
            finished_after=None if everything else utcnow() - WINDOW,
            limit=limit,
        )
    if as_json:
        _echo_json({"total": total, "items": [item.as_json() for item in items]})
        return
    for item in items:
        broken = "; ".join(f"{v.rule} (since {v.since:%Y-%m-%d})" for v in item.open_violations)
        typer.echo(
            f"{item.source}/{item.external_id}\t{item.type}\t{item.owner or '—'}\t"
            f"{item.status}\t{broken or 'ok'}"
        )
    typer.echo(f"{len(items)} of {total} items")
