"""A calm tone while the customer is upset: no shouting, rudeness or raised voice."""

from __future__ import annotations

import statistics
from typing import Any

from kontrol.checks.builtin.wording import (
    LOUDNESS_RISE_DB,
    REPEATED_EXCLAMATION,
    agent_shouting,
    customer_emotion,
    rude_hits,
)
from kontrol.checks.conversation import Conversation
from kontrol.checks.registry import FAIL, NA, PASS, Verdict, check


@check("calm_tone")
def calm_tone(conversation: Conversation) -> Verdict:
    """While the customer is negative, the agent neither shouts nor is rude."""
    triggers = customer_emotion(conversation)
    if not triggers or not conversation.agent_messages:
        return Verdict(NA)
    first = triggers[0][0]
    after = [m for m in conversation.agent_messages if m.index > first]
    problems: list[dict[str, Any]] = []
    for message in after:
        shouted = agent_shouting(message, conversation.book.reducer)
        if shouted is None:
            found = REPEATED_EXCLAMATION.search(message.view)
            shouted = found.group() if found else None
        if shouted:
            problems.append({"message": message.index, "text": shouted})
    rude = [h for h in rude_hits(conversation) if h.message > first]
    problems.extend(conversation.evidence(rude))
    problems.extend(_raised_voice(conversation, first))
    if problems:
        return Verdict(FAIL, tuple(problems[:5]))
    return Verdict(PASS)


def _raised_voice(conversation: Conversation, first: int) -> list[dict[str, Any]]:
    """Agent segments after the customer's first emotion louder than the agent's baseline.

    The baseline is the median level of the agent's segments up to that emotion (of
    all the agent's segments when none came before); a segment more than
    ``LOUDNESS_RISE_DB`` above it is a raised voice (CHECKS.md: 6 dB).
    """
    levels = conversation.loudness
    if levels is None:
        return []
    before = [level for i, level in enumerate(levels[: first + 1]) if level is not None]
    everything = [level for level in levels if level is not None]
    reference = before or everything
    if not reference:
        return []
    baseline = statistics.median(reference)
    found = []
    for message in conversation.agent_messages:
        level = levels[message.index]
        if message.index > first and level is not None and level - baseline > LOUDNESS_RISE_DB:
            rise = round(level - baseline, 1)
            found.append({"message": message.index, "text": f"+{rise} dB", "value": rise})
    return found
