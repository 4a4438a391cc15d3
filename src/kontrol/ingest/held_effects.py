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

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine

from kontrol.events import Event, InteractionsStored, event_ids, publish

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
        for event in self._chunks():
            publish(engine, event, inline=True)
            if isinstance(event, InteractionsStored):
                done += len(event.interaction_ids)
                if self.progress is not None:
                    self.progress.processed(done, self.interactions)
        self.events.clear()

    def _chunks(self) -> Iterator[Event]:
        for event in self.events:
            if not isinstance(event, InteractionsStored):
                yield event
                continue
            ids = event.interaction_ids
            for start in range(0, len(ids), CHUNK):
                yield InteractionsStored(event.workspace_id, ids[start : start + CHUNK])
