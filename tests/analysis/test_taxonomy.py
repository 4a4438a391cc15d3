"""The reason taxonomy: YAML in and out, mistakes named by line and field, saved per workspace."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.analysis.phrases import PhraseRules
from kontrol.analysis.taxonomy import (
    default_taxonomy,
    dump_taxonomy,
    load_taxonomy,
    parse_taxonomy,
    read_entry,
    save_taxonomy,
)
from kontrol.domain.errors import InvalidInput

SMALL = """reasons:
  - code: delivery
    ru: Доставка
    en: Delivery
    phrases:
      ru: [доставк*, где мой заказ]
      en: [deliver*]
  - code: refund
    ru: Возврат
    en: Refund
    phrases: {ru: [верн* деньги], en: [refund*]}
complaints:
  - code: rude_agent
    ru: Грубость
    en: Rudeness
    phrases: {ru: [груб*]}
"""


def test_default_taxonomy_has_reasons_and_complaint_types_in_both_languages() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.is_default
    assert {"delivery", "refund", "payment"} <= {r.code for r in taxonomy.reasons}
    assert all(r.phrases["ru"] and r.phrases["en"] for r in taxonomy.reasons)
    assert taxonomy.complaints


def test_dumped_taxonomy_reads_back_the_same() -> None:
    taxonomy = parse_taxonomy(SMALL)
    again = parse_taxonomy(dump_taxonomy(taxonomy))
    assert again.reasons == taxonomy.reasons
    assert again.complaints == taxonomy.complaints


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reasons:\n  - code: Bad Code\n    ru: a\n    en: b\n", "x.yaml:2: reasons[1].code"),
        ("reasons:\n  - code: ok\n    ru: Да\n", "x.yaml:2: reasons[1].en: a name is required"),
        ("reasons:\n  - code: ok\n    ru: a\n    en: b\n    colour: red\n", "x.yaml:5:"),
        (
            "reasons:\n  - code: a\n    ru: a\n    en: a\n  - code: a\n    ru: b\n    en: b\n",
            "x.yaml:5: reasons[2].code: 'a' twice",
        ),
        ("reasons: [\n", "x.yaml:2: not valid YAML"),
        ("topics: []\n", "x.yaml:1: topics: unknown section"),
        (
            "reasons:\n  - code: a\n    ru: a\n    en: a\n    phrases: {ru: ['*']}\n",
            "x.yaml:5: phrase",
        ),
    ],
)
def test_a_mistake_is_refused_with_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_taxonomy(text, source="x.yaml")
    assert str(refused.value).startswith(expected)


def test_form_entry_names_the_bad_field() -> None:
    with pytest.raises(InvalidInput, match="^label_en: a name is required"):
        read_entry(
            kind="reason", code="x", label_ru="Икс", label_en=" ", phrases_ru="", phrases_en=""
        )


def test_saved_taxonomy_replaces_the_default(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection:
        assert load_taxonomy(connection, workspace.id).is_default
        save_taxonomy(connection, workspace.id, parse_taxonomy(SMALL))
    with engine.connect() as connection:
        loaded = load_taxonomy(connection, workspace.id)
    assert not loaded.is_default
    assert [r.code for r in loaded.reasons] == ["delivery", "refund"]
    assert loaded.find("complaint", "rude_agent") is not None
    assert loaded.reasons[0].phrases["ru"] == ("доставк*", "где мой заказ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Курьер так и не приехал, где доставка?", "delivery"),
        ("Подскажите по ДОСТАВКЕ", "delivery"),
        ("Верните деньги, пожалуйста!", "refund"),
        ("I want a refund please", "refund"),
        ("Where is the delivery guy", "delivery"),
        ("Здравствуйте, вопрос по размеру", None),
    ],
)
def test_phrase_rules_match_word_forms_in_both_languages(text: str, expected: str | None) -> None:
    rules = PhraseRules(parse_taxonomy(SMALL).reasons)
    found = rules.match(text)
    assert (found.code if found else None) == expected


def test_the_entry_with_most_matching_phrases_wins() -> None:
    rules = PhraseRules(parse_taxonomy(SMALL).reasons)
    found = rules.match("Где мой заказ? Доставка опаздывает, верните деньги")
    assert found is not None and found.code == "delivery"
    assert len(found.phrases) == 2


def test_a_phrase_does_not_match_inside_another_word() -> None:
    rules = PhraseRules(
        parse_taxonomy("reasons:\n  - {code: a, ru: А, en: A, phrases: {en: [card]}}\n").reasons
    )
    assert rules.match("my cardigan is too small") is None
    assert rules.match("my card was charged") is not None


def test_yo_and_ye_are_the_same_letter() -> None:
    text = "reasons:\n  - {code: a, ru: А, en: A, phrases: {ru: [платёж*]}}\n"
    rules = PhraseRules(parse_taxonomy(text).reasons)
    assert rules.match("платеж не прошел") is not None
