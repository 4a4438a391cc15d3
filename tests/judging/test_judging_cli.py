"""``kontrol judging``: import with the faulty line, export, list, ask now."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.judging.endpoint import save_endpoint
from tests.factories import import_records, interaction_ids, interaction_record, message
from tests.judging.llm_server import ChatServer, verdict

runner = CliRunner()
# The commands' logic does not depend on the database: one backend (the judging tests run both).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

CRITERIA = """criteria:
  - name: solved
    title: Solved
    question: Did the agent solve the problem?
    scorecard: default-en
    criterion: solution_correct
"""


def test_import_export_list_and_ask(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CRITERIA.replace("title: Solved", "title: Solved\n    weight: 3"))
    result = runner.invoke(app, ["judging", "import", str(bad), "--db", database_url])
    assert result.exit_code != 0 and "bad.yaml, line 4: criteria[0].weight" in result.stderr
    good = tmp_path / "good.yaml"
    good.write_text(CRITERIA)
    result = runner.invoke(app, ["judging", "import", str(good), "--db", database_url])
    assert result.exit_code == 0, result.stderr
    listed = runner.invoke(app, ["judging", "list", "--db", database_url])
    assert "solved\tv1\tshadow\tdefault-en/solution_correct" in listed.stdout
    exported = runner.invoke(app, ["judging", "export", "--db", database_url])
    assert "question: Did the agent solve the problem?" in exported.stdout

    at = "2026-11-02T10:00:00+00:00"
    record = interaction_record(
        "e1",
        started=at,
        messages=[
            message("customer", "Where is my order?", at),
            message("agent", "It ships today.", at),
        ],
    )
    import_records(engine, workspace, tmp_path, [record])
    with engine.connect() as connection:
        stored = interaction_ids(connection, workspace)["e1"]
    server = ChatServer(lambda body: verdict("pass", "Gave a date.", "it ships today")).start()
    try:
        with engine.begin() as connection:
            save_endpoint(
                connection,
                workspace.id,
                base_url=server.url,
                model="m",
                api_key=None,
                mask_personal_data=True,
                daily_budget=10,
                timeout_seconds=5,
                enabled=True,
                user_id=None,
            )
        asked = runner.invoke(app, ["judging", "ask", str(stored), "--db", database_url])
        again = runner.invoke(app, ["judging", "ask", str(stored), "--db", database_url])
    finally:
        server.stop()
    assert asked.exit_code == 0 and "asked 1," in asked.stdout
    assert "asked 0," in again.stdout and "already answered 1" in again.stdout
    assert len(server.requests) == 1


def test_the_demo_criteria_are_valid_and_in_shadow(engine: Engine, workspace: Workspace) -> None:
    from kontrol.demo.seed.judging import seed_judging_demo
    from kontrol.judging.criteria import list_criteria

    assert seed_judging_demo(engine, workspace.id) == 3
    assert seed_judging_demo(engine, workspace.id) == 3  # once
    with engine.connect() as connection:
        assert all(c.shadow for c in list_criteria(connection, workspace.id))
