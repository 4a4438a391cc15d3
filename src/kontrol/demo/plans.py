"""The demo generator's plans: the customers, their problems, and each contact as decided.

Planning (``planning.py``) fills these in; rendering (``render.py``) turns each
plan into words and timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kontrol.demo import scripts_en, scripts_ru
from kontrol.demo.people import MAIL_DOMAINS, Agent
from kontrol.demo.phrasebook import Phrasebook

SOURCE = "demo"
BOOKS: dict[str, Phrasebook] = {"ru": scripts_ru.BOOK, "en": scripts_en.BOOK}
DAY = 86_400


def price_tag(value: float) -> int:
    """A shop price near ``value``, ending in 90 like 2 490."""
    return max(190, int(value / 100) * 100 + 90)


@dataclass(slots=True)
class Customer:
    """A demo customer and the habits that colour their messages."""

    index: int
    id: str
    lang: str
    first: str
    display: str
    female: bool
    latin: str
    """First and last name in Latin letters, for the e-mail address."""
    key: int
    """Random bits the phone number and e-mail address are derived from."""
    casual: bool
    no_yo: bool
    vip: bool
    activity: float
    """Relative chance of contacting support."""
    order_rate: float
    """Expected orders in 91 days."""
    basket: float
    favourite: str
    episodes: int = 0

    @property
    def phone(self) -> str:
        """A mobile number without the country code, like ``916 123-45-67``."""
        digits = f"{self.key:010d}"
        return f"9{digits[1:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:10]}"

    @property
    def email(self) -> str:
        """An e-mail address made of the customer's name."""
        first, last = self.latin.split(" ")
        key = self.key
        style = key % 3
        if style == 0:
            handle = f"{first}.{last}"
        elif style == 1:
            handle = f"{first}{10 + key % 89}"
        else:
            handle = f"{first[0]}{last}{1970 + key % 36}"
        domains = MAIL_DOMAINS[self.lang]
        return f"{handle}@{domains[(key >> 8) % len(domains)]}"


@dataclass(slots=True)
class Episode:
    """One problem of one customer: every contact about it shares these."""

    scenario: int
    order_no: str
    product: int
    claim: str
    amount: int
    card: str


@dataclass(slots=True)
class Plan:
    """Everything decided about one interaction before it is put into words."""

    seq: int
    customer: Customer
    episode: Episode
    channel: str
    kind: str  # handled, abandoned, bot, callback, proactive, no_answer
    arrive: int
    start: int
    topic: str
    agent: Agent | None = None
    status: str = "resolved"
    case_id: str | None = None
    tags: list[str] = field(default_factory=list)
    negative: bool = False
    repeat_of: int | None = None
    show_lang: bool = True
    name_known: bool = True
    bot_intro: bool = False
    transfer_to: Agent | None = None
    transfer_continues: bool = False
    escalated: bool = False
    when_q: bool = False
    greet: bool = True
    intro: bool = True
    use_name: bool = True
    ask: bool = True
    empathy: bool = True
    specific: bool = True
    rude: bool = False
    thanks: bool = True
    more_help: bool = True
    rating: bool = False
    hold_announced: bool = True
    long_hold: bool = False
    slow: bool = False
    promise: bool = False
    upsell: bool = False
    interrupt: float = 0.0
    survey: dict[str, Any] | None = None
    survey_late: bool = False
