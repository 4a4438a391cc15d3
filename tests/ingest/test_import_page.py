"""The web import page: upload, background job with progress, summary, rejects, CSV mapping."""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.csv_reader import CsvImporter, guess_date_format
from kontrol.ingest.importing import import_file
from kontrol.ingest.uploaded_files import suggest_columns
from kontrol.jobs import run_due_jobs
from kontrol.store.tables import import_uploads, interactions
from tests.factories import form_token, interaction_record, log_in
from tests.webapp import client, populated  # noqa: F401 - fixtures


def _jsonl(records: list[object]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def _record(external_id: str, started: str = "2026-11-10T10:00:00+03:00") -> dict[str, object]:
    return interaction_record(
        external_id,
        started=started,
        messages=[{"role": "customer", "text": "Здравствуйте"}],
        agent_id="a1",
    )


def _upload(
    client: TestClient,  # noqa: F811
    name: str,
    data: bytes,
    fmt: str = "",
    content_type: str = "text/plain",
) -> httpx.Response:
    return client.post(
        "/import",
        data={"csrf_token": form_token(client, "/import"), "format": fmt},
        files={"file": (name, data, content_type)},
        follow_redirects=False,
    )


def _finished(client: TestClient, engine: Engine, upload_id: int) -> str:  # noqa: F811
    """Run the due jobs until the import's progress part says it has ended; that part."""
    for _ in range(600):  # a wait for the app's own runner thread, not a timed assertion
        run_due_jobs(engine)
        part = client.get(f"/import/{upload_id}/progress").text
        if "hx-trigger" not in part:
            return part
        assert "<progress" in part
        time.sleep(0.05)
    raise AssertionError("the import never finished")


def _id_of(location: str) -> int:
    found = re.search(r"/import/(\d+)", location)
    assert found
    return int(found.group(1))


def test_a_jsonl_upload_is_imported_in_the_background_with_its_summary_and_rejects(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
    data_dir: Path,
) -> None:
    log_in(client, "admin")
    page = client.get("/import")
    assert page.status_code == 200
    assert 'type="file"' in page.text and "Определить по имени файла" in page.text
    assert "Zendesk" in page.text and "sample.jsonl" in page.text  # formats, recent imports

    bad = {"kind": "interaction", "id": "<b>x</b>", "channel": "<script>alert(1)</script>"}
    data = _jsonl([_record("w1"), _record("w2")]) + b"{broken\n" + _jsonl([bad])
    answer = _upload(client, "../../etc/выгрузка <script>.jsonl", data)
    assert answer.status_code == 303
    upload_id = _id_of(answer.headers["location"])
    assert answer.headers["location"] == f"/import/{upload_id}"

    part = _finished(client, engine, upload_id)
    assert "Импорт завершён" in part
    assert 'max="100" value="100"' in part
    assert re.search(r'tile-value">2<', part)  # two imported
    assert "<script>alert(1)" not in part and "&lt;script&gt;" in part  # escaped
    assert "/rejects?batch=" in part
    status = client.get(f"/import/{upload_id}").text
    assert "выгрузка_script.jsonl" in status  # the sent name cleaned: no folders, no markup
    assert ">3<" in status and ">4<" in status  # the lines of the two rejects
    batch = re.search(r"/rejects\?batch=(\d+)", status)
    assert batch
    rejects = client.get(f"/rejects?batch={batch.group(1)}").text
    assert "Показаны ошибки одного импорта" in rejects
    assert rejects.count("<tr") == 3  # header + two rejects of this import only
    with engine.connect() as connection:
        stored = set(
            connection.execute(
                select(interactions.c.external_id).where(
                    interactions.c.workspace_id == populated.id
                )
            ).scalars()
        )
        key = connection.execute(select(import_uploads.c.storage_key)).scalar_one()
    assert {"w1", "w2"} <= stored
    assert ".." not in key and "script" not in key  # the store's key is Kontrol's own
    assert not [path for path in (data_dir / "imports").rglob("*") if path.is_file()]
    listed = client.get("/import").text
    assert "выгрузка_script.jsonl" in listed


def test_progress_is_reported_as_the_file_is_read(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "many.jsonl"
    path.write_bytes(_jsonl([_record(f"p{n}") for n in range(450)]))
    seen: list[tuple[int, int]] = []
    batches: list[int] = []
    report = import_file(
        engine=engine,
        workspace=workspace,
        path=path,
        on_progress=lambda read, line: seen.append((read, line)),
        on_batch=batches.append,
    )
    assert report.imported == 450
    assert seen == [(200, 200), (400, 400), (450, 450)]
    assert len(batches) == 1 and batches[0] > 0


CSV = (
    "Номер обращения,Дата,Оператор,Оценка,Комментарий клиента,Филиал\n"
    "r1,2026-11-10T10:00:00+03:00,a1,5,Спасибо,Москва\n"
    "r2,10.11.2026,a2,4,,Казань\n"
    "r3,2026-11-11 12:30,a1,2,<i>долго</i>,Москва\n"
)


def test_a_spreadsheet_export_is_mapped_column_by_column_and_nothing_is_lost(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "qa")
    answer = _upload(client, "Выгрузка.csv", CSV.encode("utf-8-sig"), content_type="text/csv")
    assert answer.status_code == 303
    upload_id = _id_of(answer.headers["location"])
    assert answer.headers["location"] == f"/import/{upload_id}/columns"
    assert client.get(f"/import/{upload_id}", follow_redirects=False).status_code == 303

    step = client.get(f"/import/{upload_id}/columns").text
    # Obvious columns are chosen already, the preview shows the first rows as mapped.
    assert re.search(r'name="map.id">.*?<option value="Номер обращения" selected', step, re.S)
    assert re.search(r'name="map.started_at">.*?<option value="Дата" selected', step, re.S)
    assert re.search(r'name="map.agent_id">.*?<option value="Оператор" selected', step, re.S)
    assert re.search(r'name="map.survey.csat">.*?<option value="Оценка" selected', step, re.S)
    assert "&lt;i&gt;долго" in step and "<i>долго" not in step
    # The preview names what is still missing by its label, never by its code.
    assert "Канал: обязательное поле не заполнено" in step
    assert "<code>started_at</code>" not in step and "<code>channel</code>" not in step

    # A trial mapping only changes the preview.
    trial = client.get(
        f"/import/{upload_id}/columns",
        params={"mapped": "1", "map.id": "Номер обращения", "map.started_at": "Дата"},
    ).text
    assert "Оператор (id)" not in trial.split('id="mapping-preview"')[1]

    token = form_token(client, f"/import/{upload_id}/columns")
    form = {
        "csrf_token": token,
        "map.id": "Номер обращения",
        "map.started_at": "Дата",
        "map.agent_id": "Оператор",
        "map.survey.csat": "Оценка",
        "map.survey.comment": "Комментарий клиента",
    }
    refused = client.post(f"/import/{upload_id}/columns", data=form)
    assert refused.status_code == 422
    assert "Выберите столбцы для обязательных полей: Канал." in refused.text
    twice = client.post(
        f"/import/{upload_id}/columns",
        data={**form, "map.team": "Оператор", "fixed.channel": "call"},
    )
    assert twice.status_code == 422 and "Один столбец выбран для двух полей" in twice.text

    saved = client.post(
        f"/import/{upload_id}/columns",
        data={**form, "fixed.channel": "call"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/import/{upload_id}"
    part = _finished(client, engine, upload_id)
    assert "Импорт завершён" in part
    assert re.search(r'tile-value">2<', part)  # r1 and r3
    # r2's date, line 3, is a reject named by the file's column and the field's label.
    assert "«Дата» (Дата и время начала)" in part and ">3<" in part
    assert "started_at" not in part
    assert "не в формате ISO-8601" in part and "&#39;10.11.2026&#39;" in part
    with engine.connect() as connection:
        row = connection.execute(
            select(
                interactions.c.agent_external_id, interactions.c.channel, interactions.c.meta
            ).where(interactions.c.workspace_id == populated.id, interactions.c.external_id == "r1")
        ).one()
    assert row.agent_external_id == "a1" and row.channel == "call"
    assert row.meta["Филиал"] == "Москва"  # an unmapped column is kept
    # Once mapped, the step is over.
    assert client.get(f"/import/{upload_id}/columns", follow_redirects=False).status_code == 303


def test_bad_uploads_are_refused_with_a_clear_message(
    client: TestClient,  # noqa: F811
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log_in(client, "admin")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    answer = _upload(client, "photo.csv", png, content_type="text/csv")
    assert answer.status_code == 422 and "Это не текстовый файл" in answer.text
    answer = _upload(client, "book.xlsx", b"id,channel\n")
    assert answer.status_code == 422 and "Такой файл не импортируется" in answer.text
    assert ".jsonl" in answer.text
    answer = _upload(client, "cp1251.jsonl", '{"id": "канал"}\n'.encode("cp1251"))
    assert answer.status_code == 422 and "не в кодировке UTF-8" in answer.text
    answer = _upload(client, "fake.jsonl.gz", b"not gzip at all")
    assert answer.status_code == 422 and "не сжат gzip" in answer.text
    answer = _upload(client, "empty.jsonl", b"")
    assert answer.status_code == 422 and "Файл пустой" in answer.text
    monkeypatch.setenv("KONTROL_IMPORT_UPLOAD_MAX_MB", "1")
    answer = _upload(client, "big.jsonl", b"{}\n" * 400_000)
    assert answer.status_code == 422 and "Файл больше 1 МБ" in answer.text
    client.post("/locale", data={"locale": "en", "csrf_token": form_token(client, "/import")})
    english = _upload(client, "big.jsonl", b"{}\n" * 400_000)
    assert "larger than 1 MB" in english.text


def test_a_damaged_gz_keeps_what_was_read_and_says_so(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "admin")
    whole = gzip.compress(_jsonl([_record(f"g{n}") for n in range(3000)]))
    answer = _upload(client, "calls.jsonl.gz", whole[: len(whole) // 2])
    assert answer.status_code == 303
    upload_id = _id_of(answer.headers["location"])
    part = _finished(client, engine, upload_id)
    assert "Файл повреждён" in part
    assert "calls.jsonl.gz" in part and "/tmp" not in part
    with engine.connect() as connection:
        stored = connection.execute(
            select(interactions.c.external_id).where(
                interactions.c.workspace_id == populated.id,
                interactions.c.external_id.like("g%"),
            )
        ).all()
    assert 0 < len(stored) < 3000


def test_the_csv_reader_maps_columns_keeps_the_rest_and_fills_fixed_values(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(CSV, encoding="utf-8")
    reader = CsvImporter(
        columns={"id": "Номер обращения", "started_at": "Дата", "agent_id": "Оператор"},
        fixed={"channel": "chat"},
    )
    first = next(iter(reader.read(path)))
    assert first.data is not None
    assert first.data["id"] == "r1" and first.data["channel"] == "chat"
    assert first.data["agent_id"] == "a1"
    assert first.data["meta"] == {
        "Оценка": "5",
        "Комментарий клиента": "Спасибо",
        "Филиал": "Москва",
    }


def test_dates_written_the_russian_way_are_read_when_the_mapping_says_so(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(
        "Номер,Дата,Канал\nd1,24.11.2026 11:00,call\nd2,24.11.2026,chat\nd3,вчера,chat\n",
        encoding="utf-8",
    )
    reader = CsvImporter(
        columns={"id": "Номер", "started_at": "Дата", "channel": "Канал"}, dates="dmy_dots"
    )
    read = [source.data["started_at"] for source in reader.read(path) if source.data]
    assert read == ["2026-11-24T11:00:00", "2026-11-24T00:00:00"]
    (wrong,) = [source for source in reader.read(path) if source.data is None]
    assert wrong.line == 4 and wrong.field == "started_at"
    assert wrong.error == "not a date in the format dmy_dots: 'вчера'"
    assert guess_date_format(["24.11.2026 11:00", "01.12.2026 09:05"]) == "dmy_dots"
    assert guess_date_format(["11/24/2026 11:00"]) == "mdy_slashes"
    assert guess_date_format(["2026-11-24T11:00:00", "24.11.2026"]) == "iso"


def test_obvious_column_names_are_suggested_in_both_languages() -> None:
    assert suggest_columns(["Оператор", "Дата", "Номер", "Канал", "Тема", "Прочее"]) == {
        "agent_id": "Оператор",
        "started_at": "Дата",
        "id": "Номер",
        "channel": "Канал",
        "topic": "Тема",
    }
    assert suggest_columns(["Ticket ID", "Created at", "Agent", "CSAT"]) == {
        "id": "Ticket ID",
        "started_at": "Created at",
        "agent_id": "Agent",
        "survey.csat": "CSAT",
    }


def test_a_rejected_row_of_the_preview_shows_the_file_cells_and_marks_the_bad_one(
    client: TestClient,  # noqa: F811
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "qa")
    # Row 3's channel cannot be read: the reader gives no record for it, only its text.
    data = (
        "Номер обращения,Дата,Канал,Оператор,Оценка\n"
        "r1,2026-11-10T10:00:00+03:00,chat,a1,5\n"
        "r2,2026-11-10T11:00:00+03:00,факс <b>старый</b>,a2,4\n"
    )
    answer = _upload(client, "Плохой канал.csv", data.encode(), content_type="text/csv")
    upload_id = _id_of(answer.headers["location"])
    step = client.get(
        f"/import/{upload_id}/columns",
        params={
            "mapped": "1",
            "map.id": "Номер обращения",
            "map.started_at": "Дата",
            "map.channel": "Канал",
            "map.agent_id": "Оператор",
            "map.survey.csat": "Оценка",
            "dates": "iso",
        },
    ).text
    preview = step.split('id="mapping-preview"')[1]
    row = re.search(r"<tr>\s*<td class=\"num\">3</td>(.*?)</tr>", preview, re.S)
    assert row, preview
    cells = row.group(1)
    # The file's own text of each cell, escaped; the channel cell marked with the reason.
    assert "<td>r2</td>" in cells and "<td>a2</td>" in cells and "<td>4</td>" in cells
    assert "<td>2026-11-10T11:00:00+03:00</td>" in cells  # as the file has it
    bad = re.search(r'<td class="preview-rejected"[^>]*>(.*?)</td>', cells, re.S)
    assert bad
    assert bad.group(1).startswith("факс &lt;b&gt;старый&lt;/b&gt;")
    assert "<span" in bad.group(1)  # the reason, under the value
    assert "<b>" not in cells
    # The readable row has no marked cell.
    first = re.search(r"<tr>\s*<td class=\"num\">2</td>(.*?)</tr>", preview, re.S)
    assert first and "preview-rejected" not in first.group(1)
