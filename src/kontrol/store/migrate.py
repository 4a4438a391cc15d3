"""Create or upgrade a database to the newest schema."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration the database has not seen yet (up to ``revision``)."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def known_revisions() -> set[str]:
    """Every migration this code has."""
    script = ScriptDirectory.from_config(_config())
    return {revision.revision for revision in script.walk_revisions()}


@cache
def head_revision() -> str | None:
    """The newest migration this code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The migration the database is at (None: an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest revision."""
    with engine.connect() as connection:
        return current_revision(connection) == head_revision()
