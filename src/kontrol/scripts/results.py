"""What the adherence check found, gathered per script: steps, agents, teams, versions.

Each scored interaction whose ``script_adherence`` verdict names the script is
an observation: its covered share, the steps covered and skipped, and its
outcomes from the KPI facts (first-contact resolution, repeat contact, CSAT)
and its QA score (the latest manual evaluation, else the automatic one). Every
figure carries the number of interactions behind it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, select, true

from kontrol.checks.stored_results import AUTO, BATCH
from kontrol.domain.clock import utcnow
from kontrol.scripts.adherence import CHECK_ID
from kontrol.scripts.library import StoredScript
from kontrol.store.tables import check_outcomes, evaluations, interaction_facts, interactions

OUTCOMES = ("fcr", "repeat", "csat", "qa")


@dataclass(frozen=True, slots=True)
class Observation:
    """One interaction checked against the script."""

    interaction_id: int
    started_at: datetime
    agent: str
    team: str
    version: int
    share: float
    passed: bool
    covered: tuple[str, ...]
    skipped: tuple[str, ...]
    in_order: bool
    fcr: bool | None = None
    repeat: bool | None = None
    csat: float | None = None
    qa: float | None = None

    def outcome(self, name: str) -> float | None:
        value: bool | float | None = getattr(self, name)
        if value is None:
            return None
        return float(value)


def observations(
    connection: Connection,
    workspace_id: int,
    name: str,
    *,
    scope: ColumnElement[bool] | None = None,
    days: int | None = None,
) -> list[Observation]:
    """Every scored interaction checked against the script ``name`` (in ``scope``)."""
    query = (
        select(
            interactions.c.id,
            interactions.c.started_at,
            interactions.c.agent_external_id,
            interactions.c.agent_name,
            interactions.c.team,
            check_outcomes.c.verdicts,
            interaction_facts.c.fcr,
            interaction_facts.c.repeat_contact,
            interaction_facts.c.csat,
        )
        .join(check_outcomes, check_outcomes.c.interaction_id == interactions.c.id)
        .outerjoin(interaction_facts, interaction_facts.c.interaction_id == interactions.c.id)
        .where(interactions.c.workspace_id == workspace_id, scope if scope is not None else true())
        .order_by(interactions.c.started_at)
    )
    if days is not None:
        query = query.where(interactions.c.started_at >= utcnow() - timedelta(days=days))
    found: list[Observation] = []
    for row in connection.execute(query):
        verdict = (row.verdicts or {}).get(CHECK_ID)
        if not verdict or verdict.get("result") == "na":
            continue
        evidence = verdict.get("evidence") or []
        summary = evidence[0] if evidence else {}
        if summary.get("script") != name:
            continue
        found.append(
            Observation(
                interaction_id=int(row.id),
                started_at=row.started_at,
                agent=row.agent_name or row.agent_external_id or "—",
                team=row.team or "—",
                version=int(summary.get("version") or 0),
                share=float(summary.get("value") or 0.0),
                passed=verdict.get("result") == "pass",
                covered=tuple(summary.get("covered") or ()),
                skipped=tuple(summary.get("skipped") or ()),
                in_order=bool(summary.get("in_order", True)),
                fcr=row.fcr,
                repeat=row.repeat_contact,
                csat=float(row.csat) if row.csat is not None else None,
            )
        )
    scores = _qa_scores(connection, [o.interaction_id for o in found])
    return [
        _with_qa(o, scores[o.interaction_id]) if o.interaction_id in scores else o for o in found
    ]


def _with_qa(observation: Observation, score: float) -> Observation:
    values = {name: getattr(observation, name) for name in Observation.__slots__}
    values["qa"] = score
    return Observation(**values)


def _qa_scores(connection: Connection, ids: Sequence[int]) -> dict[int, float]:
    """Per interaction, the latest manual evaluation's score, else the automatic one's."""
    best: dict[int, tuple[int, int, float]] = {}
    for start in range(0, len(ids), BATCH):
        for row in connection.execute(
            select(
                evaluations.c.interaction_id,
                evaluations.c.id,
                evaluations.c.kind,
                evaluations.c.score,
            ).where(
                evaluations.c.interaction_id.in_(ids[start : start + BATCH]),
                evaluations.c.score.is_not(None),
            )
        ):
            rank = (0 if row.kind == AUTO else 1, int(row.id), float(row.score))
            current = best.get(row.interaction_id)
            if current is None or rank[:2] > current[:2]:
                best[row.interaction_id] = rank
    return {k: v[2] for k, v in best.items()}


# --- figures ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measure:
    """A mean (a rate for yes/no outcomes) and the number of interactions behind it."""

    value: float | None
    n: int

    def as_json(self) -> dict[str, Any]:
        return {"value": None if self.value is None else round(self.value, 4), "n": self.n}


def summarise(values: Iterable[float | None]) -> Measure:
    known = [v for v in values if v is not None]
    return Measure(sum(known) / len(known) if known else None, len(known))


@dataclass(frozen=True, slots=True)
class Group:
    """Adherence of a group of observations (an agent, a team, a version)."""

    key: str
    n: int
    share: Measure
    passed: Measure
    in_order: Measure
    outcomes: dict[str, Measure] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "n": self.n,
            "share": self.share.as_json(),
            "passed": self.passed.as_json(),
            "in_order": self.in_order.as_json(),
            "outcomes": {k: v.as_json() for k, v in self.outcomes.items()},
        }


def group(key: str, items: Sequence[Observation]) -> Group:
    return Group(
        key=key,
        n=len(items),
        share=summarise(o.share for o in items),
        passed=summarise(float(o.passed) for o in items),
        in_order=summarise(float(o.in_order) for o in items),
        outcomes={name: summarise(o.outcome(name) for o in items) for name in OUTCOMES},
    )


def grouped(items: Sequence[Observation], key: Callable[[Observation], str]) -> list[Group]:
    buckets: dict[str, list[Observation]] = defaultdict(list)
    for item in items:
        buckets[key(item)].append(item)
    return sorted(
        (group(k, v) for k, v in buckets.items()),
        key=lambda g: (-(g.share.value or 0.0), g.key),
    )


@dataclass(frozen=True, slots=True)
class StepResult:
    """One step: how often it was covered, and outcomes when covered against when skipped."""

    step_id: str
    covered: Measure
    with_step: dict[str, Measure]
    without_step: dict[str, Measure]

    def effect(self, name: str) -> float | None:
        """Outcome when covered minus outcome when skipped (``None`` without both sides)."""
        a, b = self.with_step[name], self.without_step[name]
        if a.value is None or b.value is None:
            return None
        return a.value - b.value

    def as_json(self) -> dict[str, Any]:
        return {
            "step": self.step_id,
            "covered": self.covered.as_json(),
            "with_step": {k: v.as_json() for k, v in self.with_step.items()},
            "without_step": {k: v.as_json() for k, v in self.without_step.items()},
            "effect": {
                k: (None if (e := self.effect(k)) is None else round(e, 4)) for k in OUTCOMES
            },
        }


def step_results(script: StoredScript, items: Sequence[Observation]) -> list[StepResult]:
    """Per step of the version shown: its coverage and the outcomes on both sides."""
    out = []
    for step in script.script.steps:
        known = [
            o
            for o in items
            if step.id in o.covered or step.id in o.skipped or o.version == script.version
        ]
        covered = [o for o in known if step.id in o.covered]
        skipped = [o for o in known if step.id not in o.covered]
        out.append(
            StepResult(
                step.id,
                summarise(float(step.id in o.covered) for o in known),
                {name: summarise(o.outcome(name) for o in covered) for name in OUTCOMES},
                {name: summarise(o.outcome(name) for o in skipped) for name in OUTCOMES},
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class VersionChange:
    """A version in the changelog with its adherence, outcomes and change from the previous."""

    version: int
    note: str
    created_at: datetime
    created_by: str | None
    figures: Group
    change: dict[str, float | None]

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "note": self.note,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "figures": self.figures.as_json(),
            "change": {k: (None if v is None else round(v, 4)) for k, v in self.change.items()},
        }


def changelog(
    versions: Sequence[StoredScript], items: Sequence[Observation]
) -> list[VersionChange]:
    """Versions oldest first, each with its figures and the change from the one before."""
    by_version: dict[int, list[Observation]] = defaultdict(list)
    for item in items:
        by_version[item.version].append(item)
    out: list[VersionChange] = []
    previous: Group | None = None
    for stored in sorted(versions, key=lambda v: v.version):
        figures = group(f"v{stored.version}", by_version.get(stored.version, []))
        change: dict[str, float | None] = {}
        for name in ("share", *OUTCOMES):
            now = figures.share if name == "share" else figures.outcomes[name]
            before = None
            if previous is not None:
                before = previous.share if name == "share" else previous.outcomes[name]
            change[name] = (
                now.value - before.value
                if before is not None and now.value is not None and before.value is not None
                else None
            )
        out.append(
            VersionChange(
                stored.version, stored.note, stored.created_at, stored.created_by, figures, change
            )
        )
        if figures.n:
            previous = figures
    return out


@dataclass(frozen=True, slots=True)
class ScriptResults:
    """Everything the adherence page shows of one script."""

    total: Group
    steps: list[StepResult]
    agents: list[Group]
    teams: list[Group]
    versions: list[VersionChange]

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total.as_json(),
            "steps": [s.as_json() for s in self.steps],
            "agents": [a.as_json() for a in self.agents],
            "teams": [t.as_json() for t in self.teams],
            "versions": [v.as_json() for v in self.versions],
        }


def script_results(
    shown: StoredScript, versions: Sequence[StoredScript], items: Sequence[Observation]
) -> ScriptResults:
    """The figures of a script's page: total, steps, agents, teams and versions."""
    return ScriptResults(
        total=group("all", items),
        steps=step_results(shown, items),
        agents=grouped(items, lambda o: o.agent),
        teams=grouped(items, lambda o: o.team),
        versions=changelog(versions, items),
    )
