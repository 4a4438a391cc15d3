"""Workspaces: one installation serves several companies; every record belongs to one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select

from kontrol.domain.clock import utcnow, zone
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.store.tables import memberships, users, workspaces

DEFAULT_WORKSPACE = "default"


@dataclass(frozen=True)
class Workspace:
    """A company (or a client of an outsourcing contact centre)."""

    id: int
    name: str
    timezone: str


def _row_to_workspace(row: object) -> Workspace:
    return Workspace(id=row.id, name=row.name, timezone=row.timezone)  # type: ignore[attr-defined]


def find_workspace(connection: Connection, name: str) -> Workspace:
    """The workspace called ``name``."""
    row = connection.execute(select(workspaces).where(workspaces.c.name == name)).first()
    if row is None:
        raise NotFound(
            f"no workspace named {name!r}",
            key="accounts.error.no_workspace_named",
            params={"name": name},
        )
    return _row_to_workspace(row)


def workspace_language(connection: Connection, workspace_id: int) -> str:
    """The workspace's language: its first admin's (``ru`` without one). Texts a workspace
    gets without a language (an imported call without a transcript) are taken to be in it."""
    locale = connection.execute(
        select(users.c.locale)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.workspace_id == workspace_id, memberships.c.role == "admin")
        .order_by(memberships.c.id)
        .limit(1)
    ).scalar()
    return locale if locale in ("ru", "en") else "ru"


def list_workspaces(connection: Connection) -> list[Workspace]:
    """Every workspace, by name."""
    rows = connection.execute(select(workspaces).order_by(workspaces.c.name))
    return [_row_to_workspace(row) for row in rows]


def create_workspace(connection: Connection, *, name: str, timezone: str = "UTC") -> Workspace:
    """A new workspace; its name must be unused."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput(
            "workspace name: 1 to 100 characters", key="accounts.error.workspace_name"
        )
    zone(timezone)
    exists = connection.execute(select(workspaces.c.id).where(workspaces.c.name == name)).first()
    if exists is not None:
        raise Conflict(
            f"a workspace named {name!r} exists already",
            key="accounts.error.workspace_exists",
            params={"name": name},
        )
    new_id = connection.execute(
        workspaces.insert().values(name=name, timezone=timezone, created_at=utcnow())
    ).inserted_primary_key
    assert new_id is not None
    return Workspace(id=int(new_id[0]), name=name, timezone=timezone)


def ensure_workspace(engine: Engine, name: str, timezone: str = "UTC") -> Workspace:
    """The workspace called ``name``, created when missing."""
    with engine.begin() as connection:
        try:
            return find_workspace(connection, name)
        except NotFound:
            return create_workspace(connection, name=name, timezone=timezone)


def set_timezone(engine: Engine, workspace: Workspace, timezone: str) -> Workspace:
    """``workspace`` with its local time zone changed to ``timezone`` (an IANA name)."""
    zone(timezone)
    with engine.begin() as connection:
        connection.execute(
            workspaces.update().where(workspaces.c.id == workspace.id).values(timezone=timezone)
        )
        return find_workspace(connection, workspace.name)
