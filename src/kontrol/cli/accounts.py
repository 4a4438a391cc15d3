"""Commands of accounts: the database itself, workspaces, people, API keys and tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from kontrol.accounts.installation import database_url, initialize, open_database
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, fail, reports_errors
from kontrol.domain.errors import KontrolError
from kontrol.domain.roles import WorkspaceRole

# Commands without a group: main.py puts them on the root command as they are.
commands = typer.Typer()
workspace_app = typer.Typer(help="Workspaces: one per company or client.", no_args_is_help=True)
user_app = typer.Typer(help="People who log in to the web app.", no_args_is_help=True)
apikey_app = typer.Typer(
    help="API keys: how a helpdesk or telephony system writes into a workspace.",
    no_args_is_help=True,
)
token_app = typer.Typer(
    help="Personal API tokens: a person's script or BI tool reading /api/v1 as them.",
    no_args_is_help=True,
)


@commands.command()
@reports_errors
def init(db: DbOption = None) -> None:
    """Create the database or upgrade it to the newest schema."""
    url = database_url(db)
    initialize(url)
    typer.echo(f"database ready: {url}")


@workspace_app.command("create")
@reports_errors
def workspace_create(
    name: str,
    db: DbOption = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Moscow.")] = "UTC",
) -> None:
    """Create a workspace (with the default review queues and routing rules)."""
    from kontrol.accounts.workspaces import create_workspace
    from kontrol.review.routing.rules import create_default_rules

    engine = open_database(database_url(db))
    try:
        with engine.begin() as connection:
            created = create_workspace(connection, name=name, timezone=timezone)
            create_default_rules(connection, created.id)
    except KontrolError as error:
        raise fail(str(error)) from None
    typer.echo(f"workspace {created.name!r} created (time zone {created.timezone})")


@workspace_app.command("list")
@reports_errors
def workspace_list(db: DbOption = None) -> None:
    """List workspaces."""
    from kontrol.accounts.workspaces import list_workspaces

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        for item in list_workspaces(connection):
            typer.echo(f"{item.name}\t{item.timezone}")


@user_app.command("add")
@reports_errors
def user_add(
    username: str,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    role: Annotated[WorkspaceRole, typer.Option(help="Role in the workspace.")] = (
        WorkspaceRole.ADMIN
    ),
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    agent_id: Annotated[
        str | None, typer.Option(help="For agents: their agent id in the data.")
    ] = None,
    team: Annotated[str | None, typer.Option(help="For team leads: their team.")] = None,
    locale: Annotated[str, typer.Option(help="Interface language: ru or en.")] = "ru",
    password: Annotated[
        str | None,
        typer.Option(
            envvar="KONTROL_NEW_PASSWORD",
            help="Password (default: asked for, hidden). Also KONTROL_NEW_PASSWORD.",
        ),
    ] = None,
) -> None:
    """Create an account with a role in a workspace."""
    from kontrol.accounts.logins import add_user

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    engine = open_database(database_url(db))
    try:
        with engine.begin() as connection:
            add_user(
                connection,
                username=username,
                password=password,
                workspace_name=workspace,
                role=role,
                display_name=name,
                locale=locale,
                agent_external_id=agent_id,
                team=team,
            )
    except KontrolError as error:
        raise fail(str(error)) from None
    typer.echo(f"user {username!r} added to {workspace!r} as {role.value}")


@apikey_app.command("create")
@reports_errors
def apikey_create(
    name: Annotated[str, typer.Argument(help="What the key is for, e.g. helpdesk.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    created_by: Annotated[
        str, typer.Option("--by", help="Who made it (shown in lists).")
    ] = "command line",
) -> None:
    """Make an API key for a workspace and print it (shown this once only)."""
    from kontrol.accounts.apikeys import create_api_key
    from kontrol.accounts.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.begin() as connection:
        made = create_api_key(
            connection,
            workspace=find_workspace(connection, workspace),
            name=name,
            created_by=created_by,
        )
    typer.echo(made.secret)
    typer.echo(
        f"API key {name!r} for workspace {workspace!r}: copy it now, it is not shown again",
        err=True,
    )


@apikey_app.command("list")
@reports_errors
def apikey_list(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """List a workspace's API keys (name, start of the key, state; never the key)."""
    from kontrol.accounts.apikeys import list_api_keys
    from kontrol.accounts.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        for key in list_api_keys(connection, find_workspace(connection, workspace)):
            used = key.last_used_at.isoformat(" ", "seconds") if key.last_used_at else "never"
            state = "active" if key.active else "revoked"
            typer.echo(f"{key.name}\t{key.prefix}…\t{state}\tlast used {used}")


@apikey_app.command("revoke")
@reports_errors
def apikey_revoke(
    name: Annotated[str, typer.Argument(help="Name of the key, or the start the list shows.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Revoke an API key: requests with it are refused from now on."""
    from kontrol.accounts.apikeys import find_api_key, revoke_api_key
    from kontrol.accounts.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.begin() as connection:
        key = find_api_key(connection, find_workspace(connection, workspace), name.rstrip("…"))
        revoke_api_key(connection, key, actor="command line")
    typer.echo(f"API key {key.name!r} revoked")


@user_app.command("password")
@reports_errors
def user_password(
    username: str,
    db: DbOption = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="KONTROL_NEW_PASSWORD",
            help="The new password (default: asked for, hidden). Also KONTROL_NEW_PASSWORD.",
        ),
    ] = None,
) -> None:
    """Reset an account's password (an operator's reset): all its sessions end."""
    from kontrol.accounts.audit import record_operator_password_reset
    from kontrol.accounts.logins import set_password

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    engine = open_database(database_url(db))
    try:
        with engine.begin() as connection:
            ended = set_password(connection, username, password)
            record_operator_password_reset(connection, username)
    except KontrolError as error:
        raise fail(str(error)) from None
    typer.echo(f"password of {username!r} changed; {ended} session(s) ended")


@token_app.command("create")
@reports_errors
def token_create(
    username: Annotated[str, typer.Argument(help="The member the token reads as.")],
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'Power BI'.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    days: Annotated[int, typer.Option(help="How long it is valid: 30, 90 or 365 days.")] = 90,
) -> None:
    """Make a personal token for a member and print it (shown this once only)."""
    from kontrol.accounts.members import list_members
    from kontrol.accounts.tokens import create_personal_token
    from kontrol.accounts.workspaces import find_workspace

    engine = open_database(database_url(db))
    try:
        with engine.begin() as connection:
            found = find_workspace(connection, workspace)
            member = next(
                (m for m in list_members(connection, found) if m.username == username), None
            )
            if member is None:
                raise fail(f"no member {username!r} in workspace {workspace!r}")
            made = create_personal_token(
                connection,
                user_id=member.user_id,
                workspace=found,
                name=name,
                days=days,
                actor="command line",
            )
    except KontrolError as error:
        raise fail(str(error)) from None
    typer.echo(made.secret)
    typer.echo(
        f"token {name!r} of {username!r} in {workspace!r}, valid until "
        f"{made.token.expires_at:%Y-%m-%d}: copy it now, it is not shown again",
        err=True,
    )


@token_app.command("list")
@reports_errors
def token_list(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    user: Annotated[str | None, typer.Option(help="Only this person's tokens.")] = None,
) -> None:
    """List a workspace's personal tokens (person, name, start, state, expiry, last use)."""
    from kontrol.accounts.tokens import list_personal_tokens
    from kontrol.accounts.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        found = find_workspace(connection, workspace)
        for token in list_personal_tokens(connection, found.id):
            if user is not None and token.username != user:
                continue
            used = token.last_used_at.isoformat(" ", "seconds") if token.last_used_at else "never"
            typer.echo(
                f"{token.username}\t{token.name}\t{token.prefix}…\t{token.state()}"
                f"\tuntil {token.expires_at:%Y-%m-%d}\tlast used {used}"
            )


@token_app.command("revoke")
@reports_errors
def token_revoke(
    prefix: Annotated[str, typer.Argument(help="The start of the token the list shows.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Revoke a personal token: requests with it are refused from now on."""
    from kontrol.accounts.tokens import list_personal_tokens, revoke_personal_token
    from kontrol.accounts.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.begin() as connection:
        found = find_workspace(connection, workspace)
        wanted = prefix.rstrip("…")
        token = next(
            (t for t in list_personal_tokens(connection, found.id) if t.prefix == wanted), None
        )
        if token is None:
            raise fail(f"no personal token {wanted!r} in workspace {workspace!r}")
        revoke_personal_token(connection, token, actor="command line")
    typer.echo(f"token {token.name!r} of {token.username!r} revoked")
