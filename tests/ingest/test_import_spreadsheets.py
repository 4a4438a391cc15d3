"""CSV files as Russian Excel saves them: `;` between columns, Windows-1251 or a BOM,
channels in words, dates as ДД.ММ.ГГГГ, one text column without authors."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.batches import validate_record
from kontrol.ingest.csv_reader import (
    CsvImporter,
    channel_value,
    detect_separator,
    guess_date_format,
    sniff_csv,
)
from kontrol.ingest.import_report import Reject
from kontrol.ingest.registry import SourceRecord
from kontrol.ingest.reject_reasons import explain_reject
from kontrol.ingest.uploaded_files import suggest_columns
from kontrol.store.tables import interactions, messages
from tests.factories import form_token, log_in
from tests.ingest.test_import_page import _finished, _id_of, _upload
from tests.webapp import client, populated  # noqa: F401 - fixtures

EXCEL = (
    "Номер обращения;Оператор;Дата;Канал;Текст\r\n"
    "1;Иванова Анна;24.11.2026 10:00;чат;Здравствуйте, заказ не пришёл\r\n"
    "2;Петров Пётр;24.11.2026 11:30:15;Звонок;Хочу вернуть товар\r\n"
    "3;Иванова Анна;32.13.2026 10:00;почта;Дата с опечаткой\r\n"
    "4;Петров Пётр;25.11.2026;факс;Канал, которого нет\r\n"
    "5;Иванова Анна;25.11.2026 12:00;Мессенджер;Спасибо!\r\n"
)
MAPPING = {
    "id": "Номер обращения",
    "agent_name": "Оператор",
    "started_at": "Дата",
    "channel": "Канал",
    "message.text": "Текст",
}


def _explained(source: SourceRecord) -> tuple[str | None, dict[str, str]]:
    """The message key and parameters the import page shows for a rejected row."""
    explained = explain_reject(Reject("x.csv", source.line, str(validate_record(source)), None))
    (reason,) = explained.reasons
    return reason.key, dict(reason.params)


def _sheet(tmp_path: Path, text: str, encoding: str = "cp1251") -> Path:
    path = tmp_path / "выгрузка.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_the_separator_and_the_encoding_of_russian_excel_are_found(tmp_path: Path) -> None:
    assert sniff_csv(_sheet(tmp_path, EXCEL)) == ("cp1251", ";")
    assert sniff_csv(_sheet(tmp_path, EXCEL, "utf-8-sig")) == ("utf-8-sig", ";")
    assert detect_separator("id\tchannel\tstarted_at") == "\t"
    assert detect_separator('id,"Дата; время",channel') == ","  # a quoted `;` does not count
    assert detect_separator("id") == ","
    # Nobody said who wrote the text column: by turns, the customer first.
    read = list(CsvImporter(columns=MAPPING, dates="dmy_dots").read(_sheet(tmp_path, EXCEL)))
    first = read[0].data
    assert first is not None
    assert first["agent_name"] == "Иванова Анна" and first["channel"] == "chat"
    assert first["messages"] == [{"role": "customer", "text": "Здравствуйте, заказ не пришёл"}]


def test_channels_written_in_words_are_recognised_and_an_unknown_one_is_rejected(
    tmp_path: Path,
) -> None:
    assert channel_value(" Чат ") == "chat" and channel_value("ЗВОНОК") == "call"
    assert channel_value("Эл. почта") == "email" and channel_value("телефон") == "call"
    assert channel_value("WhatsApp") == "messenger" and channel_value("e-mail") == "email"
    assert channel_value("факс") is None
    read = list(CsvImporter(columns=MAPPING, dates="dmy_dots").read(_sheet(tmp_path, EXCEL)))
    channels = [source.data["channel"] for source in read if source.data]
    assert channels == ["chat", "call", "messenger"]
    unknown = next(source for source in read if source.line == 5)
    assert unknown.field == "channel" and unknown.error and "'факс'" in unknown.error
    assert _explained(unknown) == ("import.reject.unknown_channel", {"value": "'факс'"})


def test_dates_are_read_in_the_chosen_format_and_a_wrong_one_is_named(tmp_path: Path) -> None:
    read = list(CsvImporter(columns=MAPPING, dates="dmy_dots").read(_sheet(tmp_path, EXCEL)))
    times = {source.line: source.data["started_at"] for source in read if source.data}
    assert times == {2: "2026-11-24T10:00:00", 3: "2026-11-24T11:30:15", 6: "2026-11-25T12:00:00"}
    wrong = next(source for source in read if source.line == 4)
    assert wrong.field == "started_at"
    # Written the chosen way but not a date of any calendar: said so, not "another format".
    assert _explained(wrong) == ("import.reject.no_such_date", {"value": "32.13.2026 10:00"})
    # One mistyped date among the first rows does not hide how the file writes them.
    assert guess_date_format(["24.11.2026 10:00", "32.13.2026 10:00", "25.11.2026"]) == "dmy_dots"
    assert guess_date_format(["2026-11-24T11:00:00", "24.11.2026"]) == "iso"


def test_who_wrote_a_single_text_column_is_said_once_for_the_file(tmp_path: Path) -> None:
    path = _sheet(
        tmp_path,
        "Номер;Канал;Дата;Текст\n7;чат;2026-11-24T10:00:00;Добрый день\n"
        "7;чат;2026-11-24T10:00:00;Здравствуйте, слушаю\n7;чат;2026-11-24T10:00:00;Спасибо\n",
    )
    columns = {"id": "Номер", "channel": "Канал", "started_at": "Дата", "message.text": "Текст"}

    def roles(role: str) -> list[str]:
        reader = CsvImporter(columns=columns, fixed={"message.role": role})
        (source,) = list(reader.read(path))
        assert source.data is not None
        return [message["role"] for message in source.data["messages"]]

    assert roles("alternate") == ["customer", "agent", "customer"]
    assert roles("agent") == ["agent", "agent", "agent"]


def test_a_column_of_names_goes_to_the_name_field_and_exact_names_win() -> None:
    header = ["Номер", "Оператор", "Дата"]
    names = [["1", "Иванова Анна", "24.11.2026"], ["2", "Петров Пётр", "24.11.2026"]]
    logins = [["1", "ivanova", "24.11.2026"], ["2", "a17", "24.11.2026"]]
    assert suggest_columns(header, names)["agent_name"] == "Оператор"
    assert "agent_id" not in suggest_columns(header, names)
    assert suggest_columns(header, logins)["agent_id"] == "Оператор"
    # A column named as the field itself wins over a synonym of another field.
    both = suggest_columns(["Сотрудник", "Имя оператора", "agent_name"], [])
    assert both == {"agent_id": "Сотрудник", "agent_name": "agent_name"}


def test_a_russian_excel_csv_is_mapped_and_imported_end_to_end(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "qa")
    answer = _upload(client, "Выгрузка.csv", EXCEL.encode("cp1251"), content_type="text/csv")
    assert answer.status_code == 303
    upload_id = _id_of(answer.headers["location"])
    assert answer.headers["location"] == f"/import/{upload_id}/columns"

    step = client.get(f"/import/{upload_id}/columns").text
    assert re.search(r'name="separator">.*?<option value="semicolon" selected', step, re.S)
    assert "Кодировка файла: Windows-1251" in step
    assert re.search(r'name="map.agent_name">.*?<option value="Оператор" selected', step, re.S)
    assert re.search(r'name="map.message.text">.*?<option value="Текст" selected', step, re.S)
    assert re.search(r'name="fixed.message.role">.*?value="alternate" selected', step, re.S)
    assert re.search(r'name="dates">.*?<option value="dmy_dots" selected', step, re.S)
    assert "«чат» → Чат" in step and "«Звонок» → Звонок" in step
    assert "«факс» → не распознан" in step
    assert "32.13.2026 10:00 — такой даты нет" in step  # the preview checks line 4 already

    form = {f"map.{field}": column for field, column in MAPPING.items()}
    saved = client.post(
        f"/import/{upload_id}/columns",
        data={
            "csrf_token": form_token(client, f"/import/{upload_id}/columns"),
            **form,
            "dates": "dmy_dots",
            "separator": "semicolon",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/import/{upload_id}"
    part = _finished(client, engine, upload_id)
    assert "Импорт завершён" in part
    assert re.search(r'tile-value">3<', part)  # lines 2, 3 and 6
    assert "32.13.2026 10:00 — такой даты нет" in part
    assert "неизвестный канал &#39;факс&#39;; допустимы: звонок, чат" in part
    # Lines and columns named: the file's column with the field's label, never its code.
    assert ">4<" in part and ">5<" in part and "«Дата» (Дата и время начала)" in part
    assert "«Канал»" in part and "started_at" not in part
    with engine.connect() as connection:
        stored = connection.execute(
            select(
                interactions.c.external_id,
                interactions.c.channel,
                interactions.c.agent_name,
                messages.c.role,
                messages.c.text,
            )
            .join(messages, messages.c.interaction_id == interactions.c.id)
            .where(interactions.c.workspace_id == populated.id)
            .where(interactions.c.external_id.in_(["1", "2", "5"]))
            .order_by(interactions.c.external_id)
        ).all()
    assert [(row.external_id, row.channel, row.agent_name, row.role) for row in stored] == [
        ("1", "chat", "Иванова Анна", "customer"),
        ("2", "call", "Петров Пётр", "customer"),
        ("5", "messenger", "Иванова Анна", "customer"),
    ]
    assert stored[0].text == "Здравствуйте, заказ не пришёл"  # Windows-1251 read as such


def test_kontrol_own_semicolon_csv_with_a_bom_needs_no_mapping(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "admin")
    data = "id;channel;started_at\nb1;chat;2026-11-24T10:00:00+03:00\n".encode("utf-8-sig")
    answer = _upload(client, "own.csv", data, content_type="text/csv")
    upload_id = _id_of(answer.headers["location"])
    assert answer.headers["location"] == f"/import/{upload_id}"
    assert "Импорт завершён" in _finished(client, engine, upload_id)
    with engine.connect() as connection:
        channel = connection.execute(
            select(interactions.c.channel).where(
                interactions.c.workspace_id == populated.id, interactions.c.external_id == "b1"
            )
        ).scalar_one()
    assert channel == "chat"
