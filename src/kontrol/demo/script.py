"""The script of one demo conversation: its turns, worded for the plan's people.

A turn carries a cue saying how it is timed against the turn before it
(``demo/timing.py`` lays the turns out in time); the slots fill the phrases'
placeholders, the costly ones worked out on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kontrol.demo.people import Agent
from kontrol.demo.phrasebook import Phrasebook
from kontrol.demo.plans import BOOKS, Plan

if TYPE_CHECKING:
    # Only for annotations: the renderer builds scripts, so it imports this module.
    from kontrol.demo.render import Renderer

# Turn cues: how a turn is timed relative to the one before it.
PRE = 0  # before an agent took the contact (customer and bot)
SAY = 1  # an answer to the other side
QUICK = 2  # the same speaker goes on
HOLD = 3  # the agent comes back after checking something
SYS = 4  # a system event
PAUSE = 5  # the customer comes back after looking something up

Turn = tuple[str, str, int, Agent | None]
MessageRecord = dict[str, Any]


class Slots(dict[str, str]):
    """Slot values for one interaction; the costly ones are worked out on first use."""

    __slots__ = ("book", "plan", "renderer")
    renderer: Renderer
    plan: Plan
    book: Phrasebook

    def __missing__(self, key: str) -> str:
        value = self.renderer.slot(self, key)
        self[key] = value
        return value


class Script:
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

    def __init__(self, renderer: Renderer, plan: Plan, slots: Slots, spoken: bool):
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

    def agent(self, text: str, cue: int = SAY, author: Agent | None = None) -> None:
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

    def customer(self, text: str, cue: int = SAY) -> None:
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

    def bot(self, text: str, cue: int = SAY) -> None:
        self._add(("bot", text.format_map(self.slots), cue, None))

    def system(self, text: str, cue: int = SYS) -> None:
        if not self.spoken:
            self._add(("system", text.format_map(self.slots), cue, None))

    def follow(self) -> int:
        """The cue for an agent turn: quick when the agent spoke last."""
        return QUICK if self.turns and self.turns[-1][0] == "agent" else SAY
