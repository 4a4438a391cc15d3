"""The demo workspace's people beyond the five demo logins, and finding a demo login.

The colleagues make the people page look like a real service team; their
passwords are random and never shown, so only the five demo logins can log in.
The other seed modules act as those logins (``demo_viewer``) so that their data
is made through the ordinary service calls, permissions included.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, Engine, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import create_account, get_account, grant, memberships_of
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.store.tables import users, workspaces

DEMO_COLLEAGUES: tuple[tuple[str, str, WorkspaceRole, str | None, str | None], ...] = (
    ("reviewer2", "Юлия Кузнецова", WorkspaceRole.REVIEWER, None, None),
    ("lead2", "Виктор Петров, «Линия 2»", WorkspaceRole.TEAM_LEAD, "Линия 2", None),
    ("lead-en", "Sarah Jones, EN Desk", WorkspaceRole.TEAM_LEAD, "EN Desk", None),
    ("a02", "Дмитрий Козлов", WorkspaceRole.AGENT, "Линия 1", "a02"),
    ("a05", "Елена Попова", WorkspaceRole.AGENT, "Линия 2", "a05"),
    ("a08", "Emily Carter", WorkspaceRole.AGENT, "EN Desk", "a08"),
    ("shopper2", "Олег Тихонов", WorkspaceRole.SHOPPER, None, None),
)


def demo_viewer(connection: Connection, workspace_id: int, username: str) -> Viewer | None:
    """The demo person ``username`` as a member of the workspace (``None``: not there)."""
    user_id = connection.execute(select(users.c.id).where(users.c.username == username)).scalar()
    if user_id is None:
        return None
    account = get_account(connection, int(user_id))
    membership = next(
        (m for m in memberships_of(connection, account) if m.workspace.id == workspace_id), None
    )
    return None if membership is None else Viewer(account, membership)


def seed_people_demo(
    engine: Engine, workspace_id: int, *, leads: tuple[tuple[str, str, str], ...] = ()
) -> int:
    """Add the demo colleagues that do not exist yet, and the team leads ``leads``
    ((username, display name, team)) of a bigger demo; how many were added."""
    added = 0
    people = DEMO_COLLEAGUES + tuple(
        (username, name, WorkspaceRole.TEAM_LEAD, team, None) for username, name, team in leads
    )
    with engine.begin() as connection:
        row = connection.execute(select(workspaces).where(workspaces.c.id == workspace_id)).one()
        workspace = Workspace(row.id, row.name, row.timezone)
        for username, name, role, team, agent_id in people:
            taken = connection.execute(select(users.c.id).where(users.c.username == username))
            if taken.first() is not None:
                continue
            account = create_account(
                connection,
                username=username,
                password=secrets.token_urlsafe(18),
                display_name=name,
            )
            grant(
                connection,
                account=account,
                workspace=workspace,
                role=role,
                agent_external_id=agent_id,
                team=team,
            )
            added += 1
    return added
