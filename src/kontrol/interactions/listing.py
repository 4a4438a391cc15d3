"""Finding and reading interactions: filters, keyset paging, one conversation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    TextClause,
    and_,
    exists,
    func,
    or_,
    select,
    text,
)

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import agent_scope, interaction_scope
from kontrol.domain.clock import from_utc, to_utc, zone
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.interactions.evaluation_filters import latest_score, quality_conditions
from kontrol.store.tables import agents, interaction_facts, interactions, messages, surveys

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_PAGE = 200


@dataclass(frozen=True)
class InteractionFilter:
    """What the list of interactions is narrowed to (all optional)."""

    channel: str | None = None
    agent: str | None = None
    team: str | None = None
    topic: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    has_survey: bool | None = None
    q: str | None = None
    customer: str | None = None
    # Drill-down from a KPI to the interactions behind it (interaction_facts columns).
    csat_max: int | None = None
    csat_min: int | None = None
    nps: str | None = None  # detractor, passive, promoter, any
    complaint: bool | None = None
    status: str | None = None
    handled: bool | None = None
    abandoned: bool | None = None
    sla: bool | None = None  # met (True) or missed (False), business hours where configured
    fcr: bool | None = None
    repeat: bool | None = None
    measured: str | None = None  # has a value of this measure (MEASURED below)
    # Quality (automatic checks): score range, a failed check, a signal.
    score_min: float | None = None
    score_max: float | None = None
    failed: str | None = None
    signal: str | None = None

    def drill_down(self) -> dict[str, str]:
        """The drill-down filters in force, as query parameters (for links and hidden fields)."""
        found: dict[str, str] = {}
        for name in DRILL_DOWN_FILTERS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool):
                yes, no = ("met", "missed") if name == "sla" else ("yes", "no")
                found[name] = yes if value else no
            else:
                found[name] = str(value)
        return found


DRILL_DOWN_FILTERS = (
    "csat_max",
    "csat_min",
    "nps",
    "complaint",
    "status",
    "handled",
    "abandoned",
    "sla",
    "fcr",
    "repeat",
    "measured",
)
NPS_GROUPS = {"detractor": (0, 6), "passive": (7, 8), "promoter": (9, 10), "any": (0, 10)}
# "Counted by the KPI": the interactions that have a value of the measure.
MEASURED = {
    "frt": interaction_facts.c.frt_s,
    "asa": interaction_facts.c.asa_s,
    "aht": interaction_facts.c.aht_s,
    "resolution": interaction_facts.c.resolution_s,
    "sla": interaction_facts.c.sla_business_met,
    "fcr": interaction_facts.c.fcr,
    "repeat": interaction_facts.c.repeat_contact,
    "csat": interaction_facts.c.csat,
    "nps": interaction_facts.c.nps,
    "ces": interaction_facts.c.ces,
    "cost": interaction_facts.c.cost,
}


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
            raise InvalidInput(f"cursor: not a page cursor: {token[:40]!r}") from None


@dataclass(frozen=True)
class InteractionSummary:
    """A row of the interaction list."""

    id: int
    source: str
    external_id: str
    channel: str
    direction: str
    started_at: datetime
    ended_at: datetime | None
    status: str | None
    agent_id: str | None
    agent_name: str | None
    team: str | None
    customer_id: str | None
    customer_name: str | None
    topic: str | None
    language: str | None
    message_count: int
    is_complaint: bool
    csat: int | None
    nps: int | None
    score: float | None = None

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        data = dict(self.__dict__)
        data["started_at"] = self.started_at.isoformat()
        data["ended_at"] = self.ended_at.isoformat() if self.ended_at else None
        return data


@dataclass
class Page:
    """One page of interactions and the cursor of the next page (if any)."""

    items: list[InteractionSummary]
    next_cursor: str | None


@dataclass(frozen=True)
class Message:
    """A message of a conversation, with its time in the workspace zone."""

    seq: int
    role: str
    text: str
    at: datetime | None
    start: float | None
    end: float | None
    author_id: str | None
    # A call segment that starts before the other side's previous segment ended.
    overlaps: bool = False

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "role": self.role,
            "text": self.text,
            "at": self.at.isoformat() if self.at else None,
            "start": self.start,
            "end": self.end,
            "author_id": self.author_id,
            "overlaps": self.overlaps,
        }


def mark_cross_talk(conversation: list[Message]) -> list[Message]:
    """Flag call segments spoken over the other party (agent and customer only)."""
    latest_end: dict[str, float] = {}
    marked = []
    for message in conversation:
        overlaps = False
        if message.start is not None and message.role in ("agent", "customer"):
            other = "customer" if message.role == "agent" else "agent"
            overlaps = message.start < latest_end.get(other, float("-inf"))
            if message.end is not None:
                latest_end[message.role] = max(latest_end.get(message.role, 0.0), message.end)
        marked.append(replace(message, overlaps=overlaps) if overlaps else message)
    return marked


@dataclass(frozen=True)
class Survey:
    """The customer's answers."""

    at: datetime | None
    csat: int | None
    nps: int | None
    ces: int | None
    comment: str | None

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "at": self.at.isoformat() if self.at else None,
            "csat": self.csat,
            "nps": self.nps,
            "ces": self.ces,
            "comment": self.comment,
        }


@dataclass
class InteractionDetail:
    """One interaction with its conversation, survey and the customer's other contacts."""

    summary: InteractionSummary
    queued_at: datetime | None
    wrap_seconds: float | None
    case_id: str | None
    tags: list[str]
    cost: float | None
    recording: str | None
    meta: dict[str, Any]
    messages: list[Message]
    survey: Survey | None
    related: list[InteractionSummary] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        data = self.summary.as_json()
        data.update(
            queued_at=self.queued_at.isoformat() if self.queued_at else None,
            wrap_seconds=self.wrap_seconds,
            case_id=self.case_id,
            tags=self.tags,
            cost=self.cost,
            recording=self.recording,
            meta=self.meta,
            messages=[message.as_json() for message in self.messages],
            survey=self.survey.as_json() if self.survey else None,
            related=[item.as_json() for item in self.related],
        )
        return data


# Up to this many matching interactions are looked up by id (then sorted); beyond
# it, matches are common enough that walking the time index finds a page quickly.
SEARCH_BY_ID_LIMIT = 5000


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
    else:
        fts_query = " & ".join(f"{word}:*" for word in words)
        matching = text(
            "SELECT DISTINCT m.interaction_id FROM messages AS m "
            "WHERE to_tsvector('simple', m.text) @@ to_tsquery('simple', :fts_query)"
        )
        per_row = text(
            "EXISTS (SELECT 1 FROM messages AS m WHERE m.interaction_id = interactions.id "
            "AND to_tsvector('simple', m.text) @@ to_tsquery('simple', :fts_query))"
        )
    hits = (
        connection.execute(
            select(text("interaction_id"))
            .select_from(
                matching.bindparams(fts_query=fts_query)
                .columns(interaction_id=interactions.c.id.type)
                .subquery()
            )
            .limit(SEARCH_BY_ID_LIMIT + 1)
        )
        .scalars()
        .all()
    )
    # The whole query may also be a customer id, a customer's name or an interaction id.
    stripped = query.strip()
    named = (
        connection.execute(
            select(interactions.c.id)
            .where(
                interactions.c.workspace_id == workspace_id,
                or_(
                    interactions.c.customer_id == stripped,
                    interactions.c.external_id == stripped,
                    interactions.c.customer_name == stripped,
                ),
            )
            .limit(SEARCH_BY_ID_LIMIT)
        )
        .scalars()
        .all()
    )
    if len(hits) <= SEARCH_BY_ID_LIMIT:
        return interactions.c.id.in_([*hits, *named])
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
        by_text = per_row.bindparams(fts_query=fts_query)
    return or_(by_text, interactions.c.id.in_(list(named))) if named else by_text


def _summary_query(viewer: Viewer) -> Select[Any]:
    csat = (
        select(surveys.c.csat)
        .where(surveys.c.interaction_id == interactions.c.id)
        .limit(1)
        .scalar_subquery()
    )
    nps = (
        select(surveys.c.nps)
        .where(surveys.c.interaction_id == interactions.c.id)
        .limit(1)
        .scalar_subquery()
    )
    agent_name = (
        select(agents.c.name)
        .where(
            agents.c.workspace_id == interactions.c.workspace_id,
            agents.c.external_id == interactions.c.agent_external_id,
        )
        .scalar_subquery()
    )
    return select(
        interactions.c.id,
        interactions.c.source,
        interactions.c.external_id,
        interactions.c.channel,
        interactions.c.direction,
        interactions.c.started_at,
        interactions.c.ended_at,
        interactions.c.status,
        interactions.c.agent_external_id,
        func.coalesce(interactions.c.agent_name, agent_name).label("agent_name"),
        interactions.c.team,
        interactions.c.customer_id,
        interactions.c.customer_name,
        interactions.c.topic,
        interactions.c.language,
        interactions.c.message_count,
        interactions.c.is_complaint,
        csat.label("csat"),
        nps.label("nps"),
        latest_score().label("score"),
    ).where(interactions.c.workspace_id == viewer.workspace.id, interaction_scope(viewer))


def _summary(row: Any, viewer: Viewer) -> InteractionSummary:
    local = zone(viewer.workspace.timezone)
    return InteractionSummary(
        id=row.id,
        source=row.source,
        external_id=row.external_id,
        channel=row.channel,
        direction=row.direction,
        started_at=from_utc(row.started_at, local),
        ended_at=from_utc(row.ended_at, local) if row.ended_at else None,
        status=row.status,
        agent_id=row.agent_external_id,
        agent_name=row.agent_name,
        team=row.team,
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        topic=row.topic,
        language=row.language,
        message_count=row.message_count,
        is_complaint=bool(row.is_complaint),
        csat=row.csat,
        nps=row.nps,
        score=row.score,
    )


def list_interactions(
    connection: Connection,
    viewer: Viewer,
    filters: InteractionFilter,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """A page of interactions, newest first, that ``viewer`` may see.

    Keyset paging on ``(started_at, id)`` keeps every page as fast as the first
    on millions of rows.
    """
    limit = max(1, min(limit, MAX_PAGE))
    local = zone(viewer.workspace.timezone)
    query = _summary_query(viewer)
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
    if filters.q and filters.q.strip():
        searched = _search_condition(connection, filters.q, viewer.workspace.id)
        if searched is not None:
            conditions.append(searched)
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
    query = (
        query.where(*conditions)
        .order_by(interactions.c.started_at.desc(), interactions.c.id.desc())
        .limit(limit + 1)
    )
    rows = connection.execute(query).all()
    items = [_summary(row, viewer) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = Cursor(last.started_at, last.id).encode()
    return Page(items, next_cursor)


def get_interaction(
    connection: Connection, viewer: Viewer, interaction_id: int
) -> InteractionDetail:
    """One interaction that ``viewer`` may see, with everything about it."""
    row = connection.execute(
        _summary_query(viewer).where(interactions.c.id == interaction_id)
    ).first()
    if row is None:
        raise NotFound(f"no interaction {interaction_id}")
    local = zone(viewer.workspace.timezone)
    full = connection.execute(select(interactions).where(interactions.c.id == interaction_id)).one()
    conversation = [
        Message(
            m.seq,
            m.role,
            m.text,
            from_utc(m.at, local) if m.at else None,
            m.start_s,
            m.end_s,
            m.author_id,
        )
        for m in connection.execute(
            select(messages)
            .where(messages.c.interaction_id == interaction_id)
            .order_by(messages.c.seq)
        )
    ]
    survey_row = connection.execute(
        select(surveys).where(surveys.c.interaction_id == interaction_id).limit(1)
    ).first()
    survey = (
        Survey(
            from_utc(survey_row.at, local) if survey_row.at else None,
            survey_row.csat,
            survey_row.nps,
            survey_row.ces,
            survey_row.comment,
        )
        if survey_row
        else None
    )
    related: list[InteractionSummary] = []
    if full.customer_id:
        related_rows = connection.execute(
            _summary_query(viewer)
            .where(
                interactions.c.customer_id == full.customer_id,
                interactions.c.id != interaction_id,
            )
            .order_by(interactions.c.started_at.desc())
            .limit(50)
        )
        related = [_summary(item, viewer) for item in related_rows]
    return InteractionDetail(
        summary=_summary(row, viewer),
        queued_at=from_utc(full.queued_at, local) if full.queued_at else None,
        wrap_seconds=full.wrap_seconds,
        case_id=full.case_id,
        tags=list(full.tags or []),
        cost=full.cost,
        recording=full.recording,
        meta=dict(full.meta or {}),
        messages=mark_cross_talk(conversation),
        survey=survey,
        related=related,
    )


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
