"""Acting as a member from the command line: the policy applies to CLI calls too."""

from __future__ import annotations

from sqlalchemy import Connection, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import get_account, memberships_of
from kontrol.domain.errors import NotFound
from kontrol.store.tables import users


def acting_as(connection: Connection, workspace_id: int, username: str) -> Viewer:
    """``username`` as a member of the workspace; ``NotFound`` when they are not one."""
    user_id = connection.execute(select(users.c.id).where(users.c.username == username)).scalar()
    if user_id is not None:
        account = get_account(connection, int(user_id))
        for membership in memberships_of(connection, account):
            if membership.workspace.id == workspace_id:
                return Viewer(account, membership)
    raise NotFound(
        f"{username!r} is not a member of this workspace",
        key="staff.error.not_member",
        params={"username": username},
    )
