"""Commands of mystery shopping: programmes as YAML, shoppers, the plan, results, shops."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors

mystery_app = typer.Typer(
    help="Mystery shopping: programmes, shoppers, visits, results.", no_args_is_help=True
)


@mystery_app.command("import")
@reports_errors
def mystery_import(
    path: Annotated[Path, typer.Argument(help="The programme's YAML file.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Add a programme from YAML, or replace the text of the one with its name."""
    from kontrol.domain.errors import InvalidInput
    from kontrol.mystery.programmes import save_programme

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"{path}: cannot be read as UTF-8 text ({error})",
            key="cli.error.not_utf8",
            params={"path": path, "error": error},
        ) from None
    engine, target = open_workspace(db, workspace)
    try:
        with engine.begin() as connection:
            programme, created = save_programme(connection, target, text, created_by="cli")
    except InvalidInput as error:
        raise InvalidInput(
            f"{path}: {error}", key="cli.error.file", params={"load": path, "error": error}
        ) from None
    verb = "added" if created else "updated"
    typer.echo(
        f"{verb} programme {programme.name} (#{programme.id}): "
        f"{len(programme.spec.scenarios)} scenarios, {len(programme.spec.targets)} targets"
    )


@mystery_app.command("export")
@reports_errors
def mystery_export(
    name: Annotated[str, typer.Argument(help="The programme's name (or number).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here.")] = None,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Print (or write) a programme's YAML exactly as it was imported."""
    from kontrol.mystery.programmes import find_programme

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        programme = find_programme(connection, target, name)
    if out is None:
        typer.echo(programme.yaml, nl=not programme.yaml.endswith("\n"))
    else:
        out.write_text(programme.yaml, encoding="utf-8")
        typer.echo(f"written to {out}")


@mystery_app.command("list")
@reports_errors
def mystery_list(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """The workspace's programmes."""
    from kontrol.mystery.programmes import list_programmes, list_shoppers

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        for p in list_programmes(connection, target):
            shoppers = len(list_shoppers(connection, p.id))
            state = "running" if p.is_active else "paused"
            typer.echo(
                f"{p.name}\t{p.title}\t{state}\t{len(p.spec.targets)} targets\t"
                f"{len(p.spec.scenarios)} scenarios\t{shoppers} shoppers"
            )


@mystery_app.command("shoppers")
@reports_errors
def mystery_shoppers(
    name: Annotated[str, typer.Argument(help="The programme's name (or number).")],
    usernames: Annotated[list[str], typer.Argument(help="Usernames of shoppers.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Make exactly these people (with the shopper role) the programme's shoppers."""
    from kontrol.mystery.programmes import find_programme, set_shoppers

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        programme = find_programme(connection, target, name)
        chosen = set_shoppers(connection, target, programme.id, usernames)
    typer.echo(f"{programme.name}: {', '.join(s.username for s in chosen) or 'no shoppers'}")


@mystery_app.command("plan")
@reports_errors
def mystery_plan(
    name: Annotated[str, typer.Argument(help="The programme's name (or number).")],
    month: Annotated[str | None, typer.Option(help="YYYY-MM (default: this month).")] = None,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Generate a month's visits; running it again adds only the missing ones."""
    from kontrol.mystery.assignments import current_month, generate_assignments
    from kontrol.mystery.programmes import find_programme

    engine, target = open_workspace(db, workspace)
    chosen = month or current_month(target)
    with engine.begin() as connection:
        programme = find_programme(connection, target, name)
        added = generate_assignments(connection, target, programme.id, chosen)
    typer.echo(f"{programme.name} {chosen}: {added} visits added")


@mystery_app.command("results")
@reports_errors
def mystery_results(
    name: Annotated[str, typer.Argument(help="The programme's name (or number).")],
    month_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM.")] = None,
    month_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Scores by target, scenario and criterion, own against competitors, months, the plan."""
    from kontrol.mystery.assignments import check_month
    from kontrol.mystery.programmes import find_programme
    from kontrol.mystery.results import programme_results

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        programme = find_programme(connection, target, name)
        results = programme_results(
            connection,
            programme,
            month_from=check_month(month_from) if month_from else None,
            month_to=check_month(month_to) if month_to else None,
        )
    if as_json:
        typer.echo(json.dumps(results.as_json(), ensure_ascii=False, indent=2))
        return

    def show(title: str, lines: list[tuple[str, int, float | None]]) -> None:
        typer.echo(f"\n{title}")
        for label, shops, score in lines:
            shown = "—" if score is None else f"{score:.1f}"
            typer.echo(f"  {label:<40} {shops:>5} {shown:>6}")

    overall = results.overall
    typer.echo(f"{programme.title}: {overall.shops} shops, mean score {overall.score}")
    show("own / competitors", [(f.key, f.shops, f.score) for f in results.by_kind])
    show("by target", [(f.title, f.shops, f.score) for f in results.by_target])
    show("by scenario", [(f.title, f.shops, f.score) for f in results.by_scenario])
    show("by criterion", [(f.title, f.shops, f.score) for f in results.by_criterion])
    show("by month", [(f.key, f.shops, f.score) for f in results.by_month])
    typer.echo("\nplan")
    for p in results.fulfilment:
        typer.echo(f"  {p.month}  {p.done}/{p.planned} visits done")


@mystery_app.command("submissions")
@reports_errors
def mystery_submissions(
    name: Annotated[str, typer.Argument(help="The programme's name (or number).")],
    month: Annotated[str | None, typer.Option(help="YYYY-MM.")] = None,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """The programme's shops, newest first (tab-separated)."""
    from kontrol.mystery.assignments import check_month
    from kontrol.mystery.programmes import find_programme
    from kontrol.mystery.submissions import programme_submissions

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        programme = find_programme(connection, target, name)
        rows = programme_submissions(
            connection, target, programme.id, month=check_month(month) if month else None
        )
    for r in rows:
        score = "—" if r.score is None else f"{r.score:.1f}"
        linked = f"interaction {r.interaction_id}" if r.interaction_id else ""
        typer.echo(
            f"{r.id}\t{r.happened_at:%Y-%m-%d %H:%M}\t{r.target_key}\t{r.scenario_key}\t"
            f"{r.shopper_name or '—'}\t{score}\t{linked}"
        )
