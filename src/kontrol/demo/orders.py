"""The demo shop's orders: each customer orders at their own rate; a bad experience may end it.

A customer whose first bad contact (rudeness, a low rating, a complaint left
unsolved) is followed, seven times in ten, by no more orders: the link between
quality and sales the dashboards show.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from math import exp, log
from typing import TYPE_CHECKING, Any

from kontrol.demo.plans import DAY, SOURCE, Plan, price_tag

if TYPE_CHECKING:
    # Only for annotations: the orders follow the planner's customers and linked orders.
    from kontrol.demo.planning import Planner


def place_orders(planner: Planner, plans: Sequence[Plan]) -> list[tuple[int, dict[str, Any]]]:
    """Order records with their epoch times, in time order; churned customers stop."""
    rng = planner.rng
    # the first bad experience of each customer: rudeness, a low rating, a complaint
    # left unresolved; plans are in time order, so the first one found is the earliest
    bad_at: dict[int, int] = {}
    for plan in plans:
        if plan.agent is None or plan.customer.index in bad_at:
            continue
        low_rating = plan.survey is not None and plan.survey.get("csat", 5) <= 2
        open_complaint = "complaint" in plan.tags and plan.status != "resolved"
        if plan.rude or low_rating or open_complaint:
            bad_at[plan.customer.index] = plan.start
    churned_after = {index: moment + DAY for index, moment in bad_at.items() if rng.random() < 0.7}
    span_days = (planner.period_end - planner.period_start) / DAY
    random = rng.random
    hours = planner.hours["text"]
    day_starts = planner.day_starts
    events: list[tuple[int, int]] = list(planner.linked_orders)
    for customer in planner.customers:
        if customer.order_rate <= 0:
            continue
        mean_gap = 91.0 / customer.order_rate
        offset = -log(1.0 - random()) * mean_gap
        while offset < span_days:
            hour = bisect.bisect_right(hours, random() * hours[-1])
            moment = day_starts[int(offset)] + hour * 3600 + int(random() * 3600)
            events.append((moment, customer.index))
            offset += -log(1.0 - random()) * mean_gap
    events.sort()
    iso = planner.clock.iso
    gauss = rng.gauss
    customers = planner.customers
    orders = []
    number = 0
    for ts, index in events:
        limit = churned_after.get(index)
        if limit is not None and ts > limit:
            continue
        customer = customers[index]
        number += 1
        amount = price_tag(customer.basket * exp(gauss(0.0, 0.45)))
        record = {
            "kind": "order",
            "id": f"o-{number:06d}",
            "source": SOURCE,
            "customer_id": customer.id,
            "at": iso(ts),
            "amount": float(amount),
        }
        orders.append((ts, record))
    return orders
