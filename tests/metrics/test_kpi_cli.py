"""``kontrol kpi`` on files and on the database; targets and calendars from the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol.cli.main import app
from tests.factories import demo_interactions_file, write_jsonl
from tests.metrics.fixtures import AGENTS, INTERACTIONS, LATE_SURVEY, ORDERS

runner = CliRunner()


def data_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "data.jsonl", [*AGENTS, *INTERACTIONS, LATE_SURVEY, *ORDERS])


def test_kpi_on_files_gives_the_spec_rows(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "kpi",
            str(data_file(tmp_path)),
            "--by",
            "agent",
            "--period",
            "month",
            "--metrics",
            "frt,sla,contacts",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    a1 = next(r for r in rows if r["agent"] == "a1")
    assert set(a1) == {
        "agent",
        "period",
        "frt",
        "frt_mean",
        "frt_p90",
        "sla",
        "sla_num",
        "sla_den",
        "contacts",
    }
    # a1 in November: frt 40, 120, 30, 10; within target: i1, i6, i7 of four.
    assert (a1["period"], a1["frt"], a1["sla_num"], a1["sla_den"], a1["contacts"]) == (
        "2026-11",
        35,
        3,
        4,
        4,
    )


def test_files_and_database_give_the_same_rows(tmp_path: Path) -> None:
    path = data_file(tmp_path)
    db = f"sqlite:///{tmp_path / 'k.db'}"
    assert runner.invoke(app, ["import", str(path), "--db", db]).exit_code == 0
    args = ["--by", "team,channel", "--period", "week", "--format", "json"]
    on_files = runner.invoke(app, ["kpi", str(path), *args])
    on_db = runner.invoke(app, ["kpi", "--db", db, *args])
    assert on_files.exit_code == on_db.exit_code == 0
    assert json.loads(on_files.stdout) == json.loads(on_db.stdout)


def test_csv_and_table_formats(tmp_path: Path) -> None:
    path = data_file(tmp_path)
    result = runner.invoke(
        app, ["kpi", str(path), "--by", "channel", "--metrics", "contacts,csat", "--format", "csv"]
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0].keys() == {"channel", "contacts", "csat", "csat_num", "csat_den"}
    assert {r["channel"]: r["contacts"] for r in rows}["chat"] == "5"
    table = runner.invoke(app, ["kpi", str(path), "--metrics", "sla,frt", "--format", "table"])
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["metric", "all"]
    # Metrics come in catalogue order, whatever order they were asked in.
    assert lines[2].split() == ["frt", "(s)", "40"]
    assert lines[3].split() == ["sla", "66.7%"]


def test_bad_requests_are_one_line_errors(tmp_path: Path) -> None:
    path = data_file(tmp_path)
    for args, message in (
        (["--by", "shoe"], "--by"),
        (["--period", "year"], "--period"),
        (["--metrics", "speed"], "unknown metric"),
        (["--from", "02.11.2026"], "--from"),
        (["--format", "xml"], "--format"),
    ):
        result = runner.invoke(app, ["kpi", str(path), *args])
        assert result.exit_code == 2
        assert message in result.stderr


def test_targets_show_in_the_table_and_calendars_recount(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    runner.invoke(app, ["import", str(data_file(tmp_path)), "--db", db])
    set_target = runner.invoke(
        app,
        ["target", "set", "sla", "--target", "80", "--warning", "60", "--owner", "QA", "--db", db],
    )
    assert set_target.exit_code == 0, set_target.output
    listed = runner.invoke(app, ["target", "list", "--json", "--db", db])
    assert json.loads(listed.stdout)["target"] == 80
    table = runner.invoke(app, ["kpi", "--db", db, "--metrics", "sla", "--format", "table"])
    assert "66.7% (→80%)" in table.stdout
    calendar = runner.invoke(
        app, ["calendar", "set", "--db", db, "--hours", "09:00-18:00", "--lunch", "13:00-14:00"]
    )
    assert calendar.exit_code == 0, calendar.output
    shown = json.loads(runner.invoke(app, ["calendar", "list", "--db", db]).stdout)
    assert (shown["opens"], shown["lunch"]) == ("09:00", ["13:00", "14:00"])
    bad = runner.invoke(app, ["calendar", "set", "--db", db, "--hours", "18:00-09:00"])
    assert bad.exit_code == 2 and "opening time" in bad.stderr
    rebuilt = runner.invoke(app, ["rollup", "--db", db])
    assert rebuilt.stdout.startswith("10 interaction facts and 5 order facts rebuilt")


def test_exact_option_gives_the_figures_of_the_facts(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    runner.invoke(app, ["import", str(data_file(tmp_path)), "--db", db])
    asked = ["kpi", "--db", db, "--metrics", "frt,contacts,sla", "--by", "channel"]
    exact = runner.invoke(app, [*asked, "--exact"])
    rolled = runner.invoke(app, asked)
    assert exact.exit_code == 0, exact.output
    rows = json.loads(exact.stdout)
    assert rows and any(row["contacts"] for row in rows)
    assert json.loads(rolled.stdout) == rows


def test_kpi_of_a_big_file_counts_every_interaction_scored(
    tmp_path: Path, engine: Engine, database_url: str
) -> None:
    # More interactions in one batch than the background threshold: the QA score of
    # the file once came from the few scored inline, none of this batch.
    path = demo_interactions_file(tmp_path / "big.jsonl", 600)
    asked = ["--metrics", "qa_score,qa_fail", "--by", "channel", "--format", "json"]
    on_file = runner.invoke(app, ["kpi", str(path), *asked])
    assert on_file.exit_code == 0, on_file.output
    assert runner.invoke(app, ["import", str(path), "--db", database_url]).exit_code == 0
    assert runner.invoke(app, ["rescore", "--db", database_url]).exit_code == 0
    on_db = runner.invoke(app, ["kpi", "--db", database_url, *asked])
    rows = json.loads(on_file.stdout)
    # Every channel with agents has its QA score (self-service sessions have no agent).
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    channels = {r["channel"] for r in records if "kind" not in r} - {"self_service"}
    assert {row["channel"] for row in rows if row["qa_score"] is not None} == channels
    assert sum(row["qa_fail_den"] or 0 for row in rows) > 500
    assert rows == json.loads(on_db.stdout)


def test_csv_neutralises_formula_payloads_as_the_web_export_does(tmp_path: Path) -> None:
    payloads = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
    records = [
        {**INTERACTIONS[0], "id": f"f-{index}", "agent_id": payload}
        for index, payload in enumerate(payloads)
    ]
    path = write_jsonl(tmp_path / "formulas.jsonl", records)
    result = runner.invoke(
        app, ["kpi", str(path), "--by", "agent", "--metrics", "contacts", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    agents = {row["agent"] for row in csv.DictReader(io.StringIO(result.stdout))}
    assert agents == {"'" + payload for payload in payloads}
