"""Why an item is in a review queue, told in the reader's language (review/routing/reasons.py)."""

from __future__ import annotations

import pytest

from kontrol.i18n import translate
from kontrol.metrics.parameters import REPEAT_WINDOW
from kontrol.review.routing.reasons import kind_help, reason_text


@pytest.mark.parametrize(
    ("stored", "russian", "english"),
    [
        ("sample 2026-W49 #5", "случайная выборка, нед. 49", "random sample, week 49"),
        ("CSAT 2", "CSAT = 2", "CSAT 2"),
        ("critical: no_rudeness", "провален критичный критерий: no_rudeness", "critical"),
        ("complaint", "жалоба", "complaint"),
        ("AHT 912 s > p95 640 s", "обработка 912 с", "handled in 912 s"),
        ("repeat contact within 7 days", "обратился снова", "came back within 7 days"),
        ("learned models least sure (margin 0.12)", "запас 0,12", "margin 0.12"),
    ],
)
def test_each_reason_a_rule_writes_reads_in_both_languages(
    stored: str, russian: str, english: str
) -> None:
    assert russian in reason_text(stored, "ru")
    assert english.lower() in reason_text(stored, "en").lower()


def test_a_reason_of_another_shape_is_shown_as_it_was_stored() -> None:
    assert reason_text("added by a plugin", "ru") == "added by a plugin"
    assert reason_text(None, "ru") == ""


def test_a_repeat_contact_reason_says_the_window_it_was_picked_with() -> None:
    assert reason_text("repeat contact within 21 days", "ru") == (
        "клиент обратился снова в течение 21 дня"
    )
    assert reason_text("repeat contact within 14 days", "en").endswith("within 14 days")


def test_the_repeat_contact_help_says_the_rules_own_lookback() -> None:
    window = f"в течение {REPEAT_WINDOW.days} дней"
    assert kind_help("repeat_contact", {"lookback_days": "14"}, "ru") == (
        f"обращения за последние 14 дней, после которых клиент обратился снова {window}"
    )
    assert "за последний 21 день" in kind_help("repeat_contact", {"lookback_days": 21}, "ru")
    # A new rule's help shows the kind's default; another kind's help is its plain text.
    assert "the last 14 days" in kind_help("repeat_contact", None, "en")
    assert kind_help("csat_low", None, "ru") == translate("ru", "routing.kind.csat_low.help")
