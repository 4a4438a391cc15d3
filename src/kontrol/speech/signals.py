"""Audio figures into the interaction's signals and call checks (docs/speech.md).

The checks compute ``talk_ratio``, ``silence_ratio`` and ``overlaps`` from timed
transcript segments. A call with a measured stereo recording but no timed
transcript gets them from its audio instead: after each scoring (the checks
leave them empty) and whenever a recording is measured.

The same calls give the checks their measured turns (:data:`AUDIO`, registered
in the ``kontrol.audio_sources`` entry-point group): ``no_interruption`` and
``hold_announced`` read them in the scoring pass, so verdicts, failures and
automatic evaluations agree. A recording measured after its call was scored has
the call scored again (:func:`rescore_if_untimed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from kontrol.checks.audio import AudioTurns
from kontrol.events import InteractionsScored, subscriber
from kontrol.jobs import enqueue
from kontrol.store.tables import interaction_signals, messages, speech_recordings


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


def turns_of(figures: dict[str, Any]) -> AudioTurns | None:
    """The agent's and customer's turns of a stereo recording's figures; else ``None``."""
    speakers = {s["role"]: s for s in figures.get("speakers", [])}
    agent, customer = speakers.get("agent"), speakers.get("customer")
    if agent is None or customer is None:
        return None
    return AudioTurns(
        agent=tuple((float(a), float(b)) for a, b in agent["turns"]),
        customer=tuple((float(a), float(b)) for a, b in customer["turns"]),
        duration=float(figures.get("duration") or 0.0),
    )


def measured_turns(
    connection: Connection, workspace_id: int, interaction_ids: Sequence[int]
) -> dict[int, AudioTurns]:
    """The checks' audio source: turns of these calls' measured stereo recordings."""
    found: dict[int, AudioTurns] = {}
    ids = list(interaction_ids)
    for start in range(0, len(ids), 500):
        rows = connection.execute(
            select(speech_recordings.c.interaction_id, speech_recordings.c.figures).where(
                speech_recordings.c.workspace_id == workspace_id,
                speech_recordings.c.interaction_id.in_(ids[start : start + 500]),
                speech_recordings.c.figures.is_not(None),
            )
        )
        for row in rows:
            turns = turns_of(row.figures)
            if turns is not None:
                found[row.interaction_id] = turns
    return found


# Registered through the ``kontrol.audio_sources`` entry point (pyproject.toml).
AUDIO = measured_turns


def rescore_if_untimed(connection: Connection, workspace_id: int, interaction_id: int) -> bool:
    """Queue the call's scoring again (after the commit) if it has no timed transcript:
    its call checks read the turns just measured. Whether it was queued."""
    starts = connection.execute(
        select(messages.c.start_s).where(
            messages.c.interaction_id == interaction_id,
            messages.c.role.in_(("agent", "customer")),
        )
    ).scalars()
    spoken = list(starts)
    if spoken and all(start is not None for start in spoken):
        return False  # timed segments: the checks read them, not the audio
    enqueue(
        connection.engine,
        "speech.publish",
        connection=connection,
        workspace_id=workspace_id,
        interaction_id=interaction_id,
    )
    return True
