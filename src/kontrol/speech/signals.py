"""Audio figures into the interaction's signals (docs/speech.md).

The checks compute ``talk_ratio``, ``silence_ratio`` and ``overlaps`` from timed
transcript segments. A call with a measured stereo recording but no timed
transcript gets them from its audio instead: after each scoring (the checks
leave them empty) and whenever a recording is measured.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from kontrol.events import InteractionsScored, subscriber
from kontrol.store.tables import interaction_signals, speech_recordings


def audio_signals(figures: dict[str, Any]) -> dict[str, Any]:
    """The signals a recording's figures give; empty without two channels' roles."""
    if figures.get("talk_ratio") is None or figures.get("overlaps") is None:
        return {}
    return {
        "talk_ratio": figures["talk_ratio"],
        "silence_ratio": figures["silence_ratio"],
        "overlaps": len(figures["overlaps"]),
    }


def fill_signals(connection: Connection, workspace_id: int, interaction_ids: Iterable[int]) -> int:
    """Fill empty talk/silence/overlap signals from measured recordings; how many."""
    ids = list(interaction_ids)
    if not ids:
        return 0
    rows = connection.execute(
        select(speech_recordings.c.interaction_id, speech_recordings.c.figures)
        .join(
            interaction_signals,
            interaction_signals.c.interaction_id == speech_recordings.c.interaction_id,
        )
        .where(
            speech_recordings.c.workspace_id == workspace_id,
            speech_recordings.c.interaction_id.in_(ids),
            speech_recordings.c.figures.is_not(None),
            interaction_signals.c.talk_ratio.is_(None),
        )
    ).all()
    filled = 0
    for row in rows:
        values = audio_signals(row.figures)
        if values:
            connection.execute(
                update(interaction_signals)
                .where(interaction_signals.c.interaction_id == row.interaction_id)
                .values(**values)
            )
            filled += 1
    return filled


@subscriber(InteractionsScored)
def signals_from_audio(engine: Engine, event: InteractionsScored) -> None:
    """After scoring: calls without a timed transcript take their signals from the audio."""
    with engine.begin() as connection:
        for start in range(0, len(event.interaction_ids), 500):
            fill_signals(connection, event.workspace_id, event.interaction_ids[start : start + 500])
