"""Group commits for the ingest API: requests that arrive together are handled as one.

``EventBatcher`` publishes the events of concurrent ``wait=True`` requests in
one go; ``StoreBatcher`` writes the clean interaction requests that arrive
together in one transaction. Most of the cost is per SQL statement, not per
record (docs/benchmarks.md, "Ingest API").
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.events import Event, event_ids, publish
from kontrol.ingest.import_report import ImportReport
from kontrol.ingest.importing import import_interaction_groups
from kontrol.ingest.schema import InteractionRecord
from kontrol.settings import current_settings


class _Waiting(Protocol):
    """A request waiting in a group commit: done once its group was processed."""

    done: bool
    error: BaseException | None


W = TypeVar("W", bound=_Waiting)


class _GroupCommit(ABC, Generic[W]):
    """Leader and followers: requests that arrive together are processed as one group.

    The first request to find nobody working becomes the leader: it takes a
    group of the waiting requests (:meth:`_take`), processes it outside the
    lock (:meth:`_process`, which sets each one's outcome or ``error``) and
    wakes the others; those that came meanwhile wait and form the next group.
    Each request returns once its own group is done.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._waiting: list[W] = []
        self._busy = False

    def _run(self, ticket: W) -> None:
        with self._condition:
            self._waiting.append(ticket)
            while not ticket.done:
                if self._busy:
                    self._condition.wait()
                    continue
                self._busy = True
                group = self._take()
                self._condition.release()
                try:
                    self._process(group)
                finally:
                    self._condition.acquire()
                    self._busy = False
                    for taken in group:
                        taken.done = True
                    self._condition.notify_all()
        if ticket.error is not None:
            raise ticket.error

    def waiting(self) -> int:
        """How many requests wait for their group."""
        with self._condition:
            return len(self._waiting)

    @abstractmethod
    def _take(self) -> list[W]:
        """The next group, removed from ``_waiting`` (called under the lock)."""

    @abstractmethod
    def _process(self, group: Sequence[W]) -> None:
        """Do the group's work; set each request's outcome or ``error``."""


# At most this many record ids in the events of one batch of requests: far below
# the background threshold (so scoring stays inline) and small enough that the
# facts keep their rollups by group (metrics/rollups.SMALL_CHANGE).
EVENT_BATCH_IDS = 32


@dataclass(eq=False)
class _Ticket:
    """The events of one request, waiting to be published."""

    engine: Engine
    events: tuple[Event, ...]
    done: bool = False
    error: BaseException | None = None
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = sum(len(event_ids(event)) for event in self.events)


def _merged(tickets: Sequence[_Ticket]) -> list[tuple[Engine, Event]]:
    """One event per engine, workspace and kind, in the order the kinds first came."""
    ids: dict[tuple[Engine, type, int], set[int]] = {}
    for ticket in tickets:
        for event in ticket.events:
            ids.setdefault((ticket.engine, type(event), event.workspace_id), set()).update(
                event_ids(event)
            )
    return [
        (engine, kind(workspace_id, tuple(sorted(found))))
        for (engine, kind, workspace_id), found in ids.items()
    ]


class EventBatcher(_GroupCommit[_Ticket]):
    """Publishes the events of requests that arrive together in one go (group commit).

    The leader takes every waiting request's events (up to ``limit`` ids) and
    publishes them merged. Each request returns once its own events were
    published, so its score, KPI facts and alerts are in place when it is
    answered, exactly as when it runs alone. Subscribers recompute from what is stored, so merging
    the ids of several committed requests changes nothing but the cost. When a
    merged publish fails, each request's events are published alone again, so
    that only the request at fault sees the error.
    """

    def __init__(self, limit: int = EVENT_BATCH_IDS) -> None:
        super().__init__()
        self.limit = limit

    def publish(self, engine: Engine, events: Sequence[Event]) -> None:
        """Publish these events, together with those of concurrent requests."""
        ticket = _Ticket(engine, tuple(events))
        if ticket.size:
            self._run(ticket)

    def _process(self, group: Sequence[_Ticket]) -> None:
        _publish_batch(group)

    def _take(self) -> list[_Ticket]:
        # Never past the background threshold: merged requests must not send their
        # scoring to the job queue when each alone would have been scored at once.
        limit = min(self.limit, current_settings().background_threshold)
        batch = [self._waiting.pop(0)]
        total = batch[0].size
        while self._waiting and total + self._waiting[0].size <= limit:
            total += self._waiting[0].size
            batch.append(self._waiting.pop(0))
        return batch


def _publish_batch(batch: Sequence[_Ticket]) -> None:
    try:
        if len(batch) > 1:
            try:
                for engine, event in _merged(batch):
                    publish(engine, event)
                return
            except Exception:  # noqa: BLE001 - each request's own try below tells
                pass
        for ticket in batch:
            try:
                for event in ticket.events:
                    publish(ticket.engine, event)
            except Exception as error:  # noqa: BLE001 - raised in the request's thread
                ticket.error = error
    except BaseException as error:
        # Interrupted (the process is stopping): nobody in the batch may think it done.
        for ticket in batch:
            ticket.error = ticket.error or error
        raise


# At most this many interactions in one group commit of concurrent requests.
STORE_BATCH_RECORDS = 200


@dataclass(eq=False)
class _Store:
    """One request's valid interactions, waiting to be written with others'."""

    engine: Engine
    workspace: Workspace
    label: str
    records: list[tuple[InteractionRecord, str]]
    keys: frozenset[tuple[str, str]] = field(init=False)
    done: bool = False
    report: ImportReport | None = None
    error: BaseException | None = None

    def __post_init__(self) -> None:
        self.keys = frozenset((record.source, record.id) for record, _ in self.records)

    def joins(self, leader: _Store) -> bool:
        """Whether this request can be written in the leader's transaction."""
        return (
            self.engine is leader.engine
            and self.workspace.id == leader.workspace.id
            and self.label == leader.label
        )


class StoreBatcher(_GroupCommit[_Store]):
    """Writes the interactions of requests that arrive together in one transaction.

    The leader takes the waiting requests of its workspace and key (up to
    ``limit`` records, and never two with the same ``(source, id)``: a later
    one waits for the next group, so the order of updates is kept), writes
    them and their effects-backlog rows in one transaction, and wakes the
    others with their own counts. A group whose transaction fails is written
    again request by request, so only the request at fault sees the error.
    """

    def __init__(self, limit: int = STORE_BATCH_RECORDS) -> None:
        super().__init__()
        self.limit = limit

    def store(
        self,
        engine: Engine,
        workspace: Workspace,
        label: str,
        records: list[tuple[InteractionRecord, str]],
    ) -> ImportReport:
        """Store these records, in the same transaction as concurrent requests'."""
        ticket = _Store(engine, workspace, label, records)
        self._run(ticket)
        assert ticket.report is not None
        return ticket.report

    def _process(self, group: Sequence[_Store]) -> None:
        _store_group(group)

    def _take(self) -> list[_Store]:
        leader = self._waiting.pop(0)
        group = [leader]
        total = len(leader.records)
        keys = set(leader.keys)
        for ticket in list(self._waiting):
            if total + len(ticket.records) > self.limit:
                break
            if not ticket.joins(leader) or not keys.isdisjoint(ticket.keys):
                # Another workspace, or a later update of a record in this group:
                # a later group (so the updates of one record keep their order).
                keys.update(ticket.keys)
                continue
            self._waiting.remove(ticket)
            group.append(ticket)
            total += len(ticket.records)
            keys.update(ticket.keys)
        return group


def _store_group(group: Sequence[_Store]) -> None:
    leader = group[0]
    try:
        try:
            reports = import_interaction_groups(
                engine=leader.engine,
                workspace=leader.workspace,
                label=leader.label,
                groups=[ticket.records for ticket in group],
            )
            for ticket, report in zip(group, reports, strict=True):
                ticket.report = report
            return
        except Exception as error:  # noqa: BLE001 - each request's own try below tells
            if len(group) == 1:
                leader.error = error
                return
        for ticket in group:
            try:
                ticket.report = import_interaction_groups(
                    engine=ticket.engine,
                    workspace=ticket.workspace,
                    label=ticket.label,
                    groups=[ticket.records],
                )[0]
            except Exception as error:  # noqa: BLE001 - raised in the request's thread
                ticket.error = error
    except BaseException as error:
        # Interrupted (the process is stopping): nobody in the group may think it stored.
        for ticket in group:
            if ticket.report is None:
                ticket.error = ticket.error or error
        raise
