"""The frozen migrations import nothing from the application and still do what they did.

Migration 0006 fills the KPI rollups from the facts a database already holds,
with the metrics' additive parts written out as they were at that revision: an
upgraded database must hold the same rollups the application computes.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.demo.seeding import write_demo_file
from kontrol.demo.sizes import SMALL
from kontrol.ingest.importing import import_file
from kontrol.metrics.rollups import rebuild_rollups
from kontrol.store.migrate import MIGRATIONS
from kontrol.store.tables import kpi_rollup_buckets, kpi_rollups

VERSIONS = MIGRATIONS / "versions"


def test_no_migration_imports_the_application() -> None:
    offenders = []
    for path in sorted(VERSIONS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [f"{path.name}: {name}" for name in names if name.startswith("kontrol")]
    assert offenders == []
    assert len(list(VERSIONS.glob("0*.py"))) >= 8


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)


def _rollups(connection: Connection) -> tuple[list[Any], list[Any]]:
    def rows(table: Any) -> list[Any]:
        return sorted(
            (tuple(row) for row in connection.execute(select(table))),
            key=lambda row: tuple((value is None, str(value)) for value in row),
        )

    return rows(kpi_rollups), rows(kpi_rollup_buckets)


def test_upgrading_past_0006_fills_the_rollups_the_application_computes(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    data = tmp_path / "demo.jsonl.gz"
    write_demo_file(data, seed=11, count=200, size=SMALL)
    import_file(engine=engine, workspace=workspace, path=data)
    try:
        _migrate(engine, "0005", down=True)
        _migrate(engine, "head")
    finally:
        _migrate(engine, "head")
    with engine.connect() as connection:
        migrated = _rollups(connection)
    with engine.begin() as connection:
        rebuild_rollups(connection, None)
        computed = _rollups(connection)
    assert len(migrated[0]) > 20
    assert len(migrated[1]) > 20
    assert migrated == computed
