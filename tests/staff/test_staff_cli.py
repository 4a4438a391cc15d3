"""``kontrol staff``: the same rules as the web, acting as a member."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from tests.staff.staff_world import build_world

runner = CliRunner()


def test_a_lead_defines_a_competency_and_an_agent_may_not(
    engine: Engine, workspace: Workspace, database_url: str
) -> None:
    build_world(engine, workspace)
    base = ["staff", "competency", "empathy", "Эмпатия", "--criterion", "empathy"]
    refused = runner.invoke(app, [*base, "--as", "agent1", "--db", database_url])
    made = runner.invoke(app, [*base, "--as", "qa", "--db", database_url])
    profile = runner.invoke(app, ["staff", "profile", "a1", "--as", "qa", "--db", database_url])
    assert refused.exit_code == 2 and "only admins and QA leads" in refused.stderr
    assert made.exit_code == 0 and "empathy: empathy" in made.stdout
    assert json.loads(profile.stdout)["competencies"][0]["competency"] == "empathy"
