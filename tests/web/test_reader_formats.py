"""Dates, periods, signals and keyed errors as a reader of each language reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import yaml

from kontrol.domain.clock import zone
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.domain.yaml_errors import invalid_yaml
from kontrol.i18n.formats import (
    any_period_label,
    day_label,
    moment_label,
    number_label,
    range_label,
    signal_label,
)
from kontrol.i18n.messages import error_text
from kontrol.improvement.messages import KeyedInvalid
from kontrol.ingest.uploaded_files import UploadRefused
from kontrol.scripts.model import ScriptInvalid
from kontrol.staff.documents import StaffDocumentProblem


def test_days_and_times_read_the_russian_and_the_english_way() -> None:
    assert day_label(date(2026, 12, 15), "ru") == "15.12.2026"
    assert day_label(date(2026, 12, 15), "en") == "Dec 15, 2026"
    assert day_label("2026-12-15", "ru") == "15.12.2026"
    assert moment_label(datetime(2026, 12, 15, 14, 30, 5), "ru") == "15.12.2026 14:30"
    assert moment_label(datetime(2026, 12, 15, 14, 30, 5), "ru", seconds=True) == (
        "15.12.2026 14:30:05"
    )
    assert day_label(None, "ru") == "" and day_label("not a day", "ru") == "not a day"


def test_times_are_read_on_the_workspace_clock() -> None:
    moscow = zone("Europe/Moscow")
    stored = datetime(2026, 12, 7, 9, 2)  # naive: UTC, as the store keeps times
    assert moment_label(stored, "ru", zone=moscow) == "07.12.2026 12:02"
    # A time already moved to the zone (aware) reads the same: a page may pass either.
    aware = stored.replace(tzinfo=UTC).astimezone(moscow)
    assert moment_label(aware, "ru", zone=moscow) == "07.12.2026 12:02"
    # Late evening in UTC is the next day in Moscow.
    assert day_label(datetime(2026, 12, 7, 22, 30), "ru", zone=moscow) == "08.12.2026"
    assert moment_label(stored, "ru") == "07.12.2026 09:02"  # no workspace: as stored


def test_numbers_read_the_russian_way() -> None:
    assert number_label(42.9, "ru") == "42,9"
    assert number_label(80.0, "ru") == "80"
    assert number_label(10.0, "ru") == "10"
    assert number_label(-0.024, "ru", 3) == "\u22120,024"
    assert number_label(-50, "ru", 0, sign=True) == "\u221250"
    assert number_label(3, "ru", 0, sign=True) == "+3"
    assert number_label(-0.0001, "ru", 2) == "0"
    assert number_label(1204.5, "ru") == "1\u202f204,5"
    assert number_label(42.9, "en") == "42.9"
    assert number_label(None, "ru") == "—"


def test_a_span_of_days_reads_short() -> None:
    assert range_label(date(2026, 12, 1), date(2026, 12, 7), "ru") == "1–7 дек."
    assert range_label(date(2026, 11, 1), date(2026, 11, 7), "en") == "Nov 1–7"
    assert range_label(date(2026, 11, 28), date(2026, 12, 4), "ru") == "28 нояб. – 4 дек."


def test_period_keys_and_signals_have_words_and_units() -> None:
    assert any_period_label("2026-W42", "ru") == "нед. 42 · 12.10–18.10"
    assert any_period_label("2026-11", "ru") == "ноябрь 2026"
    assert any_period_label("2026-Q4", "en") == "Q4 2026"
    assert any_period_label("team L1", "ru") == "team L1"
    assert signal_label("talk_ratio", 0.488, "ru") == "48,8\u202f%"
    assert signal_label("talk_ratio", 0.488, "en") == "48.8\u202f%"
    assert signal_label("customer_sentiment_end", -0.35, "ru") == "негативный (\u22120,35)"
    assert signal_label("customer_sentiment_start", 0.05, "en") == "neutral (+0.05)"
    assert signal_label("overlaps", 3, "ru") == "3"


def test_every_feature_error_is_one_keyed_error() -> None:
    """The features' errors carry KontrolError.key/params/where; error_text tells them all."""
    script = ScriptInvalid(
        "scripts.error.empty", source="s.yaml", line=4, field_name="steps[1].kind"
    )
    assert error_text(script, "ru") == "s.yaml, строка 4, поле steps[1].kind: файл пуст"
    keyed = KeyedInvalid("audits.error.file_too_big", "file", limit=10)
    assert str(keyed) == error_text(keyed, "en") and error_text(keyed, "ru").startswith("Файл: ")
    staff = StaffDocumentProblem("staff.error.date", file="module.yaml", at_line=3, field="due")
    assert error_text(staff, "ru") == (
        "module.yaml, строка 3, поле Срок: Дата указывается в виде ГГГГ-ММ-ДД."
    )
    upload = UploadRefused("import.error.empty")
    assert upload.key == "import.error.empty" and error_text(upload, "ru") != str(upload)
    plain = NotFound("no interaction 12")
    assert error_text(plain, "ru") == "no interaction 12"


def test_broken_yaml_names_its_line_and_the_mistake_in_russian() -> None:
    try:
        yaml.safe_load("name: x\ntitle: a: b\n")
    except yaml.YAMLError as error:
        refused = invalid_yaml(error, "not valid YAML at line 2", source="card.yaml")
    assert isinstance(refused, InvalidInput) and str(refused) == "not valid YAML at line 2"
    assert error_text(refused, "ru") == (
        "card.yaml: строка 2: это не YAML — двоеточие там, где его быть не может "
        "(значение с «:» заключите в кавычки)"
    )
