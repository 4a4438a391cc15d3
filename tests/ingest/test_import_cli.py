"""``kontrol import``: the summary, ``--json`` and the exit codes."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.ingest.import_report import REPORT_REJECTS
from kontrol.ingest.registry import Importer, SourceRecord, importers
from kontrol.store.tables import import_rejects, interactions

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


def run_import(database_url: str, *args: str) -> Any:
    return runner.invoke(app, ["import", "--db", database_url, *args])


def json_of(result: Any) -> dict[str, Any]:
    """The one JSON object ``--json`` prints on stdout (nothing else there)."""
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    data: dict[str, Any] = json.loads(lines[0])
    return data


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_clean_file_exits_0_with_a_summary(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [interaction("c-1"), interaction("c-2")])
    result = run_import(database_url, str(path))
    assert result.exit_code == 0, result.output
    assert f"{path}: 2 imported, 0 updated, 0 unchanged, 0 rejected" in result.stdout
    again = run_import(database_url, str(path))
    assert again.exit_code == 0
    assert "0 imported, 0 updated, 2 unchanged, 0 rejected" in again.stdout
    assert count(engine, interactions) == 2


def test_json_output_has_exactly_the_documented_shape(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [interaction("c-1"), '{"id": "c-2",', interaction("c-3", survey={"csat": 9})],
    )
    result = run_import(database_url, "--json", str(path))
    assert result.exit_code == 1
    data = json_of(result)
    assert list(data) == ["imported", "updated", "rejected", "rejects"]
    assert (data["imported"], data["updated"], data["rejected"]) == (1, 0, 2)
    assert [sorted(reject) for reject in data["rejects"]] == [["error", "file", "line"]] * 2
    assert [(r["file"], r["line"]) for r in data["rejects"]] == [(str(path), 2), (str(path), 3)]
    assert "survey.csat" in data["rejects"][1]["error"]
    assert all(isinstance(r["error"], str) and r["error"] for r in data["rejects"])


def test_json_reports_updates(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [interaction("c-1"), interaction("c-2")])
    assert json_of(run_import(database_url, "--json", str(first)))["imported"] == 2
    unchanged = json_of(run_import(database_url, "--json", str(first)))
    assert unchanged == {"imported": 0, "updated": 0, "rejected": 0, "rejects": []}
    second = write_jsonl(
        tmp_path / "b.jsonl", [interaction("c-1", topic="refund"), interaction("c-3")]
    )
    result = run_import(database_url, "--json", str(second))
    assert result.exit_code == 0
    assert json_of(result) == {"imported": 1, "updated": 1, "rejected": 0, "rejects": []}


def test_several_files_are_summed(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    jsonl = write_jsonl(tmp_path / "a.jsonl", [interaction("c-1"), "nope"])
    csv_path = tmp_path / "b.csv"
    csv_path.write_text(
        "id,channel,started_at\nv-1,visit,2026-11-02T10:00:00Z\nv-2,fax,2026-11-02T10:00:00Z\n",
        encoding="utf-8",
    )
    result = run_import(database_url, "--json", str(jsonl), str(csv_path))
    assert result.exit_code == 1
    data = json_of(result)
    assert (data["imported"], data["rejected"]) == (2, 2)
    assert [(r["file"], r["line"]) for r in data["rejects"]] == [
        (str(jsonl), 2),
        (str(csv_path), 3),
    ]


def test_rejected_lines_exit_1_and_are_listed(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", [interaction("c-1"), interaction("c-2", channel="fax")]
    )
    result = run_import(database_url, str(path))
    assert result.exit_code == 1
    assert "1 imported" in result.stdout and "1 rejected" in result.stdout
    assert f"{path}:2: channel" in result.stdout
    assert count(engine, interactions) == 1


def test_only_rejects_still_exit_1(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", ["{", "{"])
    result = run_import(database_url, "--json", str(path))
    assert result.exit_code == 1
    assert json_of(result)["rejected"] == 2


@pytest.mark.parametrize("problem", ["missing", "folder", "corrupt-gz"])
def test_unreadable_file_exits_2(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path, problem: str
) -> None:
    if problem == "missing":
        path = tmp_path / "nope.jsonl"
    elif problem == "folder":
        path = tmp_path / "a-folder"
        path.mkdir()
    else:
        path = tmp_path / "corrupt.jsonl.gz"
        path.write_bytes(b"\x1f\x8b\x08\x00 definitely not deflate data")
    result = run_import(database_url, "--json", str(path))
    assert result.exit_code == 2
    assert str(path) in result.stderr
    data = json_of(result)
    assert data.pop("errors")[0]["file"] == str(path)
    assert data == {"imported": 0, "updated": 0, "rejected": 0, "rejects": []}


def test_unreadable_file_does_not_stop_the_others(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    good = write_jsonl(tmp_path / "a.jsonl", [interaction("c-1")])
    result = run_import(database_url, str(tmp_path / "nope.jsonl"), str(good))
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    assert count(engine, interactions) == 1


def test_truncated_gzip_exits_2(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(
        "".join(json.dumps(interaction(f"t-{i}")) + "\n" for i in range(100)).encode()
    )
    path.write_bytes(data[: len(data) // 2])
    result = run_import(database_url, str(path))
    assert result.exit_code == 2
    assert "cut.jsonl.gz" in result.stderr


def test_truncated_gzip_counts_what_it_stored_and_names_the_file(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "cut.jsonl.gz"
    lines = "".join(json.dumps(interaction(f"t-{i}", topic="x" * i)) + "\n" for i in range(3000))
    data = gzip.compress(lines.encode(), compresslevel=1)
    path.write_bytes(data[: len(data) * 2 // 3])
    result = run_import(database_url, "--json", str(path))
    assert result.exit_code == 2
    summary = json_of(result)
    stored = count(engine, interactions)
    assert stored > 0
    assert summary["imported"] == stored
    [error] = summary["errors"]
    assert error["file"] == str(path) and "stopped reading after line" in error["error"]
    assert f"error: {path}: stopped reading after line" in result.stderr


class _CrashingImporter(Importer):
    """An importer plugin with a bug: it fails after its first record."""

    name = "crashing"
    label = "crashes part-way"
    suffixes = (".crash",)

    def read(self, path: Path) -> Iterator[SourceRecord]:
        yield SourceRecord(1, "{}", interaction("x-1"))
        raise RuntimeError("plugin bug")


def test_an_import_that_fails_unexpectedly_exits_3_with_a_json_summary(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    good = write_jsonl(tmp_path / "a.jsonl", [interaction("c-1"), interaction("c-2")])
    crashing = tmp_path / "b.crash"
    crashing.write_text("anything", encoding="utf-8")
    never = write_jsonl(tmp_path / "c.jsonl", [interaction("c-3")])
    with importers.temporarily():
        importers.add("crashing", _CrashingImporter)
        result = run_import(database_url, "--json", str(good), str(crashing), str(never))
    assert result.exit_code == 3
    summary = json_of(result)
    assert (summary["imported"], summary["rejected"]) == (2, 0)
    [error] = summary["errors"]
    assert error["file"] == str(crashing)
    assert "RuntimeError: plugin bug" in error["error"]
    assert f"error: {crashing}: the import stopped unexpectedly" in result.stderr
    assert count(engine, interactions) == 2


def test_workspace_option(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    created = runner.invoke(
        app, ["workspace", "create", "acme", "--db", database_url, "--timezone", "Europe/Moscow"]
    )
    assert created.exit_code == 0, created.output
    path = write_jsonl(tmp_path / "a.jsonl", [interaction("c-1", started_at="2026-11-02T10:00:00")])
    assert run_import(database_url, "--workspace", "acme", str(path)).exit_code == 0
    assert run_import(database_url, str(path)).exit_code == 0
    with engine.connect() as connection:
        times = sorted(connection.execute(select(interactions.c.started_at)).scalars())
    assert [t.hour for t in times] == [7, 10]
    missing = run_import(database_url, "--workspace", "nobody", str(path))
    assert missing.exit_code == 2
    assert "nobody" in missing.stderr


def test_json_reject_list_is_capped_but_all_are_stored(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    bad = REPORT_REJECTS + 5
    path = write_jsonl(tmp_path / "bad.jsonl", ["{"] * bad + [interaction("c-1")])
    result = run_import(database_url, "--json", str(path))
    assert result.exit_code == 1
    data = json_of(result)
    assert (data["imported"], data["rejected"]) == (1, bad)
    assert len(data["rejects"]) == REPORT_REJECTS
    assert count(engine, import_rejects) == bad


def test_format_option_reads_a_file_by_another_name(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "export.txt"
    path.write_text("id,channel,started_at\nv-1,visit,2026-11-02T10:00:00Z\n", encoding="utf-8")
    result = run_import(database_url, "--format", "csv", "--json", str(path))
    assert result.exit_code == 0, result.output
    assert json_of(result)["imported"] == 1
    unknown = run_import(database_url, "--format", "nonsense", str(path))
    assert unknown.exit_code == 2
