"""Defects of round 6 (issue 14): the weak checks after batch 5 was read.

Each test failed before its fix. The conversations are invented (not batch 5's sentences),
written the way the labelled customers and agents write, and judged as CHECKS.md v1.1 and the
annotators' READMEs (tests/checks_eval/real/) say. See docs/checks.md, "Round 6".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kontrol.checks.engine import check_record, parse_time
from tests.checks.test_real_defects import _chat, _result, _signals
from tests.checks.test_real_defects_batch4 import _tweets

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday


# --- specific_answer ---------------------------------------------------------------------------


def test_a_vague_first_reply_fails_whatever_the_customer_says_next() -> None:
    # The first reply gives no amount; the customer asks again in their own words (no set
    # "поточнее"), and only then gets the price: the first answer was the vague one.
    vague = _chat(
        ("customer", "сколько стоит чистка кондиционера"),
        ("agent", "Здравствуйте! Стоимость зависит от модели, мастер скажет на месте."),
        ("customer", "ну хоть приблизительно скажите"),
        ("agent", "От 2 500 до 4 000 рублей."),
    )
    assert _result(vague, "specific_answer") == "fail"
    english = _tweets(
        ("customer", "@Shop where can I return a parcel near Leeds"),
        ("agent", "@cust Hi! There are lots of drop-off options in your area."),
        ("customer", "@Shop which one though"),
        ("agent", "@cust The pickup point on 12 Kirkgate Street takes returns."),
    )
    assert _result(english, "specific_answer") == "fail"


def test_a_hold_or_a_question_first_is_no_answer_yet() -> None:
    # A guard of the rule above (passed before it too).
    # The agent asks for the order number first, or says they will look: the customer's reply
    # to that does not end the answer, the later concrete reply answers it.
    asked = _chat(
        ("customer", "когда приедет мастер?"),
        ("agent", "Здравствуйте! Подскажите номер заявки?"),
        ("customer", "55120"),
        ("agent", "Мастер будет завтра с 12:00 до 15:00."),
    )
    assert _result(asked, "specific_answer") == "pass"
    held = _chat(
        ("customer", "когда приедет мастер?"),
        ("agent", "Здравствуйте! Сейчас уточню."),
        ("customer", "жду"),
        ("agent", "Мастер будет завтра с 12:00 до 15:00."),
    )
    assert _result(held, "specific_answer") == "pass"


def test_when_inside_a_why_question_is_a_conjunction() -> None:
    why = _tweets(
        ("customer", "@Music Why is my playlist repeating songs when shuffle is on?"),
        ("agent", "@cust Hi! Please update the app to the latest version. Thanks!"),
    )
    assert _result(why, "specific_answer") == "na"
    how = _tweets(
        ("customer", "@Shop how do you decide which stores get stock when a delivery comes?"),
        ("agent", "@cust Hi! Stock goes to stores by demand, see our FAQ for details."),
    )
    assert _result(how, "specific_answer") == "na"
    # A when-question joined to the why-question still asks for a time.
    joined = _tweets(
        ("customer", "@Shop why is my order late and when will it come?"),
        ("agent", "@cust Hi! Sorry, it is delayed by the carrier."),
    )
    assert _result(joined, "specific_answer") == "fail"


def test_a_far_know_makes_no_indirect_question() -> None:
    # "know" opens an indirect question only right before the question word.
    record = _tweets(
        ("customer", "@Airline I know you are busy but my bag went missing when I landed"),
        ("agent", "@cust Hi! Please file a report at the baggage desk."),
    )
    assert _result(record, "specific_answer") == "na"


def test_find_out_and_get_back_is_a_commitment_to_notify() -> None:
    record = _chat(
        ("customer", "а сколько будет стоить доставка до двери?"),
        ("agent", "Хороший вопрос, узнаю и напишу."),
    )
    assert _result(record, "specific_answer") == "pass"


def test_a_link_does_not_find_a_thing_gone_missing() -> None:
    # "where did my points go": a help article is no answer; "where can I download it" asks
    # for a place online, and a link answers it (a guard, as before).
    missing = _tweets(
        ("customer", "@Store where did all my reward points go in the app?!"),
        ("agent", "@cust Hi! Please read this: https://example.com/help/points-faq"),
    )
    assert _result(missing, "specific_answer") == "fail"
    shop = _tweets(
        ("customer", "@Store where can I download the new app?"),
        ("agent", "@cust Hi! Right here: https://example.com/app"),
    )
    assert _result(shop, "specific_answer") == "pass"


def test_colloquial_question_words_after_a_colloquial_hello() -> None:
    record = _chat(
        ("customer", "здрасьте када вернут деньги за отменённый заказ"),
        ("agent", "Здравствуйте! Деньги вернутся на карту до 28 ноября."),
    )
    assert _result(record, "specific_answer") == "pass"


# --- promise_kept ------------------------------------------------------------------------------


def test_a_participle_is_no_promise() -> None:
    record = _chat(
        ("customer", "как подключить автоплатёж"),
        ("agent", "Здравствуйте! Условия написаны в договоре, пункт 4."),
    )
    assert _result(record, "promise_kept") == "na"


def test_a_promise_in_working_days_is_kept_after_a_weekend() -> None:
    # Friday: "в течение 2 рабочих дней"; the outbound call comes on Tuesday, the second
    # working day.
    friday = T0 + timedelta(days=4)
    record = _chat(
        ("customer", "хочу вернуть деньги за сломанный чайник"),
        (
            "agent",
            "Заявку приняла. Менеджер позвонит вам в течение 2 рабочих дней и согласует возврат.",
        ),
        started_at=friday.isoformat(),
    )
    tuesday = parse_time((friday + timedelta(days=4)).isoformat())
    assert tuesday is not None
    verdict = check_record(record, followups=[tuesday])["checks"]
    assert verdict["promise_kept"]["result"] == "pass"


def test_a_step_of_the_customer_joined_by_and_makes_no_promise() -> None:
    record = _tweets(
        ("customer", "@Gym when will the new club open?"),
        (
            "agent",
            "@cust Hi! Register on our site and we'll email you the opening date. "
            "https://example.com/club",
        ),
    )
    assert _result(record, "promise_kept") == "na"


# --- empathy and the customer negative --------------------------------------------------------


def test_reassurance_is_no_acknowledgement() -> None:
    record = _chat(
        ("customer", "у меня списали деньги два раза!!! верните"),
        ("agent", "Не волнуйтесь, всё вернём. Подскажите дату списания?"),
    )
    assert _result(record, "empathy") == "fail"


def test_hate_to_see_it_is_an_acknowledgement() -> None:
    record = _tweets(
        ("customer", "@Game this update is TERRIBLE, the game crashes every time"),
        ("agent", "@cust We hate to see this! Can you send us your device model?"),
    )
    assert _result(record, "empathy") == "pass"


def test_a_template_placeholder_is_no_shouting() -> None:
    record = _tweets(
        ("customer", "@Printer [DESCRIBE YOUR ISSUE HERE] the scanner stopped working"),
        ("agent", "@cust Hi! Please reinstall the scanner driver from our site."),
    )
    assert _result(record, "empathy") == "na"


def test_stronger_judgements_and_an_insult_make_the_customer_negative() -> None:
    english = _tweets(
        ("customer", "@Bank your support is of no help, I've been locked out for days"),
        ("agent", "@cust Hi! Please reset your password here: https://example.com/reset"),
    )
    assert _result(english, "empathy") == "fail"
    russian = _chat(
        ("customer", "вы хамка, я просто спросила про возврат"),
        ("agent", "Возврат оформляется в приложении."),
    )
    assert _result(russian, "empathy") == "fail"


# --- offer_more_help ------------------------------------------------------------------------------


def test_a_condition_then_write_to_us_is_an_offer() -> None:
    record = _chat(
        ("customer", "спасибо, всё заработало"),
        ("agent", "Отлично! Если снова не будет приходить код — пишите, поможем."),
    )
    assert _result(record, "offer_more_help") == "pass"
    # A condition then a redirect elsewhere is no offer of this agent's help.
    redirect = _chat(
        ("customer", "спасибо"),
        ("agent", "Если карта не придёт — звоните на горячую линию банка по номеру на сайте."),
    )
    assert _result(redirect, "offer_more_help") == "fail"


def test_standing_offers_in_other_words() -> None:
    record = _tweets(
        ("customer", "@App the sync is broken again"),
        (
            "agent",
            "@cust Hi! Please update to version 5.1. If you need us again, we've got you covered.",
        ),
    )
    assert _result(record, "offer_more_help") == "pass"


def test_the_closing_of_a_call_runs_to_the_end_of_the_call() -> None:
    # "Что-нибудь ещё?" ends 32 s before the recorded end of the call: outside the closing.
    messages = [
        {"role": "agent", "text": "Добрый день, банк, Марина.", "start": 0.5, "end": 3.0},
        {"role": "customer", "text": "Карта не работает.", "start": 4.0, "end": 6.0},
        {"role": "agent", "text": "Перевыпустим. Что-нибудь ещё?", "start": 7.0, "end": 20.0},
        {"role": "customer", "text": "Нет.", "start": 21.0, "end": 22.0},
        {"role": "agent", "text": "Спасибо за звонок.", "start": 23.0, "end": 26.0},
    ]
    record: dict[str, Any] = {
        "id": "c",
        "channel": "call",
        "language": "ru",
        "started_at": T0.isoformat(),
        "ended_at": (T0 + timedelta(seconds=52)).isoformat(),
        "messages": messages,
    }
    assert _result(record, "offer_more_help") == "fail"
    assert _result(record, "closing_thanks") == "pass"
    # Without a recorded end the last word ends the call, as before.
    del record["ended_at"]
    assert _result(record, "offer_more_help") == "pass"


# --- signal dissatisfied -------------------------------------------------------------------------


def test_more_judgements_in_the_customer_s_words() -> None:
    waited = _chat(
        ("customer", "20 минут жду ответа, хочу узнать баланс"),
        ("agent", "Здравствуйте! Баланс 340 рублей."),
    )
    assert _signals(waited)["dissatisfied"] is True
    english = _tweets(
        ("customer", "@Telco get your act together, the outage map is wrong"),
        ("agent", "@cust Hi! Thanks, we've passed this on."),
    )
    assert _signals(english)["dissatisfied"] is True
