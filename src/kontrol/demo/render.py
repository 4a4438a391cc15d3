"""Rendering pass of the demo generator: a plan becomes a FORMAT.md interaction.

The plan says what happens (greeting or not, a vague answer, a rude reply, a
long unannounced hold...); this module picks the words from the phrasebook of
the customer's language and lays the messages out in time: ``at`` for text
channels, ``start``/``end`` seconds for spoken ones.
"""

from __future__ import annotations

import re
from datetime import timedelta
from math import exp, log
from typing import Any

from kontrol.demo.clock import LocalClock
from kontrol.demo.dice import Dice
from kontrol.demo.people import Agent
from kontrol.demo.phrasebook import Phrasebook, Scenario
from kontrol.demo.planning import BOOKS, DAY, SOURCE, Plan

_SPOKEN = frozenset({"call", "visit"})
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
# share of an agent's time one text conversation takes: agents run several at once
_CHAT_SHARE = {"chat": 0.4, "app": 0.4, "messenger": 0.3, "social": 0.3}
_TELEPHONY_PER_MINUTE = 1.8
# Speech-to-text output: no punctuation except question marks, lower case; a dot or
# colon inside a number ("24.08", "17:00") is kept.
_ASR_PUNCTUATION = re.compile(r"[,!«»;]|\s?—|[.:](?!\d)")

# Turn cues: how a turn is timed relative to the one before it.
_PRE = 0  # before an agent took the contact (customer and bot)
_SAY = 1  # an answer to the other side
_QUICK = 2  # the same speaker goes on
_HOLD = 3  # the agent comes back after checking something
_SYS = 4  # a system event
_PAUSE = 5  # the customer comes back after looking something up

Turn = tuple[str, str, int, Agent | None]
Message = dict[str, Any]


class _Slots(dict[str, str]):
    """Slot values for one interaction; the costly ones are worked out on first use."""

    __slots__ = ("book", "plan", "renderer")
    renderer: Renderer
    plan: Plan
    book: Phrasebook

    def __missing__(self, key: str) -> str:
        value = self.renderer.slot(self, key)
        self[key] = value
        return value


class _Script:
    """The turns of one conversation, worded for the plan's people.

    The writing habits of the agent and the customer are looked up once here
    because a benchmark run words about a million messages.
    """

    __slots__ = (
        "_add",
        "_agent_careless",
        "_agent_no_yo",
        "_agent_typo",
        "_casual",
        "_customer_no_yo",
        "_customer_typo",
        "_random",
        "book",
        "plan",
        "renderer",
        "slots",
        "spoken",
        "turns",
    )

    def __init__(self, renderer: Renderer, plan: Plan, slots: _Slots, spoken: bool):
        self.renderer = renderer
        self.plan = plan
        self.slots = slots
        self.spoken = spoken
        self.book = BOOKS[plan.customer.lang]
        self.turns: list[Turn] = []
        self._add = self.turns.append
        self._random = renderer.rng.random
        profile = plan.agent.profile if plan.agent is not None else None
        self._agent_typo = 0.0 if spoken or profile is None else profile.typo
        self._agent_no_yo = profile is not None and profile.no_yo
        self._agent_careless = not spoken and profile is not None and profile.careless
        customer = plan.customer
        self._casual = customer.casual and not spoken
        self._customer_no_yo = customer.no_yo
        self._customer_typo = 0.0 if spoken else 0.12 if customer.casual else 0.04

    def agent(self, text: str, cue: int = _SAY, author: Agent | None = None) -> None:
        worded = text.format_map(self.slots)
        if author is not None:
            worded = self.renderer.agent_text(self.plan, worded, author)
        else:
            if self._agent_typo and self._random() < self._agent_typo:
                worded = self.renderer.typo(worded, self.book)
            if self._agent_careless:
                worded = self.renderer.habits(worded, self.book)
            if self._agent_no_yo:
                worded = worded.replace("ё", "е")
        self._add(("agent", worded, cue, author))

    def customer(self, text: str, cue: int = _SAY) -> None:
        worded = text.format_map(self.slots)
        if self._customer_no_yo:
            worded = worded.replace("ё", "е")
        if self._casual:
            worded = worded[0].lower() + worded[1:]
            if worded[-1] == "." and not worded.endswith("..."):
                worded = worded[:-1]
            if self._random() < 0.3:
                worded = self.renderer.habits(worded, self.book)
        if self._customer_typo and self._random() < self._customer_typo:
            worded = self.renderer.typo(worded, self.book)
        self._add(("customer", worded, cue, None))

    def bot(self, text: str, cue: int = _SAY) -> None:
        self._add(("bot", text.format_map(self.slots), cue, None))

    def system(self, text: str, cue: int = _SYS) -> None:
        if not self.spoken:
            self._add(("system", text.format_map(self.slots), cue, None))

    def follow(self) -> int:
        """The cue for an agent turn: quick when the agent spoke last."""
        return _QUICK if self.turns and self.turns[-1][0] == "agent" else _SAY


class Renderer:
    """Turns plans into interaction records (and late survey records)."""

    def __init__(self, rng: Dice, clock: LocalClock, period_end: int) -> None:
        self.rng = rng
        self.clock = clock
        self.period_end = period_end
        # slot values that depend only on the people or the day, built once
        self._customer_slots: dict[str, dict[str, str]] = {}
        self._agent_slots: dict[tuple[str, str], dict[str, str]] = {}
        self._dates: dict[tuple[str, int, int, int], tuple[str, str]] = {}

    # ------------------------------------------------------------- records

    def render(
        self, plan: Plan, interaction_id: str
    ) -> tuple[dict[str, Any], tuple[int, dict[str, Any]] | None]:
        """The interaction record, and a separate survey record with its time, if any."""
        rng = self.rng
        iso = self.clock.iso
        customer = plan.customer
        book = BOOKS[customer.lang]
        scenarios = book.topics[plan.topic]
        scenario = scenarios[plan.episode.scenario % len(scenarios)]
        slots = self._slots(plan, book)
        channel = plan.channel
        spoken = channel in _SPOKEN
        agent = plan.agent

        messages: list[Message]
        if plan.kind == "abandoned":
            if channel == "call":
                messages, ended = [], plan.start
            else:
                script = self._abandoned(plan, book, scenario, slots)
                messages, ended = self._time_text(plan, script.turns)
        elif plan.kind == "no_answer":
            messages, ended = [], plan.start + rng.between(20, 45)
        elif plan.kind == "bot":
            messages, ended = self._time_text(plan, self._bot(plan, book, scenario, slots).turns)
        elif channel == "email":
            messages, ended = self._email(plan, book, scenario, slots)
        else:
            if plan.kind in ("callback", "proactive"):
                script = self._outbound(plan, book, scenario, slots)
            else:
                script = self._handled(plan, book, scenario, slots, spoken)
            if spoken:
                messages, length = self._time_speech(plan, script.turns)
                ended = plan.start + int(length) + rng.between(1, 5)
            else:
                messages, ended = self._time_text(plan, script.turns)

        record: dict[str, Any] = {"id": interaction_id, "source": SOURCE, "channel": channel}
        if plan.kind in ("callback", "proactive", "no_answer"):
            record["direction"] = "outbound"
        else:
            record["queued_at"] = iso(plan.arrive)
        record["started_at"] = iso(plan.start)
        record["ended_at"] = iso(ended)
        wrap = 0
        if agent is not None and plan.kind != "no_answer":
            wrap = int(agent.profile.wrap * rng.lognormal(0.0, 0.45)) + 5
            record["wrap_seconds"] = wrap
        record["status"] = plan.status
        if plan.case_id is not None:
            record["case_id"] = plan.case_id
        if agent is not None:
            record["agent_id"] = agent.id
            record["agent_name"] = agent.name
            record["team"] = agent.team
        record["customer_id"] = customer.id
        if plan.name_known:
            record["customer_name"] = customer.display
        if plan.show_lang:
            record["language"] = customer.lang
        record["topic"] = plan.topic
        if plan.tags:
            record["tags"] = plan.tags
        cost = self._cost(plan, ended, wrap, messages)
        if cost is not None:
            record["cost"] = cost
        if channel == "call" and messages:
            record["recording"] = f"recordings/{interaction_id}.mp3"
        record["messages"] = messages

        late: tuple[int, dict[str, Any]] | None = None
        if plan.survey is not None:
            answers = dict(plan.survey)
            if "comment" in answers:
                comment = answers["comment"].format_map(slots)
                answers["comment"] = self.customer_text(plan, comment, written=True)
            answered = ended + rng.between(7200, 3 * DAY)
            if plan.survey_late and answered < self.period_end:
                separate = {
                    "kind": "survey",
                    "source": SOURCE,
                    "interaction_id": interaction_id,
                    "at": iso(answered),
                }
                separate.update(answers)
                late = (answered, separate)
            else:
                if rng.random() < 0.85:
                    answers["at"] = iso(ended + rng.between(20, 1800))
                record["survey"] = answers
        return record, late

    def _slots(self, plan: Plan, book: Phrasebook) -> _Slots:
        customer = plan.customer
        agent = plan.agent
        second = plan.transfer_to
        agents_key = (agent.id if agent else "", second.id if second else "")
        agents = self._agent_slots.get(agents_key)
        if agents is None:
            agents = {
                "agent": agent.first if agent else "",
                "agent_full": agent.name if agent else "",
                "a": "а" if agent is not None and agent.female else "",
                "agent2": second.first if second else "",
                "agent2_full": second.name if second else "",
                "a2": "а" if second is not None and second.female else "",
            }
            self._agent_slots[agents_key] = agents
        person = self._customer_slots.get(customer.id)
        if person is None:
            person = {
                "c": "а" if customer.female else "",
                "cs": "ась" if customer.female else "ся",
                "cname": customer.first,
            }
            self._customer_slots[customer.id] = person
        slots = _Slots(agents)
        slots.update(person)
        slots["order"] = plan.episode.order_no
        slots["nm"] = f", {customer.first}" if plan.use_name and plan.name_known else ""
        slots.renderer = self
        slots.plan = plan
        slots.book = book
        return slots

    def slot(self, slots: _Slots, key: str) -> str:
        """The value of a slot that depends on the day, the time or chance."""
        plan = slots.plan
        book = slots.book
        pick = self.rng.pick
        if key == "greet":
            local = self.clock.seconds_of_day(plan.start)
            if local < 11 * 3600:
                return pick(book.greet_morning)
            if local >= 18 * 3600:
                return pick(book.greet_evening)
            return pick(book.greet_day)
        if key == "greet_lc":
            greet = slots["greet"]
            return greet[0].lower() + greet[1:] if book.lang == "ru" else greet
        if key in ("date", "dd"):
            today = self.clock.local_date(plan.start)
            ahead = self.rng.between(1, 6)
            date_key = (book.lang, today.toordinal(), ahead, self.rng.below(12))
            dates = self._dates.get(date_key)
            if dates is None:
                dates = book.date_phrase(today + timedelta(days=ahead), ahead, date_key[3])
                self._dates[date_key] = dates
            slots["date"], slots["dd"] = dates
            return dates[0] if key == "date" else dates[1]
        episode = plan.episode
        if key == "product":
            return book.products[episode.product % len(book.products)]
        if key == "amount":
            return book.money(episode.amount)
        if key == "window":
            return pick(book.windows)
        if key == "time":
            return pick(book.today_times)
        if key == "city":
            return pick(book.cities)
        if key == "card":
            return episode.card
        if key == "claim":
            return ("П-" if book.lang == "ru" else "C-") + episode.claim
        if key == "phone":
            return plan.customer.phone
        if key == "email":
            return plan.customer.email
        if key == "prev":
            return self._prev(plan, book)
        raise KeyError(key)

    def _prev(self, plan: Plan, book: Phrasebook) -> str:
        """When the customer contacted us before ("вчера"); a first contact says "yesterday"
        about the event it reports."""
        if plan.repeat_of is None:
            return book.prev_phrase(1)
        today = self.clock.local_date(plan.start)
        return book.prev_phrase((today - self.clock.local_date(plan.repeat_of)).days)

    def _cost(self, plan: Plan, ended: int, wrap: int, messages: list[Message]) -> float | None:
        """Agent time at the agent's rate plus what the channel itself costs."""
        channel = plan.channel
        agent = plan.agent
        if plan.kind == "abandoned":
            if channel == "call":
                return round((plan.start - plan.arrive) / 60 * _TELEPHONY_PER_MINUTE, 2)
            return None
        if plan.kind == "bot":
            return round(3.5 + 0.4 * len(messages), 2)
        if agent is None:
            return None
        rate = agent.hourly_cost / 3600
        talk = ended - plan.start
        if channel == "email":
            replies = sum(1 for message in messages if message["role"] == "agent")
            return round((replies * 420 * agent.profile.speed + wrap) * rate, 2)
        if channel == "call":
            return round((talk + wrap) * rate + talk / 60 * _TELEPHONY_PER_MINUTE, 2)
        if channel in ("messenger", "social"):
            # long-running threads are mostly idle, so only a bounded active time counts
            talk = min(talk, 1800)
        return round((talk * _CHAT_SHARE.get(channel, 1.0) + wrap) * rate, 2)

    # ------------------------------------------------------------- wording

    def agent_text(self, plan: Plan, text: str, author: Agent | None = None) -> str:
        """``text`` as this agent writes it: their typos, their "е" for "ё"."""
        agent = author or plan.agent
        if agent is None:
            return text
        if plan.channel not in _SPOKEN:
            if self.rng.random() < agent.profile.typo:
                text = self.typo(text, BOOKS[plan.customer.lang])
            if agent.profile.careless:
                text = self.habits(text, BOOKS[plan.customer.lang])
        if agent.profile.no_yo:
            text = text.replace("ё", "е")
        return text

    def customer_text(self, plan: Plan, text: str, written: bool = False) -> str:
        """``text`` as this customer writes it (lower case, no full stop, typos)."""
        customer = plan.customer
        if not text:
            return text
        if customer.no_yo:
            text = text.replace("ё", "е")
        if plan.channel in _SPOKEN and not written:
            return text
        if customer.casual:
            text = text[0].lower() + text[1:]
            if text.endswith(".") and not text.endswith("..."):
                text = text[:-1]
        if self.rng.random() < (0.12 if customer.casual else 0.04):
            text = self.typo(text, BOOKS[customer.lang])
        return text

    def habits(self, text: str, book: Phrasebook) -> str:
        """``text`` with the habitual misspellings of a careless writer, most of the time."""
        for right, wrong in book.habitual:
            if right in text and self.rng.random() < 0.7:
                text = text.replace(right, wrong)
        return text

    def typo(self, text: str, book: Phrasebook) -> str:
        """``text`` with one plausible misspelling."""
        rng = self.rng
        for right, wrong in book.misspellings:
            if right in text and rng.random() < 0.7:
                return text.replace(right, wrong, 1)
        words = text.split(" ")
        candidates = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
        if not candidates:
            return text
        index = rng.pick(candidates)
        word = words[index]
        at = rng.randrange(1, len(word) - 2)
        operation = rng.random()
        if operation < 0.4:
            word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        elif operation < 0.75:
            word = word[:at] + word[at + 1 :]
        else:
            word = word[:at] + word[at] + word[at:]
        words[index] = word
        return " ".join(words)

    # ------------------------------------------------------------- scripts

    def _handled(
        self,
        plan: Plan,
        book: Phrasebook,
        scenario: Scenario,
        slots: _Slots,
        spoken: bool,
    ) -> _Script:
        rng = self.rng
        choice = rng.pick
        script = _Script(self, plan, slots, spoken)
        visit = plan.channel == "visit"
        phone = spoken and not visit

        opening = choice(scenario.opening_negative if plan.negative else scenario.opening)
        if plan.repeat_of is not None and rng.random() < 0.7:
            opening = choice(book.repeat_prefix) + " " + opening
        if phone:
            if plan.greet and plan.intro:
                first = choice(book.open_call_full)
            elif plan.greet:
                first = choice(book.open_call_greet)
            elif plan.intro:
                first = choice(book.open_call_intro)
            else:
                first = choice(book.open_call_bare)
        elif plan.greet and plan.intro:
            first = choice(book.open_text_full)
        elif plan.greet:
            first = choice(book.open_text_greet)
        elif plan.intro:
            first = choice(book.open_text_intro)
        else:
            first = choice(book.open_text_bare)

        if spoken:
            # on the phone and at the desk the agent speaks first
            if phone and rng.random() < 0.5:
                opening = choice(book.customer_hello) + " " + opening
            script.agent(first)
            script.customer(opening)
            if rng.random() < 0.6:
                script.customer(choice(book.elaborate), _QUICK)
        else:
            if plan.bot_intro:
                script.bot(choice(book.bot_hello), _PRE)
                script.customer(choice(scenario.intent), _PRE)
                if rng.random() < 0.45:
                    script.bot(choice(book.bot_try), _PRE)
                    script.customer(choice(book.ask_human), _PRE)
                script.bot(choice(book.bot_handoff), _PRE)
            script.customer(opening, _PRE)
            if rng.random() < 0.15:
                script.customer(choice(book.elaborate), _PRE)
            if plan.start - plan.arrive > 60 and rng.random() < 0.4:
                script.customer(choice(book.waiting), _PRE)
            if plan.channel != "social" and rng.random() < 0.6:
                script.system(choice(book.sys_joined))

        question = []
        if phone and rng.random() < 0.5:
            script.agent(choice(book.verify_ask))
            script.customer(choice(book.verify_answer))
        if plan.negative and plan.empathy:
            question.append(choice(book.empathy))
        if plan.ask:
            question.append(choice(scenario.need))
        if spoken:
            if question:
                script.agent(" ".join(question))
        elif question and rng.random() < 0.5:
            script.agent(" ".join([first, *question]))
        else:
            script.agent(first)
            if question:
                script.agent(" ".join(question), _QUICK)
        about_order = False
        if plan.ask:
            details = choice(scenario.details)
            about_order = "{order}" in details
            if phone and rng.random() < 0.3:
                script.customer(choice(book.customer_search))
                script.customer(details, _PAUSE)
            else:
                script.customer(details)
            if phone and about_order and rng.random() < 0.4:
                script.agent(choice(book.confirm_order))
                script.customer(choice(book.confirm_yes))

        if spoken:
            if plan.long_hold and not plan.hold_announced:
                script.agent(choice(book.hold_silent))
            else:
                script.agent(choice(book.hold_visit if visit else book.hold_call))
        elif plan.hold_announced:
            script.agent(choice(book.hold_text), script.follow())
        resume = (
            choice(book.hold_resume) + " " if plan.hold_announced and rng.random() < 0.5 else ""
        )
        if phone and rng.random() < 0.12:
            script.agent(choice(book.line_check), _HOLD)
            script.customer(choice(book.line_ok))
            script.agent(resume + choice(scenario.findings))
        else:
            script.agent(resume + choice(scenario.findings), _HOLD)

        status = plan.status
        second = plan.transfer_to if status == "transferred" else None
        if status == "resolved" and rng.random() < 0.65:
            script.agent(choice(scenario.done), _QUICK)
        if plan.upsell:
            script.agent(choice(book.upsell), _QUICK)
            script.customer(choice(book.no_more))
        if status == "unresolved":
            script.agent(choice(book.unresolved), script.follow())
        if second is None or not plan.transfer_continues:
            self._when(script, book, scenario, None)
        if plan.rude:
            script.customer(choice(book.customer_upset))
            script.agent(choice(book.rude))
        if plan.escalated:
            script.customer(choice(book.complaint_escalation))
            script.agent(choice(book.complaint_noted))
        if plan.promise:
            promises = book.promise_call if spoken else book.promise_text
            script.agent(choice(promises), script.follow())

        closer: Agent | None = None
        if second is not None:
            script.agent(choice(book.transfer), script.follow())
            if not plan.transfer_continues:
                if rng.random() < 0.5:
                    script.customer(choice(book.ack_good))
                script.system(choice(book.sys_transfer))
                return script
            script.customer(choice(book.ack_good))
            script.system(choice(book.sys_transfer))
            script.agent(choice(book.transfer_pickup), _HOLD, second)
            script.agent(choice(scenario.done), _QUICK, second)
            self._when(script, book, scenario, second)
            closer = second

        good = status != "unresolved" and not plan.rude
        script.customer(choice(book.ack_good if good else book.ack_bad))
        recap = phone and about_order and status == "resolved" and closer is None
        if recap and rng.random() < 0.35:
            script.agent(choice(book.recap))
        if plan.more_help:
            script.agent(choice(book.more_help), author=closer)
            script.customer(choice(book.no_more))
        final = []
        if plan.thanks:
            thanks = (
                book.thanks_visit if visit else book.thanks_call if spoken else book.thanks_text
            )
            final.append(choice(thanks))
        if plan.rating:
            rating = (
                book.rating_visit if visit else book.rating_call if spoken else book.rating_text
            )
            final.append(choice(rating))
        if final or rng.random() < 0.7:
            wish = choice(book.wish)
            if wish:
                final.append(wish)
        if not final and rng.random() < 0.5:
            final.append(choice(book.bare_close))
        if final:
            script.agent(" ".join(final), author=closer)
        if plan.channel in ("chat", "app") and rng.random() < 0.5:
            script.system(choice(book.sys_closed))
        return script

    def _when(
        self, script: _Script, book: Phrasebook, scenario: Scenario, author: Agent | None
    ) -> None:
        """The customer asks "when?" and gets a date, or only a vague "soon"."""
        plan = script.plan
        if not plan.when_q:
            return
        choice = self.rng.pick
        answers = book.pending_specific if plan.status == "unresolved" else scenario.specific
        script.customer(choice(scenario.when))
        if plan.specific:
            script.agent(choice(answers), author=author)
            return
        script.agent(choice(book.vague), author=author)
        if self.rng.random() < 0.55:
            script.customer(choice(book.push_back))
            late_answer = self.rng.random() < 0.3
            script.agent(choice(answers if late_answer else book.vague), author=author)

    def _outbound(self, plan: Plan, book: Phrasebook, scenario: Scenario, slots: _Slots) -> _Script:
        rng = self.rng
        choice = rng.pick
        script = _Script(self, plan, slots, True)
        if plan.kind == "callback":
            script.agent(choice(book.outbound_callback))
            script.customer(choice(book.customer_ok_to_talk))
            script.agent(choice(scenario.findings))
            script.agent(choice(scenario.done), _QUICK)
            if rng.random() < 0.6:
                script.customer(choice(scenario.when))
                script.agent(choice(scenario.specific) if plan.specific else choice(book.vague))
        else:
            script.agent(choice(book.outbound_proactive_open))
            script.customer(choice(book.customer_ok_to_talk))
            script.agent(choice(scenario.proactive))
        script.customer(choice(book.ack_good) if rng.random() < 0.8 else choice(book.ack_bad))
        if plan.more_help:
            script.agent(choice(book.more_help))
            script.customer(choice(book.no_more))
        final = [choice(book.thanks_call)] if plan.thanks else []
        final.append(choice(book.wish) or choice(book.bare_close))
        script.agent(" ".join(final))
        return script

    def _bot(self, plan: Plan, book: Phrasebook, scenario: Scenario, slots: _Slots) -> _Script:
        choice = self.rng.pick
        script = _Script(self, plan, slots, False)
        script.bot(choice(book.bot_hello))
        script.customer(choice(scenario.intent))
        script.bot(choice(scenario.bot_answer))
        if plan.status == "resolved":
            script.customer(choice(book.ack_good))
            script.bot(choice(book.bot_thanks))
        else:
            script.customer(choice(book.ask_human))
            script.bot(choice(book.bot_busy))
        return script

    def _abandoned(
        self, plan: Plan, book: Phrasebook, scenario: Scenario, slots: _Slots
    ) -> _Script:
        rng = self.rng
        script = _Script(self, plan, slots, False)
        if plan.bot_intro:
            script.bot(rng.pick(book.bot_hello), _PRE)
            script.bot(rng.pick(book.bot_handoff), _PRE)
        script.customer(
            rng.pick(scenario.opening_negative if plan.negative else scenario.opening), _PRE
        )
        if rng.random() < 0.5:
            script.customer(rng.pick(book.waiting), _PRE)
        script.system(rng.pick(book.sys_left), _PRE)
        return script

    def _email(
        self, plan: Plan, book: Phrasebook, scenario: Scenario, slots: _Slots
    ) -> tuple[list[Message], int]:
        rng = self.rng
        choice = rng.pick
        iso = self.clock.iso

        body = [choice(scenario.opening_negative if plan.negative else scenario.opening)]
        if plan.repeat_of is not None and rng.random() < 0.7:
            body.insert(0, choice(book.repeat_prefix))
        body.append(choice(scenario.details))
        if plan.when_q:
            body.append(choice(scenario.when))
        sign = choice(book.email_customer_sign)
        text = (" ".join(body) + ("\n\n" + sign if sign else "")).format_map(slots)
        messages: list[Message] = [
            {"role": "customer", "text": self.customer_text(plan, text), "at": iso(plan.arrive)}
        ]

        parts = []
        if plan.greet:
            parts.append("{greet}{nm}!")
        paragraph = []
        if plan.negative and plan.empathy:
            paragraph.append(choice(book.empathy))
        paragraph.append(choice(scenario.findings))
        if plan.status == "resolved":
            paragraph.append(choice(scenario.done))
        elif plan.status == "unresolved":
            paragraph.append(choice(book.unresolved))
        else:
            paragraph.append(choice(book.transfer_email))
        answers = book.pending_specific if plan.status != "resolved" else scenario.specific
        if plan.when_q:
            paragraph.append(choice(answers) if plan.specific else choice(book.vague))
        if plan.rude:
            paragraph.append(choice(book.rude))
        parts.append(" ".join(paragraph))
        closing = []
        if plan.more_help:
            closing.append(choice(book.email_more))
        if plan.thanks:
            closing.append(choice(book.email_thanks))
        if plan.rating:
            closing.append(choice(book.rating_text))
        if closing:
            parts.append(" ".join(closing))
        if plan.intro:
            parts.append(choice(book.email_signature))
        reply = "\n\n".join(parts).format_map(slots)
        messages.append(
            {"role": "agent", "text": self.agent_text(plan, reply), "at": iso(plan.start)}
        )
        moment = plan.start

        if rng.random() < (0.6 if not plan.specific or plan.status != "resolved" else 0.3):
            moment += 1200 + int(rng.expovariate(1 / 20_000))
            if plan.when_q and not plan.specific:
                answer = choice(book.push_back)
            else:
                answer = choice(book.ack_good if plan.status == "resolved" else book.ack_bad)
            messages.append(
                {
                    "role": "customer",
                    "text": self.customer_text(plan, answer.format_map(slots)),
                    "at": iso(moment),
                }
            )
            if rng.random() < 0.7:
                moment += self._email_follow_delay(plan)
                second = [choice(answers) if plan.specific else choice(book.vague)]
                if plan.more_help:
                    second.append(choice(book.email_more))
                if plan.intro:
                    second.append(choice(book.email_signature))
                text = "\n\n".join(second).format_map(slots)
                messages.append(
                    {"role": "agent", "text": self.agent_text(plan, text), "at": iso(moment)}
                )
        return messages, moment

    # -------------------------------------------------------------- timing

    def _email_follow_delay(self, plan: Plan) -> int:
        agent = plan.agent
        reply = agent.profile.reply if agent is not None else 25.0
        factor = 3.0 if plan.slow else 1.0
        return 300 + int(reply * 200 * factor * self.rng.lognormal(0.0, 0.6))

    def _time_text(self, plan: Plan, turns: list[Turn]) -> tuple[list[Message], int]:
        """Messages with ``at``; returns them and the end of the contact."""
        random = self.rng.random
        iso = self.clock.iso
        messages: list[Message] = []
        arrive = plan.arrive
        pre = 0
        while pre < len(turns) and turns[pre][2] == _PRE:
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
        gauss = self.rng.gauss
        moment = plan.start
        previous = "customer" if pre else ""
        for position in range(pre, len(turns)):
            role, text, cue, author = turns[position]
            if cue == _SYS:
                moment += int(random() * 3)
            elif role == "customer":
                moment += low + int(-log(1.0 - random()) * scale)
            elif role == "bot":
                moment += 1 + int(random() * 3)
            elif cue == _HOLD:
                moment += 40 + int(-log(1.0 - random()) * hold)
            elif cue == _QUICK or previous == "agent":
                moment += 3 + int(random() * 20)
            else:
                moment += 3 + int(reply * exp(gauss(0.0, 0.45)))
            if author is None:
                messages.append({"role": role, "text": text, "at": iso(moment)})
            else:
                messages.append(
                    {"role": role, "text": text, "at": iso(moment), "author_id": author.id}
                )
            if role != "system":
                previous = role
        ended = moment
        if plan.kind == "handled" and plan.channel in ("chat", "app"):
            ended += 5 + int(random() * 85)
        return messages, ended

    def _time_speech(self, plan: Plan, turns: list[Turn]) -> tuple[list[Message], float]:
        """Transcript segments with ``start``/``end``; returns them and the talk length."""
        random = self.rng.random
        speed = plan.agent.profile.speed if plan.agent is not None else 1.0
        interrupt = plan.interrupt
        asr = random() < 0.35
        messages: list[Message] = []
        previous_role = ""
        previous_start = 0.0
        previous_end = 0.3 + random() * 1.2
        for role, text, cue, author in turns:
            if cue == _SYS:
                continue
            pace = 0.38 + random() * 0.14
            if role == "agent":
                pace *= speed
            length = (text.count(" ") + 1) * pace + 0.4
            previous_length = previous_end - previous_start
            if cue == _PAUSE:
                begin = previous_end + 4.0 + random() * 12.0
            elif cue == _HOLD:
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
            message: Message = {
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
