"""A help-desk export (issue 15, third walk-through, item 3): a whole transcript in one cell
is split into turns with roles and times; a date and a time in two columns are joined;
Russian CRM headers («№ обращения», «Текст обращения») are matched automatically."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from kontrol.checks.engine import check_record
from kontrol.ingest.csv_reader import CsvImporter
from kontrol.ingest.import_report import Reject
from kontrol.ingest.reject_reasons import explain_reject
from kontrol.ingest.transcripts import Turn, speaker_line, split_transcript, turn_times
from kontrol.ingest.uploaded_files import suggest_columns

TRANSCRIPT = (
    "[10:03] Клиент: Здравствуйте, меня зовут Мария. Заказ не пришёл, это ужасно!!\n"
    "Номер заказа 4417.\n"
    "[10:04] Оператор Иван: Добрый день, Мария! Очень сочувствую, сейчас проверю.\n"
    "[10:06] Оператор Иван: Заказ придёт завтра до 18:00.\n"
    "[10:07] Клиент: Спасибо"
)


@pytest.mark.parametrize(
    ("line", "role", "text", "clock"),
    [
        ("Клиент: Здравствуйте", "customer", "Здравствуйте", None),
        ("Оператор: Добрый день", "agent", "Добрый день", None),
        ("Агент: да", "agent", "да", None),
        ("Менеджер: да", "agent", "да", None),
        ("Customer: hi", "customer", "hi", None),
        ("Agent: hello", "agent", "hello", None),
        ("[12:03] Оператор Иван: Добрый день", "agent", "Добрый день", time(12, 3)),
        ("12:03:15 Клиент: а", "customer", "а", time(12, 3, 15)),
        ("Менеджер Анна Петрова (12:05): б", "agent", "б", time(12, 5)),
        ("КЛИЕНТ> в", "customer", "в", None),
        ("Бот: Выберите тему", "bot", "Выберите тему", None),
    ],
)
def test_a_line_names_its_speaker_and_time(
    line: str, role: str, text: str, clock: time | None
) -> None:
    assert speaker_line(line) == Turn(role, text, None, clock)


@pytest.mark.parametrize(
    "line",
    [
        "Клиент хочет вернуть: деньги",  # a sentence about the customer, not a speaker
        "Клиентский сервис: ответил",
        "Номер заказа: 4417",
        "Просто текст",
    ],
)
def test_a_line_that_names_no_speaker_continues_the_message(line: str) -> None:
    assert speaker_line(line) is None


def test_a_transcript_is_split_into_turns_and_lines_without_a_speaker_continue() -> None:
    turns = split_transcript("Обращение с сайта\n" + TRANSCRIPT + "\n\n")
    assert turns is not None
    assert [turn.role for turn in turns] == ["", "customer", "agent", "agent", "customer"]
    assert turns[0].text == "Обращение с сайта"  # before any speaker: the column's role
    assert turns[1].text.endswith("это ужасно!!\nНомер заказа 4417.")
    assert [turn.clock for turn in turns[1:]] == [
        time(10, 3),
        time(10, 4),
        time(10, 6),
        time(10, 7),
    ]
    assert split_transcript("Заказ не пришёл.\nПомогите, пожалуйста") is None
    full = split_transcript("[24.11.2026 23:59] Клиент: а\n[25.11.2026 00:01] Оператор: б")
    assert full is not None and [t.day for t in full] == [date(2026, 11, 24), date(2026, 11, 25)]


def test_times_of_day_take_the_conversations_day_and_cross_midnight() -> None:
    turns = [
        Turn("customer", "а", clock=time(23, 58)),
        Turn("agent", "б", clock=time(0, 1)),
        Turn("agent", "в"),
        Turn("customer", "г", clock=time(0, 2)),
    ]
    started = datetime(2026, 11, 25, 0, 0)  # accepted just after midnight
    assert turn_times(turns, started) == [
        datetime(2026, 11, 24, 23, 58),
        datetime(2026, 11, 25, 0, 1),
        None,
        datetime(2026, 11, 25, 0, 2),
    ]
    assert turn_times(turns, None) == [None, None, None, None]


def _sheet(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "обращения.csv"
    path.write_text(text, encoding="utf-8")
    return path


HELPDESK = (
    "№ обращения;Дата создания;Время;Канал;Имя клиента;Текст обращения\n"
    f'101;24.11.2026;10:03;Чат;Мария;"{TRANSCRIPT}"\n'
    '102;24.11.2026;11:00;Чат;Олег;"Заказ не пришёл.\nПомогите, пожалуйста"\n'
    "103;24.11.2026;25:70;Чат;Анна;Клиент: а\n"
    "104;вчера;11:00;Чат;Анна;Клиент: а\n"
    "105;24.11.2026;позже;Чат;Анна;Клиент: а\n"
    "106;24.11.2026 0:00:00;9:05:41;Чат;Анна;Клиент: а\n"
)
COLUMNS = {
    "id": "№ обращения",
    "started_at": "Дата создания",
    "started_time": "Время",
    "channel": "Канал",
    "customer_name": "Имя клиента",
    "message.text": "Текст обращения",
}


def _read(tmp_path: Path) -> tuple[CsvImporter, dict[str, Any]]:
    reader = CsvImporter(columns=COLUMNS, dates="dmy_dots")
    read = {
        (source.data or {}).get("id") or f"line {source.line}": source
        for source in reader.read(_sheet(tmp_path, HELPDESK))
    }
    return reader, read


def test_a_cell_transcript_becomes_messages_with_roles_and_times(tmp_path: Path) -> None:
    reader, read = _read(tmp_path)
    record = read["101"].data
    assert record["started_at"] == "2026-11-24T10:03:00"
    assert [(m["role"], m["at"]) for m in record["messages"]] == [
        ("customer", "2026-11-24T10:03:00"),
        ("agent", "2026-11-24T10:04:00"),
        ("agent", "2026-11-24T10:06:00"),
        ("customer", "2026-11-24T10:07:00"),
    ]
    assert record["messages"][1]["text"].startswith("Добрый день, Мария!")
    # No speaker named: one message of the column's role, as before, and the line noted.
    assert read["102"].data["messages"] == [
        {"role": "customer", "text": "Заказ не пришёл.\nПомогите, пожалуйста"}
    ]
    assert reader.unsplit == {read["102"].line}


def test_a_date_and_a_time_in_two_columns_are_joined_and_a_bad_part_is_named(
    tmp_path: Path,
) -> None:
    _, read = _read(tmp_path)
    assert read["106"].data["started_at"] == "2026-11-24T09:05:41"  # Excel's midnight date
    bad = {source.line: source for key, source in read.items() if source.data is None}
    # Lines of the file: the transcripts above take 5 and 2 of them.
    assert {line: (s.field, s.error) for line, s in bad.items()} == {
        9: ("started_time", "no such time: 25:70"),
        10: ("started_at", "not a date alone in the format dmy_dots: 'вчера'"),
        11: ("started_time", "not a time of day (HH:MM): 'позже'"),
    }
    said = {
        line: explain_reject(Reject("обращения.csv", line, s.error or "", s.field)).said("ru")
        for line, s in bad.items()
    }
    assert said == {
        9: "25:70 — такого времени нет",
        10: "не дата в формате ДД.ММ.ГГГГ (время — в своём столбце), а 'вчера'",
        11: "не время в формате ЧЧ:ММ, а 'позже'",
    }
    iso = CsvImporter(columns=COLUMNS)
    sheet = _sheet(tmp_path, HELPDESK.replace("24.11.2026;10:03", "2026-11-24;10:03"))
    first = next(s for s in iso.read(sheet) if s.data and s.data["id"] == "101")
    assert first.data is not None and first.data["started_at"] == "2026-11-24T10:03:00"


def test_a_split_transcript_is_judged_and_an_unsplit_one_is_not_failed(tmp_path: Path) -> None:
    _, read = _read(tmp_path)
    split = check_record({**read["101"].data, "language": "ru"})["checks"]
    assert split["customer_name"]["result"] == "pass"
    assert split["empathy"]["result"] == "pass"
    # The same text kept as one customer message: nothing of the agent's to judge, so the
    # checks of the agent's work are n/a (they failed before: «0» on the customer's name).
    whole = {**read["101"].data, "language": "ru"}
    whole["messages"] = [{"role": "customer", "text": TRANSCRIPT}]
    verdicts = check_record(whole)["checks"]
    assert {name: v["result"] for name, v in verdicts.items() if v["result"] != "na"} == {}


def test_russian_crm_headers_are_matched_whatever_their_case_and_punctuation() -> None:
    header = [
        "№ обращения",
        "ДАТА СОЗДАНИЯ",
        "Время",
        "Ответственный",
        "Канал",
        "Тема",
        "Оценка",
        "Текст обращения",
    ]
    rows = [["5", "24.11.2026", "10:03", "Иванова Анна", "чат", "Доставка", "5", "Клиент: а"]]
    assert suggest_columns(header, rows) == {
        "id": "№ обращения",
        "started_at": "ДАТА СОЗДАНИЯ",
        "started_time": "Время",
        "agent_name": "Ответственный",  # names, not logins
        "channel": "Канал",
        "topic": "Тема",
        "survey.csat": "Оценка",
        "message.text": "Текст обращения",
    }
    others = ["Номер обращения", "Дата/время", "Оператор", "Переписка"]
    assert suggest_columns(others, [["1", "24.11.2026 10:00", "a17", "Клиент: а"]]) == {
        "id": "Номер обращения",
        "started_at": "Дата/время",
        "agent_id": "Оператор",
        "message.text": "Переписка",
    }
    assert suggest_columns(["ID обращения", "Диалог"])["message.text"] == "Диалог"
    assert suggest_columns(["ID обращения", "Текст"]) == {
        "id": "ID обращения",
        "message.text": "Текст",
    }
    # A time column is the start's time only beside dates without one, and when it holds times.
    with_times = [["1", "24.11.2026 10:00", "10:00"]]
    assert "started_time" not in suggest_columns(["№", "Дата", "Время"], with_times)
    not_times = [["1", "24.11.2026", "утро"]]
    assert "started_time" not in suggest_columns(["№", "Дата", "Время"], not_times)
    assert suggest_columns(["№", "Время"], [["1", "24.11.2026 10:00"]]) == {
        "id": "№",
        "started_at": "Время",
    }
