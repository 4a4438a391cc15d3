"""Why a record was rejected reads in the reader's language on the import pages,
while the stored reason (the CLI's, the API's) stays English."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.import_report import Reject
from kontrol.ingest.reject_reasons import explain_reject, reject_reason
from kontrol.store.tables import import_rejects
from tests.factories import log_in
from tests.ingest.test_import_page import _finished, _id_of, _jsonl, _record, _upload


def test_an_imported_file_shows_its_rejects_in_russian(
    client: TestClient,
    engine: Engine,
    populated: Workspace,
) -> None:
    log_in(client, "admin")
    wrong_time = {**_record("r2"), "started_at": "вчера вечером"}
    no_channel = {key: value for key, value in _record("r3").items() if key != "channel"}
    data = _jsonl([_record("r1"), wrong_time, no_channel]) + b'{"kind": "interaction", "id"\n'
    answer = _upload(client, "выгрузка.jsonl", data)
    upload_id = _id_of(answer.headers["location"])

    part = _finished(client, engine, upload_id)
    assert "дата и время не в формате ISO-8601" in part and "вчера вечером" in part
    assert "обязательное поле не заполнено" in part
    assert "испорченный JSON в позиции" in part
    assert "required field is missing" not in part and "ISO-8601 timestamp" not in part

    batch = re.search(r"/rejects\?batch=(\d+)", part)
    assert batch
    listed = client.get(f"/rejects?batch={batch.group(1)}").text
    assert "обязательное поле не заполнено" in listed and "испорченный JSON" in listed
    assert "required field is missing" not in listed and "broken JSON" not in listed
    # The list of every import (no ?batch=) names the fields as well, never by their codes.
    everything = client.get("/rejects").text
    assert "<code>started_at</code>" not in everything and "<code>channel</code>" not in everything
    for text in (listed, everything):
        assert "<td>Дата и время начала</td>" in text and "<td>Канал</td>" in text
    with engine.connect() as connection:
        stored = set(connection.execute(select(import_rejects.c.error)).scalars())
    assert "channel: required field is missing" in stored  # the CLI and the API read this


@pytest.mark.parametrize(
    ("stored", "russian"),
    [
        (
            "kind: unknown kind 'call'; expected one of interaction, survey",
            "неизвестный вид записи 'call'; допустимы: interaction, survey",
        ),
        (
            "csat: Input should be less than or equal to 5 (got 7); 2 more",
            "csat: не больше 5, а в файле 7; и ещё 2",
        ),
        (
            "channel: Input should be 'chat' or 'email' (got 'fax')",
            "допустимы только значения чат или эл. почта, а в файле 'fax'",
        ),
        ("7 cells but the header names 5", "ячеек в строке: 7, а столбцов в заголовке: 5"),
        ("something new", "something new"),
    ],
)
def test_a_stored_reason_is_told_in_russian_part_by_part(stored: str, russian: str) -> None:
    assert reject_reason(stored, "ru") == russian


def test_several_missing_fields_read_as_one_reason_naming_them() -> None:
    explained = explain_reject(
        Reject("f.jsonl", 4, "id: required field is missing; channel: required field is missing")
    )
    assert explained.field == "id, channel"
    assert explained.said("ru") == "обязательные поля не заполнены"
    assert explained.said("en") == "required fields are missing"
