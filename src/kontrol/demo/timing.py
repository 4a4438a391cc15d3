"""Timing of a demo conversation: when each message was written, or each segment spoken.

Text channels get an ``at`` per message (reply times vary log-normally around
the agent's own pace, scaled by the channel); spoken ones get ``start``/``end``
seconds, with interruptions, holds and, now and then, speech-to-text output.
"""

from __future__ import annotations

import re
from math import exp, log

from kontrol.demo.clock import LocalClock
from kontrol.demo.dice import Dice
from kontrol.demo.plans import Plan
from kontrol.demo.script import HOLD, PAUSE, PRE, QUICK, SYS, MessageRecord, Turn

# reply-time multiplier against a web chat: the channel targets differ (60 s … 1 h)
_REPLY_FACTOR = {"chat": 1.0, "app": 1.0, "messenger": 3.5, "social": 20.0}
# (minimum, mean extra) seconds a customer takes to write the next message
_CUSTOMER_PAUSE = {
    "chat": (6, 25.0),
    "app": (6, 25.0),
    "messenger": (20, 150.0),
    "social": (60, 900.0),
    "self_service": (5, 15.0),
}
# Speech-to-text output: no punctuation except question marks, lower case; a dot or
# colon inside a number ("24.08", "17:00") is kept.
_ASR_PUNCTUATION = re.compile(r"[,!«»;]|\s?—|[.:](?!\d)")


def time_text(
    rng: Dice, clock: LocalClock, plan: Plan, turns: list[Turn]
) -> tuple[list[MessageRecord], int]:
    """Messages with ``at``; returns them and the end of the contact."""
    random = rng.random
    iso = clock.iso
    messages: list[MessageRecord] = []
    arrive = plan.arrive
    pre = 0
    while pre < len(turns) and turns[pre][2] == PRE:
        pre += 1
    if pre:
        times = [arrive]
        moment = arrive
        for turn in turns[1:pre]:
            if turn[0] == "customer":
                moment += 4 + int(-log(1.0 - random()) * 15)
            else:
                moment += 1 + int(random() * 3)
            times.append(moment)
        # squeeze what happened before an agent came into the wait before started_at;
        # an abandoned contact ends with the customer leaving, at started_at
        limit = plan.start if plan.kind == "abandoned" else plan.start - 1
        span = max(0, limit - arrive)
        last = moment - arrive
        if last > span or plan.kind == "abandoned":
            times = [arrive + (t - arrive) * span // max(last, 1) for t in times]
            times[-1] = arrive + span
        for (role, text, _, _), at in zip(turns[:pre], times, strict=True):
            messages.append({"role": role, "text": text, "at": iso(at)})

    low, scale = _CUSTOMER_PAUSE.get(plan.channel, (6, 25.0))
    hold = 60 if plan.hold_announced else 110
    agent = plan.agent
    # one reply-time scale per contact; each reply varies log-normally around it
    reply = (agent.profile.reply if agent is not None else 20.0) * _REPLY_FACTOR.get(
        plan.channel, 1.0
    )
    if plan.slow:
        reply *= 4.0
    gauss = rng.gauss
    moment = plan.start
    previous = "customer" if pre else ""
    for position in range(pre, len(turns)):
        role, text, cue, author = turns[position]
        if cue == SYS:
            moment += int(random() * 3)
        elif role == "customer":
            moment += low + int(-log(1.0 - random()) * scale)
        elif role == "bot":
            moment += 1 + int(random() * 3)
        elif cue == HOLD:
            moment += 40 + int(-log(1.0 - random()) * hold)
        elif cue == QUICK or previous == "agent":
            moment += 3 + int(random() * 20)
        else:
            moment += 3 + int(reply * exp(gauss(0.0, 0.45)))
        if author is None:
            messages.append({"role": role, "text": text, "at": iso(moment)})
        else:
            messages.append({"role": role, "text": text, "at": iso(moment), "author_id": author.id})
        if role != "system":
            previous = role
    ended = moment
    if plan.kind == "handled" and plan.channel in ("chat", "app"):
        ended += 5 + int(random() * 85)
    return messages, ended


def time_speech(rng: Dice, plan: Plan, turns: list[Turn]) -> tuple[list[MessageRecord], float]:
    """Transcript segments with ``start``/``end``; returns them and the talk length."""
    random = rng.random
    speed = plan.agent.profile.speed if plan.agent is not None else 1.0
    interrupt = plan.interrupt
    asr = random() < 0.35
    messages: list[MessageRecord] = []
    previous_role = ""
    previous_start = 0.0
    previous_end = 0.3 + random() * 1.2
    for role, text, cue, author in turns:
        if cue == SYS:
            continue
        pace = 0.38 + random() * 0.14
        if role == "agent":
            pace *= speed
        length = (text.count(" ") + 1) * pace + 0.4
        previous_length = previous_end - previous_start
        if cue == PAUSE:
            begin = previous_end + 4.0 + random() * 12.0
        elif cue == HOLD:
            if plan.long_hold:
                begin = previous_end + 35.0 + random() * 110.0
            else:
                begin = previous_end + 5.0 + random() * 18.0
        elif (
            role == "agent"
            and previous_role == "customer"
            and previous_length > 2.6
            and random() < interrupt
        ):
            # the agent talks over the end of the customer's sentence
            overlap = min(2.4, previous_length - 0.8)
            begin = previous_end - 1.1 - random() * (overlap - 1.1)
        elif role == "customer" and previous_role == "agent" and random() < 0.04:
            begin = previous_end - 0.3 - random() * 0.6
        else:
            begin = previous_end + 0.3 + random() * 1.5
        if begin < previous_start + 0.1:
            begin = previous_start + 0.1
        finish = begin + length
        if asr:
            text = _ASR_PUNCTUATION.sub("", text).lower()
        message: MessageRecord = {
            "role": role,
            "text": text,
            "start": round(begin, 1),
            "end": round(finish, 1),
        }
        if author is not None:
            message["author_id"] = author.id
        messages.append(message)
        previous_role, previous_start, previous_end = role, begin, finish
    return messages, previous_end
