"""The shape of a language's conversation material for the demo generator.

Every template is a ``str.format_map`` pattern over the slots the generator
fills per interaction (``{name}``, ``{agent}``, ``{order}``, ``{date}``, ...).
Russian past-tense endings come through slots too: ``{a}`` is "а" for a female
agent, ``{c}`` for a female customer, ``{cs}`` gives "ся"/"ась".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

Phrases = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scenario:
    """One concrete problem within a contact reason, step by step.

    Each step lists alternative phrasings that all fit every other step, so any
    combination reads as one coherent conversation.
    """

    opening: Phrases
    opening_negative: Phrases
    intent: Phrases
    need: Phrases
    details: Phrases
    findings: Phrases
    done: Phrases
    when: Phrases
    specific: Phrases
    bot_answer: Phrases
    proactive: Phrases


@dataclass(frozen=True, slots=True)
class Phrasebook:
    """All conversation material of one language."""

    lang: str
    greet_morning: Phrases
    greet_day: Phrases
    greet_evening: Phrases
    open_text_full: Phrases
    open_text_greet: Phrases
    open_text_intro: Phrases
    open_text_bare: Phrases
    open_call_full: Phrases
    open_call_greet: Phrases
    open_call_intro: Phrases
    open_call_bare: Phrases
    thanks_visit: Phrases
    hold_visit: Phrases
    rating_visit: Phrases
    transfer_email: Phrases
    customer_hello: Phrases
    elaborate: Phrases
    verify_ask: Phrases
    confirm_order: Phrases
    confirm_yes: Phrases
    verify_answer: Phrases
    customer_search: Phrases
    line_check: Phrases
    line_ok: Phrases
    recap: Phrases
    repeat_prefix: Phrases
    empathy: Phrases
    hold_text: Phrases
    hold_call: Phrases
    hold_silent: Phrases
    hold_resume: Phrases
    vague: Phrases
    push_back: Phrases
    customer_upset: Phrases
    complaint_escalation: Phrases
    complaint_noted: Phrases
    rude: Phrases
    promise_call: Phrases
    promise_text: Phrases
    transfer: Phrases
    transfer_pickup: Phrases
    unresolved: Phrases
    pending_specific: Phrases
    ack_good: Phrases
    ack_bad: Phrases
    more_help: Phrases
    no_more: Phrases
    thanks_text: Phrases
    thanks_call: Phrases
    rating_text: Phrases
    rating_call: Phrases
    wish: Phrases
    bare_close: Phrases
    upsell: Phrases
    bot_hello: Phrases
    bot_try: Phrases
    ask_human: Phrases
    bot_handoff: Phrases
    bot_busy: Phrases
    bot_thanks: Phrases
    sys_joined: Phrases
    sys_transfer: Phrases
    sys_closed: Phrases
    sys_left: Phrases
    waiting: Phrases
    email_subject: Phrases
    email_signature: Phrases
    email_more: Phrases
    email_thanks: Phrases
    email_customer_sign: Phrases
    outbound_callback: Phrases
    outbound_proactive_open: Phrases
    customer_ok_to_talk: Phrases
    comment_good: Phrases
    comment_ok: Phrases
    comment_bad: Phrases
    comment_rude: Phrases
    comment_slow: Phrases
    comment_vague: Phrases
    windows: Phrases
    today_times: Phrases
    products: Phrases
    cities: Phrases
    misspellings: tuple[tuple[str, str], ...]
    habitual: tuple[tuple[str, str], ...]
    """Misspellings careless writers make again and again."""
    topics: Mapping[str, tuple[Scenario, ...]]
    date_phrase: Callable[[date, int, int], tuple[str, str]]
    """``(day, days_ahead, variant)`` → (a phrase like "в пятницу, 22.11", a bare date)."""
    prev_phrase: Callable[[int], str]
    """How many days ago → "вчера" / "yesterday" / "3 дня назад"."""
    money: Callable[[int], str]
