"""Commands of the people feature: competencies, training, tests and certification.

Each command acts as a member (``--as``), so the same rules apply as on the web.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors

staff_app = typer.Typer(
    help="People: competencies, training from QA, knowledge tests, certification.",
    no_args_is_help=True,
)
AsOption = Annotated[str, typer.Option("--as", help="Act as this member (their rights apply).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@staff_app.command("competency")
@reports_errors
def competency(
    key: Annotated[str, typer.Argument(help="Short key, e.g. empathy.")],
    name: Annotated[str, typer.Argument(help="The name people read.")],
    member: AsOption,
    criterion: Annotated[list[str] | None, typer.Option(help="Scorecard criterion id.")] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Quiz topic.")] = None,
    question: Annotated[list[str] | None, typer.Option(help="Interview question ref.")] = None,
    description: str = "",
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Create or replace a competency and what measures it."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.competencies import save_competency

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        saved = save_competency(
            connection,
            acting_as(connection, target.id, member),
            key=key,
            name=name,
            description=description,
            criteria=criterion or [],
            topics=topic or [],
            questions=question or [],
        )
    typer.echo(f"{saved.key}: {', '.join(saved.criteria) or '—'}")


@staff_app.command("proposals")
@reports_errors
def proposals_command(
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: JsonOption = False,
) -> None:
    """The modules the training rules propose now."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.training import proposals

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        found = proposals(connection, acting_as(connection, target.id, member))
    if as_json:
        typer.echo(json.dumps([p.as_json() for p in found], ensure_ascii=False, indent=2))
        return
    for p in found:
        typer.echo(
            f"{p.agent}\t{p.rule.criterion}\t{_pct(p.recent.mean)} (n={p.recent.n})"
            f"\t{p.rule.module_title}"
        )


@staff_app.command("assign")
@reports_errors
def assign_command(
    module_id: Annotated[int, typer.Argument(help="The module's id.")],
    agent: Annotated[str, typer.Argument(help="The agent's id.")],
    member: AsOption,
    due: Annotated[str, typer.Option(help="YYYY-MM-DD, workspace time.")] = "",
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Assign a training module to an agent."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.training import assign_module

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        new_id = assign_module(
            connection,
            acting_as(connection, target.id, member),
            module_id=module_id,
            agent=agent,
            due=due,
        )
    typer.echo(f"assignment {new_id}")


@staff_app.command("effects")
@reports_errors
def effects_command(
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: JsonOption = False,
) -> None:
    """Per module: its criterion before and after training, and whether it moved."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.training import module_effects

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        found = module_effects(connection, acting_as(connection, target.id, member))
    if as_json:
        typer.echo(json.dumps([e.as_json() for e in found], ensure_ascii=False, indent=2))
        return
    for e in found:
        typer.echo(
            f"{e.module.title}\t{e.module.criterion or '—'}\t"
            f"before {_pct(e.before.mean)} (n={e.before.n})\t"
            f"after {_pct(e.after.mean)} (n={e.after.n})\t{e.verdict}"
        )


@staff_app.command("profile")
@reports_errors
def profile_command(
    agent: Annotated[str, typer.Argument(help="The agent's id.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """An agent's competency profile per month, as JSON."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.competencies import competency_profile

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        profile = competency_profile(connection, acting_as(connection, target.id, member), agent)
    typer.echo(json.dumps(profile.as_json(), ensure_ascii=False, indent=2))


@staff_app.command("results")
@reports_errors
def results_command(
    test_id: Annotated[int, typer.Argument(help="The test's id.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """A test's results per agent, team and question, as JSON."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.knowledge import results_of_test

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        results = results_of_test(connection, acting_as(connection, target.id, member), test_id)
    typer.echo(json.dumps(results.as_json(), ensure_ascii=False, indent=2))


@staff_app.command("remind")
@reports_errors
def remind_command(db: DbOption = None) -> None:
    """Send the certification reminders due now (the daily job does this on its own)."""
    from kontrol.accounts.installation import database_url, open_database
    from kontrol.staff.certification import send_reminders

    sent = send_reminders(open_database(database_url(db)))
    typer.echo(f"{sent} reminder(s) sent")
