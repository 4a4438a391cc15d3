"""``kontrol script``: import all or none with the faulty file's line, export, adherence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.scripts.library import example_text
from kontrol.store.tables import scripts

runner = CliRunner()
# The commands' logic does not depend on the database: one backend (the store tests run both).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(scripts)).scalar_one())


def test_import_is_all_or_none_and_names_the_file_and_line(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    good = tmp_path / "refund.yaml"
    good.write_text(example_text("refund"), encoding="utf-8")
    bad = tmp_path / "broken.yaml"
    bad.write_text(example_text("complaint").replace("kind: solution", "kind: remedy", 1))
    result = runner.invoke(app, ["script", "import", str(good), str(bad), "--db", database_url])
    assert result.exit_code != 0
    assert "broken.yaml, line" in result.stderr and "kind" in result.stderr
    assert _count(engine) == 0


def test_export_gives_back_what_was_imported_and_adherence_answers_json(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "refund.yaml"
    source.write_text(example_text("refund"), encoding="utf-8")
    imported = runner.invoke(app, ["script", "import", str(source), "--db", database_url])
    assert imported.exit_code == 0 and "refund: v1" in imported.stdout
    exported = runner.invoke(app, ["script", "export", "refund", "--db", database_url])
    assert exported.stdout == example_text("refund")
    figures = runner.invoke(app, ["script", "adherence", "refund", "--json", "--db", database_url])
    body = json.loads(figures.stdout)
    assert body["total"]["n"] == 0
    assert [s["step"] for s in body["steps"]][0] == "greeting"
