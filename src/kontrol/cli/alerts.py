"""Commands of alerts: alert rules and the periodic check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kontrol.accounts.installation import database_url, open_database
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.alerts.rules import alert_rules_as_yaml, import_alert_rules, list_alert_rules
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors
from kontrol.cli.rules_import import rules_report

alerts_app = typer.Typer(help="Alert rules and the alerts they raise.", no_args_is_help=True)


@alerts_app.command("import")
@reports_errors
def alerts_import(
    file: Annotated[Path, typer.Argument(help="A YAML file of rules (docs/alerts.md).")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Create or update (by name) alert rules from YAML; exit 1 if a rule was refused."""

    engine, target = open_workspace(db, workspace)
    rules_report(import_alert_rules(engine, target, file))


@alerts_app.command("list")
@reports_errors
def alerts_list(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_yaml: Annotated[
        bool, typer.Option("--yaml", help="As a rules file for `alerts import`.")
    ] = False,
) -> None:
    """List the alert rules of a workspace."""

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        if as_yaml:
            typer.echo(alert_rules_as_yaml(connection, target), nl=False)
            return
        for rule in list_alert_rules(connection, target):
            params = ", ".join(f"{k}={v:g}" for k, v in rule.params.items())
            scope = f"team={rule.scope_team or '*'} channel={rule.scope_channel or '*'}"
            recipients = len(rule.webhooks) + len(rule.emails) + len(rule.telegram_chats)
            state = "" if rule.enabled else " (disabled)"
            typer.echo(
                f"{rule.id}\t{rule.name}\t{rule.kind}({params})\t{scope}\t"
                f"{recipients} recipients{state}"
            )


@alerts_app.command("check")
@reports_errors
def alerts_check(db: DbOption = None) -> None:
    """Run the periodic alert kinds (complaints spike) now; run it from cron or a timer."""
    from kontrol.alerts.raising import check_scheduled

    engine = open_database(database_url(db))
    raised = check_scheduled(engine)
    typer.echo(f"{len(raised)} alerts raised")
