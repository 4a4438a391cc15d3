"""Batches: validated records waiting for one transaction, and what an import knows.

A record is validated into a domain record and its content hash; records wait
in a :class:`Batch` until it is written in one transaction. :class:`ImportState`
is what one import carries from batch to batch (the workspace, its time zone,
the report) and what the batch being written changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import to_utc, zone
from kontrol.ingest.import_report import ImportReport
from kontrol.ingest.registry import SourceRecord
from kontrol.ingest.schema import (
    AgentRecord,
    InteractionRecord,
    OrderRecord,
    RecordError,
    SurveyRecord,
    WorkItemRecord,
    parse_record,
)
from kontrol.settings import current_settings


def validate_record(source: SourceRecord) -> tuple[object, str] | RecordError:
    """The record and its content hash, or why it is rejected."""
    if source.data is None:
        return RecordError(source.error or "unreadable record", source.field)
    try:
        record = parse_record(source.data)
    except RecordError as error:
        return error
    # The record's own text identifies its content: cheaper than re-serialising it.
    return record, hashlib.sha256(source.raw.encode("utf-8", "surrogatepass")).hexdigest()


def content_hash(data: dict[str, Any]) -> str:
    """The hash of a row's content, the same whatever order its keys come in."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Batch:
    """Records waiting for one transaction."""

    interactions: dict[tuple[str, str], tuple[InteractionRecord, str]] = field(default_factory=dict)
    surveys: dict[tuple[str, str], tuple[SurveyRecord, str]] = field(default_factory=dict)
    agents: dict[str, AgentRecord] = field(default_factory=dict)
    orders: dict[tuple[str, str], tuple[OrderRecord, str]] = field(default_factory=dict)
    work_items: dict[tuple[str, str], tuple[WorkItemRecord, str]] = field(default_factory=dict)
    rejects: list[tuple[SourceRecord, RecordError]] = field(default_factory=list)

    def size(self) -> int:
        """How many valid records wait."""
        return (
            len(self.interactions)
            + len(self.surveys)
            + len(self.agents)
            + len(self.orders)
            + len(self.work_items)
        )

    def holds(self, record: object) -> bool:
        """True when a record with the same key waits already (flush first: order matters)."""
        if isinstance(record, InteractionRecord):
            return (record.source, record.id) in self.interactions
        if isinstance(record, SurveyRecord):
            return (record.source or "", record.interaction_id) in self.surveys
        if isinstance(record, AgentRecord):
            return record.id in self.agents
        if isinstance(record, OrderRecord):
            return (record.source, record.id) in self.orders
        if isinstance(record, WorkItemRecord):
            return (record.source, record.id) in self.work_items
        return False

    def add(self, record: object, digest: str) -> None:
        """Let a valid record wait under its key (a later one replaces an earlier one)."""
        if isinstance(record, InteractionRecord):
            self.interactions[(record.source, record.id)] = (record, digest)
        elif isinstance(record, SurveyRecord):
            self.surveys[(record.source or "", record.interaction_id)] = (record, digest)
        elif isinstance(record, AgentRecord):
            self.agents[record.id] = record
        elif isinstance(record, OrderRecord):
            self.orders[(record.source, record.id)] = (record, digest)
        elif isinstance(record, WorkItemRecord):
            self.work_items[(record.source, record.id)] = (record, digest)


@dataclass
class ImportState:
    """What one import carries from batch to batch, and what the last batch changed."""

    workspace: Workspace
    file_label: str
    report: ImportReport = field(default_factory=lambda: ImportReport(files=1))
    # Effects (scoring, facts, alerts, routing) go to the effects backlog, written
    # in each batch's own transaction, instead of being published after it.
    defer_effects: bool = False
    # Otherwise the effects run right after each batch's commit, by this runner: the
    # batch's backlog rows are written claimed by it in the batch's transaction and
    # deleted once the effects ran, so a process killed between the two leaves them
    # to the drainers when the claim runs out (facts follow the stored records).
    effects_runner: str | None = None
    agent_teams: dict[str, str | None] = field(default_factory=dict)
    # The workspace's language (accounts/workspaces.py), loaded by the first interaction
    # batch: the language of an interaction that has no text to tell it and names none.
    language: str | None = None
    # The workspace's agents by their name (``None``: two share it) and the teams its
    # people are in (people page), loaded the first time a batch needs them.
    agents_by_name: dict[str, str | None] | None = None
    people_teams: dict[str, str] | None = None
    batch_id: int = 0
    open_rejects: bool = False
    # Whether a stored survey may wait for an interaction of this import.
    orphan_surveys: bool = True
    # Sources of the workspace's interactions, loaded when a survey without one needs it.
    sources: set[str] | None = None
    # Set while the whole import is one transaction (run_small).
    single: bool = False
    # What the batch being written changed, published once it is committed.
    changed_interactions: list[int] = field(default_factory=list)
    changed_surveys: set[int] = field(default_factory=set)
    changed_orders: list[int] = field(default_factory=list)
    changed_work_items: list[int] = field(default_factory=list)
    # How each interaction key of the last batch came out: imported, updated, unchanged.
    interaction_outcomes: dict[tuple[Any, ...], str] = field(default_factory=dict)
    # Mask personal data in message texts and survey comments at store time
    # (KONTROL_REDACT_PERSONAL_DATA; docs/privacy.md).
    redact: bool = field(default_factory=lambda: current_settings().redact_personal_data)
    # The workspace's time zone, for times given without one.
    local: tzinfo = field(init=False)

    def __post_init__(self) -> None:
        self.local = zone(self.workspace.timezone)

    def utc(self, value: Any) -> Any:
        """A record's time in UTC (``None`` stays ``None``)."""
        return None if value is None else to_utc(value, self.local)

    def count(self, inserted: int, updated: int, unchanged: int) -> None:
        """Add one write's outcome to the report."""
        self.report.imported += inserted
        self.report.updated += updated
        self.report.unchanged += unchanged
