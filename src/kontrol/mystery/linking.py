"""Linking shops of our own to their interactions as the interactions arrive.

The subscriber runs after every committed import batch (``kontrol.subscribers``
entry point ``50_mystery``): each own shop of the last ``LOOKBACK`` still
without its interaction is matched again (same channel, the shopper's contact
as the customer, started within the link window of the shop).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from kontrol.domain.clock import utcnow
from kontrol.events import InteractionsStored, subscriber
from kontrol.mystery.submissions import link_submission, unlinked_own_shops

LOOKBACK = timedelta(days=180)


@subscriber(InteractionsStored)
def link_stored_interactions(engine: Engine, event: InteractionsStored) -> None:
    """Match waiting own shops against the workspace's interactions (one transaction)."""
    with engine.begin() as connection:
        waiting = unlinked_own_shops(connection, event.workspace_id, since=utcnow() - LOOKBACK)
        for submission_id in waiting:
            link_submission(connection, event.workspace_id, submission_id)
