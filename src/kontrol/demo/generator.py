"""A seeded, reproducible generator of realistic demo data (spec/FORMAT.md records).

Planning (``planning.py``) decides who contacts whom, when and how it goes;
rendering (``render.py``) puts each plan into words and timestamps; this module
streams the records in time order. One ``random.Random(seed)`` drives
everything and nothing reads the clock, so the same arguments always give
byte-identical output.
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kontrol.demo.clock import LocalClock
from kontrol.demo.dice import Dice
from kontrol.demo.orders import place_orders
from kontrol.demo.planning import Planner
from kontrol.demo.render import Renderer
from kontrol.demo.sizes import SMALL, DemoSize

DEFAULT_END = date(2026, 11, 20)


def generate(
    *,
    seed: int = 42,
    interactions: int | None = None,
    end: date | None = None,
    days: int | None = None,
    timezone: str = "Europe/Moscow",
    size: DemoSize = SMALL,
) -> Iterator[dict[str, Any]]:
    """Yield FORMAT.md records: agent records first (kind "agent"), then interactions (no
    "kind" key) in started_at order, with some surveys as separate later records (kind
    "survey", with interaction_id), and orders (kind "order").

    Separate surveys and orders are interleaved with the interactions by their own time.
    The data covers the ``days`` local days before ``end`` (default 2026-11-20, a fixed
    date so that the output is reproducible). ``size`` gives the agents and, unless
    ``interactions`` or ``days`` say otherwise, the volume (the small size: 400 contacts
    over 91 days). Raises ``ValueError`` on a negative count, fewer than one day or an
    unknown time zone.
    """
    interactions = size.interactions if interactions is None else interactions
    days = size.days if days is None else days
    if interactions < 0:
        raise ValueError("interactions must not be negative")
    if days < 1:
        raise ValueError("days must be at least 1")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone!r}") from None
    return _records(seed, interactions, end or DEFAULT_END, days, zone, size)


def _records(
    seed: int, count: int, end: date, days: int, zone: ZoneInfo, size: DemoSize
) -> Iterator[dict[str, Any]]:
    for agent in size.agents:
        yield {
            "kind": "agent",
            "id": agent.id,
            "name": agent.name,
            "team": agent.team,
            "hired_at": (end - timedelta(days=agent.hired_days_before_end)).isoformat(),
            "hourly_cost": agent.hourly_cost,
        }
    rng = Dice(seed)
    clock = LocalClock(zone)
    # Planning builds hundreds of thousands of long-lived, acyclic objects in one go (no
    # yield in between); the cyclic collector would only rescan them again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        planner = Planner(rng, clock, count, end, days, size)
        plans = planner.plan()
        orders = place_orders(planner, plans)
    finally:
        if collecting:
            gc.enable()
    renderer = Renderer(rng, clock, planner.period_end)

    # Surveys answered later wait in a heap until the stream reaches their time.
    late: list[tuple[int, int, dict[str, Any]]] = []
    next_order = 0
    for number, plan in enumerate(plans, start=1):
        record, survey = renderer.render(plan, f"demo-{number:06d}")
        while True:
            order_at = orders[next_order][0] if next_order < len(orders) else None
            survey_at = late[0][0] if late else None
            if (
                order_at is not None
                and order_at <= plan.start
                and (survey_at is None or order_at <= survey_at)
            ):
                yield orders[next_order][1]
                next_order += 1
            elif survey_at is not None and survey_at <= plan.start:
                yield heapq.heappop(late)[2]
            else:
                break
        yield record
        if survey is not None:
            heapq.heappush(late, (survey[0], number, survey[1]))
    while next_order < len(orders) or late:
        if late and (next_order >= len(orders) or late[0][0] < orders[next_order][0]):
            yield heapq.heappop(late)[2]
        else:
            yield orders[next_order][1]
            next_order += 1
