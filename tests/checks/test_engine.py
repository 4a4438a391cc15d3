"""The checks on one interaction, without a database: what a QA lead would see."""

from __future__ import annotations

from typing import Any

import pytest

from kontrol.checks.custom import load_custom_check
from kontrol.checks.engine import CheckSettings, check_record
from kontrol.checks.registry import registered_checks
from kontrol.domain.errors import InvalidInput

SPEC_CHECKS = (
    "greeting introduction customer_name needs_question empathy no_rudeness no_jargon "
    "specific_answer hold_announced no_interruption response_time promise_kept closing_thanks "
    "offer_more_help rating_request spelling calm_tone upsell"
).split()
SPEC_SIGNALS = (
    "customer_sentiment_start customer_sentiment_end talk_ratio silence_ratio overlaps "
    "complaint dissatisfied pii"
).split()


def chat(*messages: tuple[str, str], **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "t-1",
        "channel": "chat",
        "started_at": "2026-11-02T10:00:00+03:00",
        "messages": [{"role": role, "text": text} for role, text in messages],
    }
    record.update(fields)
    return record


def result(record: dict[str, Any], check_id: str, **kwargs: Any) -> str:
    return str(check_record(record, **kwargs)["checks"][check_id]["result"])


def test_every_check_and_signal_of_the_spec_is_reported() -> None:
    out = check_record(chat(("agent", "Здравствуйте!")))
    assert list(out["checks"]) == SPEC_CHECKS
    assert set(out["signals"]) == set(SPEC_SIGNALS)
    assert set(registered_checks()) == set(SPEC_CHECKS)


@pytest.mark.parametrize(
    "text",
    ["Здравствуйте!", "ЗДРАВСТВУЙТЕ", "здраствуйте", "Добрый день.", "Доброе утро, Иван"],
)
def test_greeting_survives_case_typos_and_inflection(text: str) -> None:
    record = chat(("customer", "Где заказ?"), ("agent", text))
    out = check_record(record)["checks"]["greeting"]
    assert out["result"] == "pass"
    assert out["evidence"][0]["message"] == 1
    assert out["evidence"][0]["text"].lower() in text.lower()


def test_greeting_late_in_the_chat_is_not_an_opening_greeting() -> None:
    record = chat(
        ("agent", "Слушаю."), ("agent", "Номер заказа?"), ("agent", "Добрый день, всё готово.")
    )
    assert result(record, "greeting") == "fail"


def test_no_agent_message_makes_greeting_not_applicable() -> None:
    assert result(chat(("customer", "Алло?")), "greeting") == "na"


@pytest.mark.parametrize("thanks", ["Благодарю за обращение!", "Благодарим вас!", "Спасибо."])
def test_closing_thanks_inflected(thanks: str) -> None:
    record = chat(("agent", "Здравствуйте"), ("customer", "Ок"), ("agent", thanks))
    assert result(record, "closing_thanks") == "pass"


def test_yo_and_ye_are_the_same_letter() -> None:
    record = chat(
        ("agent", "Здравствуйте"),
        ("agent", "Могу ли я ещё чем-то помочь?"),
    )
    assert result(record, "offer_more_help") == "pass"
    record = chat(("agent", "Здравствуйте"), ("agent", "Могу ли я еще чем-то помочь?"))
    assert result(record, "offer_more_help") == "pass"


def test_customer_name_in_any_inflection() -> None:
    record = chat(("agent", "Сейчас передам Ивану ответ"), customer_name="Иван")
    out = check_record(record)["checks"]["customer_name"]
    assert out == {"result": "pass", "evidence": [{"message": 0, "text": "Ивану"}]}
    assert result(chat(("agent", "Добрый день")), "customer_name") == "na"
    assert result(chat(("agent", "Добрый день"), customer_name="Иван"), "customer_name") == "fail"


def test_introduction_needs_a_name_after_this_is() -> None:
    assert result(chat(("agent", "Здравствуйте, это Анна.")), "introduction") == "pass"
    assert result(chat(("agent", "Здравствуйте, это важно.")), "introduction") == "fail"
    assert result(chat(("agent", "Hi, this is Anna from support")), "introduction") == "pass"


def test_empathy_only_when_the_customer_was_upset() -> None:
    calm = chat(("customer", "Подскажите время работы"), ("agent", "С 9 до 18"))
    assert result(calm, "empathy") == "na"
    upset = chat(("customer", "Безобразие, заказ опять не пришёл!"), ("agent", "Номер заказа?"))
    assert result(upset, "empathy") == "fail"
    heard = chat(("customer", "This is ridiculous!"), ("agent", "I'm so sorry to hear that."))
    assert result(heard, "empathy") == "pass"


def test_rudeness_fails_and_shows_the_phrase() -> None:
    record = chat(("customer", "Где заказ?"), ("agent", "Это не мои проблемы, ждите."))
    out = check_record(record)["checks"]["no_rudeness"]
    assert out["result"] == "fail"
    assert out["evidence"][0]["text"] == "Это не мои проблемы"


def test_specific_answer_wants_a_concrete_time() -> None:
    vague = chat(("customer", "Когда привезут заказ?"), ("agent", "Ожидайте, ведутся работы."))
    assert result(vague, "specific_answer") == "fail"
    concrete = chat(("customer", "Когда привезут заказ?"), ("agent", "Завтра до 12:00."))
    assert result(concrete, "specific_answer") == "pass"
    clarified = chat(
        ("customer", "When will my refund come?"),
        ("agent", "Could you tell me the order number?"),
        ("customer", "A-123"),
        ("agent", "The refund reaches your card in 3 business days."),
    )
    assert result(clarified, "specific_answer") == "pass"


def test_response_time_against_the_chat_target() -> None:
    def timed(delay: int) -> dict[str, Any]:
        return {
            "id": "t",
            "channel": "chat",
            "started_at": "2026-11-02T10:00:00Z",
            "messages": [
                {"role": "customer", "text": "Hi", "at": "2026-11-02T10:00:00Z"},
                {
                    "role": "agent",
                    "text": "Hello",
                    "at": f"2026-11-02T10:0{delay // 60}:{delay % 60:02d}Z",
                },
            ],
        }

    assert result(timed(45), "response_time") == "pass"
    late = check_record(timed(130))["checks"]["response_time"]
    assert late["result"] == "fail"
    assert late["evidence"][0]["value"] == 130


def call(*segments: tuple[str, str, float, float]) -> dict[str, Any]:
    return {
        "id": "c",
        "channel": "call",
        "started_at": "2026-11-02T10:00:00Z",
        "messages": [
            {"role": role, "text": text, "start": start, "end": end}
            for role, text, start, end in segments
        ],
    }


def test_hold_silence_must_be_announced() -> None:
    silent = call(
        ("agent", "Здравствуйте, меня зовут Анна", 0, 3),
        ("customer", "Где мой заказ?", 3, 5),
        ("agent", "Нашла ваш заказ", 50, 52),
    )
    out = check_record(silent)["checks"]["hold_announced"]
    assert out["result"] == "fail"
    assert out["evidence"][0]["value"] == 45.0
    announced = call(
        ("agent", "Здравствуйте", 0, 3),
        ("customer", "Где мой заказ?", 3, 5),
        ("agent", "Оставайтесь на линии, пожалуйста", 5, 7),
        ("agent", "Нашла ваш заказ", 50, 52),
    )
    assert result(announced, "hold_announced") == "pass"
    assert result(chat(("agent", "Здравствуйте")), "hold_announced") == "na"


def test_interrupting_twice_fails_and_signals_are_measured() -> None:
    record = call(
        ("customer", "Я хотел узнать про доставку и ещё", 0, 6),
        ("agent", "Да-да, понял", 3, 6),
        ("customer", "И ещё вопрос про возврат денег", 7, 12),
        ("agent", "Возврат оформим", 9, 12),
    )
    out = check_record(record)
    assert out["checks"]["no_interruption"]["result"] == "fail"
    assert out["signals"]["overlaps"] == 2
    assert out["signals"]["talk_ratio"] == pytest.approx(6 / 17, abs=0.01)


def test_promise_needs_a_follow_up() -> None:
    promise = chat(("agent", "Здравствуйте"), ("agent", "Уточню и перезвоню вам."))
    assert result(promise, "promise_kept") == "fail"
    from datetime import datetime

    assert result(promise, "promise_kept", followups=[datetime(2026, 11, 2, 12, 0)]) == "pass"


def test_spelling_counts_unknown_words() -> None:
    clean = chat(("agent", "Здравствуйте! Ваш заказ доставят завтра."))
    assert result(clean, "spelling") == "pass"
    sloppy = chat(("agent", "Здраствуйте! Ваш заказь доставят зафтра."))
    out = check_record(sloppy)["checks"]["spelling"]
    assert out["result"] == "fail"
    assert {e["text"] for e in out["evidence"]} >= {"заказь", "зафтра"}


def test_complaint_and_personal_data_signals() -> None:
    out = check_record(
        chat(
            (
                "customer",
                "Хочу пожаловаться! Мой телефон +7 (916) 123-45-67, карта 4111 1111 1111 1111",
            )
        )
    )
    assert out["signals"]["complaint"] is True
    assert out["signals"]["pii"] == ["card", "phone"]


def test_language_is_detected_when_absent() -> None:
    english = chat(("customer", "Where is my parcel?"), ("agent", "Hello! Let me check."))
    assert result(english, "greeting") == "pass"
    russian = chat(("customer", "Где посылка?"), ("agent", "Добрый вечер! Сейчас проверю."))
    assert result(russian, "greeting") == "pass"


def test_workspace_lists_extend_jargon_and_upsell() -> None:
    record = chat(("agent", "Я эскалировала ваш тикет. Кстати, можно подключить подписку."))
    assert result(record, "no_jargon") == "na"
    settings = CheckSettings.with_lists({"jargon": ["тикет"], "upsell": ["подключить подписку"]})
    out = check_record(record, settings=settings)["checks"]
    assert out["no_jargon"]["result"] == "fail"
    assert out["upsell"]["result"] == "pass"


def test_replaced_list_drops_the_built_in_phrases() -> None:
    record = chat(("agent", "Добрый день!"))
    settings = CheckSettings.with_lists({"greeting": ["приветствуем вас"]}, mode="replace")
    assert result(record, "greeting", settings=settings) == "fail"


def test_custom_check_with_phrases_regex_and_combinations() -> None:
    custom = load_custom_check(
        """
id: refund_terms
title: Назвал срок возврата
rule:
  all:
    - phrases: [оформлю возврат, refund]
    - regex: '\\d+\\s*(дн|рабоч|business)'
    - not: {list: rudeness}
na_unless:
  phrases: [вернуть деньги, refund]
  who: customer
"""
    )
    settings = CheckSettings(custom_checks=(custom,))
    good = chat(
        ("customer", "Хочу вернуть деньги"), ("agent", "Оформила возврат, деньги придут за 5 дней")
    )
    out = check_record(good, settings=settings)["checks"]["refund_terms"]
    assert out["result"] == "pass"
    assert {"message": 1, "text": "5 дн"} in out["evidence"]
    bad = chat(("customer", "Хочу вернуть деньги"), ("agent", "Оформлю возврат."))
    assert result(bad, "refund_terms", settings=settings) == "fail"
    other = chat(("customer", "Где заказ?"), ("agent", "Завтра"))
    assert result(other, "refund_terms", settings=settings) == "na"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: greeting\nrule: {phrases: [a]}", "built-in"),
        ("id: x1\nrule: {phrases: [a], where: middle}", "rule.where"),
        ("id: x1\nrule: {all: [{regex: '('}]}", "rule.all[0].regex"),
        ("id: x1\nrule: {phrases: [a]\n", "line"),
    ],
)
def test_custom_check_errors_name_the_field(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_custom_check(text, reserved=frozenset(registered_checks()))


@pytest.mark.parametrize(
    ("customer_name", "agent_text"),
    [
        ("анна", "Анна, заказ уже в пути."),
        ("анна", "анна, заказ уже в пути"),
        ("мария", "Передам ответ Марии сегодня."),
        ("иван петров", "Ивану отправили код повторно."),
        ("john", "Thanks for waiting, John."),
        ("JOHN SMITH", "john, the refund is on its way"),
        ("Ms. Lee", "Ms. Lee, your order has shipped."),
    ],
)
def test_customer_name_stored_in_any_case_is_matched(customer_name: str, agent_text: str) -> None:
    # CRMs often store names in lower (or upper) case: the check must still judge.
    record = chat(("agent", agent_text), customer_name=customer_name)
    assert result(record, "customer_name") == "pass"
    assert (
        result(chat(("agent", "Заказ уже в пути."), customer_name=customer_name), "customer_name")
        == "fail"
    )


@pytest.mark.parametrize(
    ("customer_name", "agent_name", "agent_text"),
    [
        ("анна", "Анна", "Здравствуйте! Меня зовут Анна, чем помочь?"),
        ("john", "john", "Hi, my name is John, how can I help?"),
    ],
)
def test_the_agents_own_name_is_not_the_customers(
    customer_name: str, agent_name: str, agent_text: str
) -> None:
    record = chat(("agent", agent_text), customer_name=customer_name, agent_name=agent_name)
    assert result(record, "customer_name") == "fail"
