"""Joining a workspace needs the person's consent: admins invite, people accept.

An admin adds a person by login name with a password. Whether that login is
new or already belongs to someone (in this installation's other workspaces),
the admin gets the same answer and sees the same "invited" row: the answer
never tells which logins exist elsewhere. A new login is created with the
admin's password; an existing account keeps its own password and is not
touched. Either way the person becomes a member only when they log in and
accept (``/invitations``); they may decline. Withdrawing an invitation whose
account it created removes that account, if it has joined nowhere.

The price of saying nothing: when an admin picks a login that someone else
already has, their new colleague cannot log in with the admin's password; the
admin picks another login (docs/permissions.md says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, exists, select, update

from kontrol.accounts.logins import Account, check_new_login, create_account, grant
from kontrol.accounts.members import MemberInput
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.store.tables import invitations, memberships, users, workspaces


@dataclass(frozen=True)
class Invitation:
    """An open invitation of one account to one workspace."""

    id: int
    workspace: Workspace
    username: str
    display_name: str
    role: WorkspaceRole
    team: str | None
    agent_id: str | None
    invited_by: str
    created_at: datetime


def _rows(connection: Connection, *conditions: object) -> list[Invitation]:
    rows = connection.execute(
        select(
            invitations,
            users.c.username,
            users.c.display_name,
            workspaces.c.name.label("workspace_name"),
            workspaces.c.timezone,
        )
        .join(users, users.c.id == invitations.c.user_id)
        .join(workspaces, workspaces.c.id == invitations.c.workspace_id)
        .where(invitations.c.outcome.is_(None), *conditions)  # type: ignore[arg-type]
        .order_by(invitations.c.created_at, invitations.c.id)
    ).all()
    return [
        Invitation(
            id=row.id,
            workspace=Workspace(row.workspace_id, row.workspace_name, row.timezone),
            username=row.username,
            display_name=row.display_name,
            role=WorkspaceRole(row.role),
            team=row.team,
            agent_id=row.agent_external_id,
            invited_by=row.invited_by,
            created_at=row.created_at,
        )
        for row in rows
    ]


def invite(
    connection: Connection,
    workspace: Workspace,
    *,
    username: str,
    details: MemberInput,
    password: str,
    display_name: str = "",
    invited_by: str,
) -> None:
    """Invite the account ``username`` (made with ``password`` if the login is new).

    The same outcome, seen from outside, whether the login existed or not; the
    one refusal that depends on the login, "already a member", concerns people
    the admin already sees on the page.
    """
    username = username.strip()
    if not username:
        raise InvalidInput(
            "username: who is it?",
            key="accounts.error.who",
            where_key="error.where.field",
            where_params={"field": "username"},
        )
    row = connection.execute(select(users.c.id).where(users.c.username == username)).first()
    new_account = row is None
    if row is None:
        # Validates the password and login like any new account.
        account_id = create_account(
            connection,
            username=username,
            password=password,
            display_name=display_name.strip()[:200] or None,
        ).id
    else:
        # The same rules as a new login, so the answer cannot differ by existence.
        check_new_login(username, password)
        account_id = int(row.id)
        member = connection.execute(
            select(memberships.c.id).where(
                memberships.c.workspace_id == workspace.id, memberships.c.user_id == account_id
            )
        ).first()
        if member is not None:
            raise Conflict(
                f"{username!r} is already a member: change their role below",
                key="accounts.error.already_member",
                params={"username": username},
            )
    connection.execute(
        delete(invitations).where(
            invitations.c.workspace_id == workspace.id,
            invitations.c.user_id == account_id,
            invitations.c.outcome.is_(None),
        )
    )
    connection.execute(
        invitations.insert().values(
            workspace_id=workspace.id,
            user_id=account_id,
            role=details.role.value,
            team=details.team,
            agent_external_id=details.agent_id,
            invited_by=invited_by,
            created_at=utcnow(),
            new_account=new_account,
        )
    )


def workspace_invitations(connection: Connection, workspace: Workspace) -> list[Invitation]:
    """The open invitations of ``workspace`` (for its people page)."""
    return _rows(connection, invitations.c.workspace_id == workspace.id)


def invitations_of(connection: Connection, account: Account) -> list[Invitation]:
    """The open invitations ``account`` has to answer."""
    return _rows(connection, invitations.c.user_id == account.id)


def has_invitations(connection: Connection, account: Account) -> bool:
    """Whether ``account`` has an invitation to answer."""
    return bool(
        connection.execute(
            select(
                exists().where(invitations.c.user_id == account.id, invitations.c.outcome.is_(None))
            )
        ).scalar()
    )


def _mine(connection: Connection, account: Account, invitation_id: int) -> Invitation:
    for invitation in invitations_of(connection, account):
        if invitation.id == invitation_id:
            return invitation
    raise NotFound(
        f"no open invitation {invitation_id}",
        key="accounts.error.no_invitation",
        params={"invitation_id": invitation_id},
    )


def _close(connection: Connection, invitation_id: int, outcome: str) -> None:
    connection.execute(
        update(invitations)
        .where(invitations.c.id == invitation_id, invitations.c.outcome.is_(None))
        .values(outcome=outcome, answered_at=utcnow())
    )


def accept(connection: Connection, account: Account, invitation_id: int) -> Workspace:
    """``account`` joins the workspace of its invitation with the role it names."""
    invitation = _mine(connection, account, invitation_id)
    grant(
        connection,
        account=account,
        workspace=invitation.workspace,
        role=invitation.role,
        agent_external_id=invitation.agent_id,
        team=invitation.team,
    )
    _close(connection, invitation_id, "accepted")
    return invitation.workspace


def decline(connection: Connection, account: Account, invitation_id: int) -> None:
    """``account`` says no; the workspace's admins see the invitation gone."""
    _mine(connection, account, invitation_id)
    _close(connection, invitation_id, "declined")


def withdraw(connection: Connection, workspace: Workspace, invitation_id: int) -> None:
    """An admin takes an open invitation back (and the login it created, if unused)."""
    row = connection.execute(
        select(invitations.c.user_id, invitations.c.new_account).where(
            invitations.c.id == invitation_id,
            invitations.c.workspace_id == workspace.id,
            invitations.c.outcome.is_(None),
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no open invitation {invitation_id}",
            key="accounts.error.no_invitation",
            params={"invitation_id": invitation_id},
        )
    _close(connection, invitation_id, "withdrawn")
    if row.new_account:
        joined = connection.execute(
            select(memberships.c.id).where(memberships.c.user_id == row.user_id)
        ).first()
        waiting = connection.execute(
            select(invitations.c.id).where(
                invitations.c.user_id == row.user_id, invitations.c.outcome.is_(None)
            )
        ).first()
        if joined is None and waiting is None:
            connection.execute(delete(users).where(users.c.id == row.user_id))
