"""The fourth walk-through (a head of QA with a Russian demo): a transcript written on one
line is split into its turns, an impossible date reads «такой даты нет», and the rejects
page names the allowed channels in words and shows a record's messages as an excerpt."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.csv_reader import CsvImporter
from kontrol.ingest.import_report import Reject
from kontrol.ingest.reject_reasons import explain_reject, reject_reason
from kontrol.ingest.transcripts import inline_turns, split_transcript
from kontrol.store.tables import messages
from kontrol.web.pages.ingest import messages_excerpt, readable_record
from tests.factories import form_token, import_records, interaction_ids, interaction_record, log_in
from tests.ingest.test_import_page import _finished, _id_of, _upload
from tests.webapp import client, populated  # noqa: F401 - fixtures

ONE_LINE = "Клиент: Здравствуйте / Оператор: Добрый день, чем помочь? / Клиент: Заказ не пришёл"


@pytest.mark.parametrize(
    ("line", "turns"),
    [
        (
            ONE_LINE,
            [
                ("customer", "Здравствуйте"),
                ("agent", "Добрый день, чем помочь?"),
                ("customer", "Заказ не пришёл"),
            ],
        ),
        (
            "Клиент: Где заказ? | Оператор Иван: Проверяю | Клиент: Спасибо",
            [("customer", "Где заказ?"), ("agent", "Проверяю"), ("customer", "Спасибо")],
        ),
        (
            "Покупатель: Здравствуйте; Менеджер: Добрый день",
            [("customer", "Здравствуйте"), ("agent", "Добрый день")],
        ),
        (
            "Клиент: Здравствуйте Оператор: Добрый день, Мария",
            [("customer", "Здравствуйте"), ("agent", "Добрый день, Мария")],
        ),
        (
            "[10:03] Клиент: Привет [10:04] Оператор: Слушаю",
            [("customer", "Привет"), ("agent", "Слушаю")],
        ),
    ],
)
def test_a_one_line_transcript_is_split_into_its_turns(
    line: str, turns: list[tuple[str, str]]
) -> None:
    split = split_transcript(line)
    assert split is not None
    assert [(turn.role, turn.text) for turn in split] == turns


def test_a_one_line_transcript_keeps_the_times_its_speakers_give() -> None:
    split = split_transcript("[10:03] Клиент: Привет [10:04] Оператор: Слушаю")
    assert split is not None
    assert [turn.clock.isoformat() if turn.clock else None for turn in split] == [
        "10:03:00",
        "10:04:00",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Клиент: мой оператор: не ответил",  # one speaker's word after a bare space, lower case
        "Клиент: Здравствуйте / Клиент: ещё раз",  # one speaker's word twice
        "Примечание: перезвонить / Итог: решено",  # no speaker at all
        "Тема: доставка; Оператор: вежлив",  # one speaker only
    ],
)
def test_ordinary_text_with_a_colon_is_not_cut(line: str) -> None:
    assert inline_turns(line) is None
    split = split_transcript(line)
    assert split is None or len(split) == 1


def test_a_cell_of_several_lines_is_split_by_its_lines_only() -> None:
    split = split_transcript("Клиент: Здравствуйте / Оператор: ой\nОператор: Добрый день")
    assert split is not None
    assert [(turn.role, turn.text) for turn in split] == [
        ("customer", "Здравствуйте / Оператор: ой"),
        ("agent", "Добрый день"),
    ]


def _sheet(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "обращения.csv"
    path.write_text(text, encoding="utf-8")
    return path


COLUMNS = {
    "id": "№",
    "started_at": "Дата",
    "started_time": "Время",
    "message.text": "Текст",
}


def test_an_impossible_date_beside_its_time_is_no_such_date(tmp_path: Path) -> None:
    sheet = _sheet(
        tmp_path,
        "№;Дата;Время;Текст\n"
        "1;31.11.2026;10:00;Клиент: а\n"
        "2;вчера;10:00;Клиент: а\n"
        "3;30.11.2026;10:00;Клиент: а\n",
    )
    read = list(CsvImporter(columns=COLUMNS, dates="dmy_dots").read(sheet))
    errors = [(source.field, source.error) for source in read]
    assert errors == [
        ("started_at", "no such date: 31.11.2026"),
        ("started_at", "not a date alone in the format dmy_dots: 'вчера'"),
        (None, None),
    ]
    reject = Reject("f.csv", 2, errors[0][1] or "")
    said = [explain_reject(reject).said(locale) for locale in ("ru", "en")]
    assert said == ["31.11.2026 — такой даты нет", "31.11.2026: there is no such date"]
    assert "не дата" not in said[0]


CHANNELS = (
    "channel: Input should be 'call', 'chat', 'email', 'messenger', 'social', 'app', "
    "'self_service' or 'visit' (got 'pager')"
)


def test_the_allowed_channels_are_named_in_words() -> None:
    russian = reject_reason(CHANNELS, "ru")
    assert russian == (
        "допустимы только значения звонок, чат, эл. почта, мессенджер, соцсети, приложение, "
        "самообслуживание или визит, а в файле 'pager'"
    )
    assert "'call'" not in russian and "self_service" not in russian
    english = reject_reason(CHANNELS, "en")
    assert "'call'" not in english and " or " in english
    # Values the catalogue does not name stay as pydantic wrote them.
    assert reject_reason("x: Input should be 'a' or 'b' (got 'c')", "ru") == (
        "допустимы только значения 'a' или 'b', а в файле 'c'"
    )


def test_a_list_or_an_object_in_a_reason_is_named_not_dumped() -> None:
    stored = "messages.0.text: Input should be a valid string (got [{'role': 'customer', 'te)"
    assert reject_reason(stored, "ru") == "нужен текст, а в файле список"
    stored = "messages: Input should be a valid list (got {'role': 'customer'})"
    assert reject_reason(stored, "ru") == "нужен список, а в файле набор полей"
    assert reject_reason("x: Input should be a valid string (got 5)", "ru").endswith(" 5")


def test_a_records_messages_read_as_an_excerpt_not_as_json() -> None:
    said = [
        {"role": "customer", "text": "Здравствуйте, заказ 4417 так и не пришёл, " + "а " * 40},
        {"role": "agent", "text": "Добрый день"},
        {"role": "agent", "text": "Проверю"},
    ]
    excerpt = messages_excerpt(said, "ru")
    assert excerpt.startswith("3 сообщения: клиент — «Здравствуйте, заказ 4417")
    assert excerpt.endswith("…»") and len(excerpt) < 100
    assert messages_excerpt(said[1:2], "ru") == "1 сообщение: оператор — «Добрый день»"
    assert messages_excerpt([], "ru") == "0 сообщений"
    record = readable_record(
        '{"id": "x", "messages": [{"role": "bot", "text": "<b>Привет</b>"}]}', "ru"
    )
    assert record == [("Номер обращения", "x"), ("Сообщения", "1 сообщение: бот — «<b>Привет</b>»")]


def test_the_rejects_page_shows_channels_in_words_and_messages_as_an_excerpt(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
    tmp_path: Path,
) -> None:
    bad = interaction_record(
        "pager-1",
        started="2026-11-02T10:00:00+03:00",
        messages=[
            {"role": "customer", "text": "<script>alert(1)</script> Где заказ?"},
            {"role": "agent", "text": "Проверяю"},
        ],
    )
    bad["channel"] = "pager"
    import_records(engine, populated, tmp_path, [bad], name="pager.jsonl")
    log_in(client, "qa")
    page = client.get("/rejects").text
    row = next(part for part in page.split("<tr") if "pager.jsonl" in part)
    assert "звонок, чат, эл. почта" in row and "'call'" not in row
    assert "2 сообщения: клиент — «&lt;script&gt;alert(1)&lt;/script&gt; Где заказ?»" in row
    assert "<script>alert" not in row
    assert "&#34;role&#34;" not in row and '"role"' not in row


EXPORT = (
    "№ обращения;Дата создания;Время;Канал;Текст обращения\r\n"
    f"w-1;24.11.2026;10:03;Чат;{ONE_LINE}\r\n"
    "w-2;31.11.2026;10:03;Чат;Клиент: а\r\n"
    "w-3;25.11.2026;11:00;Чат;Клиент: б\r\n"
    "w-4;26.11.2026;12:00;Чат;Клиент: в\r\n"
).encode("cp1251")


def test_a_one_line_transcript_is_split_on_the_import_page(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "qa")
    answer = _upload(client, "Обращения.csv", EXPORT, content_type="text/csv")
    assert answer.status_code == 303 and answer.headers["location"].endswith("/columns")
    upload_id = _id_of(answer.headers["location"])
    step = client.get(f"/import/{upload_id}/columns").text
    preview = step.split('id="mapping-preview"')[1]
    assert "3 реплики: клиент — 2, оператор — 1" in preview
    assert "31.11.2026 — такой даты нет" in preview
    form = {
        "csrf_token": form_token(client, f"/import/{upload_id}/columns"),
        "separator": "semicolon",
        "dates": "dmy_dots",
        "map.id": "№ обращения",
        "map.started_at": "Дата создания",
        "map.started_time": "Время",
        "map.channel": "Канал",
        "map.message.text": "Текст обращения",
    }
    saved = client.post(f"/import/{upload_id}/columns", data=form, follow_redirects=False)
    assert saved.status_code == 303
    part = _finished(client, engine, upload_id)
    assert "31.11.2026 — такой даты нет" in part and "не дата в формате" not in part
    with engine.connect() as connection:
        ids = interaction_ids(connection, populated)
        said = connection.execute(
            select(messages.c.role, messages.c.text)
            .where(messages.c.interaction_id == ids["w-1"])
            .order_by(messages.c.seq)
        ).all()
    assert [tuple(row) for row in said] == [
        ("customer", "Здравствуйте"),
        ("agent", "Добрый день, чем помочь?"),
        ("customer", "Заказ не пришёл"),
    ]
    assert re.search(r'tile-value">3<', part)
