"""Defects found on the tuning half of batch 3 of the independent labels (issue 14).

Each test failed before its fix. The cases are written the way the batch-3 customers and
agents write (Twitter threads, colloquial Russian chats and calls), not copied from them, and
are judged as CHECKS.md v1.1 and the readings in docs/checks.md ("Batch 3") say.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kontrol.checks.engine import check_record, parse_time
from tests.checks.test_real_defects import _chat, _result, _signals

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _timed(
    *turns: tuple[str, str, int], channel: str = "messenger", **extra: Any
) -> dict[str, Any]:
    """A written conversation with each message ``minutes`` after the start."""
    record: dict[str, Any] = {
        "id": "t",
        "channel": channel,
        "language": "ru",
        "started_at": T0.isoformat(),
        "messages": [
            {"role": role, "text": text, "at": (T0 + timedelta(minutes=minutes)).isoformat()}
            for role, text, minutes in turns
        ],
    }
    record.update(extra)
    return record


# --- the customer is negative, and empathy ---------------------------------------------------


def test_a_bare_apology_after_the_reproach_is_empathy() -> None:
    record = _chat(
        ("customer", "ну и где ваш мастер?? с утра сижу дома"),
        ("agent", "Извините, задержка по вине диспетчера. Мастер будет у вас к 15:00."),
    )
    assert _result(record, "empathy") == "pass"


def test_blame_for_the_fifth_call_makes_the_customer_negative() -> None:
    record = _chat(
        ("customer", "Да сколько можно, пятый раз вам объясняю одно и то же"),
        ("agent", "Назовите номер договора."),
    )
    assert _result(record, "empathy") == "fail"
    record = _chat(
        ("customer", "отстаньте со своими опросами"),
        ("agent", "Хорошо, исключим ваш номер из рассылки."),
    )
    assert _result(record, "empathy") == "fail"


def test_sarcastic_thanks_for_not_makes_the_customer_negative() -> None:
    record = _chat(
        ("customer", "@brand thanks for not telling anyone the update deletes saved games"),
        ("agent", "Hi there, please send us a DM with your console model."),
        channel="social",
        language="en",
    )
    assert _result(record, "empathy") == "fail"
    assert _signals(record)["dissatisfied"] is True


def test_a_short_stressed_word_in_capitals_makes_the_customer_negative() -> None:
    record = _chat(
        ("customer", "after the update my layers move WAY off the canvas"),
        ("agent", "Could you share a screenshot of the layers panel?"),
        channel="social",
        language="en",
    )
    assert _result(record, "empathy") == "fail"


# --- no_rudeness --------------------------------------------------------------------------


def test_pushing_the_customer_to_look_again_is_rude() -> None:
    record = _chat(
        ("customer", "на сайте нет адреса пункта выдачи"),
        ("agent", "Посмотрите внимательнее, адрес указан внизу страницы."),
    )
    assert _result(record, "no_rudeness") == "fail"
    record = _chat(
        ("customer", "так когда будет перерасчёт"),
        ("agent", "Я вам уже объяснила: в следующем месяце."),
    )
    assert _result(record, "no_rudeness") == "fail"


# --- specific_answer ------------------------------------------------------------------------


def test_where_is_your_call_is_a_reproach_not_a_request_for_a_place() -> None:
    record = _chat(
        ("customer", "обещали перезвонить через 10 минут. ну и где ваш звонок??"),
        ("agent", "Извините. Мастер приедет завтра с 9 до 11."),
    )
    assert _result(record, "specific_answer") == "na"


def test_a_vague_answer_pushed_for_more_precision_fails() -> None:
    record = _chat(
        ("customer", "Когда вернут деньги за отменённый заказ?"),
        ("agent", "В ближайшее время."),
        ("customer", "а поточнее?"),
        ("agent", "В течение пяти рабочих дней."),
    )
    assert _result(record, "specific_answer") == "fail"


def test_two_requests_one_answered_vaguely_fail() -> None:
    record = _chat(
        ("customer", "сколько стоит анализ крови и сколько дней его делают?"),
        ("agent", "Анализ стоит 650 рублей, делается быстро."),
    )
    assert _result(record, "specific_answer") == "fail"
    record = _chat(
        ("customer", "сколько будет стоить и до какого числа оплатить?"),
        ("agent", "Стоимость — 5 200 ₽. Оплатить лучше заранее."),
    )
    assert _result(record, "specific_answer") == "fail"


def test_a_colloquial_question_without_a_question_mark_is_a_request() -> None:
    record = _chat(
        ("customer", "списали лишнее за связь"),
        ("agent", "Вернули 150 ₽ на баланс."),
        ("customer", "а остальное когда вернут"),
        ("agent", "Остальное вернётся до 25 ноября."),
    )
    assert _result(record, "specific_answer") == "pass"


def test_a_street_address_answers_where_to_pick_up() -> None:
    record = _chat(
        ("customer", "где можно забрать оригинал справки?"),
        ("agent", "В регистратуре нашего центра на Садовой, пять, с 8 до 20."),
    )
    assert _result(record, "specific_answer") == "pass"
    record = _chat(
        ("customer", "где забрать карту?"),
        ("agent", "В отделении на ул. Гагарина, ждём вас в будни."),
    )
    assert _result(record, "specific_answer") == "pass"


def test_when_before_a_gerund_is_a_conjunction() -> None:
    record = _chat(
        ("customer", "is there a guide on how to hide the toolbar when presenting slides?"),
        ("agent", "Sure, here it is: https://help.example.com/toolbar"),
        channel="social",
        language="en",
    )
    assert _result(record, "specific_answer") == "na"


# --- promise_kept ---------------------------------------------------------------------------


def test_looking_something_up_answered_in_the_same_call_is_no_promise() -> None:
    record = _chat(
        ("customer", "Сколько стоит замена экрана на этой модели?"),
        ("agent", "Минуту, уточню у мастера."),
        ("agent", "Замена экрана стоит девять тысяч рублей, делаем за два часа."),
    )
    assert _result(record, "promise_kept") == "na"


def test_an_answer_promised_within_ten_days_is_kept_by_a_call_three_days_later() -> None:
    record = _timed(
        ("customer", "Курьер помял коробку, хочу претензию", 0),
        ("agent", "Претензию приняли. Рассмотрим её и ответим вам в течение десяти дней.", 2),
        channel="chat",
    )
    call = parse_time((T0 + timedelta(days=3)).isoformat())
    assert call is not None
    followed = check_record(record, followups=[call])
    assert followed["checks"]["promise_kept"]["result"] == "pass"
    assert _result(record, "promise_kept") == "fail"


# --- response_time, offers, questions, pii ------------------------------------------------


def test_an_acknowledgement_does_not_start_the_reply_clock() -> None:
    record = _timed(
        ("customer", "пришлите, пожалуйста, счёт на почту", 0),
        ("agent", "Здравствуйте! Пришлю счёт сегодня до 15:00.", 1),
        ("customer", "хорошо, жду", 2),
        ("agent", "Отправила счёт на почту.", 150),
    )
    assert _result(record, "response_time") == "pass"


def test_colloquial_conditional_offers_of_more_help() -> None:
    record = _chat(
        ("customer", "спасибо"),
        ("agent", "Рады помочь! Если что-то пойдёт не так — пишите."),
    )
    assert _result(record, "offer_more_help") == "pass"
    record = _chat(
        ("customer", "ok"),
        ("agent", "If anything else comes to mind, we're just a message away."),
        channel="social",
        language="en",
    )
    assert _result(record, "offer_more_help") == "pass"


def test_share_the_serial_number_is_a_question_to_the_customer() -> None:
    record = _chat(
        ("customer", "my laptop fan is loud all the time"),
        ("agent", "Hi, share the serial number of your laptop in a DM so we can check it."),
        channel="social",
        language="en",
    )
    assert _result(record, "needs_question") == "pass"


def test_a_card_number_in_four_groups_is_personal_data_without_the_luhn_sum() -> None:
    record = _chat(("customer", "не проходит оплата картой 5536 9100 1234 5678"))
    assert "card" in _signals(record)["pii"]


# --- dissatisfied ---------------------------------------------------------------------------


def test_judgements_of_the_product_are_dissatisfaction() -> None:
    for text, language in (
        ("the hinge cracked, not something that should break after a year", "en"),
        ("I expect more from software this pricey", "en"),
        ("new version and still no dark mode", "en"),
        ("Очень долго у вас рассматривают заявку", "ru"),
    ):
        record = _chat(("customer", text), ("agent", "..."), language=language)
        assert _signals(record)["dissatisfied"] is True, text


def test_a_bare_apology_that_only_asks_to_repeat_is_not_empathy() -> None:
    record = _chat(
        ("customer", "заказ до сих пор не привезли, я в отчаянии!"),
        ("agent", "Извините, не расслышала, повторите номер заказа?"),
        ("agent", "Заказ будет у вас сегодня до 15:00."),
    )
    assert _result(record, "empathy") == "fail"
