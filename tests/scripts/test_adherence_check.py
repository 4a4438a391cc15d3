"""The script_adherence check: step detection, order, skipped steps, the covered share."""

from __future__ import annotations

from kontrol.checks.engine import DEFAULT_SETTINGS, prepare, run_checks
from kontrol.checks.registry import check_sources
from kontrol.checks.scorecards import known_check_ids
from kontrol.domain.scorecard import load_scorecard
from tests.scripts.conversations import example_settings, turns

DELIVERY_RU = turns(
    ("customer", "Здравствуйте, где мой заказ? Жду уже неделю"),
    ("agent", "Добрый день! Подскажите, пожалуйста, номер заказа"),
    ("customer", "12345"),
    ("agent", "Минуту, проверяю статус вашего заказа"),
    ("agent", "Заказ уже в пути, курьер привезёт его завтра до обеда"),
    ("agent", "Могу ещё чем-нибудь помочь?"),
)


def _verdict(messages: list, topic: str | None = None, language: str | None = None):  # type: ignore[no-untyped-def]
    settings = example_settings()
    conversation = prepare(
        channel="chat", messages=messages, settings=settings, topic=topic, language=language
    )
    return run_checks(conversation, settings).verdicts["script_adherence"]


def test_steps_found_in_russian_with_quotes_order_and_skipped() -> None:
    verdict = _verdict(DELIVERY_RU)
    summary, *quotes = verdict.evidence
    assert summary["script"] == "delivery-question"
    assert summary["covered"] == [
        "greeting",
        "ask_order",
        "check_status",
        "give_date",
        "offer_more_help",
    ]
    assert summary["skipped"] == ["confirm_contact"]
    assert summary["value"] == round(5 / 6, 4)
    assert summary["in_order"] is True
    assert verdict.result == "pass"
    assert {"step": "give_date", "message": 4, "text": "курьер привезёт"} in quotes


def test_a_wording_said_in_other_words_counts_by_its_content_lemmas() -> None:
    verdict = _verdict(
        turns(
            ("customer", "Hi, I want a refund for these shoes"),
            ("agent", "Hello! May I ask why you would like to return them?"),
            ("customer", "They are too small"),
            ("agent", "Sure. How did you pay for the order — by card online?"),
        )
    )
    summary = verdict.evidence[0]
    assert summary["script"] == "refund"
    assert "ask_reason" in summary["covered"]
    assert "ask_payment" in summary["covered"]
    assert verdict.result == "fail"


def test_skipping_the_questions_fails_and_lists_them() -> None:
    verdict = _verdict(
        turns(
            ("customer", "Моя карта заблокирована, оплата не проходит"),
            ("agent", "Позвоните в банк по номеру на обороте карты."),
        )
    )
    summary = verdict.evidence[0]
    assert summary["script"] == "card-blocked"
    assert summary["covered"] == ["bank_block"]
    assert "verify" in summary["skipped"] and "ask_when" in summary["skipped"]
    assert verdict.result == "fail"


def test_steps_out_of_the_scripts_order_are_reported() -> None:
    verdict = _verdict(
        turns(
            ("customer", "I have a complaint, your service is terrible"),
            ("agent", "I've logged your complaint and a manager will reply within a day."),
            ("agent", "Could you tell me more about what happened?"),
        )
    )
    assert verdict.evidence[0]["covered"] == ["log_complaint", "ask_details"]
    assert verdict.evidence[0]["in_order"] is False


def test_the_stored_topic_chooses_the_script_over_the_customers_words() -> None:
    verdict = _verdict(DELIVERY_RU, topic="complaint")
    assert verdict.evidence[0]["script"] == "complaint"


def test_a_conversation_on_no_scripts_topic_is_not_applicable() -> None:
    verdict = _verdict(
        turns(("customer", "Какой у вас график работы?"), ("agent", "С девяти до шести."))
    )
    assert verdict.result == "na"


def test_without_scripts_the_engine_reports_no_adherence() -> None:
    conversation = prepare(channel="chat", messages=DELIVERY_RU)
    assert "script_adherence" not in run_checks(conversation, DEFAULT_SETTINGS).verdicts


def test_the_check_source_is_registered_and_scorecards_may_name_it() -> None:
    assert "scripts" in dict(check_sources.items())
    assert "script_adherence" in known_check_ids()
    card = load_scorecard(
        "name: scripted\ntitle: Scripted\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        "      - {id: follows, title: Follows the script, check: script_adherence, weight: 10}\n",
        known_checks=known_check_ids(),
    )
    assert card.criteria[0].check == "script_adherence"
