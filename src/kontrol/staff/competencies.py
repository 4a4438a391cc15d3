"""Competencies, what measures them, and an agent's competency profile over time.

A competency (empathy, product knowledge, communication standards, literacy...)
is linked to the scorecard criteria, quiz topics and interview questions that
measure it. An agent's profile is, per month, the mean fraction of the linked
criteria over the agent's counted evaluations, of their graded test answers on
the linked topics and of the interview ratings (1..5 as 0..1) they got as the
candidate hired into that agent id, with the number of marks behind each figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, require
from kontrol.checks.scorecards import active_scorecards
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.domain.errors import Conflict, NotFound
from kontrol.feedback.coaching import CoachedAgent, find_agent
from kontrol.staff.evidence import EvidenceTally, agent_marks, interview_marks, tally
from kontrol.staff.knowledge import topic_marks
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.rows import insert_row
from kontrol.store.tables import staff_competencies, staff_competency_links

SOURCES = ("criterion", "topic", "question")
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
PROFILE_MONTHS = 6


@dataclass(frozen=True, slots=True)
class Competency:
    """A competency with what measures it."""

    id: int
    key: str
    name: str
    description: str | None
    criteria: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "criteria": list(self.criteria),
            "topics": list(self.topics),
            "questions": list(self.questions),
        }


def list_competencies(connection: Connection, workspace_id: int) -> list[Competency]:
    """The workspace's competencies by name, each with its links."""
    links: dict[int, dict[str, list[str]]] = {}
    rows = connection.execute(
        select(staff_competency_links)
        .join(staff_competencies, staff_competencies.c.id == staff_competency_links.c.competency_id)
        .where(staff_competencies.c.workspace_id == workspace_id)
        .order_by(staff_competency_links.c.ref)
    )
    for row in rows:
        links.setdefault(row.competency_id, {}).setdefault(row.source, []).append(row.ref)
    found = connection.execute(
        select(staff_competencies)
        .where(staff_competencies.c.workspace_id == workspace_id)
        .order_by(staff_competencies.c.name)
    )
    result = []
    for row in found:
        own = links.get(row.id, {})
        result.append(
            Competency(
                row.id,
                row.key,
                row.name,
                row.description,
                tuple(own.get("criterion", [])),
                tuple(own.get("topic", [])),
                tuple(own.get("question", [])),
            )
        )
    return result


def get_competency(connection: Connection, workspace_id: int, competency_id: int) -> Competency:
    """One competency of the workspace; ``NotFound`` otherwise."""
    for competency in list_competencies(connection, workspace_id):
        if competency.id == competency_id:
            return competency
    raise NotFound(
        f"no competency {competency_id}",
        key="staff.error.no_competency",
        params={"competency_id": competency_id},
    )


def _refs(values: list[str] | tuple[str, ...], source: str) -> list[str]:
    cleaned = sorted({value.strip() for value in values if value.strip()})
    for value in cleaned:
        if len(value) > 120:
            raise StaffInputError("staff.error.ref_too_long", source=source)
    return cleaned


def known_criteria(
    connection: Connection, workspace_id: int, language: str | None = None
) -> dict[str, str]:
    """Criterion id -> title over the workspace's active scorecards.

    With ``language`` (the reader's), a criterion is titled from a scorecard in
    that language first, then from one for every language, then from any other:
    a Russian reader of a workspace holding both default scorecards reads
    «Поблагодарил за обращение», not the English title of the same criterion.
    """
    cards = active_scorecards(connection, workspace_id)
    if language is not None:
        cards = sorted(
            cards,
            key=lambda card: (
                0
                if card.scorecard.language == language
                else 1
                if card.scorecard.language is None
                else 2
            ),
        )
    found: dict[str, str] = {}
    for stored in cards:
        for criterion in stored.scorecard.criteria:
            found.setdefault(criterion.id, criterion.title)
    return found


def save_competency(
    connection: Connection,
    viewer: Viewer,
    *,
    key: str,
    name: str,
    description: str = "",
    criteria: list[str] | tuple[str, ...] = (),
    topics: list[str] | tuple[str, ...] = (),
    questions: list[str] | tuple[str, ...] = (),
) -> Competency:
    """Create a competency, or replace the name, description and links of one with ``key``."""
    require(viewer, Action.MANAGE_TRAINING)
    workspace_id = viewer.workspace.id
    key = key.strip().lower()
    if not KEY_PATTERN.match(key):
        raise StaffInputError("staff.error.competency_key")
    name = name.strip()
    if not name or len(name) > 200:
        raise StaffInputError("staff.error.competency_name")
    criteria_refs = _refs(criteria, "criterion")
    unknown = sorted(set(criteria_refs) - set(known_criteria(connection, workspace_id)))
    if unknown:
        raise StaffInputError("staff.error.unknown_criterion", criterion=", ".join(unknown))
    existing = connection.execute(
        select(staff_competencies.c.id).where(
            staff_competencies.c.workspace_id == workspace_id, staff_competencies.c.key == key
        )
    ).scalar()
    values = {"name": name, "description": description.strip() or None}
    if existing is None:
        existing = insert_row(
            connection,
            insert(staff_competencies).values(
                workspace_id=workspace_id, key=key, created_at=utcnow(), **values
            ),
        )
    else:
        connection.execute(
            staff_competencies.update().where(staff_competencies.c.id == existing).values(**values)
        )
        connection.execute(
            delete(staff_competency_links).where(staff_competency_links.c.competency_id == existing)
        )
    rows = [
        {"competency_id": existing, "source": source, "ref": ref}
        for source, refs in (
            ("criterion", criteria_refs),
            ("topic", _refs(topics, "topic")),
            ("question", _refs(questions, "question")),
        )
        for ref in refs
    ]
    if rows:
        connection.execute(insert(staff_competency_links), rows)
    return get_competency(connection, workspace_id, int(existing))


def delete_competency(connection: Connection, viewer: Viewer, competency_id: int) -> None:
    """Remove a competency (its modules keep their criterion)."""
    require(viewer, Action.MANAGE_TRAINING)
    competency = get_competency(connection, viewer.workspace.id, competency_id)
    try:
        connection.execute(
            delete(staff_competencies).where(staff_competencies.c.id == competency.id)
        )
    except Exception as error:  # pragma: no cover - a foreign key would only refuse on a race
        raise Conflict(str(error), key="staff.error.competency_in_use") from error


@dataclass(slots=True)
class CompetencyLine:
    """One competency of one agent: the whole window and per month."""

    competency: Competency
    overall: EvidenceTally
    months: dict[str, EvidenceTally] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "competency": self.competency.key,
            "name": self.competency.name,
            **self.overall.as_json(),
            "months": {key: cell.as_json() for key, cell in self.months.items()},
        }


@dataclass(slots=True)
class CompetencyProfile:
    """An agent's competencies over the last months, weakest first."""

    agent: CoachedAgent
    months: list[str]
    lines: list[CompetencyLine]

    def as_json(self) -> dict[str, object]:
        return {
            "agent": self.agent.external_id,
            "agent_name": self.agent.name,
            "team": self.agent.team,
            "months": self.months,
            "competencies": [line.as_json() for line in self.lines],
        }


def _month_keys(now: datetime, timezone: str, count: int) -> list[str]:
    local = from_utc(now, zone(timezone)).date().replace(day=1)
    keys = []
    for _ in range(count):
        keys.append(local.strftime("%Y-%m"))
        local = (local - timedelta(days=1)).replace(day=1)
    return list(reversed(keys))


def competency_profile(
    connection: Connection,
    viewer: Viewer,
    agent: str,
    *,
    now: datetime | None = None,
) -> CompetencyProfile:
    """The agent's competencies per month: QA evaluations of the linked criteria, graded
    test answers of the linked quiz topics and, when the agent was hired through Kontrol,
    the interview ratings of the guide questions measuring it; each counted once."""
    require(viewer, Action.VIEW_TRAINING)
    person = find_agent(connection, viewer, agent)
    moment = now or utcnow()
    months = _month_keys(moment, viewer.workspace.timezone, PROFILE_MONTHS)
    local = zone(viewer.workspace.timezone)
    since = moment - timedelta(days=31 * PROFILE_MONTHS)
    by_criterion: dict[str, list[tuple[datetime, float]]] = {}
    for mark in agent_marks(connection, viewer.workspace.id, person.external_id, since=since):
        by_criterion.setdefault(mark.criterion, []).append((mark.at, mark.fraction))
    by_topic = topic_marks(connection, viewer.workspace.id, person.external_id)
    by_interview = interview_marks(connection, viewer.workspace.id, person.external_id)
    lines = []
    for competency in list_competencies(connection, viewer.workspace.id):
        points = [p for c in competency.criteria for p in by_criterion.get(c, [])]
        points += [p for t in competency.topics for p in by_topic.get(t, [])]
        points += by_interview.get(competency.id, [])
        cells: dict[str, list[float]] = {key: [] for key in months}
        for at, fraction in points:
            key = from_utc(at, local).strftime("%Y-%m")
            if key in cells:
                cells[key].append(fraction)
        lines.append(
            CompetencyLine(
                competency,
                tally([f for values in cells.values() for f in values]),
                {key: tally(values) for key, values in cells.items()},
            )
        )
    lines.sort(key=lambda line: (line.overall.mean is None, line.overall.mean or 0.0))
    return CompetencyProfile(person, months, lines)
