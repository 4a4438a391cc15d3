"""The effects of an import into a temporary database, run in this process at its end.

``kontrol score FILE`` and ``kontrol kpi FILE`` import into a temporary SQLite
database that no worker sees: a batch handed to the job queue there is never
scored. They hold every batch's events until the last record is stored, then
call every subscriber here (scoring, facts), none through the queue. Run after
the whole file, each interaction is scored knowing all of it (a later call to
the same customer, for ``promise_kept``), as in a database once its queued
scoring has run or after ``kontrol rescore``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine

from kontrol.events import (
    EndNotes,
    Event,
    InteractionsStored,
    event_ids,
    finish,
    merge_notes,
    notes_for_end,
    publish,
)
from kontrol.store.database import make_engine

# Interactions handed to the subscribers at a time: small enough for a progress bar
# that moves, large enough that scoring keeps its batched statements.
CHUNK = 200


class FileProgress(Protocol):
    """Told how far an import with held effects is (a progress bar on the terminal)."""

    def stored(self, interactions: int) -> None:
        """``interactions`` stored so far (the total is not known while reading)."""

    def processed(self, done: int, total: int) -> None:
        """``done`` of the ``total`` stored interactions went through the subscribers."""


@dataclass
class HeldEffects:
    """Events of committed batches, held; :meth:`release` publishes them inline."""

    progress: FileProgress | None = None
    events: list[Event] = field(default_factory=list)
    interactions: int = 0

    def hold(self, events: list[Event]) -> None:
        """Keep a batch's events (the ``publish_events`` of an import)."""
        for event in events:
            if not event_ids(event):
                continue
            self.events.append(event)
            if isinstance(event, InteractionsStored):
                self.interactions += len(event.interaction_ids)
        if self.progress is not None:
            self.progress.stored(self.interactions)

    def release(self, engine: Engine) -> None:
        """Call every subscriber of the held events, in their order, in this process."""
        done = 0
        # Nobody reads this database meanwhile: what subscribers may do once for the
        # whole file (the KPI rollups) waits for the end.
        with notes_for_end() as notes:
            for event in self._chunks():
                publish(engine, event, inline=True)
                if isinstance(event, InteractionsStored):
                    done += len(event.interaction_ids)
                    if self.progress is not None:
                        self.progress.processed(done, self.interactions)
        finish(engine, notes)
        self.events.clear()

    def release_in_processes(self, engine: Engine, url: str, processes: int) -> None:
        """As :meth:`release`, the interactions' chunks shared out to ``processes``
        processes on the database at ``url`` (a file: SQLite lets one writer in at
        a time, but the checks, most of the cost, run side by side).

        Every subscriber recomputes from what is stored, so the order in which the
        chunks finish changes nothing; the other events follow in this process once
        every chunk is done (their facts then see every complaint the checks found).
        """
        chunks = [event for event in self._chunks() if isinstance(event, InteractionsStored)]
        others = [event for event in self.events if not isinstance(event, InteractionsStored)]
        done = 0
        engine.dispose()  # no connection of this process is shared with the children
        context = multiprocessing.get_context("spawn")
        with notes_for_end() as notes:
            with ProcessPoolExecutor(
                processes, mp_context=context, initializer=_open_child, initargs=(url,)
            ) as pool:
                for count, theirs in pool.map(_publish_in_child, chunks):
                    merge_notes(notes, theirs)
                    done += count
                    if self.progress is not None:
                        self.progress.processed(done, self.interactions)
            for event in others:
                publish(engine, event, inline=True)
        finish(engine, notes)
        self.events.clear()

    def _chunks(self) -> Iterator[Event]:
        for event in self.events:
            if not isinstance(event, InteractionsStored):
                yield event
                continue
            ids = event.interaction_ids
            for start in range(0, len(ids), CHUNK):
                yield InteractionsStored(event.workspace_id, ids[start : start + CHUNK])


# The engine of a child process of :meth:`HeldEffects.release_in_processes`.
_child_engine: list[Engine] = []


def _open_child(url: str) -> None:
    _child_engine[:] = [make_engine(url)]


def _publish_in_child(event: InteractionsStored) -> tuple[int, EndNotes]:
    # What waits for the end (the rollups) is done once, by the parent.
    with notes_for_end() as notes:
        publish(_child_engine[0], event, inline=True)
    return len(event.interaction_ids), notes
