"""``kontrol work``: rules from YAML, a check, scores and items, as a person runs them."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from tests.factories import import_records
from tests.worktools.builders import work_item

runner = CliRunner()
RULES = "rules:\n  - name: Overdue\n    kind: overdue\n  - name: Bad\n    kind: stale_status\n"


def test_rules_import_reports_a_bad_rule_and_exits_1(
    workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES + "    params: {weeks: 2}\n", "utf-8")
    result = runner.invoke(app, ["work", "rules", "import", str(path), "--db", database_url])
    assert result.exit_code == 1
    assert f"{path}:4: params.weeks: unknown parameter (known: days)" in result.stderr
    assert "1 rules created, 0 updated, 1 refused" in result.stdout
    listed = runner.invoke(app, ["work", "rules", "export", "--db", database_url])
    assert "name: Overdue" in listed.stdout and "Bad" not in listed.stdout


def test_scores_and_items_after_a_check(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - name: Overdue\n    kind: overdue\n", "utf-8")
    runner.invoke(app, ["work", "rules", "import", str(path), "--db", database_url])
    records = [
        work_item("t-1", owner_id="a1", due_at="2026-11-10T00:00:00+00:00"),
        work_item("t-2", owner_id="a2"),
    ]
    import_records(engine, workspace, tmp_path, records)
    checked = runner.invoke(app, ["work", "check", "--json", "--db", database_url])
    assert json.loads(checked.stdout) == {"items": 2, "opened": 0, "closed": 0, "open": 1}
    scores = json.loads(
        runner.invoke(app, ["work", "scores", "--json", "--db", database_url]).stdout
    )
    assert [(g["key"], g["score"]) for g in scores["groups"]] == [("a1", 0.0), ("a2", 100.0)]
    items = runner.invoke(app, ["work", "items", "--violations", "--db", database_url])
    assert "crm/t-1\ttask\ta1\topen\tOverdue (since 2026-11-10)" in items.stdout
    assert "t-2" not in items.stdout
