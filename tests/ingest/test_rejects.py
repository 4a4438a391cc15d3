"""Rejected records are stored, listed, exported, and closed by a fixed import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace, create_workspace
from kontrol.cli.main import app
from kontrol.ingest.importing import import_file
from kontrol.ingest.rejects import StoredReject, count_open_rejects, list_rejects

runner = CliRunner()


def interaction(ident: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": ident,
        "channel": "chat",
        "started_at": "2026-11-02T10:00:00+03:00",
        "messages": [{"role": "customer", "text": "Здравствуйте"}],
    }
    record.update(fields)
    return record


def write_jsonl(path: Path, records: list[dict[str, Any] | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def open_rejects(engine: Engine, workspace: Workspace) -> list[StoredReject]:
    with engine.connect() as connection:
        return list(list_rejects(connection, workspace))


def all_rejects(engine: Engine, workspace: Workspace) -> list[StoredReject]:
    with engine.connect() as connection:
        return list(list_rejects(connection, workspace, include_resolved=True))


def test_rejects_are_stored_with_file_line_field_and_raw_text(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    bad = json.dumps(interaction("c-2", survey={"csat": 9}), ensure_ascii=False)
    path = write_jsonl(tmp_path / "a.jsonl", [interaction("c-1"), bad, "{broken"])
    import_file(engine=engine, workspace=workspace, path=path)
    stored = open_rejects(engine, workspace)
    assert [(r.file, r.line, r.field, r.raw) for r in stored] == [
        (str(path), 2, "survey.csat", bad),
        (str(path), 3, None, "{broken"),
    ]
    assert "survey.csat" in stored[0].error
    assert "JSON" in stored[1].error
    assert not any(r.resolved for r in stored)
    with engine.connect() as connection:
        assert count_open_rejects(connection, workspace) == 2


def test_importing_the_same_bad_file_twice_adds_no_duplicates(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", [interaction("c-1"), "{broken", interaction("c-2", channel="fax")]
    )
    first = import_file(engine=engine, workspace=workspace, path=path)
    second = import_file(engine=engine, workspace=workspace, path=path)
    # The second run still reports them (the file is still bad) but stores no twins.
    assert (first.rejected, second.rejected) == (2, 2)
    assert len(all_rejects(engine, workspace)) == 2


def test_a_changed_bad_line_is_a_new_reject(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", ["{broken"])
    import_file(engine=engine, workspace=workspace, path=path)
    write_jsonl(path, ["{broken differently"])
    import_file(engine=engine, workspace=workspace, path=path)
    assert [r.raw for r in open_rejects(engine, workspace)] == ["{broken", "{broken differently"]


def test_fixed_record_closes_its_reject(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    bad = write_jsonl(
        tmp_path / "a.jsonl",
        [
            interaction("c-1", channel="fax"),
            interaction("c-2", source="zendesk", started_at="soon"),
            interaction("c-3", survey={"csat": 0}),
        ],
    )
    import_file(engine=engine, workspace=workspace, path=bad)
    assert len(open_rejects(engine, workspace)) == 3
    fixed = write_jsonl(
        tmp_path / "fixed.jsonl",
        [interaction("c-1"), interaction("c-2", source="zendesk")],
    )
    report = import_file(engine=engine, workspace=workspace, path=fixed)
    assert (report.imported, report.rejected) == (2, 0)
    remaining = open_rejects(engine, workspace)
    assert [r.line for r in remaining] == [3]
    closed = [r for r in all_rejects(engine, workspace) if r.resolved]
    assert sorted(r.line for r in closed) == [1, 2]


def test_same_id_from_another_source_does_not_close_a_reject(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    bad = write_jsonl(tmp_path / "a.jsonl", [interaction("c-1", source="zendesk", channel="fax")])
    import_file(engine=engine, workspace=workspace, path=bad)
    other = write_jsonl(tmp_path / "b.jsonl", [interaction("c-1", source="chatwoot")])
    import_file(engine=engine, workspace=workspace, path=other)
    assert len(open_rejects(engine, workspace)) == 1


def test_fixed_agent_order_and_survey_close_their_rejects(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    bad = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"kind": "agent", "id": "a1", "hourly_cost": "много"},
            {"kind": "order", "id": "o-1", "customer_id": "c1", "at": "2026-11-02"},
            {"kind": "survey", "interaction_id": "c-1", "csat": 6},
        ],
    )
    import_file(engine=engine, workspace=workspace, path=bad)
    assert len(open_rejects(engine, workspace)) == 3
    fixed = write_jsonl(
        tmp_path / "fixed.jsonl",
        [
            {"kind": "agent", "id": "a1", "hourly_cost": 500},
            {"kind": "order", "id": "o-1", "customer_id": "c1", "at": "2026-11-02", "amount": 5},
            {"kind": "survey", "interaction_id": "c-1", "csat": 5},
        ],
    )
    report = import_file(engine=engine, workspace=workspace, path=fixed)
    assert (report.imported, report.rejected) == (3, 0)
    assert open_rejects(engine, workspace) == []


def test_an_order_does_not_close_the_reject_of_an_interaction_with_its_id(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    bad = write_jsonl(tmp_path / "a.jsonl", [interaction("x-1", channel="fax")])
    import_file(engine=engine, workspace=workspace, path=bad)
    order = {"kind": "order", "id": "x-1", "customer_id": "c1", "at": "2026-11-02", "amount": 1}
    import_file(engine=engine, workspace=workspace, path=write_jsonl(tmp_path / "o.jsonl", [order]))
    assert len(open_rejects(engine, workspace)) == 1


def test_rejects_belong_to_their_workspace(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    with engine.begin() as connection:
        other = create_workspace(connection, name="other")
    path = write_jsonl(tmp_path / "a.jsonl", [interaction("c-1", channel="fax")])
    import_file(engine=engine, workspace=other, path=path)
    assert open_rejects(engine, workspace) == []
    assert len(open_rejects(engine, other)) == 1
    # Fixing it in the default workspace does not close the other workspace's reject.
    import_file(
        engine=engine,
        workspace=workspace,
        path=write_jsonl(tmp_path / "fixed.jsonl", [interaction("c-1")]),
    )
    assert len(open_rejects(engine, other)) == 1


def test_cli_list_export_fix_and_reimport(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    bad_line = json.dumps(interaction("c-2", channel="fax"), ensure_ascii=False)
    path = write_jsonl(tmp_path / "a.jsonl", [interaction("c-1"), bad_line])
    assert runner.invoke(app, ["import", "--db", database_url, str(path)]).exit_code == 1

    listed = runner.invoke(app, ["rejects", "list", "--db", database_url])
    assert listed.exit_code == 0
    assert f"{path}:2: channel" in listed.stdout

    as_json = runner.invoke(app, ["rejects", "list", "--db", database_url, "--json"])
    [entry] = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert (entry["file"], entry["line"], entry["field"], entry["resolved"]) == (
        str(path),
        2,
        "channel",
        False,
    )
    assert entry["raw"] == bad_line

    exported = tmp_path / "rejects.jsonl"
    result = runner.invoke(app, ["rejects", "export", str(exported), "--db", database_url])
    assert result.exit_code == 0
    assert "1 rejected records" in result.stdout
    assert exported.read_text(encoding="utf-8") == bad_line + "\n"

    exported.write_text(
        exported.read_text(encoding="utf-8").replace('"fax"', '"call"'), encoding="utf-8"
    )
    again = runner.invoke(app, ["import", "--db", database_url, "--json", str(exported)])
    assert again.exit_code == 0
    assert json.loads(again.stdout)["imported"] == 1

    assert runner.invoke(app, ["rejects", "list", "--db", database_url]).stdout.strip() == ""
    everything = runner.invoke(app, ["rejects", "list", "--db", database_url, "--all"])
    assert "(fixed)" in everything.stdout


def test_csv_rejects_export_as_csv_lines(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,channel,started_at\nv-1,fax,2026-11-02T10:00:00Z\n", encoding="utf-8")
    import_file(engine=engine, workspace=workspace, path=path)
    [reject] = open_rejects(engine, workspace)
    assert (reject.line, reject.field, reject.raw) == (2, "channel", "v-1,fax,2026-11-02T10:00:00Z")


def test_a_lone_surrogate_in_the_id_is_a_stored_reject_not_a_stopped_import(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    # json.dumps escapes the surrogate ("\ud800"): the line itself is valid UTF-8.
    bad = json.dumps(interaction("c-\ud800", source="crm\udc00"))
    path = write_jsonl(tmp_path / "s.jsonl", [interaction("c-1"), bad, interaction("c-3")])
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (2, 1)
    [stored] = open_rejects(engine, workspace)
    assert (stored.line, stored.field) == (2, "id")
    assert stored.raw == bad
