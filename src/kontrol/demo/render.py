"""Rendering pass of the demo generator: a plan becomes a FORMAT.md interaction.

The plan says what happens (greeting or not, a vague answer, a rude reply, a
long unannounced hold...); ``demo/dialogues.py`` picks the words from the
phrasebook of the customer's language, ``demo/timing.py`` lays the messages out
in time (``at`` for text channels, ``start``/``end`` seconds for spoken ones),
and this module makes the record: people, status, cost, survey.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kontrol.demo import dialogues
from kontrol.demo.clock import LocalClock
from kontrol.demo.dice import Dice
from kontrol.demo.people import Agent
from kontrol.demo.phrasebook import Phrasebook, Scenario
from kontrol.demo.plans import BOOKS, DAY, SOURCE, Plan
from kontrol.demo.script import MessageRecord, Slots
from kontrol.demo.timing import time_speech, time_text

_SPOKEN = frozenset({"call", "visit"})
# share of an agent's time one text conversation takes: agents run several at once
_CHAT_SHARE = {"chat": 0.4, "app": 0.4, "messenger": 0.3, "social": 0.3}
_TELEPHONY_PER_MINUTE = 1.8


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

    # ------------------------------------------------------------- records

    def render(
        self, plan: Plan, interaction_id: str
    ) -> tuple[dict[str, Any], tuple[int, dict[str, Any]] | None]:
        """The interaction record, and a separate survey record with its time, if any."""
        book = BOOKS[plan.customer.lang]
        scenarios = book.topics[plan.topic]
        scenario = scenarios[plan.episode.scenario % len(scenarios)]
        slots = self._slots(plan, book)
        messages, ended = self._conversation(plan, scenario, slots)
        record = self._record(plan, interaction_id, messages, ended)
        late = self._survey(plan, interaction_id, record, slots, ended)
        return record, late

    def _conversation(
        self, plan: Plan, scenario: Scenario, slots: Slots
    ) -> tuple[list[MessageRecord], int]:
        """The messages of the contact, timed, and when it ended."""
        channel = plan.channel
        spoken = channel in _SPOKEN
        if plan.kind == "abandoned":
            if channel == "call":
                return [], plan.start
            script = dialogues.abandoned(self, plan, scenario, slots)
            return time_text(self.rng, self.clock, plan, script.turns)
        if plan.kind == "no_answer":
            return [], plan.start + self.rng.between(20, 45)
        if plan.kind == "bot":
            script = dialogues.bot_only(self, plan, scenario, slots)
            return time_text(self.rng, self.clock, plan, script.turns)
        if channel == "email":
            return dialogues.email(self, plan, scenario, slots)
        if plan.kind in ("callback", "proactive"):
            script = dialogues.outbound(self, plan, scenario, slots)
        else:
            script = dialogues.handled(self, plan, scenario, slots, spoken)
        if spoken:
            messages, length = time_speech(self.rng, plan, script.turns)
            return messages, plan.start + int(length) + self.rng.between(1, 5)
        return time_text(self.rng, self.clock, plan, script.turns)

    def _record(
        self, plan: Plan, interaction_id: str, messages: list[MessageRecord], ended: int
    ) -> dict[str, Any]:
        """The interaction record in FORMAT.md's field order, without its survey."""
        iso = self.clock.iso
        customer = plan.customer
        agent = plan.agent
        channel = plan.channel
        record: dict[str, Any] = {"id": interaction_id, "source": SOURCE, "channel": channel}
        if plan.kind in ("callback", "proactive", "no_answer"):
            record["direction"] = "outbound"
        else:
            record["queued_at"] = iso(plan.arrive)
        record["started_at"] = iso(plan.start)
        record["ended_at"] = iso(ended)
        wrap = 0
        if agent is not None and plan.kind != "no_answer":
            wrap = int(agent.profile.wrap * self.rng.lognormal(0.0, 0.45)) + 5
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
        return record

    def _survey(
        self, plan: Plan, interaction_id: str, record: dict[str, Any], slots: Slots, ended: int
    ) -> tuple[int, dict[str, Any]] | None:
        """The customer's survey: inside ``record``, or returned as a late record of its own."""
        if plan.survey is None:
            return None
        rng = self.rng
        iso = self.clock.iso
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
            return answered, separate
        if rng.random() < 0.85:
            answers["at"] = iso(ended + rng.between(20, 1800))
        record["survey"] = answers
        return None

    def _slots(self, plan: Plan, book: Phrasebook) -> Slots:
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
        slots = Slots(agents)
        slots.update(person)
        slots["order"] = plan.episode.order_no
        slots["nm"] = f", {customer.first}" if plan.use_name and plan.name_known else ""
        slots.renderer = self
        slots.plan = plan
        slots.book = book
        return slots

    def slot(self, slots: Slots, key: str) -> str:
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

    def _cost(
        self, plan: Plan, ended: int, wrap: int, messages: list[MessageRecord]
    ) -> float | None:
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
