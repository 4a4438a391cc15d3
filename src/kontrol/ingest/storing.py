"""Storing a batch: agents, interactions with their messages, surveys, orders and
rejects, upserted by ``(source, id)`` inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select, update

from kontrol.accounts.workspaces import workspace_language
from kontrol.ingest.batches import Batch, ImportState
from kontrol.ingest.effects_backlog import queue_effects
from kontrol.ingest.record_rows import (
    MESSAGE_COLUMNS,
    agent_row,
    interaction_row,
    message_rows,
    survey_row,
)
from kontrol.ingest.rejects import resolve_rejects, write_rejects
from kontrol.ingest.schema import AgentRecord, InteractionRecord, OrderRecord
from kontrol.ingest.survey_storing import link_orphan_surveys, upsert_surveys, write_surveys
from kontrol.ingest.work_item_storing import write_work_items
from kontrol.store.database import hold_write_lock
from kontrol.store.tables import (
    agents,
    import_batches,
    interactions,
    memberships,
    messages,
    orders,
    users,
)
from kontrol.store.upsert import bulk_insert, upsert


def write_batch(connection: Connection, state: ImportState, batch: Batch) -> None:
    """Write one batch inside the caller's transaction."""
    state.changed_interactions, state.changed_surveys, state.changed_orders = [], set(), []
    state.changed_work_items = []
    state.interaction_outcomes = {}
    # Hold SQLite's write lock from here on: new rows' ids are counted from
    # MAX(id) (store/upsert.py).
    hold_write_lock(connection)
    if connection.dialect.name == "postgresql":
        # psycopg prepares a statement run five times; PostgreSQL's generic
        # plan for "= ANY(array)" look-ups then scans the table (seen: 0.3 s
        # instead of 7 ms per batch on 100,000 rows).
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    if batch.agents:
        _write_agents(connection, state, batch.agents)
    if batch.interactions:
        _write_interactions(connection, state, batch.interactions)
    if batch.surveys:
        write_surveys(connection, state, batch.surveys)
    if batch.orders:
        _write_orders(connection, state, batch.orders)
    if batch.work_items:
        write_work_items(connection, state, batch.work_items)
    if batch.rejects:
        write_rejects(connection, state, batch.rejects)
    if state.defer_effects or state.effects_runner:
        queue_effects(
            connection,
            state.workspace.id,
            interactions=state.changed_interactions,
            surveys=sorted(state.changed_surveys),
            orders=state.changed_orders,
            work_items=state.changed_work_items,
            claimed_by=None if state.defer_effects else state.effects_runner,
        )
    if state.single:
        return  # the caller writes the counts when it finishes, in the same transaction
    connection.execute(
        update(import_batches)
        .where(import_batches.c.id == state.batch_id)
        .values(
            imported=state.report.imported,
            updated=state.report.updated,
            unchanged=state.report.unchanged,
            rejected=state.report.rejected,
        )
    )


def _write_agents(
    connection: Connection, state: ImportState, records: dict[str, AgentRecord]
) -> None:
    rows = []
    for record in records.values():
        rows.append(agent_row(state, record))
        state.agent_teams[record.id] = record.team
    result = upsert(connection, agents, state.workspace.id, ["external_id"], rows)
    state.count(len(result.inserted), len(result.updated), len(result.unchanged))
    resolve_rejects(connection, state, [("agent", key[0]) for key in result.ids])


def _ensure_agents(
    connection: Connection, state: ImportState, rows: Iterable[dict[str, Any]]
) -> None:
    """Agents named only on interactions become agent rows (without overwriting)."""
    missing: dict[str, dict[str, Any]] = {}
    for row in rows:
        agent_id = row["agent_external_id"]
        if agent_id is None or agent_id in state.agent_teams or agent_id in missing:
            continue
        missing[agent_id] = {
            "workspace_id": state.workspace.id,
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
            agents.c.workspace_id == state.workspace.id,
            agents.c.external_id.in_(list(missing)),
        )
    )
    for agent_id, team in known:
        state.agent_teams[agent_id] = team
        missing.pop(agent_id, None)
    if missing:
        connection.execute(agents.insert(), list(missing.values()))
        for agent_id, row in missing.items():
            state.agent_teams[agent_id] = row["team"]


def _name_key(name: str) -> str:
    return " ".join(name.lower().replace("ё", "е").split())


def _link_agents_by_name(
    connection: Connection, state: ImportState, rows: list[dict[str, Any]]
) -> None:
    """Rows naming their agent only by name (a spreadsheet's «Оператор» column of names)
    get the id of the workspace's agent of that name, when exactly one has it: the agent
    list's name, or the name of a person of the people page linked to an agent."""
    unnamed = [row for row in rows if row["agent_external_id"] is None and row["agent_name"]]
    if not unnamed:
        return
    if state.agents_by_name is None:
        found: dict[str, set[str]] = {}
        named = connection.execute(
            select(agents.c.external_id, agents.c.name).where(
                agents.c.workspace_id == state.workspace.id, agents.c.name.is_not(None)
            )
        ).all()
        people = connection.execute(
            select(memberships.c.agent_external_id, users.c.display_name)
            .join(users, users.c.id == memberships.c.user_id)
            .where(
                memberships.c.workspace_id == state.workspace.id,
                memberships.c.agent_external_id.is_not(None),
            )
        ).all()
        for agent_id, name in [*named, *people]:
            found.setdefault(_name_key(name), set()).add(agent_id)
        state.agents_by_name = {
            name: next(iter(ids)) if len(ids) == 1 else None for name, ids in found.items()
        }
    for row in unnamed:
        agent_id = state.agents_by_name.get(_name_key(row["agent_name"]))
        if agent_id is not None:
            row["agent_external_id"] = agent_id


def _people_teams(connection: Connection, state: ImportState) -> dict[str, str]:
    """The team of each agent's person on the people page (for agents the list gives none)."""
    if state.people_teams is None:
        found = connection.execute(
            select(memberships.c.agent_external_id, memberships.c.team).where(
                memberships.c.workspace_id == state.workspace.id,
                memberships.c.agent_external_id.is_not(None),
                memberships.c.team.is_not(None),
            )
        )
        state.people_teams = {str(agent_id): str(team) for agent_id, team in found}
    return state.people_teams


def _write_interactions(
    connection: Connection,
    state: ImportState,
    records: dict[tuple[str, str], tuple[InteractionRecord, str]],
) -> None:
    if state.language is None:
        state.language = workspace_language(connection, state.workspace.id)
    rows = [interaction_row(state, record, digest) for record, digest in records.values()]
    _link_agents_by_name(connection, state, rows)
    _ensure_agents(connection, state, rows)
    for row in rows:
        if row["team"] is None and row["agent_external_id"] is not None:
            row["team"] = state.agent_teams.get(row["agent_external_id"])
    if any(row["team"] is None and row["agent_external_id"] is not None for row in rows):
        teams = _people_teams(connection, state)
        for row in rows:
            if row["team"] is None and row["agent_external_id"] is not None:
                row["team"] = teams.get(row["agent_external_id"])
    result = upsert(
        connection,
        interactions,
        state.workspace.id,
        ["source", "external_id"],
        rows,
        insert_only=["imported_at"],
    )
    state.changed_interactions.extend(result.ids[k] for k in [*result.inserted, *result.updated])
    for outcome, keys in (
        ("imported", result.inserted),
        ("updated", result.updated),
        ("unchanged", result.unchanged),
    ):
        state.interaction_outcomes.update(dict.fromkeys(keys, outcome))
    if result.updated:
        connection.execute(
            messages.delete().where(
                messages.c.interaction_id.in_([result.ids[k] for k in result.updated])
            )
        )
    message_batch: list[tuple[Any, ...]] = []
    survey_rows: dict[tuple[str, str], dict[str, Any]] = {}
    for key in [*result.inserted, *result.updated]:
        record, _ = records[key]
        message_batch.extend(message_rows(state, result.ids[key], record))
        if record.survey is not None:
            # The content hash of a survey is made after merging (upsert_surveys).
            survey_rows[(record.source, record.id)] = survey_row(
                state, record.source, record.id, record.survey, ""
            )
    bulk_insert(connection, messages, MESSAGE_COLUMNS, message_batch)
    if survey_rows:
        upsert_surveys(
            connection,
            state,
            list(survey_rows.values()),
            known=result.ids,
            fresh=set(result.inserted),
        )
    if result.inserted:
        if state.orphan_surveys:
            # Only when a survey waits for its interaction (or this import wrote one).
            link_orphan_surveys(connection, state, result.inserted, result.ids)
        if state.sources is not None:
            state.sources.update(key[0] for key in result.inserted)
    state.count(len(result.inserted), len(result.updated), len(result.unchanged))
    resolve_rejects(connection, state, [(key[0], key[1]) for key in result.ids])


def _write_orders(
    connection: Connection,
    state: ImportState,
    records: dict[tuple[str, str], tuple[OrderRecord, str]],
) -> None:
    rows = [
        {
            "workspace_id": state.workspace.id,
            "source": record.source,
            "external_id": record.id,
            "customer_id": record.customer_id,
            "at": state.utc(record.at),
            "amount": record.amount,
            "meta": record.extras(),
            "content_hash": digest,
        }
        for record, digest in records.values()
    ]
    result = upsert(connection, orders, state.workspace.id, ["source", "external_id"], rows)
    state.changed_orders.extend(result.ids[k] for k in [*result.inserted, *result.updated])
    state.count(len(result.inserted), len(result.updated), len(result.unchanged))
    resolve_rejects(connection, state, [(f"order:{key[0]}"[:100], key[1]) for key in result.ids])
