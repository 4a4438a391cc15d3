"""Dates, periods, signals and keyed errors as a reader of each language reads them."""

from __future__ import annotations

from datetime import date, datetime

import yaml

from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.domain.yaml_errors import invalid_yaml
from kontrol.i18n.formats import any_period_label, day_label, moment_label, signal_label
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


def test_period_keys_and_signals_have_words_and_units() -> None:
    assert any_period_label("2026-W42", "ru") == "нед. 42 · 12.10–18.10"
    assert any_period_label("2026-11", "ru") == "ноябрь 2026"
    assert any_period_label("2026-Q4", "en") == "Q4 2026"
    assert any_period_label("team L1", "ru") == "team L1"
    assert signal_label("talk_ratio", 0.488, "ru") == "48,8\u202f%"
    assert signal_label("talk_ratio", 0.488, "en") == "48.8\u202f%"
    assert signal_label("customer_sentiment_end", -0.35, "ru") == "недоволен (-0,35)"
    assert signal_label("customer_sentiment_start", 0.05, "en") == "calm (+0.05)"
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
