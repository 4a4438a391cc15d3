"""An audit's results: per item and area, the total, the previous audit, the competitors.

How an answer scores (a fraction 0..1 of the item's weight):
- yes / partly / no: 1, 0.5, 0;
- 1-5: (answer - 1) / 4;
- a number with a target: 1 when on the good side of the target, otherwise the
  share of the way there (``value / target`` when higher is better,
  ``target / value`` when lower is better);
- ``na``: left out of the area's weights.

An area's score is the weighted mean of its items × 100; the audit's score is
the weighted mean over the areas of our own service (the competitor area is
compared side by side, not added in). A finding is an item of our own service
that scored below 1, worst weighted shortfall first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed
from kontrol.audits.conduct import (
    NA,
    OWN,
    Audit,
    AuditAnswer,
    answers_of,
    audit_from_row,
    audit_query,
    get_audit,
)
from kontrol.audits.evidence import Evidence, evidence_of
from kontrol.audits.template_yaml import COMPETITORS, AuditItem
from kontrol.domain.errors import NotFound
from kontrol.store.tables import audit_templates, audits


def fraction(item: AuditItem, answer: AuditAnswer | None) -> float | None:
    """The share of the item's weight an answer earns; None when unanswered or n/a."""
    if answer is None or answer.answer in (None, NA) or answer.value is None:
        return None
    value = answer.value
    if item.scale == "yes_partly_no":
        return value
    if item.scale == "one_to_five":
        return (value - 1.0) / 4.0
    target = item.target
    if target is None:
        return None
    if item.direction == "higher":
        if value >= target:
            return 1.0
        return max(0.0, value / target) if target > 0 else 0.0
    if value <= target:
        return 1.0
    return max(0.0, target / value) if value > 0 else 0.0


def _weighted(pairs: list[tuple[float, float | None]]) -> float | None:
    counted = [(w, f) for w, f in pairs if f is not None]
    total = sum(w for w, _ in counted)
    if not total:
        return None
    return round(100.0 * sum(w * f for w, f in counted) / total, 1)


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One item of our own service with its answer, score and what supports it."""

    item: AuditItem
    answer: AuditAnswer | None
    fraction: float | None
    evidence: tuple[Evidence, ...]
    previous: float | None = None

    @property
    def score(self) -> float | None:
        return round(100.0 * self.fraction, 1) if self.fraction is not None else None

    @property
    def change(self) -> float | None:
        if self.score is None or self.previous is None:
            return None
        return round(self.score - self.previous, 1)

    @property
    def finding(self) -> bool:
        return self.fraction is not None and self.fraction < 1.0

    def as_json(self) -> dict[str, Any]:
        return {
            "item": self.item.key,
            "title": self.item.title,
            "weight": self.item.weight,
            "answer": self.answer.as_json() if self.answer else None,
            "score": self.score,
            "previous": self.previous,
            "change": self.change,
            "evidence": [e.as_json() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class AreaResult:
    """One area: its items and score, with the previous audit's score."""

    id: str
    title: str
    items: tuple[ItemResult, ...]
    score: float | None
    previous: float | None = None

    @property
    def change(self) -> float | None:
        if self.score is None or self.previous is None:
            return None
        return round(self.score - self.previous, 1)

    def as_json(self) -> dict[str, Any]:
        return {
            "area": self.id,
            "title": self.title,
            "score": self.score,
            "previous": self.previous,
            "change": self.change,
            "items": [i.as_json() for i in self.items],
        }


@dataclass(frozen=True, slots=True)
class CompetitorRow:
    """One competitor-area item: our answer and each competitor's, side by side."""

    item: AuditItem
    cells: tuple[tuple[str, AuditAnswer | None, float | None], ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "item": self.item.key,
            "title": self.item.title,
            "by": [
                {
                    "subject": subject or None,
                    "answer": answer.answer if answer else None,
                    "score": round(100.0 * f, 1) if f is not None else None,
                }
                for subject, answer, f in self.cells
            ],
        }


@dataclass(frozen=True, slots=True)
class AuditResults:
    """Everything the results page, the API and the PDF show."""

    audit: Audit
    areas: tuple[AreaResult, ...]
    score: float | None
    previous_audit: Audit | None
    previous_score: float | None
    subjects: tuple[str, ...]
    competitor_rows: tuple[CompetitorRow, ...]
    # By subject ('' = us): the competitor area's score.
    competitor_scores: dict[str, float | None] = field(default_factory=dict)

    @property
    def findings(self) -> list[ItemResult]:
        found = [i for area in self.areas for i in area.items if i.finding]
        return sorted(found, key=lambda i: -(i.item.weight * (1.0 - (i.fraction or 0.0))))

    def as_json(self) -> dict[str, Any]:
        return {
            "audit": self.audit.as_json(),
            "score": self.score,
            "previous_audit_id": self.previous_audit.id if self.previous_audit else None,
            "previous_score": self.previous_score,
            "areas": [a.as_json() for a in self.areas],
            "competitors": {
                "subjects": [s or None for s in self.subjects],
                "scores": [self.competitor_scores.get(s) for s in self.subjects],
                "items": [row.as_json() for row in self.competitor_rows],
            },
            "findings": [
                {"item": f.item.key, "title": f.item.title, "score": f.score} for f in self.findings
            ],
        }


def previous_audit_of(connection: Connection, audit: Audit) -> Audit | None:
    """The last completed audit of the same template and scope held before this one."""
    same_template = select(audit_templates.c.id).where(
        audit_templates.c.workspace_id == audit.workspace_id,
        audit_templates.c.name == audit.template.name,
    )
    row = connection.execute(
        audit_query(audit.workspace_id)
        .where(
            audits.c.id != audit.id,
            audits.c.status == "completed",
            audits.c.template_id.in_(same_template),
            audits.c.scope_kind == audit.scope_kind,
            audits.c.scope_value == audit.scope_value,
            (audits.c.held_on < audit.held_on)
            | ((audits.c.held_on == audit.held_on) & (audits.c.id < audit.id)),
        )
        .order_by(audits.c.held_on.desc(), audits.c.id.desc())
        .limit(1)
    ).first()
    return audit_from_row(connection, audit.workspace_id, row) if row is not None else None


def _own_scores(
    connection: Connection, audit: Audit
) -> tuple[dict[str, float | None], dict[str, float | None], float | None]:
    """Item scores, area scores and the total of an audit (our own service)."""
    answers = answers_of(connection, audit.id)
    items: dict[str, float | None] = {}
    areas: dict[str, float | None] = {}
    everything: list[tuple[float, float | None]] = []
    for area in audit.template.template.areas:
        if area.id == COMPETITORS:
            continue
        pairs = []
        for item in area.items:
            f = fraction(item, answers.get((item.key, OWN)))
            items[item.key] = round(100.0 * f, 1) if f is not None else None
            pairs.append((item.weight, f))
        areas[area.id] = _weighted(pairs)
        everything.extend(pairs)
    return items, areas, _weighted(everything)


def audit_results(connection: Connection, audit: Audit) -> AuditResults:
    """The results of an audit, compared with the previous one of its template and scope."""
    answers = answers_of(connection, audit.id)
    files: dict[tuple[str, str], list[Evidence]] = {}
    for stored in evidence_of(connection, audit.id):
        files.setdefault((stored.item_key, stored.subject), []).append(stored)
    previous = previous_audit_of(connection, audit)
    before_items: dict[str, float | None] = {}
    before_areas: dict[str, float | None] = {}
    before_total: float | None = None
    if previous is not None:
        before_items, before_areas, before_total = _own_scores(connection, previous)
    areas: list[AreaResult] = []
    everything: list[tuple[float, float | None]] = []
    rows: list[CompetitorRow] = []
    subjects = (OWN, *audit.competitors)
    by_subject: dict[str, list[tuple[float, float | None]]] = {s: [] for s in subjects}
    for area in audit.template.template.areas:
        if area.id == COMPETITORS:
            for item in area.items:
                cells = []
                for subject in subjects:
                    answer = answers.get((item.key, subject))
                    f = fraction(item, answer)
                    cells.append((subject, answer, f))
                    by_subject[subject].append((item.weight, f))
                rows.append(CompetitorRow(item, tuple(cells)))
            continue
        results = []
        pairs = []
        for item in area.items:
            answer = answers.get((item.key, OWN))
            f = fraction(item, answer)
            pairs.append((item.weight, f))
            results.append(
                ItemResult(
                    item,
                    answer,
                    f,
                    tuple(files.get((item.key, OWN), [])),
                    before_items.get(item.key),
                )
            )
        everything.extend(pairs)
        areas.append(
            AreaResult(
                area.id, area.title, tuple(results), _weighted(pairs), before_areas.get(area.id)
            )
        )
    return AuditResults(
        audit=audit,
        areas=tuple(areas),
        score=_weighted(everything),
        previous_audit=previous,
        previous_score=before_total,
        subjects=subjects if rows else (),
        competitor_rows=tuple(rows),
        competitor_scores={s: _weighted(p) for s, p in by_subject.items()} if rows else {},
    )


def action_link(audit: Audit, item: AuditItem, locale_title: str | None = None) -> str:
    """The "create an action" form, filled in from a finding of this audit."""
    params = {
        "title": locale_title or item.title,
        "source": f"audit:{audit.id}:item:{item.key}",
    }
    if item.measure and item.measure.startswith("kpi:"):
        params["metric"] = item.measure.split(":", 1)[1]
    return "/actions/new?" + urlencode(params)


_FINDING = re.compile(r"^audit:(\d{1,18}):item:([a-z0-9][a-z0-9_-]{0,59})$")


def finding_defaults(connection: Connection, viewer: Viewer, source: str) -> dict[str, str]:
    """What an action made from an audit finding (``audit:<id>:item:<key>``) starts with:
    the item to move, its target and direction, and the item's title. Empty for any
    other source, or an audit the viewer cannot see."""
    match = _FINDING.match(source or "")
    if match is None or not allowed(viewer, Action.VIEW_AUDITS):
        return {}
    try:
        audit = get_audit(connection, viewer, int(match.group(1)))
    except NotFound:
        return {}
    item = audit.template.template.item(match.group(2))
    if item is None:
        return {}
    values = {
        "title": item.title,
        "audit_template": audit.template.name,
        "audit_item": item.key,
        "direction": item.direction,
    }
    if item.scale == "number" and item.target is not None:
        values["target"] = f"{item.target:g}"
    elif item.scale == "yes_partly_no":
        values["target"] = "1"
        values["direction"] = "higher"
    elif item.scale == "one_to_five":
        values["target"] = "4"
        values["direction"] = "higher"
    if item.measure and item.measure.startswith("kpi:"):
        values["metric"] = item.measure.split(":", 1)[1]
    if audit.scope_kind == "team":
        values["team"] = audit.scope_value
    return values
