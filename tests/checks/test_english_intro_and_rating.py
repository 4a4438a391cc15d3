"""English self-introductions and rating requests of the QA walk-through (2026-12).

"My name is Emily" and "Please take a second to rate my help" were read wrongly on the
demo data; these are the exact sentences and the usual variants (CHECKS.md v1.1:
``introduction`` in the opening, on call, chat and messenger; ``rating_request``: a
request to rate this service, anywhere).
"""

from __future__ import annotations

from typing import Any

import pytest

from kontrol.checks.engine import check_record


def _verdict(agent_first: str, check: str, *, channel: str = "chat", last: str = "") -> str:
    record: dict[str, Any] = {
        "id": "t",
        "channel": channel,
        "language": "en",
        "messages": [
            {"role": "customer", "text": "Hi, my order is late."},
            {"role": "agent", "text": agent_first},
            {"role": "customer", "text": "Order 4521."},
            {"role": "agent", "text": last or "It ships tomorrow before noon."},
        ],
    }
    return str(check_record(record)["checks"][check]["result"])


@pytest.mark.parametrize(
    "sentence",
    [
        "My name is Emily.",
        "Hello! My name is Emily, how can I help?",
        "Hi, this is Emily speaking, how can I help?",
        "Emily here.",
        "Hi! Emily here, happy to help.",
        "Kvarta support, Emily speaking.",
        "Hi there, you're talking to Emily.",
    ],
)
def test_the_agent_introducing_themselves_passes(sentence: str) -> None:
    assert _verdict(sentence, "introduction") == "pass"
    assert _verdict(sentence, "introduction", channel="call") == "pass"


@pytest.mark.parametrize(
    "sentence",
    [
        "Hi! Click here to track your order.",
        "Hello. Nobody here can change the address, sorry.",
        "Hello, how can I help?",
    ],
)
def test_here_after_a_word_that_is_no_name_is_no_introduction(sentence: str) -> None:
    assert _verdict(sentence, "introduction") == "fail"


def test_outside_its_channels_the_introduction_is_not_applicable() -> None:
    # CHECKS.md: introduction applies to call, chat and messenger only.
    assert _verdict("My name is Emily.", "introduction", channel="social") == "na"


@pytest.mark.parametrize(
    "sentence",
    [
        "Please take a second to rate my help.",
        "Could you rate my help?",
        "Feel free to rate my support.",
        "Take a moment to rate the chat.",
        "Please leave a rating.",
        "Please leave feedback about this chat.",
        "Could you leave us some feedback?",
        "How would you rate my help today?",
        "Would you mind rating this chat?",
    ],
)
def test_a_request_to_rate_the_help_passes(sentence: str) -> None:
    assert _verdict("Hello!", "rating_request", last=sentence) == "pass"


@pytest.mark.parametrize(
    "sentence",
    [
        "The interest rate on the card is 5%.",
        "Send us your feedback any time.",
        "It ships tomorrow before noon.",
    ],
)
def test_no_rating_request_fails(sentence: str) -> None:
    assert _verdict("Hello!", "rating_request", last=sentence) == "fail"
