"""People who log in: accounts, password hashes (argon2) and workspace memberships."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, select, update

from kontrol.accounts.sessions import end_sessions_of
from kontrol.accounts.workspaces import Workspace, find_workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.settings import get_settings
from kontrol.store.tables import memberships, users, workspaces

MIN_PASSWORD = 8


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    settings = get_settings()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
    )


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verifying against this keeps a login for an unknown name as slow as a wrong password.
    return _hasher().hash("not a real password")


@dataclass(frozen=True)
class Account:
    """A person who can log in."""

    id: int
    username: str
    display_name: str
    locale: str


@dataclass(frozen=True)
class Membership:
    """A person's role in one workspace (and, for agents, which agent they are)."""

    workspace: Workspace
    role: WorkspaceRole
    agent_external_id: str | None
    team: str | None


def check_new_login(username: str, password: str) -> None:
    """The rules of a login name and password, checked before anything is stored."""
    if not username or len(username) > 100:
        raise InvalidInput(
            "username: 1 to 100 characters",
            key="accounts.error.length_100",
            where_key="error.where.field",
            where_params={"field": "username"},
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"password: at least {MIN_PASSWORD} characters",
            key="accounts.error.password_short",
            params={"MIN_PASSWORD": MIN_PASSWORD},
            where_key="error.where.field",
            where_params={"field": "password"},
        )


def create_account(
    connection: Connection,
    *,
    username: str,
    password: str,
    display_name: str | None = None,
    locale: str = "ru",
) -> Account:
    """A new account; the password is stored only as an argon2 hash."""
    username = username.strip()
    check_new_login(username, password)
    if locale not in ("ru", "en"):
        raise InvalidInput(
            "locale: ru or en",
            key="accounts.error.locale",
            where_key="error.where.field",
            where_params={"field": "locale"},
        )
    taken = connection.execute(select(users.c.id).where(users.c.username == username)).first()
    if taken is not None:
        raise Conflict(
            f"the username {username!r} is taken",
            key="accounts.error.username_taken",
            params={"username": username},
        )
    key = connection.execute(
        users.insert().values(
            username=username,
            display_name=display_name or username,
            password_hash=_hasher().hash(password),
            locale=locale,
            is_active=True,
            created_at=utcnow(),
        )
    ).inserted_primary_key
    assert key is not None
    return Account(int(key[0]), username, display_name or username, locale)


def grant(
    connection: Connection,
    *,
    account: Account,
    workspace: Workspace,
    role: WorkspaceRole,
    agent_external_id: str | None = None,
    team: str | None = None,
) -> None:
    """Give ``account`` a role in ``workspace`` (replacing an earlier one)."""
    connection.execute(
        memberships.delete().where(
            memberships.c.user_id == account.id, memberships.c.workspace_id == workspace.id
        )
    )
    connection.execute(
        memberships.insert().values(
            user_id=account.id,
            workspace_id=workspace.id,
            role=role.value,
            agent_external_id=agent_external_id,
            team=team,
        )
    )


def set_password(
    connection: Connection, username: str, password: str, *, keep_session: str | None = None
) -> int:
    """Give ``username`` a new password and end their sessions (but ``keep_session``).

    How many sessions ended. Used by the account page (the person's own session
    stays) and ``kontrol user password`` (an operator's reset: all end).
    """
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"password: at least {MIN_PASSWORD} characters",
            key="accounts.error.password_short",
            params={"MIN_PASSWORD": MIN_PASSWORD},
            where_key="error.where.field",
            where_params={"field": "password"},
        )
    row = connection.execute(select(users.c.id).where(users.c.username == username)).first()
    if row is None:
        raise NotFound(
            f"no account {username!r}",
            key="accounts.error.no_account",
            params={"username": username},
        )
    connection.execute(
        update(users).where(users.c.id == row.id).values(password_hash=_hasher().hash(password))
    )
    return end_sessions_of(connection, int(row.id), keep=keep_session)


def change_password(
    connection: Connection,
    account: Account,
    *,
    current: str,
    new: str,
    repeated: str,
    session: str | None,
) -> int:
    """The person's own change: the current password first; other sessions end."""
    if authenticate(connection, username=account.username, password=current) is None:
        raise InvalidInput(
            "current_password: this is not your current password",
            key="accounts.error.not_current_password",
            where_key="error.where.field",
            where_params={"field": "current_password"},
        )
    if new != repeated:
        raise InvalidInput(
            "new_password_again: the two new passwords differ",
            key="accounts.error.passwords_differ",
            where_key="error.where.field",
            where_params={"field": "new_password_again"},
        )
    if new == current:
        raise InvalidInput(
            "new_password: choose a password different from the current one",
            key="accounts.error.same_password",
            where_key="error.where.field",
            where_params={"field": "new_password"},
        )
    return set_password(connection, account.username, new, keep_session=session)


def authenticate(connection: Connection, *, username: str, password: str) -> Account | None:
    """The account when the password is right, else ``None``."""
    row = connection.execute(
        select(users).where(users.c.username == username.strip(), users.c.is_active.is_(True))
    ).first()
    if row is None:
        try:
            _hasher().verify(_dummy_hash(), password)
        except VerificationError:
            pass
        return None
    try:
        _hasher().verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher().check_needs_rehash(row.password_hash):
        connection.execute(
            update(users).where(users.c.id == row.id).values(password_hash=_hasher().hash(password))
        )
    return Account(row.id, row.username, row.display_name, row.locale)


def get_account(connection: Connection, account_id: int) -> Account:
    """The active account with this id."""
    row = connection.execute(
        select(users).where(users.c.id == account_id, users.c.is_active.is_(True))
    ).first()
    if row is None:
        raise NotFound("no such account", key="accounts.error.no_such_account")
    return Account(row.id, row.username, row.display_name, row.locale)


def set_locale(connection: Connection, *, account: Account, locale: str) -> None:
    """Remember the interface language a person chose."""
    if locale not in ("ru", "en"):
        raise InvalidInput(
            "locale: ru or en",
            key="accounts.error.locale",
            where_key="error.where.field",
            where_params={"field": "locale"},
        )
    connection.execute(update(users).where(users.c.id == account.id).values(locale=locale))


def memberships_of(connection: Connection, account: Account) -> list[Membership]:
    """Every workspace the account belongs to, by workspace name."""
    rows = connection.execute(
        select(memberships, workspaces.c.name, workspaces.c.timezone)
        .join(workspaces, workspaces.c.id == memberships.c.workspace_id)
        .where(memberships.c.user_id == account.id)
        .order_by(workspaces.c.name)
    )
    return [
        Membership(
            Workspace(row.workspace_id, row.name, row.timezone),
            WorkspaceRole(row.role),
            row.agent_external_id,
            row.team,
        )
        for row in rows
    ]


def count_accounts(connection: Connection) -> int:
    """How many accounts exist (none: the web app explains how to create one)."""
    return len(connection.execute(select(users.c.id).limit(1)).all())


def add_user(
    connection: Connection,
    *,
    username: str,
    password: str,
    workspace_name: str,
    role: WorkspaceRole,
    display_name: str | None = None,
    locale: str = "ru",
    agent_external_id: str | None = None,
    team: str | None = None,
) -> Account:
    """Create an account and give it a role in one workspace."""
    workspace = find_workspace(connection, workspace_name)
    account = create_account(
        connection, username=username, password=password, display_name=display_name, locale=locale
    )
    grant(
        connection,
        account=account,
        workspace=workspace,
        role=role,
        agent_external_id=agent_external_id,
        team=team,
    )
    return account
