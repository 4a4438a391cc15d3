"""``kontrol mystery``: import, export, shoppers, plan, results and shops from the shell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.mystery.programmes import find_programme
from tests.mystery.builders import PROGRAMME, add_shop

runner = CliRunner()
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def test_a_programme_goes_in_and_out_and_is_planned(
    engine: Engine,
    workspace: Workspace,
    database_url: str,
    tmp_path: Path,
    shopper_ids: list[int],
) -> None:
    source = tmp_path / "retail.yaml"
    source.write_text(PROGRAMME, encoding="utf-8")
    db = ["--db", database_url]
    imported = runner.invoke(app, ["mystery", "import", str(source), *db])
    assert imported.exit_code == 0, imported.output
    assert "added programme retail" in imported.stdout
    assert "2 scenarios, 3 targets" in imported.stdout
    out = tmp_path / "out.yaml"
    assert runner.invoke(app, ["mystery", "export", "retail", "-o", str(out), *db]).exit_code == 0
    assert out.read_text(encoding="utf-8") == PROGRAMME
    chosen = runner.invoke(app, ["mystery", "shoppers", "retail", "anna", "boris", *db])
    assert chosen.stdout.strip() == "retail: anna, boris"
    planned = runner.invoke(app, ["mystery", "plan", "retail", "--month", "2026-11", *db])
    assert planned.stdout.strip() == "retail 2026-11: 5 visits added"
    listed = runner.invoke(app, ["mystery", "list", *db])
    assert "retail\tТайный покупатель — розница\trunning\t3 targets\t2 scenarios\t2 shoppers" in (
        listed.stdout
    )


def test_a_bad_file_names_the_file_and_the_field(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "bad.yaml"
    source.write_text(PROGRAMME.replace("pass_mark: 80", "pass_mark: 180"), encoding="utf-8")
    result = runner.invoke(app, ["mystery", "import", str(source), "--db", database_url])
    assert result.exit_code == 2
    assert f"{source}: pass_mark: expected a number from 0 to 100" in result.stderr


def test_results_as_json(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "retail.yaml"
    source.write_text(PROGRAMME, encoding="utf-8")
    runner.invoke(app, ["mystery", "import", str(source), "--db", database_url])
    with engine.begin() as connection:
        programme = find_programme(connection, workspace, "retail")
        add_shop(
            connection,
            workspace,
            programme.id,
            target="rival-calls",
            scenario="delivery-price",
            answers={"greeting": "pass", "correct": "pass", "polite": 3},
        )
    result = runner.invoke(app, ["mystery", "results", "retail", "--json", "--db", database_url])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["overall"]["score"] == 90.0
    assert data["own_vs_competitors"] == [
        {
            "key": "competitor",
            "title": "competitor",
            "kind": "competitor",
            "scenario": None,
            "shops": 1,
            "score": 90.0,
            "pass_rate": 100.0,
        }
    ]
    shops = runner.invoke(app, ["mystery", "submissions", "retail", "--db", database_url])
    assert "\trival-calls\tdelivery-price\t" in shops.stdout
