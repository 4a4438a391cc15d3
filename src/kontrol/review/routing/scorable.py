"""Which interactions a reviewer can score: those a scorecard fits.

The review form (review/scoring_form.py) scores an interaction with the
scorecard of its newest automatic evaluation, else with an active scorecard
that applies to its channel and language. An interaction with neither (a
self-service session when no scorecard covers that channel) cannot be scored:
routing leaves it out of the queues, assignment gives it to nobody, and the
reviewer's "start" and "next" pass over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, select

from kontrol.checks.scorecards import active_scorecards
from kontrol.store.tables import evaluations, interactions

CHUNK = 400


def scorable(connection: Connection, workspace_id: int, interaction_ids: Iterable[int]) -> set[int]:
    """The interactions among ``interaction_ids`` a reviewer can score (the rest: none fits)."""
    ids: Sequence[int] = sorted(set(interaction_ids))
    if not ids:
        return set()
    cards = [card.scorecard for card in active_scorecards(connection, workspace_id)]
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        found.update(
            connection.execute(
                select(evaluations.c.interaction_id)
                .where(evaluations.c.interaction_id.in_(part), evaluations.c.kind == "auto")
                .distinct()
            ).scalars()
        )
        rows = connection.execute(
            select(interactions.c.id, interactions.c.channel, interactions.c.language).where(
                interactions.c.workspace_id == workspace_id, interactions.c.id.in_(part)
            )
        )
        for interaction_id, channel, language in rows:
            if interaction_id not in found and any(
                card.applies_to(channel, language) for card in cards
            ):
                found.add(interaction_id)
    return found
