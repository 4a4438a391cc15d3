"""Commands of scripts: list, import and export YAML, the examples, adherence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors

script_app = typer.Typer(
    help="Conversation scripts: library, YAML, adherence.", no_args_is_help=True
)


@script_app.command("list")
@reports_errors
def script_list(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    search: Annotated[str, typer.Option(help="Words to look for.")] = "",
) -> None:
    """The scripts in force: name, version, topic, title."""
    from kontrol.scripts.library import list_scripts

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        found = list_scripts(connection, target.id, search=search)
    for stored in found:
        typer.echo(
            f"{stored.name}\tv{stored.version}\t{stored.script.topic}\t"
            f"{stored.script.title_in('ru')}"
        )


@script_app.command("import")
@reports_errors
def script_import(
    files: Annotated[list[Path], typer.Argument(help="YAML files, one script each.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    note: Annotated[str, typer.Option(help="What changed (the changelog).")] = "",
) -> None:
    """Store scripts from YAML (a known name becomes its next version); all or none."""
    from kontrol.scripts.library import save_script

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        for path in files:
            stored = save_script(
                connection,
                target.id,
                path.read_text(encoding="utf-8"),
                source=path.name,
                note=note,
                author="cli",
            )
            typer.echo(f"{stored.name}: v{stored.version}")


@script_app.command("export")
@reports_errors
def script_export(
    name: Annotated[str, typer.Argument(help="The script's name.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    version: Annotated[int | None, typer.Option(help="Default: the version in force.")] = None,
) -> None:
    """Print a script's YAML."""
    from kontrol.scripts.library import get_script

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        stored = get_script(connection, target.id, name, version)
    typer.echo(stored.yaml, nl=not stored.yaml.endswith("\n"))


@script_app.command("examples")
@reports_errors
def script_examples(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Add Kontrol's example scripts (delivery, refund, card blocked, complaint)."""
    from kontrol.scripts.library import install_examples

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        added = install_examples(connection, target.id, author="cli")
    typer.echo(", ".join(added) if added else "-")


@script_app.command("adherence")
@reports_errors
def script_adherence(
    name: Annotated[str, typer.Argument(help="The script's name.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="Everything, as JSON.")] = False,
) -> None:
    """Adherence per step and agent, with outcomes and the n behind each figure."""
    from kontrol.scripts.library import get_script, script_versions
    from kontrol.scripts.results import OUTCOMES, observations, script_results

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        stored = get_script(connection, target.id, name)
        versions = script_versions(connection, target.id, name)
        results = script_results(stored, versions, observations(connection, target.id, name))
    if as_json:
        typer.echo(json.dumps(results.as_json(), ensure_ascii=False, indent=2))
        return

    def show(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    typer.echo(
        f"{name} v{stored.version}: n={results.total.n}, share={show(results.total.share.value)}"
    )
    typer.echo("step\tcovered\t" + "\t".join(f"{o} with/without" for o in OUTCOMES))
    for step in results.steps:
        cells = [
            f"{show(step.with_step[o].value)} (n={step.with_step[o].n}) / "
            f"{show(step.without_step[o].value)} (n={step.without_step[o].n})"
            for o in OUTCOMES
        ]
        typer.echo(f"{step.step_id}\t{show(step.covered.value)}\t" + "\t".join(cells))
    typer.echo("agent\tn\tshare")
    for agent in results.agents:
        typer.echo(f"{agent.key}\t{agent.n}\t{show(agent.share.value)}")
