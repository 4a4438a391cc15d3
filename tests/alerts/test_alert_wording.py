"""An alert's message names codes in words and does not repeat its kind's chip."""

from __future__ import annotations

from kontrol.alerts.delivery import describe
from kontrol.i18n import translate

DETAILS = {
    "interaction_id": 7,
    "external_id": "demo-000384",
    "channel": "call",
    "agent": "Игорь Волков",
    "team": "Линия 1",
    "topic": "complaint",
}


def test_a_complaint_alert_names_channel_and_topic_in_words() -> None:
    russian = describe("complaint", DETAILS, "ru")
    assert (
        russian == "Клиент жалуется — звонок, оператор Игорь Волков, команда Линия 1, тема: жалоба."
    )
    english = describe("complaint", DETAILS, "en")
    assert english.startswith("Customer complains — call, agent") and "topic: complaint" in english


def test_the_message_does_not_start_with_the_kinds_chip() -> None:
    # The list shows the kind as a chip right before the message («Жалоба Жалоба — …»).
    for locale in ("ru", "en"):
        chip = translate(locale, "alerts.kind.complaint")
        assert not describe("complaint", DETAILS, locale).startswith(chip)


def test_a_code_the_catalogue_does_not_know_stays_as_it_is() -> None:
    text = describe("complaint", {**DETAILS, "topic": "crm_topic_42", "channel": "—"}, "ru")
    assert "тема: crm_topic_42" in text
