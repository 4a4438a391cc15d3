"""The people of a workspace: members, their role, team and agent id.

Admins invite people (accounts/invitations.py: a person joins when they
accept), change a member's role, team or agent id, and remove a
member from the workspace (the account stays: it may belong to other
workspaces; its open sessions end). A workspace always keeps at least one
admin: removing or demoting the last one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from kontrol.accounts.sessions import end_sessions_of
from kontrol.accounts.tokens import revoke_tokens_of
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.store.tables import agents, memberships, users

MAX_LINK = 200


@dataclass(frozen=True)
class Member:
    """One person's membership of a workspace."""

    user_id: int
    username: str
    display_name: str
    role: WorkspaceRole
    team: str | None
    agent_id: str | None
    active: bool


@dataclass(frozen=True)
class MemberInput:
    """What the form sends for a member: role and the links that role needs."""

    role: WorkspaceRole
    team: str | None
    agent_id: str | None


def read_member_input(*, role: str, team: str, agent_id: str) -> MemberInput:
    """Validate a role with its team / agent id; errors name the field.

    A team lead without a team or an agent without an agent id would see
    nothing, so they are refused here rather than discovered later.
    """
    try:
        chosen = WorkspaceRole(role.strip())
    except ValueError:
        names = ", ".join(item.value for item in WorkspaceRole)
        raise InvalidInput(
            f"role: one of {names}",
            key="accounts.error.role_one_of",
            params={"names": names},
            where_key="error.where.field",
            where_params={"field": "role"},
        ) from None
    team_value = team.strip() or None
    agent_value = agent_id.strip() or None
    for name, value in (("team", team_value), ("agent_id", agent_value)):
        if value is not None and len(value) > MAX_LINK:
            raise InvalidInput(
                f"{name}: at most {MAX_LINK} characters",
                key="accounts.error.link_long",
                params={"MAX_LINK": MAX_LINK},
                where_key="error.where.field",
                where_params={"field": name},
            )
    if chosen is WorkspaceRole.TEAM_LEAD and team_value is None:
        raise InvalidInput(
            "team: a team lead needs the team they lead",
            key="accounts.error.lead_team",
            where_key="error.where.field",
            where_params={"field": "team"},
        )
    if chosen is WorkspaceRole.AGENT and agent_value is None:
        raise InvalidInput(
            "agent_id: an agent needs their agent id (as in the imported data)",
            key="accounts.error.agent_id",
            where_key="error.where.field",
            where_params={"field": "agent_id"},
        )
    return MemberInput(chosen, team_value, agent_value)


def list_members(connection: Connection, workspace: Workspace) -> list[Member]:
    """Every member of ``workspace``, by role then name."""
    rows = connection.execute(
        select(memberships, users.c.username, users.c.display_name, users.c.is_active)
        .join(users, users.c.id == memberships.c.user_id)
        .where(memberships.c.workspace_id == workspace.id)
        .order_by(users.c.display_name, users.c.username)
    ).all()
    order = {role: index for index, role in enumerate(WorkspaceRole)}
    members = [
        Member(
            user_id=row.user_id,
            username=row.username,
            display_name=row.display_name,
            role=WorkspaceRole(row.role),
            team=row.team,
            agent_id=row.agent_external_id,
            active=bool(row.is_active),
        )
        for row in rows
    ]
    return sorted(members, key=lambda member: order[member.role])


def get_member(connection: Connection, workspace: Workspace, user_id: int) -> Member:
    """One member of ``workspace``; ``NotFound`` for anyone else."""
    for member in list_members(connection, workspace):
        if member.user_id == user_id:
            return member
    raise NotFound(
        f"no member {user_id} in this workspace",
        key="accounts.error.no_member",
        params={"user_id": user_id},
    )


def known_links(connection: Connection, workspace: Workspace) -> tuple[list[str], list[str]]:
    """Teams and agent ids of the workspace's agent list (suggestions for the form)."""
    rows = connection.execute(
        select(agents.c.external_id, agents.c.team).where(agents.c.workspace_id == workspace.id)
    ).all()
    teams = sorted({row.team for row in rows if row.team})
    return teams, sorted(row.external_id for row in rows)


def _admins_left(connection: Connection, workspace: Workspace, *, without: int) -> int:
    # Locks the admin rows (PostgreSQL) so two admins demoting each other at once
    # cannot both pass this check and leave the workspace without an admin.
    admins = connection.execute(
        select(memberships.c.user_id)
        .where(
            memberships.c.workspace_id == workspace.id,
            memberships.c.role == WorkspaceRole.ADMIN.value,
        )
        .with_for_update()
    ).all()
    return sum(1 for row in admins if row.user_id != without)


def change_member(
    connection: Connection, workspace: Workspace, user_id: int, details: MemberInput
) -> Member:
    """Change a member's role, team and agent id; the last admin stays an admin."""
    member = get_member(connection, workspace, user_id)
    if (
        member.role is WorkspaceRole.ADMIN
        and details.role is not WorkspaceRole.ADMIN
        and _admins_left(connection, workspace, without=user_id) == 0
    ):
        raise Conflict(
            "role: this is the workspace's last admin; make someone else admin first",
            key="accounts.error.last_admin",
            where_key="error.where.field",
            where_params={"field": "role"},
        )
    connection.execute(
        update(memberships)
        .where(memberships.c.workspace_id == workspace.id, memberships.c.user_id == user_id)
        .values(role=details.role.value, team=details.team, agent_external_id=details.agent_id)
    )
    return get_member(connection, workspace, user_id)


def remove_member(connection: Connection, workspace: Workspace, user_id: int) -> Member:
    """Take a member out of ``workspace`` (their account and other workspaces stay)."""
    member = get_member(connection, workspace, user_id)
    if (
        member.role is WorkspaceRole.ADMIN
        and _admins_left(connection, workspace, without=user_id) == 0
    ):
        raise Conflict(
            "this is the workspace's last admin; make someone else admin first",
            key="accounts.error.last_admin",
        )
    connection.execute(
        memberships.delete().where(
            memberships.c.workspace_id == workspace.id, memberships.c.user_id == user_id
        )
    )
    # Their open sessions end: a page open in this workspace must not keep working.
    end_sessions_of(connection, user_id)
    # Their tokens of this workspace too (refused already without a membership; this
    # keeps them refused if the person is invited back).
    revoke_tokens_of(connection, workspace.id, user_id, actor="removed from the workspace")
    return member
