"""The dials of the demo data: channel and topic mixes, rates, waits and busy hours.

Planning draws every contact from these; they are set so the demo's KPIs look
like a real service desk's (a share of abandoned calls, slower messengers, a
delivery incident that shows on the trend charts).
"""

from __future__ import annotations

RUSSIAN_SHARE = 0.7
CHANNELS = ("call", "chat", "email", "messenger", "social", "app", "self_service", "visit")
CHANNEL_WEIGHTS = {
    "ru": (25.0, 34.0, 10.0, 12.0, 5.0, 8.0, 4.0, 3.5),
    "en": (22.0, 36.0, 17.0, 10.0, 6.0, 6.0, 3.0, 1.0),
}
ABANDON_RATE = {"call": 0.085, "chat": 0.065, "app": 0.05}
# (median seconds, log-normal sigma) of the wait before an agent answers
WAIT = {
    "call": (14.0, 0.9),
    "chat": (18.0, 0.9),
    "app": (15.0, 0.8),
    "messenger": (40.0, 1.0),
    "social": (150.0, 1.0),
    "visit": (300.0, 0.6),
}

TOPICS = ("delivery", "refund", "payment", "account", "product", "order_change", "complaint")
TOPIC_WEIGHTS = (30.0, 14.0, 13.0, 11.0, 15.0, 9.0, 4.0)
ORDER_TOPICS = frozenset({"delivery", "refund", "payment", "order_change", "complaint"})
NEGATIVE_RATE = {
    "delivery": 0.38,
    "refund": 0.42,
    "payment": 0.38,
    "account": 0.3,
    "product": 0.15,
    "order_change": 0.2,
    "complaint": 1.0,
}
WHEN_RATE = {
    "delivery": 0.8,
    "refund": 0.75,
    "payment": 0.55,
    "account": 0.55,
    "product": 0.45,
    "order_change": 0.55,
    "complaint": 0.7,
}
RESOLVE_SHIFT = {
    "delivery": 0.0,
    "refund": -0.04,
    "payment": 0.0,
    "account": 0.03,
    "product": 0.06,
    "order_change": 0.04,
    "complaint": -0.15,
}


def _hours(weights: str) -> tuple[float, ...]:
    """24 relative weights of the local hours 0-23, written in one line."""
    values = tuple(float(weight) for weight in weights.split())
    assert len(values) == 24
    return values


# When contacts arrive: calls and visits in opening hours, written channels all day.
HOURS_CALL = _hours("0 0 0 0 0 0 0 0 .35 1 1.5 1.7 1.6 1.4 1.5 1.5 1.6 1.4 1.1 .8 .5 .2 0 0")
HOURS_TEXT = _hours(
    ".15 .08 .04 .03 .03 .06 .15 .35 .7 1 1.3 1.4 1.4 1.3 1.3 1.3 1.3 1.3 1.3 1.4 1.4 1.2 .8 .4"
)
HOURS_EMAIL = _hours(
    ".3 .2 .15 .1 .1 .15 .3 .6 1 1.2 1.2 1.2 1.1 1.1 1.1 1.1 1.1 1 .9 .9 .8 .7 .6 .4"
)
HOURS_VISIT = _hours("0 0 0 0 0 0 0 0 0 0 1 1 1 1 1 1 1 1 1 1 .5 0 0 0")
