"""A small, hand-checkable set of interactions for the KPI tests (workspace in UTC).

Every expected value in the tests is worked out by hand from these records;
the comments say which record gives what.
"""

from __future__ import annotations

from typing import Any

from tests.factories import message


def msg(role: str, at: str, text: str = "…") -> dict[str, Any]:
    """A message whose words do not matter here, only its time."""
    return message(role, text, at)


AGENTS = [
    {"kind": "agent", "id": "a1", "name": "Анна", "team": "T1", "hourly_cost": 360},
    {"kind": "agent", "id": "a2", "name": "Борис", "team": "T2"},
]

INTERACTIONS: list[dict[str, Any]] = [
    # i1: chat, frt 40 s, aht 600 + 60 wrap, resolved, c1; cost given: 100.
    {
        "id": "i1",
        "channel": "chat",
        "queued_at": "2026-11-02T10:00:00Z",
        "started_at": "2026-11-02T10:00:40Z",
        "ended_at": "2026-11-02T10:10:40Z",
        "wrap_seconds": 60,
        "status": "resolved",
        "agent_id": "a1",
        "customer_id": "c1",
        "topic": "delivery",
        "cost": 100,
        "messages": [msg("customer", "2026-11-02T10:00:00Z"), msg("agent", "2026-11-02T10:00:40Z")],
        "survey": {"csat": 5, "nps": 10},
    },
    # i2: call of the same customer 3 days later, other topic: asa 30 s (misses 20 s), aht 300.
    {
        "id": "i2",
        "channel": "call",
        "queued_at": "2026-11-05T09:00:00Z",
        "started_at": "2026-11-05T09:00:30Z",
        "ended_at": "2026-11-05T09:05:30Z",
        "status": "resolved",
        "agent_id": "a2",
        "customer_id": "c1",
        "topic": "refund",
        "messages": [],
    },
    # i3: chat, frt 120 s (misses 60 s), aht 600, unresolved, c2; survey arrives later.
    {
        "id": "i3",
        "channel": "chat",
        "queued_at": "2026-11-03T12:00:00Z",
        "started_at": "2026-11-03T12:02:00Z",
        "ended_at": "2026-11-03T12:12:00Z",
        "status": "unresolved",
        "agent_id": "a1",
        "customer_id": "c2",
        "topic": "delivery",
        "messages": [msg("customer", "2026-11-03T12:00:00Z"), msg("agent", "2026-11-03T12:02:00Z")],
    },
    # i4: email of c2 nine days later (outside the 7-day window), frt 3600 s (within 4 h).
    {
        "id": "i4",
        "channel": "email",
        "queued_at": "2026-11-12T12:00:00Z",
        "started_at": "2026-11-12T13:00:00Z",
        "ended_at": "2026-11-12T13:00:00Z",
        "status": "resolved",
        "agent_id": "a2",
        "customer_id": "c2",
        "topic": "delivery",
        "messages": [msg("customer", "2026-11-12T12:00:00Z"), msg("agent", "2026-11-12T13:00:00Z")],
    },
    # i5: outbound call to c1: never a repeat contact, never handled.
    {
        "id": "i5",
        "channel": "call",
        "direction": "outbound",
        "started_at": "2026-11-06T15:00:00Z",
        "ended_at": "2026-11-06T15:02:00Z",
        "status": "resolved",
        "agent_id": "a2",
        "customer_id": "c1",
        "topic": "delivery",
        "messages": [],
    },
    # i6, i7: case K1 of c3, resolved, then re-opened ten days later: i6 is not FCR.
    {
        "id": "i6",
        "channel": "chat",
        "queued_at": "2026-11-10T10:00:00Z",
        "started_at": "2026-11-10T10:00:30Z",
        "ended_at": "2026-11-10T10:05:30Z",
        "status": "resolved",
        "case_id": "K1",
        "agent_id": "a1",
        "customer_id": "c3",
        "topic": "billing",
        "messages": [msg("customer", "2026-11-10T10:00:00Z"), msg("agent", "2026-11-10T10:00:30Z")],
    },
    {
        "id": "i7",
        "channel": "chat",
        "queued_at": "2026-11-20T10:00:00Z",
        "started_at": "2026-11-20T10:00:10Z",
        "ended_at": "2026-11-20T10:02:10Z",
        "status": "resolved",
        "case_id": "K1",
        "agent_id": "a1",
        "customer_id": "c3",
        "topic": "billing",
        "messages": [msg("customer", "2026-11-20T10:00:00Z"), msg("agent", "2026-11-20T10:00:10Z")],
    },
    # i8: only a bot answered: not handled (bots are never agents).
    {
        "id": "i8",
        "channel": "chat",
        "started_at": "2026-11-08T10:00:00Z",
        "ended_at": "2026-11-08T10:01:00Z",
        "status": "resolved",
        "customer_id": "c4",
        "messages": [msg("customer", "2026-11-08T10:00:00Z"), msg("bot", "2026-11-08T10:00:01Z")],
    },
    # i9: abandoned call.
    {
        "id": "i9",
        "channel": "call",
        "queued_at": "2026-11-04T08:00:00Z",
        "started_at": "2026-11-04T08:01:00Z",
        "status": "abandoned",
        "customer_id": "c5",
        "messages": [],
    },
    # i10: the agent's message is earlier than the customer's: no frt, a data warning;
    # tagged complaint; aht 180.
    {
        "id": "i10",
        "channel": "chat",
        "started_at": "2026-11-07T10:00:00Z",
        "ended_at": "2026-11-07T10:03:00Z",
        "status": "resolved",
        "agent_id": "a2",
        "customer_id": "c6",
        "topic": "delivery",
        "tags": ["complaint"],
        "messages": [msg("agent", "2026-11-07T10:00:00Z"), msg("customer", "2026-11-07T10:00:30Z")],
    },
]

LATE_SURVEY = {"kind": "survey", "interaction_id": "i3", "csat": 2, "nps": 5}

ORDERS = [
    {"kind": "order", "id": "o1", "customer_id": "c1", "at": "2026-10-05T12:00:00Z", "amount": 100},
    {"kind": "order", "id": "o2", "customer_id": "c1", "at": "2026-11-03T12:00:00Z", "amount": 200},
    {"kind": "order", "id": "o3", "customer_id": "c2", "at": "2026-10-10T12:00:00Z", "amount": 50},
    {"kind": "order", "id": "o4", "customer_id": "c3", "at": "2026-11-15T12:00:00Z", "amount": 70},
    {"kind": "order", "id": "o5", "customer_id": "c3", "at": "2026-11-20T12:00:00Z", "amount": 30},
]
