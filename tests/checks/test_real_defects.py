"""Defects of issue 14 found on real conversations; each test failed before its fix.

Every case is written the way real customers and agents write (the public Twitter, Harper
Valley and ABCD data, colloquial Russian chats), and is judged as CHECKS.md v1.1 says.
"""

from __future__ import annotations

from typing import Any

from kontrol.checks.engine import check_record


def _chat(
    *turns: tuple[str, str], channel: str = "chat", language: str = "ru", **extra: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "t",
        "channel": channel,
        "language": language,
        "messages": [{"role": role, "text": text} for role, text in turns],
    }
    record.update(extra)
    return record


def _result(record: dict[str, Any], check: str) -> str:
    return str(check_record(record)["checks"][check]["result"])


def _signals(record: dict[str, Any]) -> dict[str, Any]:
    return dict(check_record(record)["signals"])


# --- the customer is negative --------------------------------------------------------------


def test_russian_mat_in_a_masked_spelling_makes_the_customer_negative() -> None:
    record = _chat(
        ("customer", "пришло розовое худи. и что мне теперь с этой х**нёй делать"),
        ("agent", "Оформите возврат в приложении."),
    )
    assert _result(record, "empathy") == "fail"
    assert _result(record, "calm_tone") == "pass"


def test_internet_slang_makes_the_customer_negative() -> None:
    record = _chat(
        ("customer", "пипец две недели посылка висит на таможне"),
        ("agent", "Понимаю, как это неприятно. Срок проверки до 20 дней."),
    )
    assert _result(record, "empathy") == "pass"


def test_english_swearing_and_slang_make_the_customer_negative() -> None:
    record = _chat(
        ("customer", "wtf my order vanished from the app"),
        ("agent", "Please try to log out and log in again."),
        language="en",
    )
    assert _result(record, "empathy") == "fail"


def test_a_run_of_question_marks_makes_the_customer_negative() -> None:
    record = _chat(
        ("customer", "почему списали 1240 вместо 680???"),
        ("agent", "Проверяю поездку."),
    )
    assert _result(record, "empathy") == "fail"


def test_blame_without_an_emotion_word_makes_the_customer_negative() -> None:
    record = _chat(
        ("customer", "As I have stated, I need a replacement, not a repair."),
        ("agent", "I'm sorry to hear that. A replacement is on its way."),
        language="en",
        channel="social",
    )
    assert _result(record, "empathy") == "pass"


def test_a_negative_emoji_makes_the_customer_negative() -> None:
    record = _chat(
        ("customer", "ну спасибо 🤬"),
        ("agent", "Хорошего дня."),
    )
    assert _result(record, "empathy") == "fail"


def test_airport_codes_and_abbreviations_in_capitals_are_not_shouting() -> None:
    record = _chat(
        ("customer", "My flight LAX to JFK was moved, can I change to SFO?"),
        ("agent", "Hello! Yes, I can rebook you on the 6 pm flight."),
        language="en",
    )
    assert _result(record, "empathy") == "na"
    assert _result(record, "calm_tone") == "na"


def test_a_shouted_word_of_the_dictionary_makes_the_customer_negative() -> None:
    record = _chat(
        ("customer", "мне при оформлении обещали БЕСПЛАТНО"),
        ("agent", "Обслуживание бесплатно при тратах от 10 000 ₽."),
    )
    assert _result(record, "empathy") == "fail"


def test_an_agent_abbreviation_in_capitals_is_not_shouting() -> None:
    record = _chat(
        ("customer", "в меня въехали, я в шоке"),
        ("agent", "Понимаю, как это страшно. Назовите номер полиса ОСАГО."),
        ("agent", "Если есть разногласия, вызывайте ГИБДД."),
    )
    assert _result(record, "calm_tone") == "pass"


def test_a_desperate_please_help_is_negative_not_positive() -> None:
    record = _chat(
        ("customer", "please help!!! I am desperate"),
        ("agent", "Hello, I'm sorry to hear that."),
        language="en",
    )
    assert _signals(record)["customer_sentiment_start"] < 0


# --- dismissive rudeness ---------------------------------------------------------------------


def test_pushing_the_problem_back_on_the_customer_is_rude() -> None:
    for reply in ("Это не к нам, пишите продавцу.", "Надо было читать условия тарифа."):
        record = _chat(("customer", "почему сняли 990?"), ("agent", reply))
        assert _result(record, "no_rudeness") == "fail", reply


def test_as_i_already_said_is_rude() -> None:
    record = _chat(
        ("customer", "so where is my refund"),
        ("agent", "As I already said, contact the seller."),
        language="en",
    )
    assert _result(record, "no_rudeness") == "fail"


# --- the dissatisfied signal -----------------------------------------------------------------


def test_dissatisfaction_without_emotion_words_is_dissatisfied() -> None:
    record = _chat(
        ("customer", "ну такое себе. больше у вас ничего покупать не буду"),
        ("agent", "Жаль это слышать."),
    )
    assert _signals(record)["dissatisfied"] is True


def test_a_bare_fault_report_or_distress_is_not_dissatisfied() -> None:
    for text in ("my disc drive does not read discs", "в меня въехали, я в шоке"):
        record = _chat(("customer", text), ("agent", "Hello"), language="en")
        assert _signals(record)["dissatisfied"] is False, text


def test_an_english_waiting_complaint_is_dissatisfied() -> None:
    record = _chat(
        ("customer", "I have waited for more than 4 weeks and still no answer"),
        ("agent", "Hello"),
        language="en",
    )
    assert _signals(record)["dissatisfied"] is True


# --- questions ---------------------------------------------------------------------------------


def test_how_can_i_help_counts_as_the_needs_question() -> None:
    record = _chat(
        ("agent", "Здравствуйте! Чем могу помочь?"),
        ("customer", "где мой заказ"),
        ("agent", "Попробуйте обновить приложение."),
    )
    assert _result(record, "needs_question") == "pass"


def test_a_request_without_a_question_mark_is_a_question_in_a_written_channel() -> None:
    record = _chat(
        ("customer", "I can't change my appearance in the game"),
        ("agent", "Please let us know what platform you are playing on so we may assist further."),
        ("customer", "PlayStation 4"),
        ("agent", "Please try the steps outlined in this article."),
        language="en",
        channel="social",
    )
    assert _result(record, "needs_question") == "pass"


def test_could_i_get_your_order_number_is_a_question_without_a_mark() -> None:
    record = _chat(
        ("customer", "my parcel is late"),
        ("agent", "Hello. Could I get your order number"),
        ("customer", "123"),
        ("agent", "Please try again tomorrow."),
        language="en",
    )
    assert _result(record, "needs_question") == "pass"


def test_an_answer_before_the_question_in_the_same_message_fails_needs_question() -> None:
    record = _chat(
        ("customer", "можно перенести запись на следующую неделю"),
        (
            "agent",
            "Добрый день! Можем перенести на 20.11 в 15:00 или на 21.11 в 17:30. "
            "Какое время удобнее?",
        ),
    )
    assert _result(record, "needs_question") == "fail"


def test_a_closing_offer_of_more_help_is_not_the_needs_question() -> None:
    record = _chat(
        ("customer", "what are the branch hours"),
        (
            "agent",
            "hello the branch hours are nine thirty to five "
            "is there anything else i can help you with",
        ),
        language="en",
        channel="call",
    )
    assert _result(record, "needs_question") == "fail"


# --- specific_answer ---------------------------------------------------------------------------


def test_when_as_a_conjunction_is_not_a_question() -> None:
    record = _chat(
        ("customer", "when I open the app it crashes, what should I do?"),
        ("agent", "Hello! Please reinstall the app, we are working on it."),
        language="en",
    )
    assert _result(record, "specific_answer") == "na"


def test_a_request_without_a_question_word_needs_a_concrete_answer() -> None:
    record = _chat(
        ("customer", "hi i need to check my account balance"),
        ("agent", "sure your balance is a hundred and ten dollars"),
        language="en",
        channel="call",
    )
    assert _result(record, "specific_answer") == "pass"


def test_a_duration_in_words_is_a_concrete_answer() -> None:
    record = _chat(
        ("customer", "когда вернут деньги?"),
        ("agent", "Деньги поступят в течение трёх рабочих дней."),
    )
    assert _result(record, "specific_answer") == "pass"


def test_times_in_words_answer_when() -> None:
    record = _chat(
        ("customer", "what are the local branch hours"),
        ("agent", "the branch hours are nine thirty a m to five p m"),
        language="en",
        channel="call",
    )
    assert _result(record, "specific_answer") == "pass"


def test_a_help_article_link_does_not_answer_where_my_parcel_is() -> None:
    record = _chat(
        ("customer", "Where is my parcel?"),
        ("agent", "Hello! Please see https://help.example.com/delivery"),
        language="en",
    )
    assert _result(record, "specific_answer") == "fail"


def test_a_link_answers_where_to_find_a_form() -> None:
    record = _chat(
        ("customer", "Where can I find the refund form?"),
        ("agent", "Hello! Here it is: https://example.com/refund-form"),
        language="en",
    )
    assert _result(record, "specific_answer") == "pass"


# --- phrasings ---------------------------------------------------------------------------------


def test_an_introduction_with_a_title() -> None:
    record = _chat(
        ("agent", "Hello, this is Ms. Lee from the billing team."),
        ("customer", "hi"),
        language="en",
    )
    assert _result(record, "introduction") == "pass"


def test_a_name_that_is_also_a_word_introduces_the_agent() -> None:
    record = _chat(
        ("agent", "Роман, чем могу помочь?"), ("customer", "здравствуйте"), channel="call"
    )
    assert _result(record, "introduction") == "pass"


def test_a_third_person_promise_must_be_kept() -> None:
    record = _chat(
        ("customer", "my card was charged twice"),
        ("agent", "I have let my manager know, they will give you a call."),
        ("agent", "Have a great night!"),
        language="en",
    )
    assert _result(record, "promise_kept") == "fail"


def test_a_russian_third_person_promise_with_a_long_term_is_not_kept_by_the_same_call() -> None:
    record = _chat(
        ("customer", "у меня списали деньги"),
        ("agent", "Решение по заявлению банк сообщит в течение тридцати дней."),
        ("agent", "Новую карту перевыпустим бесплатно, она будет готова через пять рабочих дней."),
    )
    assert _result(record, "promise_kept") == "fail"


def test_a_parting_wish_does_not_keep_a_promise() -> None:
    record = _chat(
        ("customer", "водитель меня высадил на трассе"),
        ("agent", "Я передам жалобу, перезвоню вам."),
        ("agent", "Спасибо, что сообщили. Хорошего дня!"),
    )
    assert _result(record, "promise_kept") == "fail"


def test_an_automatic_sms_is_not_a_promise() -> None:
    record = _chat(
        ("customer", "где мой заказ"),
        ("agent", "Заказ поступит завтра. Мы пришлём SMS, как только его можно будет забрать."),
    )
    assert _result(record, "promise_kept") == "na"


def test_let_us_know_if_anything_else_comes_up_offers_more_help() -> None:
    record = _chat(
        ("customer", "thanks"),
        ("agent", "You're welcome! Let us know if anything else comes up."),
        language="en",
    )
    assert _result(record, "offer_more_help") == "pass"


def test_a_redirect_is_not_an_offer_of_more_help() -> None:
    record = _chat(
        ("customer", "что мне делать"),
        ("agent", "Это вопрос к продавцу, обращайтесь к нему в карточке товара."),
    )
    assert _result(record, "offer_more_help") == "fail"


def test_a_general_invitation_to_write_in_is_not_a_rating_request() -> None:
    record = _chat(
        ("customer", "спасибо"),
        ("agent", "Пишите нам в любое время, мы всегда на связи."),
    )
    assert _result(record, "rating_request") == "fail"
    record = _chat(
        ("customer", "thanks"),
        ("agent", "Share your feedback about our app with us any time at help@example.com."),
        language="en",
    )
    assert _result(record, "rating_request") == "fail"


def test_thanking_for_reaching_out_is_not_a_greeting() -> None:
    record = _chat(
        ("customer", "my account was deleted"),
        ("agent", "Thanks for reaching out. Please send us your channel URL."),
        language="en",
        channel="social",
    )
    assert _result(record, "greeting") == "fail"


def test_we_appreciate_your_concern_is_not_thanks() -> None:
    record = _chat(
        ("customer", "refund me"),
        ("agent", "We appreciate your concern. Refunds go to the original payment."),
        language="en",
        channel="social",
    )
    assert _result(record, "closing_thanks") == "fail"


def test_a_call_opening_is_measured_on_the_clock() -> None:
    record = {
        "channel": "call",
        "language": "en",
        "messages": [
            {"role": "agent", "text": "hello", "start": 0.5, "end": 1.5},
            {"role": "customer", "text": "hi i need a new card", "start": 2.0, "end": 19.0},
            {"role": "agent", "text": "my name is elizabeth", "start": 20.4, "end": 22.0},
            {"role": "customer", "text": "okay", "start": 23.0, "end": 24.0},
        ],
    }
    assert check_record(record)["checks"]["introduction"]["result"] == "fail"


# --- personal data -----------------------------------------------------------------------------


def _call(*turns: tuple[str, str], language: str = "en") -> dict[str, Any]:
    messages = []
    clock = 0.0
    for role, text in turns:
        messages.append({"role": role, "text": text, "start": clock, "end": clock + 2.0})
        clock += 2.5
    return {"channel": "call", "language": language, "messages": messages}


def test_a_phone_number_spoken_over_three_segments_is_personal_data() -> None:
    record = _call(
        ("agent", "what's the phone number on the account"),
        ("customer", "my phone number is two four five"),
        ("customer", "four nine six"),
        ("customer", "nine eight six three"),
    )
    assert _signals(record)["pii"] == ["phone"]


def test_a_russian_phone_number_in_words_is_personal_data() -> None:
    record = _call(
        ("agent", "Продиктуйте номер телефона."),
        (
            "customer",
            "Восемь девятьсот двадцать шесть, сто двенадцать, тридцать четыре, пятьдесят.",
        ),
        language="ru",
    )
    assert _signals(record)["pii"] == ["phone"]


def test_order_ticket_and_build_numbers_are_not_phones() -> None:
    for text in (
        "заказ 5520193-0012 пришел не тот",
        "My ticket 4402 118 9921 is still open",
        "Windows build 19041 1234 5 fails",
        "полис ХХХ 0312456789",
    ):
        record = _chat(("customer", text), ("agent", "Hello"))
        assert _signals(record)["pii"] == [], text


# --- spelling ----------------------------------------------------------------------------------


def test_product_names_the_customer_wrote_are_not_misspellings() -> None:
    record = _chat(
        ("customer", "Handbreak keeps crashing when I export from Lightroomy"),
        (
            "agent",
            "Sorry about that! Does Handbreak crash with every file or only Lightroomy ones?",
        ),
        language="en",
    )
    assert _result(record, "spelling") == "pass"


def test_commands_and_menu_paths_are_not_misspellings() -> None:
    record = _chat(
        ("customer", "the game does not connect"),
        ("agent", "Please run `ipconfig /flushdns` and then open settings > netwrk > dnsconf."),
        language="en",
    )
    assert _result(record, "spelling") == "pass"


def test_a_reply_in_another_language_is_not_misspelt() -> None:
    record = _chat(
        ("customer", "hola, mi pedido no llega"),
        ("agent", "Hola! Lo sentimos mucho, tu pedido llegará mañana por la tarde."),
        ("agent", "Thank you for contacting us."),
        language="en",
    )
    assert _result(record, "spelling") == "pass"


# --- complaint ---------------------------------------------------------------------------------


def test_a_threat_to_escalate_is_a_complaint() -> None:
    for text, language in (
        ("я обращусь в прокуратуру", "ru"),
        ("позовите старшего", "ru"),
        ("I'll report this to the regulator", "en"),
    ):
        record = _chat(("customer", text), ("agent", "Hello"), language=language)
        assert _signals(record)["complaint"] is True, text


def test_an_indirect_complaint_is_a_complaint() -> None:
    record = _chat(
        ("customer", "I'm not the only one complaining either!"),
        ("agent", "Hello"),
        language="en",
    )
    assert _signals(record)["complaint"] is True


def test_anger_alone_is_not_a_complaint() -> None:
    record = _chat(("customer", "this is ridiculous!!!"), ("agent", "Hello"), language="en")
    assert _signals(record)["complaint"] is False


def test_excited_capitals_or_marks_in_a_friendly_message_are_not_negative() -> None:
    for text in ("HEY HO! I have a promo code", "comedies and thrillers!! Thank you :)"):
        record = _chat(("customer", text), ("agent", "Hello! Happy to help."), language="en")
        assert _result(record, "empathy") == "na", text


def test_a_standalone_russian_offer_of_more_help() -> None:
    record = _chat(("customer", "спасибо"), ("agent", "Рады помочь. Обращайтесь!"))
    assert _result(record, "offer_more_help") == "pass"


def test_a_name_that_is_a_word_after_the_greeting_introduces_the_agent() -> None:
    record = _chat(
        ("agent", "Мобильный оператор, здравствуйте! Лиана, слушаю вас."),
        ("customer", "здравствуйте"),
        channel="call",
    )
    assert _result(record, "introduction") == "pass"
    record = _chat(("agent", "Доставка, слушаю."), ("customer", "здравствуйте"), channel="call")
    assert _result(record, "introduction") == "fail"
