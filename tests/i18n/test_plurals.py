"""Numbers with words: the CLDR rule of each language and the texts built on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kontrol.alerts.delivery import describe
from kontrol.domain.errors import KontrolError
from kontrol.i18n import read_catalogue
from kontrol.i18n.messages import error_text
from kontrol.i18n.plurals import category, entry_problems, plural
from kontrol.reports.delivery import check_message
from kontrol.reports.quality import CheckResult

# (number, Russian category, the Russian text, the English text) of "checks.phrases.count".
PHRASES = [
    (1, "one", "1 фраза", "1 phrase"),
    (2, "few", "2 фразы", "2 phrases"),
    (5, "many", "5 фраз", "5 phrases"),
    (11, "many", "11 фраз", "11 phrases"),
    (12, "many", "12 фраз", "12 phrases"),
    (14, "many", "14 фраз", "14 phrases"),
    (21, "one", "21 фраза", "21 phrases"),
    (22, "few", "22 фразы", "22 phrases"),
    (25, "many", "25 фраз", "25 phrases"),
    (111, "many", "111 фраз", "111 phrases"),
    (0, "many", "0 фраз", "0 phrases"),
    # A fraction is CLDR's "other"; Russian writes it with the "few" form.
    (1.5, "other", "1,5 фразы", "1.5 phrases"),
    (1204, "few", "1\u202f204 фразы", "1\u202f204 phrases"),
]


@pytest.mark.parametrize(("number", "russian", "ru_text", "en_text"), PHRASES)
def test_the_russian_rule_and_its_texts(
    number: float, russian: str, ru_text: str, en_text: str
) -> None:
    assert category("ru", number) == russian
    assert plural("ru", "checks.phrases.count", number) == ru_text
    assert plural("en", "checks.phrases.count", number) == en_text


@pytest.mark.parametrize(
    ("number", "english"),
    [(1, "one"), (0, "other"), (2, "other"), (11, "other"), (21, "other"), (1.5, "other")],
)
def test_english_has_one_and_other(number: float, english: str) -> None:
    assert category("en", number) == english


def test_a_whole_float_counts_as_a_whole_number() -> None:
    assert plural("ru", "checks.phrases.count", 21.0) == "21 фраза"
    assert plural("ru", "checks.phrases.count", -3) == "−3 фразы"


def test_other_parameters_and_a_named_count_are_filled() -> None:
    facts = plural("ru", "staff.tests.facts", 3, minutes=20, mark="80")
    assert facts == "3 вопроса · 20 мин · проходной 80%"
    assert plural("en", "staff.tests.facts", 1, minutes=20, mark="80").startswith("1 question ·")


def test_a_missing_key_shows_itself_and_a_plain_text_is_filled() -> None:
    assert plural("ru", "no.such.key", 3) == "no.such.key"
    assert plural("ru", "audit.count", 3) == "Записей: 3"


def test_a_keyed_error_takes_the_form_of_its_limit() -> None:
    def refused(limit: int) -> KontrolError:
        return KontrolError("too long", key="audits.error.too_long", params={"limit": limit})

    assert error_text(refused(21), "ru") == "не длиннее 21 символа"
    assert error_text(refused(200), "ru") == "не длиннее 200 символов"
    assert error_text(refused(1), "en") == "at most 1 character"
    # Without its number the error keeps its own (English) text rather than a wrong form.
    assert error_text(KontrolError("too long", key="audits.error.too_long"), "ru") == "too long"


def test_alert_and_report_messages_count_their_days_and_records() -> None:
    details = {"title": "Скрипт", "owner": "anna", "due_on": "2026-12-01", "action_id": 7}
    assert "просрочено на 1 день:" in describe("action_overdue", {**details, "days_late": 1}, "ru")
    assert "просрочено на 3 дня:" in describe("action_overdue", {**details, "days_late": 3}, "ru")
    assert "is 1 day overdue" in describe("action_overdue", {**details, "days_late": 1}, "en")
    backlog = CheckResult("rollups_current", False, "reports.check.backlog", {"count": 1})
    assert check_message(backlog, "ru").startswith("1 запись ещё не обсчитана")


def test_the_catalogue_reader_keeps_plural_entries_apart(tmp_path: Path) -> None:
    forms = {"one": "{n} шаг", "few": "{n} шага", "many": "{n} шагов"}
    (tmp_path / "a.json").write_text(json.dumps({"x.title": "Шаги", "x.steps": forms}), "utf-8")
    texts, plurals = read_catalogue(tmp_path)
    assert texts == {"x.title": "Шаги"} and plurals == {"x.steps": forms}
    (tmp_path / "b.json").write_text(json.dumps({"x.steps": "шагов"}), "utf-8")
    with pytest.raises(ValueError, match="x.steps"):
        read_catalogue(tmp_path)


def test_an_incomplete_entry_is_named() -> None:
    assert entry_problems("ru", {"one": "{n} шаг", "many": "{n} шагов"}) == ["no 'few' form"]
    assert entry_problems("en", {"one": "{n} step", "other": "{n} steps", "two": "{n} x"}) == [
        "unknown form 'two'"
    ]
    assert entry_problems("en", {"one": "a step", "other": "{n} steps"}) == [
        "'one' does not show {n}"
    ]
    assert (
        entry_problems(
            "ru", {"count": "limit", "one": "{limit}", "few": "{limit}", "many": "{limit}"}
        )
        == []
    )
