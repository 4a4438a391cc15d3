"""``kontrol backup`` / ``kontrol restore`` (docs/deploy.md, "Backups and restore").

A populated workspace (interactions with messages, surveys, orders, people, an
API key, an alert rule's state, facts and rollups) is backed up from SQLite and
from PostgreSQL and restored into a fresh database of either kind: every
table has the same rows and the KPIs by agent and month are the same.
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.demo.generator import generate
from kontrol.demo.sizes import SMALL
from kontrol.store.database import make_engine
from kontrol.store.migrate import head_revision
from kontrol.store.tables import interactions, metadata
from tests.conftest import POSTGRES_ADMIN_URL
from tests.factories import add_people, import_records
from tests.webapp import PEOPLE

pytestmark = pytest.mark.slow

runner = CliRunner()


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """The URL of a new PostgreSQL database without any table (dropped afterwards)."""
    name = f"kontrol_restore_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _populate(engine: Engine, workspace: Workspace, folder: Path) -> None:
    records = list(generate(seed=7, interactions=120, size=SMALL))
    report = import_records(engine, workspace, folder, records, name="demo.jsonl")
    assert report.imported > 100
    with engine.begin() as connection:
        add_people(connection, workspace, PEOPLE)


def _row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        counts = {
            table.name: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in metadata.sorted_tables
        }
    engine.dispose()
    return counts


def _kpis(url: str) -> object:
    answer = runner.invoke(app, ["kpi", "--db", url, "--by", "agent", "--period", "month"])
    assert answer.exit_code == 0, answer.output
    return json.loads(answer.stdout)


def _cli(*args: str) -> dict[str, object]:
    answer = runner.invoke(app, list(args))
    assert answer.exit_code == 0, answer.output
    summary: dict[str, object] = json.loads(answer.stdout)
    return summary


def test_a_backup_restores_into_either_database_with_the_same_rows_and_kpis(
    engine: Engine,
    database_url: str,
    workspace: Workspace,
    fresh_postgres: str,
    tmp_path: Path,
) -> None:
    _populate(engine, workspace, tmp_path)
    archive = tmp_path / "kontrol.backup.gz"
    written = _cli("backup", str(archive), "--db", database_url)
    assert written["migration"] == head_revision()
    before_rows = _row_counts(database_url)
    before_kpis = _kpis(database_url)
    assert before_rows["interactions"] > 100 and before_rows["messages"] > 100
    assert written["rows"] == sum(before_rows.values())

    for target in (f"sqlite:///{tmp_path / 'restored.db'}", fresh_postgres):
        restored = _cli("restore", str(archive), "--db", target)
        assert restored["rows"] == written["rows"]
        assert _row_counts(target) == before_rows, target
        assert _kpis(target) == before_kpis, target
        # New rows get new ids after the restored ones (PostgreSQL's sequences were moved on).
        restored_engine = make_engine(target)
        from kontrol.accounts.workspaces import find_workspace

        with restored_engine.connect() as connection:
            into = find_workspace(connection, workspace.name)
        extra = [
            r
            for r in generate(seed=99, interactions=3, size=SMALL)
            if r.get("kind") == "interaction"
        ]
        for number, item in enumerate(extra):
            item["external_id"] = f"after-restore-{number}"
        import_records(restored_engine, into, tmp_path, extra)
        with restored_engine.connect() as connection:
            after = connection.execute(
                select(func.count()).where(interactions.c.external_id.like("after-restore-%"))
            ).scalar_one()
        assert after == len(extra)
        restored_engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_restore_refuses_a_database_with_data_and_an_archive_from_a_newer_schema(
    engine: Engine, database_url: str, workspace: Workspace, tmp_path: Path
) -> None:
    _populate(engine, workspace, tmp_path)
    archive = tmp_path / "kontrol.backup.gz"
    _cli("backup", str(archive), "--db", database_url)

    into_itself = runner.invoke(app, ["restore", str(archive), "--db", database_url])
    assert into_itself.exit_code == 2
    assert "not empty" in into_itself.output

    lines = gzip.open(archive, "rt", encoding="utf-8").read().splitlines()
    header = json.loads(lines[0])
    newer = tmp_path / "newer.backup.gz"
    with gzip.open(newer, "wt", encoding="utf-8") as out:
        out.write("\n".join([json.dumps({**header, "migration": "9999"}), *lines[1:]]) + "\n")
    target = f"sqlite:///{tmp_path / 'newer.db'}"
    refused = runner.invoke(app, ["restore", str(newer), "--db", target])
    assert refused.exit_code == 2
    assert "newer schema" in refused.output and "9999" in refused.output

    # An archive cut short loads nothing: the restore is one transaction.
    cut = tmp_path / "cut.backup.gz"
    with gzip.open(cut, "wt", encoding="utf-8") as out:
        out.write("\n".join(lines[: len(lines) // 2]) + "\n")
    cut_target = f"sqlite:///{tmp_path / 'cut.db'}"
    damaged = runner.invoke(app, ["restore", str(cut), "--db", cut_target])
    assert damaged.exit_code == 2
    assert "cut short" in damaged.output
    assert sum(_row_counts(cut_target).values()) == 0

    not_an_archive = tmp_path / "notes.txt"
    not_an_archive.write_text("hello")
    wrong = runner.invoke(
        app, ["restore", str(not_an_archive), "--db", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert wrong.exit_code == 2
    assert "Traceback" not in wrong.output
