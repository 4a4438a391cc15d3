"""An import reject's stored English reason reads in both languages (ingest/reject_reasons.py)."""

from __future__ import annotations

import string

import pytest

from kontrol.domain.errors import InvalidInput
from kontrol.i18n import translations
from kontrol.i18n.messages import error_text
from kontrol.ingest.reject_reasons import REASONS, template_names
from kontrol.review.routing.rules import RoutingRuleInput, check_rule


def _names(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


@pytest.mark.parametrize(("template", "key"), REASONS)
def test_a_reject_reason_fills_the_values_its_key_names(template: str, key: str) -> None:
    russian, english = translations("ru"), translations("en")
    assert key in russian and key in english
    assert _names(russian[key]) == template_names(template) == _names(english[key])


def test_a_rule_error_keeps_its_english_and_reads_in_russian_with_the_rule() -> None:
    rule = RoutingRuleInput(name="Жалобы", kind="csat_low", queue="")
    with pytest.raises(InvalidInput) as refused:
        check_rule(rule)
    assert str(refused.value) == "rule 'Жалобы': queue: 1 to 100 characters"
    assert error_text(refused.value, "en") == "rule 'Жалобы': Queue: 1 to 100 characters"
    assert error_text(refused.value, "ru") == "правило «Жалобы»: Очередь: от 1 до 100 символов"
