"""Commands of the language-model criteria: import and export YAML, list, ask now."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors

judging_app = typer.Typer(
    help="Criteria answered by a language model (docs/judging.md).", no_args_is_help=True
)


@judging_app.command("list")
@reports_errors
def judging_list(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """The criteria: name, version, mode, the scorecard criterion they answer."""
    from kontrol.judging.criteria import list_criteria

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        found = list_criteria(connection, target.id)
    for c in found:
        mode = "disabled" if not c.enabled else "shadow" if c.shadow else "counted"
        attached = f"{c.scorecard}/{c.criterion}" if c.scorecard else "-"
        typer.echo(f"{c.name}\tv{c.version}\t{mode}\t{attached}\t{c.title}")


@judging_app.command("import")
@reports_errors
def judging_import(
    file: Annotated[Path, typer.Argument(help="A YAML file with 'criteria:'.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Create or update criteria by name from YAML; all or none."""
    from kontrol.judging.criteria import import_criteria_yaml

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        saved = import_criteria_yaml(
            connection,
            target.id,
            file.read_text(encoding="utf-8"),
            user_id=None,
            source=file.name,
        )
    typer.echo(f"{len(saved)} criteria saved: " + ", ".join(c.name for c in saved))


@judging_app.command("export")
@reports_errors
def judging_export(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Every criterion as YAML on stdout."""
    from kontrol.judging.criteria import criteria_yaml, list_criteria

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        typer.echo(criteria_yaml(list_criteria(connection, target.id)), nl=False)


@judging_app.command("ask")
@reports_errors
def judging_ask(
    interaction_ids: Annotated[list[int], typer.Argument(help="Stored interaction ids.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Ask the criteria about these interactions now, in this process (cache and budget apply)."""
    from kontrol.judging.answering import judge_interactions

    engine, target = open_workspace(db, workspace)
    tally = judge_interactions(engine, target.id, interaction_ids)
    typer.echo(
        f"asked {tally.asked}, from the cache {tally.cached}, already answered "
        f"{tally.skipped}, void {tally.void}, deferred {tally.deferred}, failed {tally.failed}"
    )
