"""Finding interactions: a page of the list under filters, keyset paging, the
values offered in the filter drop-downs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, or_, select, text

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import agent_scope
from kontrol.domain.errors import InvalidInput
from kontrol.interactions.filters import InteractionFilter
from kontrol.interactions.search import (
    filter_conditions,
    named_ids,
    postgres_query,
    search_condition,
    text_match,
)
from kontrol.interactions.summaries import InteractionSummary, summary, summary_query
from kontrol.store.tables import agents, interactions

# Callers find the list, one interaction and the filter in one place.

MAX_PAGE = 200


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after the row with this ``(started_at, id)``."""

    started_at: datetime
    id: int

    def encode(self) -> str:
        """A URL-safe token."""
        return f"{self.started_at.isoformat()}~{self.id}"

    @staticmethod
    def decode(token: str) -> Cursor:
        """Read a token made by :meth:`encode`."""
        try:
            moment, _, key = token.partition("~")
            return Cursor(datetime.fromisoformat(moment), int(key))
        except ValueError:
            raise InvalidInput(
                f"cursor: not a page cursor: {token[:40]!r}",
                key="interactions.error.cursor",
                params={"token": token[:40]},
                where_key="error.where.field",
                where_params={"field": "cursor"},
            ) from None


@dataclass
class InteractionPage:
    """One page of interactions and the cursor of the next page (if any)."""

    items: list[InteractionSummary]
    next_cursor: str | None


def list_interactions(
    connection: Connection,
    viewer: Viewer,
    filters: InteractionFilter,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> InteractionPage:
    """A page of interactions, newest first, that ``viewer`` may see.

    Keyset paging on ``(started_at, id)`` keeps every page as fast as the first
    on millions of rows.
    """
    limit = max(1, min(limit, MAX_PAGE))
    query = summary_query(viewer)
    conditions = filter_conditions(connection, viewer, filters, search=False)
    if cursor:
        after = Cursor.decode(cursor)
        conditions.append(
            or_(
                interactions.c.started_at < after.started_at,
                and_(
                    interactions.c.started_at == after.started_at,
                    interactions.c.id < after.id,
                ),
            )
        )
    listed = query.where(*conditions)
    rows = _walked(connection, viewer, filters, listed, limit)
    if rows is None:
        searched = search_condition(connection, viewer, filters)
        rows = _page(connection, listed if searched is None else listed.where(searched), limit)
    items = [summary(row, viewer) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = Cursor(last.started_at, last.id).encode()
    return InteractionPage(items, next_cursor)


def _in_order(query: Select[Any], limit: int) -> Select[Any]:
    return query.order_by(interactions.c.started_at.desc(), interactions.c.id.desc()).limit(limit)


def _page(connection: Connection, query: Select[Any], limit: int) -> list[Row[Any]]:
    return list(connection.execute(_in_order(query, limit + 1)).all())


# How many of the list's latest interactions a text search checks one by one
# before it asks the full-text index for every match instead.
SEARCH_WALK = 1500


def _walked(
    connection: Connection,
    viewer: Viewer,
    filters: InteractionFilter,
    listed: Select[Any],
    limit: int,
) -> list[Row[Any]] | None:
    """A text search's page from the list's first ``SEARCH_WALK`` rows, if it fills there.

    A common word fills a page within a few hundred rows checked one by one,
    which costs far less than reading its every match from the full-text index
    (PostgreSQL: 1-2 s for two common words at a million interactions). A rare
    word does not fill it: None, and the caller looks its matches up by index.
    """
    fts_query = postgres_query(filters.q or "")
    if connection.dialect.name != "postgresql" or fts_query is None:
        return None
    # Only the keys are walked: the list's columns are read for the page alone.
    keys = listed.with_only_columns(interactions.c.id, interactions.c.started_at)
    walked = _in_order(keys, SEARCH_WALK).subquery()
    match = text_match(walked.c.id, fts_query)
    named = named_ids(connection, filters.q or "", viewer.workspace.id)
    if named:
        match = or_(match, walked.c.id.in_(named))
    found = (
        connection.execute(
            select(walked.c.id)
            .where(match)
            .order_by(walked.c.started_at.desc(), walked.c.id.desc())
            .limit(limit + 1)
        )
        .scalars()
        .all()
    )
    if len(found) <= limit:
        return None
    return _page(connection, listed.where(interactions.c.id.in_(found)), limit)


@dataclass(frozen=True)
class FilterChoices:
    """Values offered in the filter drop-downs."""

    agents: list[tuple[str, str]]
    teams: list[str]
    topics: list[str]


def filter_choices(connection: Connection, viewer: Viewer) -> FilterChoices:
    """Agents, teams and topics of the workspace (agents and teams from the agent list)."""
    workspace_id = viewer.workspace.id
    agent_rows = connection.execute(
        select(agents.c.external_id, agents.c.name, agents.c.team)
        .where(agents.c.workspace_id == workspace_id, agent_scope(viewer))
        .order_by(agents.c.name, agents.c.external_id)
    ).all()
    teams = sorted({row.team for row in agent_rows if row.team})
    # A loose index scan: one index seek per distinct topic instead of reading every
    # row's topic, so the filter form stays fast on millions of interactions.
    topics = [
        topic
        for (topic,) in connection.execute(
            text(
                "WITH RECURSIVE found(topic) AS ("
                " SELECT MIN(topic) FROM interactions WHERE workspace_id = :ws"
                " UNION ALL"
                " SELECT (SELECT MIN(i.topic) FROM interactions AS i"
                "         WHERE i.workspace_id = :ws AND i.topic > found.topic)"
                " FROM found WHERE found.topic IS NOT NULL"
                ") SELECT topic FROM found WHERE topic IS NOT NULL LIMIT 200"
            ).bindparams(ws=workspace_id)
        )
    ]
    return FilterChoices(
        agents=[(row.external_id, row.name or row.external_id) for row in agent_rows],
        teams=teams,
        topics=topics,
    )
