"""Defects of round 5 (issue 14): contradictions on the page, and the weak checks.

Each test failed before its fix. The conversations are invented, written the way the labelled
customers and agents write, and judged as CHECKS.md v1.1 and the annotators' READMEs
(tests/checks_eval/real/) say. See docs/checks.md, "Round 5".
"""

from __future__ import annotations

from typing import Any

from kontrol.checks.engine import check_record
from kontrol.i18n.formats import signal_label
from tests.checks.test_real_defects import _chat, _result, _signals
from tests.checks.test_real_defects_batch4 import _call, _tweets


def _verdict(record: dict[str, Any], check: str) -> dict[str, Any]:
    return dict(check_record(record)["checks"][check])


# --- A. the page never contradicts itself ----------------------------------------------------


LONG_REPLY = (
    "Здравствуйте, Ольга! Меня зовут Артём, я помогу. Ваш заказ собран на складе и передан в "
    "службу доставки вчера вечером. Курьер привезёт его в пятницу с десяти до четырнадцати "
    "часов, перед приездом он позвонит. Если время не подходит, его можно перенести в "
    "приложении в разделе «Мои заказы»: откройте заказ, нажмите «Изменить дату» и выберите "
    "удобный день. Оплатить заказ можно картой курьеру или наличными, сдача будет. Если "
    "появятся вопросы, пишите сюда, пожалуста, мы ответим в течение нескольких минут. "
    "Спасибо, что выбрали наш магазин, хорошего вам дня и приятных покупок!"
)


def test_a_tolerated_typo_is_no_evidence_of_good_spelling() -> None:
    # One typo in about 90 words is within the norm: the check passes, and «пожалуста» is not
    # shown as the evidence of the pass (the demo showed «Грамотная письменная речь — да» with
    # «пожалуста» beside it).
    record = _chat(("customer", "где мой заказ"), ("agent", LONG_REPLY))
    spelling = _verdict(record, "spelling")
    assert spelling["result"] == "pass"
    assert spelling["evidence"] == []
    # A failed check still names its misspellings.
    sloppy = _chat(("customer", "где мой заказ"), ("agent", "Здраствуйте! Ваш заказь доставят зафтра."))
    failed = _verdict(sloppy, "spelling")
    assert failed["result"] == "fail"
    assert {item["text"] for item in failed["evidence"]} >= {"заказь", "зафтра"}


def test_a_judgement_in_the_last_messages_is_no_positive_end() -> None:
    # "Спасибо, конечно, но ..." with a judgement of the company: the end is not positive.
    record = _chat(
        ("customer", "Здравствуйте, третий раз переносите доставку"),
        ("agent", "Здравствуйте! Новая дата доставки — пятница, с 10 до 14."),
        ("customer", "Спасибо, конечно, но за что я вам плачу"),
    )
    signals = _signals(record)
    assert signals["dissatisfied"] is True
    assert signals["customer_sentiment_end"] is not None
    assert signals["customer_sentiment_end"] < 0.2


def test_the_end_tone_is_a_tone_not_satisfaction() -> None:
    # A polite "спасибо" after a voiced dissatisfaction is a positive tone at the end; the page
    # calls it a tone («позитивный»), not «доволен» beside «Клиент недоволен: да».
    record = _chat(
        ("customer", "Уже час пытаюсь оплатить, ничего не работает, это издевательство."),
        ("agent", "Здравствуйте! Попробуйте, пожалуйста, другую карту."),
        ("customer", "получилось"),
        ("customer", "Больше ничего, спасибо."),
    )
    signals = _signals(record)
    assert signals["dissatisfied"] is True
    end = signal_label("customer_sentiment_end", signals["customer_sentiment_end"], "ru")
    assert end.startswith("позитивный")
    assert "доволен" not in end
    assert signal_label("customer_sentiment_end", -0.5, "en").startswith("negative")
