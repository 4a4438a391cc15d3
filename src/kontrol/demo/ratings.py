"""How demo customers rate their contacts: CSAT, NPS and effort, now and then a comment.

The score follows what happened (rudeness, an unsolved problem, a vague "soon",
a slow agent...) plus the agent's own knack, so the survey KPIs tell the same
story as the checks.
"""

from __future__ import annotations

from typing import Any

from kontrol.demo.dice import Dice
from kontrol.demo.plans import BOOKS, Plan

SURVEY_RATE = {
    "call": 0.36,
    "chat": 0.52,
    "app": 0.5,
    "messenger": 0.42,
    "social": 0.18,
    "email": 0.3,
    "visit": 0.3,
    "self_service": 0.25,
}
LATE_SURVEY_SHARE = 0.15


def survey_answers(rng: Dice, plan: Plan) -> dict[str, Any] | None:
    """The customer's survey of this contact, or ``None`` when they leave none.

    Sets ``plan.survey_late`` when the answer comes as a record of its own, later.
    """
    rate = SURVEY_RATE[plan.channel]
    if plan.kind in ("callback", "proactive"):
        rate *= 0.3
    if rng.random() >= rate:
        return None
    agent = plan.agent
    if agent is None:
        score = 4.1 if plan.status == "resolved" else 2.2
    else:
        score = 4.35 + agent.profile.mood
        if plan.rude:
            score -= 2.2
        if plan.status == "unresolved":
            score -= 1.3
        elif plan.status == "transferred":
            score -= 0.3 if plan.transfer_continues else 0.9
        if plan.when_q and not plan.specific:
            score -= 0.8
        if plan.negative and not plan.empathy:
            score -= 0.4
        if not plan.greet:
            score -= 0.15
        if plan.slow:
            score -= 0.6
        if plan.repeat_of is not None:
            score -= 0.3
        if plan.topic == "complaint" or plan.escalated:
            score -= 0.5
    score += rng.gauss(0.0, 0.7)
    csat = min(5, max(1, round(score)))
    resolved = plan.status == "resolved"
    answers: dict[str, Any] = {}
    has_csat = rng.random() < 0.92
    has_nps = rng.random() < 0.45 or not has_csat
    if has_csat:
        answers["csat"] = csat
    if has_nps:
        answers["nps"] = min(10, max(0, round(csat * 2.2 - 1 + rng.gauss(0.0, 1.4))))
    if rng.random() < 0.35:
        effort = 1.2 * csat + (0.6 if resolved else -1.0) + rng.gauss(0.0, 0.9)
        if plan.repeat_of is not None:
            effort -= 1
        answers["ces"] = min(7, max(1, round(effort)))
    if rng.random() < (0.45 if csat <= 2 or csat == 5 else 0.2):
        answers["comment"] = _comment_template(rng, plan, csat)
    plan.survey_late = rng.random() < LATE_SURVEY_SHARE
    return answers


def _comment_template(rng: Dice, plan: Plan, csat: int) -> str:
    """A comment fitting the rating and what went wrong (slots not yet filled)."""
    book = BOOKS[plan.customer.lang]
    if plan.rude and csat <= 3:
        return rng.pick(book.comment_rude)
    if csat <= 3 and plan.slow:
        return rng.pick(book.comment_slow)
    if csat <= 3 and plan.when_q and not plan.specific:
        return rng.pick(book.comment_vague)
    if csat <= 2:
        return rng.pick(book.comment_bad)
    if csat == 3:
        return rng.pick(book.comment_ok)
    return rng.pick(book.comment_good)
