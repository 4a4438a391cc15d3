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
from tests.checks.test_real_defects_batch4 import _tweets


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
    sloppy = _chat(
        ("customer", "где мой заказ"), ("agent", "Здраствуйте! Ваш заказь доставят зафтра.")
    )
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


# --- B. empathy and calm_tone: who is negative -----------------------------------------------


def test_a_calm_complaint_is_not_negative() -> None:
    # ru_README.md: "хочу пожаловаться на водителя…" said calmly sets the complaint, not emotion.
    record = _chat(
        ("customer", "хочу пожаловаться на водителя. взял 150р за ожидание, хотя я вышел сразу"),
        ("agent", "Здравствуйте! Передали жалобу в службу качества, деньги вернём."),
    )
    assert _result(record, "empathy") == "na"
    assert _signals(record)["complaint"] is True
    record = _tweets(
        ("customer", "@Brand I would like to make a formal complaint about my delivery."),
        ("agent", "@cust Please DM us your order number."),
    )
    assert _result(record, "calm_tone") == "na"


def test_a_fault_described_calmly_is_not_negative() -> None:
    # README.md: "a calm description of a fault" is no marker; the device freaks out, not him.
    for text in (
        "@Brand I've restarted my ps4 and rebuilt the database, but nothing works. Can you help?",
        "@Brand I've tried everything suggested, reinstalling, updating drivers. Is there a fix?",
        "@Brand My iphone is freaking out and won't open any apps.",
        "@Brand No... the export went on as usual, then the file just vanished.",
        "@Brand my printer shows OFFLINE but I can print from another computer?",
    ):
        record = _tweets(("customer", text), ("agent", "@cust Which model do you have?"))
        assert _result(record, "empathy") == "na", text
    # The same markers still count when they are the customer's emotion.
    record = _tweets(
        ("customer", "@Brand I'm freaking out, my photos are gone"),
        ("agent", "@cust Which model do you have?"),
    )
    assert _result(record, "empathy") == "fail"
    record = _tweets(
        ("customer", "@Brand Broken again. As usual."),
        ("agent", "@cust Which model do you have?"),
    )
    assert _result(record, "empathy") == "fail"


def test_papers_in_capitals_are_no_shouting() -> None:
    record = _chat(
        ("customer", "Здравствуйте. Попал в ДТП вчера, у меня КАСКО. Какие документы нужны?"),
        ("agent", "Здравствуйте! Нужны паспорт, права и полис КАСКО, справка о ДТП."),
    )
    assert _result(record, "empathy") == "na"
    assert _result(record, "calm_tone") == "na"


def test_we_hear_you_is_empathy_and_mocking_eyesight_is_rude() -> None:
    record = _tweets(
        ("customer", "@Brand where did my downloads go?? Wtf?"),
        ("agent", "@cust We hear you! They are under Your Library now."),
    )
    assert _result(record, "empathy") == "pass"
    record = _chat(
        ("customer", "вы издеваетесь? НЕТ ТАМ НИКАКОЙ КНОПКИ"),
        ("agent", "Оформила за вас. Может, вам стоит очки поменять 🙂"),
    )
    assert _result(record, "no_rudeness") == "fail"
    assert _result(record, "calm_tone") == "fail"


# --- B. specific_answer ------------------------------------------------------------------------


def test_a_fact_or_a_how_to_question_asks_for_no_value() -> None:
    for text in (
        "@Brand I sent my laptop for repair and now they don’t know where it is. What’s going on?",
        "@Brand what can i do when it is timed out ???",
    ):
        record = _tweets(("customer", text), ("agent", "@cust Please contact our phone support."))
        assert _result(record, "specific_answer") == "na", text


def test_colloquial_price_and_joined_questions_are_asked() -> None:
    record = _chat(
        ("customer", "добрый вечер у меня акция заканчивается сколько он будет стоить потом"),
        ("agent", "Добрый вечер! Мы передадим ваш вопрос в отдел тарифов."),
    )
    assert _result(record, "specific_answer") == "fail"
    record = _chat(
        ("customer", "добрый день сколько стоит перевыпуск карты и когда она будет готова"),
        ("agent", "Перевыпуск стоит 300 рублей. Карта будет готова в ближайшее время."),
    )
    assert _result(record, "specific_answer") == "fail"
    record = _chat(
        ("customer", "доброе утро во сколько приедет курьер с заказом"),
        ("agent", "Доброе утро! Курьер приедет сегодня с 14 до 16."),
    )
    assert _result(record, "specific_answer") == "pass"


def test_a_place_is_no_price_and_free_is_an_amount() -> None:
    record = _chat(
        ("customer", "сколько стоит интернет в роуминге?"),
        ("agent", "Стоимость зависит от тарифа, подробности на сайте в разделе «Роуминг»."),
    )
    assert _result(record, "specific_answer") == "fail"
    record = _chat(
        ("customer", "А сколько это стоит? Или по полису бесплатно?"),
        ("agent", "По полису ОМС бесплатно. Возьмите с собой паспорт."),
    )
    assert _result(record, "specific_answer") == "pass"


def test_a_push_for_a_date_ends_the_vague_answer() -> None:
    record = _chat(
        ("customer", "здравствуйте когда придет кэшбэк за октябрь"),
        ("agent", "Здравствуйте! Кэшбэк будет начислен в ближайшее время."),
        ("customer", "вы серьёзно? это не ответ. мне нужна дата"),
        ("agent", "Извините. Кэшбэк начисляется до 15 ноября."),
    )
    assert _result(record, "specific_answer") == "fail"


# --- B. promise_kept ---------------------------------------------------------------------------


def test_an_expert_back_on_monday_promises_a_later_contact() -> None:
    record = _tweets(
        ("customer", "@Brand export crashed again, file vanished"),
        (
            "agent",
            "@cust Thanks, our expert will be back in the office on Monday if you'd like to wait "
            "for them.",
        ),
    )
    assert _result(record, "promise_kept") == "fail"


def test_a_redirect_does_not_keep_a_promise() -> None:
    record = _tweets(
        ("customer", "@Brand Mac OS Mojave, AMD Radeon R9"),
        ("agent", "@cust I've passed the info on to our experts. They'll reply here soon."),
        ("customer", "@Brand thanks but I have a deadline and it's still broken"),
        (
            "agent",
            "@cust We're sorry for the frustration. You can also contact our technical support "
            "team here and click the chat icon in the lower-right corner.",
        ),
    )
    assert _result(record, "promise_kept") == "fail"
    record = _tweets(
        ("customer", "@Brand Mac OS Mojave, AMD Radeon R9"),
        ("agent", "@cust I've passed the info on to our experts. They'll reply here soon."),
        ("agent", "@cust Our expert checked it: please update the GPU driver to 19.5 and restart."),
    )
    assert _result(record, "promise_kept") == "pass"
