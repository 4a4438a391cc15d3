"""Commands of the improvement plan: list, create and move actions."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from kontrol.accounts.access import Viewer
    from kontrol.accounts.workspaces import Workspace

actions_app = typer.Typer(
    help="The improvement plan: actions with owners, due dates and targets.",
    no_args_is_help=True,
)

AsOption = Annotated[
    str,
    typer.Option("--as", help="The person acting (a username of the workspace)."),
]


def acting(connection: Connection, workspace: Workspace, username: str) -> Viewer:
    """The person ``username`` as they act in ``workspace`` (their role there)."""
    from sqlalchemy import select

    from kontrol.accounts.access import Viewer
    from kontrol.accounts.logins import get_account, memberships_of
    from kontrol.domain.errors import NotFound
    from kontrol.store.tables import users

    found = connection.execute(select(users.c.id).where(users.c.username == username)).scalar()
    if found is None:
        raise NotFound(
            f"--as: no person {username!r}",
            key="cli.error.no_person",
            params={"username": username},
        )
    account = get_account(connection, int(found))
    for membership in memberships_of(connection, account):
        if membership.workspace.id == workspace.id:
            return Viewer(account, membership)
    raise NotFound(
        f"--as: {username!r} is not a member of workspace {workspace.name!r}",
        key="cli.error.not_member",
        params={"username": username, "name": workspace.name},
    )


@actions_app.command("list")
@reports_errors
def list_actions_command(
    person: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    overdue: Annotated[bool, typer.Option(help="Only actions past their due date.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """The plan as PERSON sees it: overdue first, then by due date."""
    from kontrol.improvement.actions import list_actions, today_of

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        viewer = acting(connection, target, person)
        today = today_of(viewer)
        items = list_actions(connection, viewer, overdue_only=overdue)
    if as_json:
        typer.echo(json.dumps([i.as_json(today) for i in items], ensure_ascii=False, indent=2))
        return
    for item in items:
        due = item.due_on.isoformat() if item.due_on else "-"
        flag = " OVERDUE" if item.overdue(today) else ""
        owner = item.owner or "-"
        typer.echo(f"#{item.id}\t{item.status}{flag}\t{due}\t{owner}\t{item.title}")


@actions_app.command("create")
@reports_errors
def create_action_command(
    person: AsOption,
    title: Annotated[str, typer.Option(help="What is to be done.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    owner: Annotated[str, typer.Option(help="The owner's username.")] = "",
    due: Annotated[str, typer.Option(help="YYYY-MM-DD.")] = "",
    metric: Annotated[str, typer.Option(help="The KPI it should move.")] = "",
    target: Annotated[str, typer.Option(help="The KPI's or the audit item's target.")] = "",
    source: Annotated[
        str, typer.Option(help="Where it came from, e.g. audit:3:item:greeting.")
    ] = "",
    team: Annotated[str, typer.Option(help="The team it is about.")] = "",
) -> None:
    """Add an action to the plan; prints its number."""
    from kontrol.improvement.actions import create_action, today_of
    from kontrol.improvement.effects import baseline_of

    engine, found = open_workspace(db, workspace)
    with engine.begin() as connection:
        viewer = acting(connection, found, person)
        owner_id = str(acting(connection, found, owner).account.id) if owner else ""
        values = {
            "title": title,
            "owner_id": owner_id,
            "due": due,
            "metric": metric,
            "target": target,
            "source": source,
            "team": team,
        }
        baseline = baseline_of(connection, found, metric or None, team or None, today_of(viewer))
        item = create_action(connection, viewer, values, baseline=baseline)
    typer.echo(f"action #{item.id}: {item.title}")


@actions_app.command("update")
@reports_errors
def update_action_command(
    person: AsOption,
    action_id: Annotated[int, typer.Argument(help="The action's number.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    status: Annotated[str, typer.Option(help="open, in_progress, done or cancelled.")] = "",
    note: Annotated[str, typer.Option(help="A progress note.")] = "",
) -> None:
    """Move an action along (its owner may change the status and the note)."""
    from kontrol.improvement.actions import get_action, update_action

    engine, found = open_workspace(db, workspace)
    with engine.begin() as connection:
        viewer = acting(connection, found, person)
        item = get_action(connection, viewer, action_id)
        changes = {k: v for k, v in {"status": status, "note": note}.items() if v}
        item = update_action(connection, viewer, action_id, version=item.version, changes=changes)
    typer.echo(f"action #{item.id}: {item.status}")
