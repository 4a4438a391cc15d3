"""Importing: validate, upsert by ``(source, id)``, keep the rejects (files or API).

One transaction per batch of records. A file that cannot be read at all raises
:class:`~kontrol.domain.errors.Unreadable`; a bad record is rejected with its
file, line and field and stored in ``import_rejects``; everything else lands.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, tuple_, update

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import to_utc, utcnow, zone
from kontrol.domain.errors import Unreadable
from kontrol.domain.vocabulary import COMPLAINT_TAG
from kontrol.events import (
    Event,
    InteractionsStored,
    OrdersStored,
    SurveysStored,
    publish,
)
from kontrol.ingest import effects_backlog
from kontrol.ingest.effects_backlog import queue_effects
from kontrol.ingest.registry import Importer, SourceRecord, get_importer, importer_for
from kontrol.ingest.schema import (
    AgentRecord,
    InteractionRecord,
    OrderRecord,
    RecordError,
    SurveyAnswers,
    SurveyRecord,
    parse_record,
)
from kontrol.store.database import hold_write_lock
from kontrol.store.tables import (
    agents,
    import_batches,
    import_rejects,
    interactions,
    messages,
    orders,
    surveys,
)
from kontrol.store.upsert import UpsertResult, bulk_insert, is_write_conflict, upsert

BATCH_SIZE = 1000
# How often a batch is written again after colliding with a concurrent import.
FLUSH_ATTEMPTS = 5
MESSAGE_COLUMNS = ("interaction_id", "seq", "role", "text", "at", "start_s", "end_s", "author_id")
# How many rejects one report lists; all of them are stored in the database.
REPORT_REJECTS = 1000


@dataclass(frozen=True)
class Reject:
    """A record that was not imported, and why."""

    file: str
    line: int
    error: str
    field: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The shape ``kontrol import --json`` prints."""
        return {"file": self.file, "line": self.line, "error": self.error}


@dataclass
class ImportReport:
    """What an import did."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    files: int = 0

    def as_json(self) -> dict[str, Any]:
        """The one JSON object ``kontrol import --json`` prints."""
        return {
            "imported": self.imported,
            "updated": self.updated,
            "rejected": self.rejected,
            "rejects": [reject.as_json() for reject in self.rejects],
        }

    def add(self, other: ImportReport) -> None:
        """Fold the report of one more file into this one."""
        self.imported += other.imported
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        room = REPORT_REJECTS - len(self.rejects)
        self.rejects.extend(other.rejects[: max(room, 0)])
        self.files += other.files


_SURVEY_FIELDS = ("at", "csat", "nps", "ces", "comment")


def _reject_key(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(record_source, record_id)`` under which a reject is closed by a fixed record.

    Interactions use their own ``(source, id)``; the other kinds get a prefixed
    source so that an order ``o-1`` never closes the reject of interaction ``o-1``.
    A survey is known by the interaction it rates; ``*`` stands for "no source given".
    """

    def text(name: str) -> str | None:
        value = data.get(name)
        return value if isinstance(value, str) and value else None

    kind = data.get("kind", "interaction")
    if kind == "agent":
        return ("agent", text("id")) if text("id") else (None, None)
    if kind == "survey":
        target = text("interaction_id")
        return (f"survey:{text('source') or '*'}"[:100], target) if target else (None, None)
    record_id = text("id")
    if record_id is None:
        return None, None
    source = text("source") or "import"
    if kind == "order":
        return f"order:{source}"[:100], record_id
    return source[:100], record_id


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _hash(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class _Batch:
    """Records waiting for one transaction."""

    interactions: dict[tuple[str, str], tuple[InteractionRecord, str]] = field(default_factory=dict)
    surveys: dict[tuple[str, str], tuple[SurveyRecord, str]] = field(default_factory=dict)
    agents: dict[str, AgentRecord] = field(default_factory=dict)
    orders: dict[tuple[str, str], tuple[OrderRecord, str]] = field(default_factory=dict)
    rejects: list[tuple[SourceRecord, RecordError]] = field(default_factory=list)

    def size(self) -> int:
        return len(self.interactions) + len(self.surveys) + len(self.agents) + len(self.orders)

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
        return False


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
        # Effects (scoring, facts, alerts, routing) go to the effects backlog, written
        # in each batch's own transaction, instead of being published after it.
        self.defer_effects = defer_effects
        # How each interaction key of the last batch came out: imported, updated, unchanged.
        self.interaction_outcomes: dict[tuple[Any, ...], str] = {}
        # Who tells the subscribers; the ingest API batches concurrent requests' events.
        self.publish_events = publish_events
        self.workspace = workspace
        self.local: tzinfo = zone(workspace.timezone)
        self.file_label = file_label
        self.report = ImportReport(files=1)
        self.agent_teams: dict[str, str | None] = {}
        self.batch_id = 0
        self.open_rejects = False
        # Whether a stored survey may wait for an interaction of this import.
        self.orphan_surveys = True
        # Sources of the workspace's interactions, loaded when a survey without one needs it.
        self.sources: set[str] | None = None
        # Set while the whole import is one transaction (run_small).
        self.single = False
        # What the batch being flushed changed, published once it is committed.
        self.changed_interactions: list[int] = []
        self.changed_surveys: set[int] = set()
        self.changed_orders: list[int] = []

    # -- records -> rows -------------------------------------------------

    def _time(self, value: Any) -> Any:
        return None if value is None else to_utc(value, self.local)

    def _interaction_row(self, record: InteractionRecord, digest: str) -> dict[str, Any]:
        now = utcnow()
        meta = dict(record.meta)
        meta.update(record.extras())
        team = record.team
        if team is None and record.agent_id is not None:
            team = self.agent_teams.get(record.agent_id)
        return {
            "workspace_id": self.workspace.id,
            "source": record.source,
            "external_id": record.id,
            "channel": record.channel.value,
            "direction": record.direction.value,
            "queued_at": self._time(record.queued_at),
            "started_at": self._time(record.started_at),
            "ended_at": self._time(record.ended_at),
            "wrap_seconds": record.wrap_seconds,
            "status": record.status.value if record.status else None,
            "case_id": record.case_id,
            "agent_external_id": record.agent_id,
            "agent_name": record.agent_name,
            "team": team,
            "customer_id": record.customer_id,
            "customer_name": record.customer_name,
            "language": record.language,
            "topic": record.topic,
            "tags": list(record.tags),
            "is_complaint": COMPLAINT_TAG in record.tags,
            "cost": record.cost,
            "recording": record.recording,
            "meta": meta,
            "message_count": len(record.messages),
            "content_hash": digest,
            "imported_at": now,
            "updated_at": now,
        }

    def _message_rows(
        self, interaction_id: int, record: InteractionRecord
    ) -> Iterator[tuple[Any, ...]]:
        """Rows in ``MESSAGE_COLUMNS`` order."""
        for seq, message in enumerate(record.messages):
            yield (
                interaction_id,
                seq,
                message.role.value,
                message.text,
                None if message.at is None else to_utc(message.at, self.local),
                message.start,
                message.end,
                message.author_id,
            )

    def _survey_row(
        self, source: str, interaction_external_id: str, answers: SurveyAnswers, digest: str
    ) -> dict[str, Any]:
        return {
            "workspace_id": self.workspace.id,
            "source": source,
            "interaction_external_id": interaction_external_id,
            "interaction_id": None,
            "at": self._time(answers.at),
            "csat": answers.csat,
            "nps": answers.nps,
            "ces": answers.ces,
            "comment": answers.comment,
            "content_hash": digest,
            "updated_at": utcnow(),
        }

    # -- flushing --------------------------------------------------------

    def flush(self, batch: _Batch) -> None:
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
                self._flush_once(batch)
                break
            except Exception as error:
                if attempt == FLUSH_ATTEMPTS or not is_write_conflict(error):
                    raise
                self.report.imported, self.report.updated, self.report.unchanged = counts
        self._publish()

    def _publish(self) -> None:
        """Tell subscribers what the committed batch changed."""
        if self.defer_effects:
            effects_backlog.wake()  # the rows were committed with the batch
            return
        workspace_id = self.workspace.id
        events: list[Event] = [
            InteractionsStored(workspace_id, tuple(self.changed_interactions)),
            SurveysStored(workspace_id, tuple(sorted(self.changed_surveys))),
            OrdersStored(workspace_id, tuple(self.changed_orders)),
        ]
        if self.publish_events is not None:
            self.publish_events(events)
            return
        for event in events:
            publish(self.engine, event)

    def _flush_once(self, batch: _Batch) -> None:
        with self.engine.begin() as connection:
            self._write(connection, batch)

    def _write(self, connection: Connection, batch: _Batch) -> None:
        """Write one batch inside the caller's transaction."""
        self.changed_interactions, self.changed_surveys, self.changed_orders = [], set(), []
        self.interaction_outcomes = {}
        # Hold SQLite's write lock from here on: new rows' ids are counted from
        # MAX(id) (store/upsert.py).
        hold_write_lock(connection)
        if connection.dialect.name == "postgresql":
            # psycopg prepares a statement run five times; PostgreSQL's generic
            # plan for "= ANY(array)" look-ups then scans the table (seen: 0.3 s
            # instead of 7 ms per batch on 100,000 rows).
            connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        if batch.agents:
            self._write_agents(connection, batch.agents)
        if batch.interactions:
            self._write_interactions(connection, batch.interactions)
        if batch.surveys:
            self._write_surveys(connection, batch.surveys)
        if batch.orders:
            self._write_orders(connection, batch.orders)
        if batch.rejects:
            self._write_rejects(connection, batch.rejects)
        if self.defer_effects:
            queue_effects(
                connection,
                self.workspace.id,
                interactions=self.changed_interactions,
                surveys=sorted(self.changed_surveys),
                orders=self.changed_orders,
            )
        if self.single:
            return  # _finish_in writes the counts in the same transaction
        connection.execute(
            update(import_batches)
            .where(import_batches.c.id == self.batch_id)
            .values(
                imported=self.report.imported,
                updated=self.report.updated,
                unchanged=self.report.unchanged,
                rejected=self.report.rejected,
            )
        )

    def _count(self, inserted: int, updated: int, unchanged: int) -> None:
        self.report.imported += inserted
        self.report.updated += updated
        self.report.unchanged += unchanged

    def _write_agents(self, connection: Connection, records: dict[str, AgentRecord]) -> None:
        rows = []
        for record in records.values():
            data = record.model_dump(mode="json", exclude_none=True)
            rows.append(
                {
                    "workspace_id": self.workspace.id,
                    "external_id": record.id,
                    "name": record.name,
                    "team": record.team,
                    "hired_at": self._time(record.hired_at),
                    "hourly_cost": record.hourly_cost,
                    "meta": record.extras(),
                    "content_hash": _hash(data),
                }
            )
            self.agent_teams[record.id] = record.team
        result = upsert(connection, agents, self.workspace.id, ["external_id"], rows)
        self._count(len(result.inserted), len(result.updated), len(result.unchanged))
        self._resolve_rejects(connection, [("agent", key[0]) for key in result.ids])

    def _ensure_agents(self, connection: Connection, rows: Iterable[dict[str, Any]]) -> None:
        """Agents named only on interactions become agent rows (without overwriting)."""
        missing: dict[str, dict[str, Any]] = {}
        for row in rows:
            agent_id = row["agent_external_id"]
            if agent_id is None or agent_id in self.agent_teams or agent_id in missing:
                continue
            missing[agent_id] = {
                "workspace_id": self.workspace.id,
                "external_id": agent_id,
                "name": row["agent_name"],
                "team": row["team"],
                "meta": {},
                "content_hash": None,
            }
        if not missing:
            return
        known = connection.execute(
            select(agents.c.external_id, agents.c.team).where(
                agents.c.workspace_id == self.workspace.id,
                agents.c.external_id.in_(list(missing)),
            )
        )
        for agent_id, team in known:
            self.agent_teams[agent_id] = team
            missing.pop(agent_id, None)
        if missing:
            connection.execute(agents.insert(), list(missing.values()))
            for agent_id, row in missing.items():
                self.agent_teams[agent_id] = row["team"]

    def _write_interactions(
        self,
        connection: Connection,
        records: dict[tuple[str, str], tuple[InteractionRecord, str]],
    ) -> None:
        rows = [self._interaction_row(record, digest) for record, digest in records.values()]
        self._ensure_agents(connection, rows)
        for row in rows:
            if row["team"] is None and row["agent_external_id"] is not None:
                row["team"] = self.agent_teams.get(row["agent_external_id"])
        result = upsert(
            connection,
            interactions,
            self.workspace.id,
            ["source", "external_id"],
            rows,
            insert_only=["imported_at"],
        )
        self.changed_interactions.extend(result.ids[k] for k in [*result.inserted, *result.updated])
        for outcome, keys in (
            ("imported", result.inserted),
            ("updated", result.updated),
            ("unchanged", result.unchanged),
        ):
            self.interaction_outcomes.update(dict.fromkeys(keys, outcome))
        if result.updated:
            connection.execute(
                messages.delete().where(
                    messages.c.interaction_id.in_([result.ids[k] for k in result.updated])
                )
            )
        message_rows: list[tuple[Any, ...]] = []
        survey_rows: dict[tuple[str, str], dict[str, Any]] = {}
        for key in [*result.inserted, *result.updated]:
            record, _ = records[key]
            message_rows.extend(self._message_rows(result.ids[key], record))
            if record.survey is not None:
                # The content hash of a survey is made after merging (_upsert_surveys).
                survey_rows[(record.source, record.id)] = self._survey_row(
                    record.source, record.id, record.survey, ""
                )
        bulk_insert(connection, messages, MESSAGE_COLUMNS, message_rows)
        if survey_rows:
            self._upsert_surveys(
                connection,
                list(survey_rows.values()),
                known=result.ids,
                fresh=set(result.inserted),
            )
        if result.inserted:
            if self.orphan_surveys:
                # Only when a survey waits for its interaction (or this import wrote one).
                self._link_orphan_surveys(connection, result.inserted, result.ids)
            if self.sources is not None:
                self.sources.update(key[0] for key in result.inserted)
        self._count(len(result.inserted), len(result.updated), len(result.unchanged))
        self._resolve_rejects(connection, [(key[0], key[1]) for key in result.ids])

    def _upsert_surveys(
        self,
        connection: Connection,
        rows: list[dict[str, Any]],
        *,
        known: dict[tuple[Any, ...], int] | None = None,
        fresh: set[tuple[Any, ...]] | None = None,
    ) -> UpsertResult:
        """Write surveys, merging into the one stored for the same interaction.

        A survey may come inline and again as its own record (an NPS answer that
        arrives a day later): the fields a record carries replace the stored
        ones, the fields it leaves out are kept.
        """
        keys = [(row["source"], row["interaction_external_id"]) for row in rows]
        # Interaction ids the caller just wrote need no look-up; nor do the stored
        # surveys of interactions created in this batch, unless a survey that
        # arrived before its interaction may be waiting.
        linked: dict[tuple[Any, ...], int] = dict(known or {})
        missing = [key for key in keys if key not in linked]
        if missing:
            linked.update(self._interaction_ids(connection, missing))
        new = fresh if fresh is not None and not self.orphan_surveys else set()
        stored = self._stored_surveys(connection, [key for key in keys if key not in new])
        for row, key in zip(rows, keys, strict=True):
            row["interaction_id"] = linked.get(key)
            previous = stored.get(key)
            if previous is not None:
                for name in _SURVEY_FIELDS:
                    if row[name] is None:
                        row[name] = previous[name]
            if row["interaction_id"] is None:
                self.orphan_surveys = True
            row["content_hash"] = _hash(
                {name: _jsonable(row[name]) for name in _SURVEY_FIELDS}
                | {"interaction_id": row["interaction_id"]}
            )
        result = upsert(
            connection, surveys, self.workspace.id, ["source", "interaction_external_id"], rows
        )
        changed = set(result.inserted) | set(result.updated)
        for row, key in zip(rows, keys, strict=True):
            if key in changed and row["interaction_id"] is not None:
                self.changed_surveys.add(row["interaction_id"])
        return result

    def _stored_surveys(
        self, connection: Connection, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(keys), 400):
            rows = connection.execute(
                select(surveys).where(
                    surveys.c.workspace_id == self.workspace.id,
                    tuple_(surveys.c.source, surveys.c.interaction_external_id).in_(
                        keys[start : start + 400]
                    ),
                )
            )
            for row in rows:
                found[(row.source, row.interaction_external_id)] = dict(row._mapping)
        return found

    def _interaction_ids(
        self, connection: Connection, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], int]:
        # By the full (source, external_id) key, so the unique index is used: an
        # external_id alone would scan the workspace's interactions on every batch.
        found: dict[tuple[str, str], int] = {}
        for start in range(0, len(keys), 400):
            rows = connection.execute(
                select(interactions.c.id, interactions.c.source, interactions.c.external_id).where(
                    interactions.c.workspace_id == self.workspace.id,
                    tuple_(interactions.c.source, interactions.c.external_id).in_(
                        keys[start : start + 400]
                    ),
                )
            )
            for row in rows:
                found[(row.source, row.external_id)] = row.id
        return found

    def _link_orphan_surveys(
        self,
        connection: Connection,
        inserted: list[tuple[Any, ...]],
        ids: dict[tuple[Any, ...], int],
    ) -> None:
        """Surveys that arrived before their interaction are linked when it lands."""
        links: list[dict[str, int]] = []
        for start in range(0, len(inserted), 400):
            rows = connection.execute(
                select(surveys.c.id, surveys.c.source, surveys.c.interaction_external_id).where(
                    surveys.c.workspace_id == self.workspace.id,
                    tuple_(surveys.c.source, surveys.c.interaction_external_id).in_(
                        inserted[start : start + 400]
                    ),
                    surveys.c.interaction_id.is_(None),
                )
            )
            for row in rows:
                target = ids.get((row.source, row.interaction_external_id))
                if target is not None:
                    links.append({"_id": row.id, "_target": target})
                    self.changed_surveys.add(target)
        if links:
            connection.execute(
                update(surveys)
                .where(surveys.c.id == bindparam("_id"))
                .values(interaction_id=bindparam("_target")),
                links,
            )

    def _write_surveys(
        self, connection: Connection, records: dict[tuple[str, str], tuple[SurveyRecord, str]]
    ) -> None:
        rows: list[dict[str, Any]] = []
        unsourced = [
            record.interaction_id for record, _ in records.values() if record.source is None
        ]
        sources = self._sources_of(connection, unsourced)
        for record, digest in records.values():
            source = record.source or sources.get(record.interaction_id, "import")
            rows.append(self._survey_row(source, record.interaction_id, record, digest))
        result = self._upsert_surveys(connection, rows)
        self._count(len(result.inserted), len(result.updated), len(result.unchanged))
        keys = [(f"survey:{source}"[:100], target) for source, target in result.ids]
        keys += [("survey:*", target) for _, target in result.ids]
        self._resolve_rejects(connection, keys)

    def _sources_of(self, connection: Connection, external_ids: list[str]) -> dict[str, str]:
        """For surveys without ``source``: the source of the interaction they name.

        Looked up under each source the workspace has (a handful), so that the
        unique ``(workspace_id, source, external_id)`` index serves every query.
        """
        if self.sources is None:
            self.sources = set(
                connection.execute(
                    select(interactions.c.source)
                    .where(interactions.c.workspace_id == self.workspace.id)
                    .distinct()
                ).scalars()
            )
        found: dict[str, tuple[int, str]] = {}
        candidates = [(source, ident) for ident in set(external_ids) for source in self.sources]
        for start in range(0, len(candidates), 400):
            rows = connection.execute(
                select(interactions.c.id, interactions.c.external_id, interactions.c.source).where(
                    interactions.c.workspace_id == self.workspace.id,
                    tuple_(interactions.c.source, interactions.c.external_id).in_(
                        candidates[start : start + 400]
                    ),
                )
            )
            for row_id, external_id, source in rows:
                # The interaction stored first wins when several sources use the id.
                if external_id not in found or row_id < found[external_id][0]:
                    found[external_id] = (row_id, source)
        return {external_id: source for external_id, (_, source) in found.items()}

    def _write_orders(
        self, connection: Connection, records: dict[tuple[str, str], tuple[OrderRecord, str]]
    ) -> None:
        rows = [
            {
                "workspace_id": self.workspace.id,
                "source": record.source,
                "external_id": record.id,
                "customer_id": record.customer_id,
                "at": self._time(record.at),
                "amount": record.amount,
                "meta": record.extras(),
                "content_hash": digest,
            }
            for record, digest in records.values()
        ]
        result = upsert(connection, orders, self.workspace.id, ["source", "external_id"], rows)
        self.changed_orders.extend(result.ids[k] for k in [*result.inserted, *result.updated])
        self._count(len(result.inserted), len(result.updated), len(result.unchanged))
        self._resolve_rejects(connection, [(f"order:{key[0]}"[:100], key[1]) for key in result.ids])

    def _write_rejects(
        self, connection: Connection, rejects: list[tuple[SourceRecord, RecordError]]
    ) -> None:
        now = utcnow()
        already = self._open_rejects_at(connection, [source.line for source, _ in rejects])
        rows = []
        for source, error in rejects:
            if (source.line, source.raw) in already:
                continue
            record_source, record_id = _reject_key(source.data or {})
            rows.append(
                {
                    "workspace_id": self.workspace.id,
                    "batch_id": self.batch_id,
                    "file": self.file_label,
                    "line": source.line,
                    "field": error.field,
                    "error": str(error),
                    "raw": source.raw,
                    "record_source": record_source,
                    "record_id": record_id[:200] if record_id else None,
                    "created_at": now,
                }
            )
        if rows:
            connection.execute(import_rejects.insert(), rows)

    def _open_rejects_at(self, connection: Connection, lines: list[int]) -> set[tuple[int, str]]:
        """Open rejects of this file at these lines: importing it again adds no twins."""
        if not self.open_rejects:
            return set()
        found: set[tuple[int, str]] = set()
        for start in range(0, len(lines), 400):
            rows = connection.execute(
                select(import_rejects.c.line, import_rejects.c.raw).where(
                    import_rejects.c.workspace_id == self.workspace.id,
                    import_rejects.c.file == self.file_label,
                    import_rejects.c.resolved_at.is_(None),
                    import_rejects.c.line.in_(lines[start : start + 400]),
                )
            )
            found.update((row.line, row.raw) for row in rows)
        return found

    def _resolve_rejects(self, connection: Connection, keys: list[tuple[Any, ...]]) -> None:
        """A record that lands closes the open rejects of the same record."""
        if not self.open_rejects or not keys:
            return
        for start in range(0, len(keys), 400):
            chunk = keys[start : start + 400]
            connection.execute(
                update(import_rejects)
                .where(
                    import_rejects.c.workspace_id == self.workspace.id,
                    import_rejects.c.resolved_at.is_(None),
                    import_rejects.c.batch_id != self.batch_id,
                    tuple_(import_rejects.c.record_source, import_rejects.c.record_id).in_(chunk),
                )
                .values(resolved_at=utcnow())
            )

    # -- the loop --------------------------------------------------------

    def run(self, importer: Importer, path: Path) -> ImportReport:
        """Read ``path`` with ``importer`` and write everything it holds."""
        return self.run_records(importer.read(path), importer.name)

    def run_records(self, records: Iterable[SourceRecord], importer_name: str) -> ImportReport:
        """Validate and write ``records`` (from a file, or from memory for the API)."""
        with self.engine.begin() as connection:
            self._open(connection, importer_name)
        batch = _Batch()
        try:
            for source in records:
                record_or_error = self._validate(source)
                if isinstance(record_or_error, RecordError):
                    self._reject(batch, source, record_or_error)
                else:
                    record, digest = record_or_error
                    if batch.holds(record):
                        self.flush(batch)
                        batch = _Batch()
                    self._add(batch, record, digest)
                if batch.size() + len(batch.rejects) >= BATCH_SIZE:
                    self.flush(batch)
                    batch = _Batch()
        except Unreadable:
            # A file damaged half-way (a truncated .gz): what was read lands, the
            # import is recorded, and the caller still learns the file is unreadable.
            self.flush(batch)
            self._finish()
            raise
        self.flush(batch)
        self._finish()
        return self.report

    def run_small(self, records: Sequence[SourceRecord], importer_name: str) -> ImportReport:
        """Records that fit one batch, written in a single transaction (the API's path).

        The same steps as :meth:`run_records` with one commit instead of three:
        a request of one interaction costs one round of the write-ahead log.
        The ``import_batches`` row, which rejects hang on, is written only when
        there are rejects: hundreds of clean API requests a second leave none.
        """
        checked = [(source, self._validate(source)) for source in records]
        batch = _Batch()
        for _, outcome in checked:
            if not isinstance(outcome, RecordError):
                if batch.holds(outcome[0]):
                    # The same key twice in one request: written in order, batch by batch.
                    return self.run_records(records, importer_name)
                self._add(batch, *outcome)
        for source, outcome in checked:
            if isinstance(outcome, RecordError):
                self._reject(batch, source, outcome)
        counts = (self.report.imported, self.report.updated, self.report.unchanged)
        for attempt in range(1, FLUSH_ATTEMPTS + 1):
            try:
                with self.engine.begin() as connection:
                    self._open(connection, importer_name, record=bool(batch.rejects))
                    self.single = True
                    self._write(connection, batch)
                    if self.batch_id:
                        self._finish_in(connection)
                break
            except Exception as error:
                if attempt == FLUSH_ATTEMPTS or not is_write_conflict(error):
                    raise
                self.report.imported, self.report.updated, self.report.unchanged = counts
        self._publish()
        return self.report

    def _open(self, connection: Connection, importer_name: str, *, record: bool = True) -> None:
        """Record the import's start (unless ``record`` is false); learn what the
        workspace holds that matters."""
        if not record:
            self.batch_id = 0  # no batch row
            # Take SQLite's write lock first, as inserting the row would: a read
            # first could not be upgraded to a write once another writer had committed.
            hold_write_lock(connection)
        else:
            self._insert_batch(connection, importer_name)
        orphans = (
            select(surveys.c.id)
            .where(
                surveys.c.workspace_id == self.workspace.id,
                surveys.c.interaction_id.is_(None),
            )
            .limit(1)
            .exists()
        )
        rejects_open = (
            select(import_rejects.c.id)
            .where(
                import_rejects.c.workspace_id == self.workspace.id,
                import_rejects.c.resolved_at.is_(None),
            )
            .limit(1)
            .exists()
        )
        found = connection.execute(select(orphans, rejects_open)).one()
        self.orphan_surveys, self.open_rejects = bool(found[0]), bool(found[1])

    def _insert_batch(self, connection: Connection, importer_name: str) -> None:
        self.batch_id = int(
            connection.execute(
                import_batches.insert().values(
                    workspace_id=self.workspace.id,
                    file=self.file_label,
                    importer=importer_name[:50],
                    started_at=utcnow(),
                    imported=0,
                    updated=0,
                    unchanged=0,
                    rejected=0,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )

    def _reject(self, batch: _Batch, source: SourceRecord, error: RecordError) -> None:
        batch.rejects.append((source, error))
        self.report.rejected += 1
        if len(self.report.rejects) < REPORT_REJECTS:
            self.report.rejects.append(
                Reject(self.file_label, source.line, str(error), error.field)
            )

    def _finish(self) -> None:
        with self.engine.begin() as connection:
            self._finish_in(connection)

    def _finish_in(self, connection: Connection) -> None:
        connection.execute(
            update(import_batches)
            .where(import_batches.c.id == self.batch_id)
            .values(
                finished_at=utcnow(),
                imported=self.report.imported,
                updated=self.report.updated,
                unchanged=self.report.unchanged,
                rejected=self.report.rejected,
            )
        )

    def _validate(self, source: SourceRecord) -> tuple[object, str] | RecordError:
        return validate_record(source)

    @staticmethod
    def _add(batch: _Batch, record: object, digest: str) -> None:
        if isinstance(record, InteractionRecord):
            batch.interactions[(record.source, record.id)] = (record, digest)
        elif isinstance(record, SurveyRecord):
            batch.surveys[(record.source or "", record.interaction_id)] = (record, digest)
        elif isinstance(record, AgentRecord):
            batch.agents[record.id] = record
        elif isinstance(record, OrderRecord):
            batch.orders[(record.source, record.id)] = (record, digest)


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
    batch = _Batch()
    for group in groups:
        for record, digest in group:
            key = (record.source, record.id)
            if key in batch.interactions:
                raise ValueError(f"{key}: the same interaction twice in one group")
            batch.interactions[key] = (record, digest)
    for attempt in range(1, FLUSH_ATTEMPTS + 1):
        try:
            with engine.begin() as connection:
                job._open(connection, "api", record=False)
                job.single = True
                job._write(connection, batch)
            break
        except Exception as error:
            if attempt == FLUSH_ATTEMPTS or not is_write_conflict(error):
                raise
    effects_backlog.wake()
    reports = []
    for group in groups:
        report = ImportReport(files=1)
        for record, _ in group:
            outcome = job.interaction_outcomes[(record.source, record.id)]
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
) -> ImportReport:
    """Import one file into ``workspace``; raises ``Unreadable`` when it cannot be read."""
    importer = get_importer(format_name) if format_name else importer_for(path)
    if not path.exists():
        raise Unreadable(f"{path}: no such file")
    return FileImport(engine, workspace, label or str(path)).run(importer, path)


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
