"""Interactions and orders for the analysis tests."""

from __future__ import annotations

from typing import Any

from tests.factories import exchange, interaction_record


def contact(
    external_id: str,
    *,
    started: str,
    text: str,
    topic: str | None = None,
    customer: str = "c1",
    agent: str | None = "a1",
    csat: int | None = None,
    channel: str = "chat",
    **fields: Any,
) -> dict[str, Any]:
    """A handled chat (unless told otherwise) with the customer's words ``text``."""
    return interaction_record(
        external_id,
        started=started,
        channel=channel,
        customer=customer,
        agent_id=agent,
        team="L1" if agent else None,
        topic=topic,
        status="resolved",
        ended_at=started.replace(":00+00:00", ":05+00:00"),
        messages=exchange(text, "Здравствуйте! Сейчас помогу.", at=started),
        survey=None if csat is None else {"csat": csat},
        **fields,
    )


def order(external_id: str, customer: str, at: str, amount: float) -> dict[str, Any]:
    """A FORMAT.md order record."""
    return {"kind": "order", "id": external_id, "customer_id": customer, "at": at, "amount": amount}
