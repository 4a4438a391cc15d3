"""``kontrol audits`` and ``kontrol actions``: templates as YAML files, an audit from the
command line with its PDF, and the plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.domain.roles import WorkspaceRole
from tests.audits.builders import PNG, SMALL
from tests.factories import add_person

runner = CliRunner()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_template_file_is_refused_naming_file_line_and_field_and_saved_when_right(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path, backend: str
) -> None:
    broken = tmp_path / "small.yaml"
    broken.write_text(SMALL.replace("evidence: true", "evidence: maybe"), encoding="utf-8")
    refused = runner.invoke(app, ["audits", "import-template", str(broken), "--db", database_url])
    line = broken.read_text(encoding="utf-8").splitlines().index("        evidence: maybe") + 1
    assert refused.exit_code == 2
    assert f"{broken}, line {line}, field areas[0].items[0](intake).evidence" in refused.stderr
    broken.write_text(SMALL, encoding="utf-8")
    saved = runner.invoke(app, ["audits", "import-template", str(broken), "--db", database_url])
    assert saved.exit_code == 0 and "small v1" in saved.stdout
    exported = tmp_path / "out.yaml"
    runner.invoke(
        app, ["audits", "export-template", "small", "-o", str(exported), "--db", database_url]
    )
    assert exported.read_text(encoding="utf-8") == SMALL


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_audit_from_the_command_line_ends_in_a_pdf_and_an_action(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path, backend: str
) -> None:
    with engine.begin() as connection:
        add_person(connection, workspace, "qa", WorkspaceRole.QA_LEAD)
        add_person(connection, workspace, "lead", WorkspaceRole.TEAM_LEAD, team="L1")
    (tmp_path / "small.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "photo.png").write_bytes(PNG)
    db = ["--db", database_url]
    runner.invoke(app, ["audits", "import-template", str(tmp_path / "small.yaml"), *db])
    created = runner.invoke(
        app,
        ["audits", "create", "--as", "qa", "--template", "small", "--from", "2026-11-01",
         "--to", "2026-11-30", "--competitor", "Соперник", *db],
    )  # fmt: skip
    assert created.exit_code == 0, created.stderr
    answers = [
        ["intake", "yes", "--evidence", str(tmp_path / "photo.png")],
        ["offer", "2", "--comment", "КП без сроков"],
        ["greeting", "95"],
        ["bots", "na"],
        ["speed", "60"],
        ["speed", "30", "--subject", "Соперник"],
    ]
    for answer in answers:
        result = runner.invoke(app, ["audits", "answer", "--as", "qa", "1", *answer, *db])
        assert result.exit_code == 0, result.stderr
    refused = runner.invoke(app, ["audits", "answer", "--as", "lead", "1", "offer", "5", *db])
    # The team lead is not among this audit's auditors.
    assert refused.exit_code == 2 and "only an audit's auditors" in refused.stderr
    done = runner.invoke(app, ["audits", "complete", "--as", "qa", "1", *db])
    assert done.exit_code == 0 and "completed" in done.stdout
    pdf = tmp_path / "audit.pdf"
    runner.invoke(
        app, ["audits", "report", "--as", "qa", "1", "--pdf", str(pdf), "--language", "en", *db]
    )
    text = "\n".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    assert "What to improve" in text and "КП без сроков" in text
    action = runner.invoke(
        app,
        ["actions", "create", "--as", "qa", "--title", "Сроки в КП", "--owner", "lead",
         "--due", "2026-11-20", "--source", "audit:1:item:offer", *db],
    )  # fmt: skip
    assert action.exit_code == 0, action.stderr
    plan = runner.invoke(app, ["actions", "list", "--as", "lead", *db])
    assert "OVERDUE" in plan.stdout and "Сроки в КП" in plan.stdout
