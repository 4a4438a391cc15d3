"""Redaction of personal data in text, measured on the labelled set (docs/privacy.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kontrol.redaction import find, redact
from kontrol.redaction.checksums import inn_valid, luhn_valid, snils_valid
from kontrol.redaction.evaluation import evaluate_set, read_set
from kontrol.redaction.spoken import spoken_numbers

PII_SET = Path(__file__).parents[1] / "checks_eval" / "pii" / "pii_set.jsonl"
SURVIVE_NOT = ("card", "phone", "email")


def test_checksums_accept_valid_numbers_and_refuse_one_changed_digit() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert snils_valid("11223344595")
    assert not snils_valid("11223344596")
    assert inn_valid("7707083893")  # a 10-digit organisation INN
    assert not inn_valid("7707083894")
    assert inn_valid("500100732259")  # a 12-digit personal INN
    assert not inn_valid("500100732258")


def test_spoken_numbers_become_the_digits_a_person_would_dial() -> None:
    ru = "телефон восемь девятьсот двенадцать триста сорок пять шестьдесят семь восемьдесят девять"
    en = "it's five five five, zero one zero, four four seven seven"
    assert [n.digits for n in spoken_numbers(ru)] == ["89123456789"]
    assert [n.digits for n in spoken_numbers(en)] == ["5550104477"]


def test_masks_are_typed_and_the_rest_of_the_text_stays() -> None:
    text = "Карта 4111 1111 1111 1111, почта ivan.petrov@example.ru, тел. +7 (912) 345-67-89."
    assert redact(text) == "Карта [CARD], почта [EMAIL], тел. [PHONE]."


def test_numbers_that_fail_their_checksum_or_are_orders_are_left_alone() -> None:
    text = "Заказ № 4567891234 оплачен картой 4111 1111 1111 1112, трек 80087654321098"
    assert find(text) == []


def test_labelled_set_recall_of_card_phone_and_email_is_complete() -> None:
    report = evaluate_set(read_set(PII_SET))
    for kind in SURVIVE_NOT:
        tally = report.tallies[("all", kind)]
        assert tally.covered == tally.labelled, (kind, report.misses)


def test_labelled_set_precision_and_recall_per_kind_stay_at_the_documented_level() -> None:
    report = evaluate_set(read_set(PII_SET))
    floors = {"passport": 0.95, "snils": 0.95, "inn": 0.95, "name": 0.8, "address": 0.85}
    for kind, floor in floors.items():
        tally = report.tallies[("all", kind)]
        assert tally.recall is not None and tally.recall >= floor, (kind, tally)
        assert tally.precision is not None and tally.precision >= 0.9, (kind, tally)


@pytest.mark.parametrize("item", read_set(PII_SET), ids=lambda item: item["id"])
def test_no_card_phone_or_email_digits_survive_redaction(item: dict[str, object]) -> None:
    text = str(item["text"])
    redacted = redact(text)
    for span in item["spans"]:  # type: ignore[attr-defined]
        if span["kind"] in SURVIVE_NOT:
            value = text[span["start"] : span["end"]]
            digits = re.sub(r"\D", "", value)
            assert value not in redacted
            if len(digits) >= 7:
                assert digits not in re.sub(r"\D", "", redacted), json.dumps(item)
