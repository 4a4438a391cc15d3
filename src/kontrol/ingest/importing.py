"""Importing: validate, upsert by ``(source, id)``, keep the rejects (files or API).

One transaction per batch of records. A file that cannot be read at all raises
:class:`~kontrol.domain.errors.Unreadable`; a bad record is rejected with its
file, line and field and stored in ``import_rejects``; everything else lands.
Batches and their validation are in :mod:`kontrol.ingest.batches`, writing them
in :mod:`kontrol.ingest.storing`, the report in :mod:`kontrol.ingest.import_report`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sqlalchemy import Connection, Engine, select, update

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import KontrolError, Unreadable
from kontrol.events import (
    Event,
    InteractionsStored,
    OrdersStored,
    SurveysStored,
    WorkItemsStored,
    publish,
)
from kontrol.ingest import effects_backlog
from kontrol.ingest.batches import Batch, ImportState, validate_record
from kontrol.ingest.files import unreadable
from kontrol.ingest.import_report import REPORT_REJECTS, ImportReport, Reject
from kontrol.ingest.registry import Importer, SourceRecord, get_importer, importer_for
from kontrol.ingest.schema import InteractionRecord, RecordError
from kontrol.ingest.storing import write_batch
from kontrol.jobs.backends import runner_name
from kontrol.store.database import hold_write_lock
from kontrol.store.tables import import_batches, import_rejects, surveys
from kontrol.store.upsert import is_write_conflict

BATCH_SIZE = 1000
# How many records pass between two calls of an import's progress callback.
PROGRESS_EVERY = 200
# How often a batch is written again after colliding with a concurrent import.
FLUSH_ATTEMPTS = 5


class DamagedFile(Unreadable):
    """A file that stopped being readable part-way (a truncated ``.gz``).

    The records read before the damage are stored; ``report`` counts them.
    """

    def __init__(self, cause: Unreadable, report: ImportReport) -> None:
        super().__init__(
            str(cause),
            key=cause.key,
            params=cause.params,
            where_key=cause.where_key,
            where_params=cause.where_params,
        )
        self.report = report


class ImportFailed(Exception):
    """An import stopped by an unexpected error (a plugin's bug, the database gone).

    ``report`` counts what the batches committed before it stored; the error
    itself is the ``__cause__``.
    """

    def __init__(self, file: str, report: ImportReport) -> None:
        super().__init__(f"{file}: the import stopped unexpectedly")
        self.file = file
        self.report = report


class FileImport:
    """Writes one file's records into one workspace."""

    def __init__(
        self,
        connection_source: Engine,
        workspace: Workspace,
        file_label: str,
        publish_events: Callable[[list[Event]], None] | None = None,
        *,
        defer_effects: bool = False,
    ) -> None:
        self.engine = connection_source
        # Who tells the subscribers; the ingest API batches concurrent requests' events.
        self.publish_events = publish_events
        self.state = ImportState(workspace, file_label, defer_effects=defer_effects)
        # Told (records read, line of the last one) as the file is read (the import page).
        self.on_progress: Callable[[int, int], None] | None = None
        # Told the id of the import_batches row once it is committed.
        self.on_opened: Callable[[int], None] | None = None
        if not defer_effects:
            self.state.effects_runner = runner_name(f"import-{uuid.uuid4().hex[:12]}")

    @property
    def report(self) -> ImportReport:
        """What the import did so far."""
        return self.state.report

    # -- flushing --------------------------------------------------------

    def flush(self, batch: Batch) -> None:
        """Write one batch in one transaction.

        Imports may run side by side (API requests, several web processes): when
        another one commits a row with the same key first, the unique index
        refuses ours; the batch is then written again from the start, and finds
        that row stored (PostgreSQL; SQLite lets one writer in at a time).
        """
        if not batch.size() and not batch.rejects:
            return
        counts = (self.report.imported, self.report.updated, self.report.unchanged)
        for attempt in range(1, FLUSH_ATTEMPTS + 1):
            try:
                with self.engine.begin() as connection:
                    write_batch(connection, self.state, batch)
                break
            except Exception as error:
                # The batch was rolled back: the report counts only what is stored.
                self.report.imported, self.report.updated, self.report.unchanged = counts
                if attempt == FLUSH_ATTEMPTS or not is_write_conflict(error):
                    raise
        self._publish()

    def _publish(self) -> None:
        """Tell subscribers what the committed batch changed."""
        state = self.state
        if state.defer_effects:
            effects_backlog.wake_drainers()  # the rows were committed with the batch
            return
        workspace_id = state.workspace.id
        events: list[Event] = [
            InteractionsStored(workspace_id, tuple(state.changed_interactions)),
            SurveysStored(workspace_id, tuple(sorted(state.changed_surveys))),
            OrdersStored(workspace_id, tuple(state.changed_orders)),
            WorkItemsStored(workspace_id, tuple(state.changed_work_items)),
        ]
        if self.publish_events is not None:
            self.publish_events(events)
        else:
            for event in events:
                publish(self.engine, event)
        if state.effects_runner is not None:
            effects_backlog.release(self.engine, state.effects_runner)

    # -- the loop --------------------------------------------------------

    def run(self, importer: Importer, path: Path) -> ImportReport:
        """Read ``path`` with ``importer`` and write everything it holds.

        Raises :class:`DamagedFile` when the file breaks off part-way and
        :class:`ImportFailed` on any error that is not the input's fault.
        """
        try:
            return self.run_records(importer.read(path), importer.name)
        except KontrolError:
            raise
        except Exception as error:
            raise ImportFailed(self.state.file_label, self.report) from error

    def run_records(self, records: Iterable[SourceRecord], importer_name: str) -> ImportReport:
        """Validate and write ``records`` (from a file, or from memory for the API)."""
        with self.engine.begin() as connection:
            self.open(connection, importer_name)
        if self.on_opened is not None:
            self.on_opened(self.state.batch_id)
        batch = Batch()
        read = 0
        line = 0
        try:
            for source in records:
                read, line = read + 1, source.line
                if self.on_progress is not None and read % PROGRESS_EVERY == 0:
                    self.on_progress(read, line)
                record_or_error = validate_record(source)
                if isinstance(record_or_error, RecordError):
                    self._reject(batch, source, record_or_error)
                else:
                    record, digest = record_or_error
                    if batch.holds(record):
                        self.flush(batch)
                        batch = Batch()
                    batch.add(record, digest)
                if batch.size() + len(batch.rejects) >= BATCH_SIZE:
                    self.flush(batch)
                    batch = Batch()
        except Unreadable as error:
            # A file damaged half-way (a truncated .gz): what was read lands, the
            # import is recorded, and the caller learns both.
            self.flush(batch)
            self._finish()
            if self.on_progress is not None:
                self.on_progress(read, line)
            raise DamagedFile(error, self.report) from None
        self.flush(batch)
        self._finish()
        if self.on_progress is not None:
            self.on_progress(read, line)
        return self.report

    def run_small(self, records: Sequence[SourceRecord], importer_name: str) -> ImportReport:
        """Records that fit one batch, written in a single transaction (the API's path).

        The same steps as :meth:`run_records` with one commit instead of three:
        a request of one interaction costs one round of the write-ahead log.
        The ``import_batches`` row, which rejects hang on, is written only when
        there are rejects: hundreds of clean API requests a second leave none.
        """
        checked = [(source, validate_record(source)) for source in records]
        batch = Batch()
        for _, outcome in checked:
            if not isinstance(outcome, RecordError):
                if batch.holds(outcome[0]):
                    # The same key twice in one request: written in order, batch by batch.
                    return self.run_records(records, importer_name)
                batch.add(*outcome)
        for source, outcome in checked:
            if isinstance(outcome, RecordError):
                self._reject(batch, source, outcome)
        counts = (self.report.imported, self.report.updated, self.report.unchanged)
        for attempt in range(1, FLUSH_ATTEMPTS + 1):
            try:
                with self.engine.begin() as connection:
                    self.open(connection, importer_name, record=bool(batch.rejects))
                    self.state.single = True
                    write_batch(connection, self.state, batch)
                    if self.state.batch_id:
                        self._finish_in(connection)
                break
            except Exception as error:
                if attempt == FLUSH_ATTEMPTS or not is_write_conflict(error):
                    raise
                self.report.imported, self.report.updated, self.report.unchanged = counts
        self._publish()
        return self.report

    def open(self, connection: Connection, importer_name: str, *, record: bool = True) -> None:
        """Record the import's start (unless ``record`` is false); learn what the
        workspace holds that matters."""
        state = self.state
        if not record:
            state.batch_id = 0  # no batch row
            # Take SQLite's write lock first, as inserting the row would: a read
            # first could not be upgraded to a write once another writer had committed.
            hold_write_lock(connection)
        else:
            self._insert_batch(connection, importer_name)
        workspace_id = state.workspace.id
        orphans = (
            select(surveys.c.id)
            .where(surveys.c.workspace_id == workspace_id, surveys.c.interaction_id.is_(None))
            .limit(1)
            .exists()
        )
        rejects_open = (
            select(import_rejects.c.id)
            .where(
                import_rejects.c.workspace_id == workspace_id,
                import_rejects.c.resolved_at.is_(None),
            )
            .limit(1)
            .exists()
        )
        found = connection.execute(select(orphans, rejects_open)).one()
        state.orphan_surveys, state.open_rejects = bool(found[0]), bool(found[1])

    def _insert_batch(self, connection: Connection, importer_name: str) -> None:
        self.state.batch_id = int(
            connection.execute(
                import_batches.insert().values(
                    workspace_id=self.state.workspace.id,
                    file=self.state.file_label,
                    importer=importer_name[:50],
                    started_at=utcnow(),
                    imported=0,
                    updated=0,
                    unchanged=0,
                    rejected=0,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )

    def _reject(self, batch: Batch, source: SourceRecord, error: RecordError) -> None:
        batch.rejects.append((source, error))
        self.report.rejected += 1
        if len(self.report.rejects) < REPORT_REJECTS:
            self.report.rejects.append(
                Reject(self.state.file_label, source.line, str(error), error.field)
            )

    def _finish(self) -> None:
        with self.engine.begin() as connection:
            self._finish_in(connection)

    def _finish_in(self, connection: Connection) -> None:
        connection.execute(
            update(import_batches)
            .where(import_batches.c.id == self.state.batch_id)
            .values(
                finished_at=utcnow(),
                imported=self.report.imported,
                updated=self.report.updated,
                unchanged=self.report.unchanged,
                rejected=self.report.rejected,
            )
        )


def import_interaction_groups(
    *,
    engine: Engine,
    workspace: Workspace,
    label: str,
    groups: Sequence[Sequence[tuple[InteractionRecord, str]]],
) -> list[ImportReport]:
    """Several requests' valid interactions in one transaction; a report per request.

    The ingest API's group commit: no two records may share a ``(source, id)``
    (the caller keeps such requests for a later group). Effects go to the
    effects backlog in the same transaction. Raises when the transaction fails;
    the caller then stores each request alone, so only the one at fault fails.
    """
    job = FileImport(engine, workspace, label, defer_effects=True)
    batch = Batch()
    for group in groups:
        for record, digest in group:
            key = (record.source, record.id)
            if key in batch.interactions:
                raise ValueError(f"{key}: the same interaction twice in one group")
            batch.interactions[key] = (record, digest)
    for attempt in range(1, FLUSH_ATTEMPTS + 1):
        try:
            with engine.begin() as connection:
                job.open(connection, "api", record=False)
                job.state.single = True
                write_batch(connection, job.state, batch)
            break
        except Exception as error:
            if attempt == FLUSH_ATTEMPTS or not is_write_conflict(error):
                raise
    effects_backlog.wake_drainers()
    reports = []
    for group in groups:
        report = ImportReport(files=1)
        for record, _ in group:
            outcome = job.state.interaction_outcomes[(record.source, record.id)]
            if outcome == "imported":
                report.imported += 1
            elif outcome == "updated":
                report.updated += 1
            else:
                report.unchanged += 1
        reports.append(report)
    return reports


def import_file(
    *,
    engine: Engine,
    workspace: Workspace,
    path: Path,
    format_name: str | None = None,
    label: str | None = None,
    publish_events: Callable[[list[Event]], None] | None = None,
    importer: Importer | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one file into ``workspace``.

    ``importer`` is a reader already set up (a CSV importer with a column
    mapping); else ``format_name`` names one, else the file's name chooses.
    ``on_progress`` is told (records read, line) as the file is read and
    ``on_batch`` the id of the ``import_batches`` row once it exists.

    Raises ``Unreadable`` when it cannot be read (:class:`DamagedFile`, with the
    report of what was stored, when it breaks off part-way) and
    :class:`ImportFailed` when the import stops for any other reason.

    ``publish_events`` receives the events of each committed batch instead of the
    subscribers (:class:`~kontrol.ingest.held_effects.HeldEffects` holds them).
    """
    if importer is None:
        importer = get_importer(format_name) if format_name else importer_for(path)
    if not path.exists():
        raise unreadable(path, "ingest.error.no_file")
    job = FileImport(engine, workspace, label or str(path), publish_events)
    job.on_progress = on_progress
    job.on_opened = on_batch
    return job.run(importer, path)


def import_records(
    *,
    engine: Engine,
    workspace: Workspace,
    records: Iterable[SourceRecord],
    label: str,
    importer: str = "api",
    publish_events: Callable[[list[Event]], None] | None = None,
    defer_effects: bool = False,
) -> ImportReport:
    """Import records held in memory (the ingest API): the same path as a file.

    ``label`` stands where a file name would (``api:<key name>``) and each
    record's ``line`` is its index in the request; rejects are stored alike.
    ``publish_events`` replaces ``events.publish`` for the committed batches' events;
    ``defer_effects`` leaves them to the effects backlog instead.
    """
    job = FileImport(engine, workspace, label, publish_events, defer_effects=defer_effects)
    if isinstance(records, Sequence) and len(records) <= BATCH_SIZE:
        return job.run_small(records, importer)
    return job.run_records(records, importer)
