"""Storing surveys: merged into the one stored for the same interaction, linked to it
when it lands (a survey may arrive before the interaction it rates)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, select, tuple_, update

from kontrol.ingest.batches import ImportState, content_hash
from kontrol.ingest.record_rows import survey_row
from kontrol.ingest.rejects import resolve_rejects
from kontrol.ingest.schema import SurveyRecord
from kontrol.store.tables import interactions, surveys
from kontrol.store.upsert import UpsertResult, upsert

_SURVEY_FIELDS = ("at", "csat", "nps", "ces", "comment")
SCALES = ("csat", "nps", "ces")


def answered_last(scale: str) -> ColumnElement[bool]:
    """True for a stored survey whose ``scale`` answer came with its latest answer.

    A later answer on another scale (the CES asked a day after the CSAT) moves the
    survey's ``at`` but not ``csat_at``: rules that react to a low CSAT use this,
    so they fire for the answer that was low and not again for the next one.
    """
    return surveys.c[f"{scale}_at"].is_not_distinct_from(surveys.c.at)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def write_surveys(
    connection: Connection,
    state: ImportState,
    records: dict[tuple[str, str], tuple[SurveyRecord, str]],
) -> None:
    """Write survey records; one without ``source`` takes its interaction's source."""
    rows: list[dict[str, Any]] = []
    unsourced = [record.interaction_id for record, _ in records.values() if record.source is None]
    sources = _sources_of(connection, state, unsourced)
    for record, digest in records.values():
        source = record.source or sources.get(record.interaction_id, "import")
        rows.append(survey_row(state, source, record.interaction_id, record, digest))
    result = upsert_surveys(connection, state, rows)
    state.count(len(result.inserted), len(result.updated), len(result.unchanged))
    keys = [(f"survey:{source}"[:100], target) for source, target in result.ids]
    keys += [("survey:*", target) for _, target in result.ids]
    resolve_rejects(connection, state, keys)


def upsert_surveys(
    connection: Connection,
    state: ImportState,
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
        linked.update(_interaction_ids(connection, state, missing))
    new = fresh if fresh is not None and not state.orphan_surveys else set()
    stored = _stored_surveys(connection, state, [key for key in keys if key not in new])
    for row, key in zip(rows, keys, strict=True):
        row["interaction_id"] = linked.get(key)
        previous = stored.get(key)
        carried = {scale for scale in SCALES if row[scale] is not None}
        if previous is not None:
            for name in _SURVEY_FIELDS:
                if row[name] is None:
                    row[name] = previous[name]
        for scale in SCALES:
            if scale in carried:
                row[f"{scale}_at"] = row["at"]
            else:
                row[f"{scale}_at"] = previous[f"{scale}_at"] if previous is not None else None
        if row["interaction_id"] is None:
            state.orphan_surveys = True
        row["content_hash"] = content_hash(
            {name: _jsonable(row[name]) for name in _SURVEY_FIELDS}
            | {"interaction_id": row["interaction_id"]}
        )
    result = upsert(
        connection, surveys, state.workspace.id, ["source", "interaction_external_id"], rows
    )
    changed = set(result.inserted) | set(result.updated)
    for row, key in zip(rows, keys, strict=True):
        if key in changed and row["interaction_id"] is not None:
            state.changed_surveys.add(row["interaction_id"])
    return result


def _stored_surveys(
    connection: Connection, state: ImportState, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(keys), 400):
        rows = connection.execute(
            select(surveys).where(
                surveys.c.workspace_id == state.workspace.id,
                tuple_(surveys.c.source, surveys.c.interaction_external_id).in_(
                    keys[start : start + 400]
                ),
            )
        )
        for row in rows:
            found[(row.source, row.interaction_external_id)] = dict(row._mapping)
    return found


def _interaction_ids(
    connection: Connection, state: ImportState, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    # By the full (source, external_id) key, so the unique index is used: an
    # external_id alone would scan the workspace's interactions on every batch.
    found: dict[tuple[str, str], int] = {}
    for start in range(0, len(keys), 400):
        rows = connection.execute(
            select(interactions.c.id, interactions.c.source, interactions.c.external_id).where(
                interactions.c.workspace_id == state.workspace.id,
                tuple_(interactions.c.source, interactions.c.external_id).in_(
                    keys[start : start + 400]
                ),
            )
        )
        for row in rows:
            found[(row.source, row.external_id)] = row.id
    return found


def link_orphan_surveys(
    connection: Connection,
    state: ImportState,
    inserted: list[tuple[Any, ...]],
    ids: dict[tuple[Any, ...], int],
) -> None:
    """Surveys that arrived before their interaction are linked when it lands."""
    links: list[dict[str, int]] = []
    for start in range(0, len(inserted), 400):
        rows = connection.execute(
            select(surveys.c.id, surveys.c.source, surveys.c.interaction_external_id).where(
                surveys.c.workspace_id == state.workspace.id,
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
                state.changed_surveys.add(target)
    if links:
        connection.execute(
            update(surveys)
            .where(surveys.c.id == bindparam("_id"))
            .values(interaction_id=bindparam("_target")),
            links,
        )


def _sources_of(
    connection: Connection, state: ImportState, external_ids: list[str]
) -> dict[str, str]:
    """For surveys without ``source``: the source of the interaction they name.

    Looked up under each source the workspace has (a handful), so that the
    unique ``(workspace_id, source, external_id)`` index serves every query.
    """
    if state.sources is None:
        state.sources = set(
            connection.execute(
                select(interactions.c.source)
                .where(interactions.c.workspace_id == state.workspace.id)
                .distinct()
            ).scalars()
        )
    found: dict[str, tuple[int, str]] = {}
    candidates = [(source, ident) for ident in set(external_ids) for source in state.sources]
    for start in range(0, len(candidates), 400):
        rows = connection.execute(
            select(interactions.c.id, interactions.c.external_id, interactions.c.source).where(
                interactions.c.workspace_id == state.workspace.id,
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
