"""Narrowing the interaction list: SQL conditions for an :class:`InteractionFilter`.

The drill-down filters use the same per-contact values the KPIs count
(``interaction_facts``); the text search uses full-text indexes (FTS5 on SQLite,
``to_tsvector`` on PostgreSQL) over the messages and the survey comments, and
index ranges for an id's first characters.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    TextClause,
    and_,
    exists,
    literal,
    or_,
    select,
    text,
)

from kontrol.accounts.access import Viewer
from kontrol.domain.clock import to_utc, zone
from kontrol.interactions.evaluation_filters import quality_conditions
from kontrol.interactions.filters import MEASURED, NPS_GROUPS, InteractionFilter
from kontrol.store.tables import interaction_facts, interactions, messages, surveys

_WORD = re.compile(r"\w+", re.UNICODE)


def filter_conditions(
    connection: Connection, viewer: Viewer, filters: InteractionFilter, *, search: bool = True
) -> list[ColumnElement[bool] | TextClause]:
    """The conditions on ``interactions`` for the filters that are set (the text
    search too unless ``search`` is False)."""
    local = zone(viewer.workspace.timezone)
    conditions: list[ColumnElement[bool] | TextClause] = []
    if filters.channel:
        conditions.append(interactions.c.channel == filters.channel)
    if filters.agent:
        conditions.append(interactions.c.agent_external_id == filters.agent)
    if filters.team:
        conditions.append(interactions.c.team == filters.team)
    if filters.topic:
        conditions.append(interactions.c.topic == filters.topic)
    if filters.customer:
        conditions.append(interactions.c.customer_id == filters.customer)
    if filters.date_from:
        start = to_utc(datetime.combine(filters.date_from, time.min), local)
        conditions.append(interactions.c.started_at >= start)
    if filters.date_to:
        end = to_utc(datetime.combine(filters.date_to + timedelta(days=1), time.min), local)
        conditions.append(interactions.c.started_at < end)
    if filters.has_survey is not None:
        answered = exists().where(surveys.c.interaction_id == interactions.c.id)
        conditions.append(answered if filters.has_survey else ~answered)
    if filters.status:
        conditions.append(interactions.c.status == filters.status)
    facts = _fact_conditions(filters)
    if facts:
        conditions.append(
            exists().where(interaction_facts.c.interaction_id == interactions.c.id, *facts)
        )
    conditions.extend(quality_conditions(filters))
    searched = search_condition(connection, viewer, filters) if search else None
    if searched is not None:
        conditions.append(searched)
    return conditions


def search_condition(
    connection: Connection, viewer: Viewer, filters: InteractionFilter
) -> ColumnElement[bool] | TextClause | None:
    """The text search's condition on ``interactions`` (None without a search)."""
    if not (filters.q and filters.q.strip()):
        return None
    return _search_condition(connection, filters.q, viewer.workspace.id)


def _fact_conditions(filters: InteractionFilter) -> list[ColumnElement[bool]]:
    """Conditions on ``interaction_facts``: the same per-contact values the KPIs count."""
    facts = interaction_facts.c
    found: list[ColumnElement[bool]] = []
    if filters.csat_max is not None:
        found.append(facts.csat <= filters.csat_max)
    if filters.csat_min is not None:
        found.append(facts.csat >= filters.csat_min)
    if filters.nps is not None:
        low, high = NPS_GROUPS[filters.nps]
        found.append(facts.nps.between(low, high))
    flags = {
        "complaint": facts.complaint,
        "handled": facts.handled,
        "abandoned": facts.abandoned,
        "sla": facts.sla_business_met,
        "fcr": facts.fcr,
        "repeat": facts.repeat_contact,
    }
    for name, column in flags.items():
        value = getattr(filters, name)
        if value is not None:
            found.append(column.is_(True) if value else column.is_(False))
    if filters.measured is not None:
        found.append(MEASURED[filters.measured].is_not(None))
    return found


# Up to this many matching interactions are looked up by id (then sorted); beyond
# it, matches are common enough that walking the time index finds a page quickly.
SEARCH_BY_ID_LIMIT = 5000
# How many matching messages are read to tell the two apart. Without a DISTINCT
# the read stops at this many rows: a DISTINCT of every match before the LIMIT
# cost 13-21 s for a two-word or rare-word search at three million interactions.
SEARCH_MESSAGE_LIMIT = 4 * SEARCH_BY_ID_LIMIT


def _matching_ids(
    connection: Connection, matching: TextClause, fts_query: str
) -> tuple[set[int], bool]:
    """Interaction ids of the first matching messages, and whether that is all of them."""
    found = (
        connection.execute(matching.bindparams(fts_query=fts_query, cap=SEARCH_MESSAGE_LIMIT + 1))
        .scalars()
        .all()
    )
    complete = len(found) <= SEARCH_MESSAGE_LIMIT
    return set(found), complete


def _search_condition(
    connection: Connection, query: str, workspace_id: int
) -> ColumnElement[bool] | TextClause | None:
    words = _WORD.findall(query.lower())[:8]
    if not words:
        return None
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Each word quoted and used as a prefix; the words are \w only, and bound.
        fts_query = " ".join(f'"{word}"*' for word in words)
        matching = text(
            "SELECT DISTINCT m.interaction_id FROM messages AS m WHERE m.id IN "
            "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH :fts_query)"
        )
        capped = text(
            "SELECT m.interaction_id FROM messages AS m WHERE m.id IN "
            "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH :fts_query LIMIT :cap)"
        )
    else:
        fts_query = " & ".join(f"{word}:*" for word in words)  # as postgres_query
        capped = text(
            "SELECT m.interaction_id FROM messages AS m "
            "WHERE to_tsvector('simple', m.text) @@ to_tsquery('simple', :fts_query) "
            "LIMIT :cap"
        )
    hits, complete = _matching_ids(connection, capped, fts_query)
    # The whole query may also be a customer id, a customer's name or an interaction id.
    named = named_ids(connection, query, workspace_id)
    if complete and len(hits) <= SEARCH_BY_ID_LIMIT:
        return interactions.c.id.in_(sorted({*hits, *named}))
    by_text: ColumnElement[bool] | TextClause
    if sqlite:
        # FTS5 answers a common word fastest as one set (measured: checking it per
        # row while walking the time index was 3-15x slower).
        by_text = interactions.c.id.in_(
            matching.bindparams(fts_query=fts_query).columns(interaction_id=interactions.c.id.type)
        )
    else:
        # A common word: check each interaction while walking the time index; a page
        # fills after a few hundred rows instead of materialising every match.
        by_text = text_match(interactions.c.id, fts_query)
    return or_(by_text, interactions.c.id.in_(list(named))) if named else by_text


def postgres_query(query: str) -> str | None:
    """The ``to_tsquery`` text of a search (each word a prefix), None without words."""
    words = _WORD.findall(query.lower())[:8]
    return " & ".join(f"{word}:*" for word in words) if words else None


def text_match(interaction_id: ColumnElement[Any], fts_query: str) -> ColumnElement[bool]:
    """True when a message of the interaction matches (PostgreSQL), checked row by row.

    A scalar subquery with LIMIT 1, not EXISTS: PostgreSQL turns an EXISTS into a
    semi-join and, misled by its estimate for prefix words (541 rows for 145,000),
    read every match through the full-text index and sorted them (4.6 s for two
    words at a million interactions) instead of walking the list's time index.
    """
    matched = text("to_tsvector('simple', messages.text) @@ to_tsquery('simple', :fts_query)")
    return (
        select(literal(1))
        .select_from(messages)
        .where(messages.c.interaction_id == interaction_id, matched.bindparams(fts_query=fts_query))
        .limit(1)
        .scalar_subquery()
        .is_not(None)
    )


def named_ids(connection: Connection, query: str, workspace_id: int) -> list[int]:
    """Interactions the query names other than by their messages' words.

    The whole query as a customer id, customer name or own (external) id; an id's
    first characters (``PREFIX_MIN`` or more, one word: "3f9a2c1e" finds
    "3f9a2c1e-77b0-…"); and the words of the customer's survey comment.
    """
    stripped = query.strip()
    named = or_(
        interactions.c.customer_id == stripped,
        interactions.c.external_id == stripped,
        interactions.c.customer_name == stripped,
        *_prefix_conditions(connection, stripped),
    )
    found = list(
        connection.execute(
            select(interactions.c.id)
            .where(interactions.c.workspace_id == workspace_id, named)
            .limit(SEARCH_BY_ID_LIMIT)
        )
        .scalars()
        .all()
    )
    seen = set(found)
    found += [i for i in comment_ids(connection, query, workspace_id) if i not in seen]
    return found


# An id's first characters are looked up from this many on: fewer match too many ids.
PREFIX_MIN = 3


def _prefix_conditions(connection: Connection, query: str) -> list[ColumnElement[bool]]:
    """Conditions for an external or customer id that starts with ``query``, as typed,
    in lower and in upper case; each reads an index range (none for a short query or
    one with spaces).

    PostgreSQL: ``LIKE 'prefix%'`` with the pattern's wildcards escaped, served by the
    ``text_pattern_ops`` indexes of migration 0046 whatever the collation. SQLite:
    ``>= prefix AND < next`` (the prefix with its last character's successor), which
    the ``(workspace_id, external_id)`` and ``(workspace_id, customer_id, …)`` indexes
    serve under SQLite's binary collation (its LIKE ignores case and reads no index).
    """
    if len(query) < PREFIX_MIN or any(character.isspace() for character in query):
        return []
    sqlite = connection.dialect.name == "sqlite"
    found: list[ColumnElement[bool]] = []
    for prefix in dict.fromkeys((query, query.lower(), query.upper())):
        for column in (interactions.c.external_id, interactions.c.customer_id):
            if sqlite:
                following = prefix[:-1] + chr(min(ord(prefix[-1]) + 1, 0x10FFFF))
                found.append(and_(column >= prefix, column < following))
            else:
                pattern = re.sub(r"([\\%_])", r"\\\1", prefix) + "%"
                found.append(column.like(pattern, escape="\\"))
    return found


def comment_ids(connection: Connection, query: str, workspace_id: int) -> list[int]:
    """Interactions whose customer's survey comment has every word of ``query`` (each
    a prefix), at most ``SEARCH_BY_ID_LIMIT`` (read off the index, in no order: an
    ORDER BY could make PostgreSQL walk every answer for a rare word).

    Full-text indexes as for messages: ``surveys_fts`` (FTS5) on SQLite, a GIN index
    on ``to_tsvector('simple', comment)`` on PostgreSQL (migration 0046).
    """
    words = _WORD.findall(query.lower())[:8]
    if not words:
        return []
    if connection.dialect.name == "sqlite":
        matching = text(
            "SELECT s.interaction_id FROM surveys AS s WHERE s.id IN "
            "(SELECT rowid FROM surveys_fts WHERE surveys_fts MATCH :fts_query) "
            "AND s.workspace_id = :ws AND s.interaction_id IS NOT NULL "
            "LIMIT :cap"
        )
        fts_query = " ".join(f'"{word}"*' for word in words)
    else:
        matching = text(
            "SELECT s.interaction_id FROM surveys AS s "
            "WHERE to_tsvector('simple', s.comment) @@ to_tsquery('simple', :fts_query) "
            "AND s.workspace_id = :ws AND s.interaction_id IS NOT NULL "
            "LIMIT :cap"
        )
        fts_query = " & ".join(f"{word}:*" for word in words)
    bound = matching.bindparams(fts_query=fts_query, ws=workspace_id, cap=SEARCH_BY_ID_LIMIT)
    return list(dict.fromkeys(int(i) for i in connection.execute(bound).scalars()))
