"""How big the demo is: the tests' small world and the 60-seat centre of ``kontrol demo``.

The tests are written against the small one (ten agents, 400 contacts over three
months) and ask for it explicitly; ``kontrol demo`` and ``make run`` load the
centre, so a person trying Kontrol sees about thirty agents in four teams over
six months (docs/ux.md, "The demo").
"""

from __future__ import annotations

from dataclasses import dataclass

from kontrol.demo.people import AGENTS, CENTRE_AGENTS, TEAM_CHAT, Agent
from kontrol.demo.rates import RUSSIAN_SHARE


@dataclass(frozen=True)
class DemoSize:
    """The roster and the volume of one demo size."""

    name: str
    agents: tuple[Agent, ...]
    interactions: int
    """Contacts generated when no count is given."""
    days: int
    """Local days of data before the last day."""
    russian_share: float
    """Share of the customers (and so of the contacts) who write in Russian."""
    leads: tuple[tuple[str, str, str], ...] = ()
    """Team leads beyond the demo's three: (username, display name, team)."""
    team_work: bool = False
    """Reviews, disputes and coaching over every team (else only the demo agent's story)."""
    recordings: int = 8
    """Calls with a generated recording the player plays (one per agent at most)."""


SMALL = DemoSize("small", AGENTS, interactions=400, days=91, russian_share=RUSSIAN_SHARE)
# About 2,000 contacts a month: the generator and the import with its checks load
# them in a couple of minutes on a laptop (docs/ux.md, "The demo"). The English desk is
# a small one in a Russian centre.
CENTRE = DemoSize(
    "centre",
    CENTRE_AGENTS,
    interactions=12_000,
    days=183,
    russian_share=0.88,
    leads=(("lead-chat", "Марина Кравец, «Чаты и соцсети»", TEAM_CHAT),),
    team_work=True,
    recordings=20,
)
SIZES = {size.name: size for size in (SMALL, CENTRE)}
