"""Opening the database a command or the web app works on."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, ensure_workspace
from kontrol.domain.errors import InvalidInput
from kontrol.settings import Settings, get_settings
from kontrol.store.database import make_engine
from kontrol.store.migrate import is_current, upgrade
from kontrol.store.tables import app_settings


def database_url(explicit: str | None = None) -> str:
    """``--db`` when given, else ``KONTROL_DATABASE_URL``, else ``sqlite:///kontrol.db``."""
    # Read afresh: the environment may differ between commands of one process (tests).
    return explicit or Settings().database_url


def initialize(url: str) -> Engine:
    """Create or upgrade the database at ``url``; a fresh one gets the ``default`` workspace."""
    engine = make_engine(url)
    upgrade(engine)
    ensure_workspace(engine, DEFAULT_WORKSPACE)
    return engine


def open_database(url: str) -> Engine:
    """The database at ``url``, created or upgraded when it is not current."""
    engine = make_engine(url)
    if not is_current(engine):
        upgrade(engine)
        ensure_workspace(engine, DEFAULT_WORKSPACE)
    return engine


def session_secret(engine: Engine) -> str:
    """The key that signs session cookies: the setting, else one kept in the database."""
    configured = get_settings().secret_key
    if configured:
        if len(configured) < 32:
            raise InvalidInput(
                "KONTROL_SECRET_KEY must be at least 32 characters",
                key="accounts.error.secret_short",
            )
        return configured
    with engine.begin() as connection:
        row = connection.execute(
            select(app_settings.c.value).where(app_settings.c.key == "session_secret")
        ).first()
        if row is not None:
            return str(row[0])
        value = secrets.token_urlsafe(48)
        connection.execute(app_settings.insert().values(key="session_secret", value=value))
        return value
