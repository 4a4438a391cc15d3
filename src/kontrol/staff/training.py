"""Training from what QA finds: modules, rules that propose them, assignments, effect.

A QA lead sets a rule ("below 70% on *empathy* over the last 20 evaluations
proposes module X"). Kontrol proposes the module to every agent in the
viewer's scope whose last ``window`` evaluations that counted the criterion
average below the threshold and who has no open assignment of it. A lead
assigns it with a due date; the agent reads it and marks it done.

The effect of an assignment is the criterion before (the last ``window``
evaluations before it was assigned) and after (the first ``window`` after it
was completed), each with the number of evaluations behind it. A module whose
completed assignments, with at least ``MIN_AFTER`` evaluations after, do not
raise the criterion by ``MOVED_BY`` on average is shown as not moving it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import Connection, insert, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import AGENT, Action, require
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kontrol.feedback.coaching import coaching_agents, find_agent
from kontrol.feedback.task_changes import parse_due
from kontrol.staff.competencies import get_competency, known_criteria
from kontrol.staff.evidence import CriterionMark, EvidenceTally, agent_marks, tally
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.rows import insert_row
from kontrol.store.tables import staff_assignments, staff_modules, staff_training_rules

KINDS = ("text", "file", "video", "roleplay")
MOVED_BY = 0.05
MIN_AFTER = 5
DEFAULT_WINDOW = 20


@dataclass(frozen=True, slots=True)
class Module:
    """A training module of the catalogue."""

    id: int
    title: str
    kind: str
    body: str | None
    url: str | None
    criterion: str | None
    competency_id: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "body": self.body,
            "url": self.url,
            "criterion": self.criterion,
            "competency_id": self.competency_id,
        }


def _module(row: Any) -> Module:
    return Module(row.id, row.title, row.kind, row.body, row.url, row.criterion, row.competency_id)


def list_modules(connection: Connection, workspace_id: int) -> list[Module]:
    """The catalogue, by title."""
    rows = connection.execute(
        select(staff_modules)
        .where(staff_modules.c.workspace_id == workspace_id)
        .order_by(staff_modules.c.title)
    )
    return [_module(row) for row in rows]


def get_module(connection: Connection, workspace_id: int, module_id: int) -> Module:
    """One module of the workspace; ``NotFound`` otherwise."""
    row = connection.execute(
        select(staff_modules).where(
            staff_modules.c.id == module_id, staff_modules.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no training module {module_id}",
            key="staff.error.no_training_module",
            params={"module_id": module_id},
        )
    return _module(row)


def _safe_url(url: str) -> str | None:
    url = url.strip()
    if not url:
        return None
    parsed = urlparse(url)
    # Only web addresses: a javascript: or data: link would run in the agent's page.
    if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 500:
        raise StaffInputError("staff.error.module_url")
    return url


def create_module(
    connection: Connection,
    viewer: Viewer,
    *,
    title: str,
    kind: str,
    body: str = "",
    url: str = "",
    criterion: str = "",
    competency_id: int | None = None,
) -> Module:
    """Add a module to the catalogue (admins, QA leads)."""
    require(viewer, Action.MANAGE_TRAINING)
    workspace_id = viewer.workspace.id
    title = title.strip()
    if not title or len(title) > 200:
        raise StaffInputError("staff.error.module_title")
    if kind not in KINDS:
        raise StaffInputError("staff.error.module_kind")
    link = _safe_url(url)
    text = body.strip() or None
    if kind in ("file", "video") and link is None:
        raise StaffInputError("staff.error.module_needs_url")
    if kind in ("text", "roleplay") and text is None:
        raise StaffInputError("staff.error.module_needs_body")
    criterion = criterion.strip()
    if criterion and criterion not in known_criteria(connection, workspace_id):
        raise StaffInputError("staff.error.unknown_criterion", criterion=criterion)
    if competency_id is not None:
        get_competency(connection, workspace_id, competency_id)
    taken = connection.execute(
        select(staff_modules.c.id).where(
            staff_modules.c.workspace_id == workspace_id, staff_modules.c.title == title
        )
    ).first()
    if taken is not None:
        raise StaffInputError("staff.error.module_taken", title=title)
    new_id = insert_row(
        connection,
        insert(staff_modules).values(
            workspace_id=workspace_id,
            competency_id=competency_id,
            title=title,
            kind=kind,
            body=text,
            url=link,
            criterion=criterion or None,
            created_by=viewer.account.username,
            created_at=utcnow(),
        ),
    )
    return get_module(connection, workspace_id, int(new_id))


# -- rules and proposals ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainingRule:
    """Below ``threshold`` on ``criterion`` over the last ``window`` evaluations: ``module``."""

    id: int
    criterion: str
    threshold: float
    window: int
    module_id: int
    module_title: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "criterion": self.criterion,
            "threshold": self.threshold,
            "window": self.window,
            "module_id": self.module_id,
            "module_title": self.module_title,
        }


def list_training_rules(connection: Connection, workspace_id: int) -> list[TrainingRule]:
    """The workspace's training rules."""
    rows = connection.execute(
        select(staff_training_rules, staff_modules.c.title)
        .join(staff_modules, staff_modules.c.id == staff_training_rules.c.module_id)
        .where(staff_training_rules.c.workspace_id == workspace_id)
        .order_by(staff_training_rules.c.criterion, staff_training_rules.c.id)
    )
    return [
        TrainingRule(r.id, r.criterion, r.threshold, r.window, r.module_id, r.title) for r in rows
    ]


def parse_threshold(raw: str | float) -> float:
    """A threshold given as a percentage (70, "70%") or a fraction (0.7)."""
    try:
        value = float(str(raw).strip().rstrip("%").replace(",", "."))
    except ValueError:
        raise StaffInputError("staff.error.threshold") from None
    if value > 1:
        value /= 100
    if not 0 < value <= 1:
        raise StaffInputError("staff.error.threshold")
    return round(value, 4)


def create_rule(
    connection: Connection,
    viewer: Viewer,
    *,
    criterion: str,
    threshold: str | float,
    window: int | str,
    module_id: int,
) -> TrainingRule:
    """A QA lead's rule: which module to propose when a criterion keeps failing."""
    require(viewer, Action.MANAGE_TRAINING)
    workspace_id = viewer.workspace.id
    if criterion not in known_criteria(connection, workspace_id):
        raise StaffInputError("staff.error.unknown_criterion", criterion=criterion)
    try:
        size = int(window)
    except ValueError:
        raise StaffInputError("staff.error.window") from None
    if not 3 <= size <= 200:
        raise StaffInputError("staff.error.window")
    module = get_module(connection, workspace_id, module_id)
    taken = connection.execute(
        select(staff_training_rules.c.id).where(
            staff_training_rules.c.workspace_id == workspace_id,
            staff_training_rules.c.criterion == criterion,
            staff_training_rules.c.module_id == module.id,
        )
    ).first()
    if taken is not None:
        raise StaffInputError("staff.error.rule_taken")
    insert_row(
        connection,
        insert(staff_training_rules).values(
            workspace_id=workspace_id,
            criterion=criterion,
            threshold=parse_threshold(threshold),
            window=size,
            module_id=module.id,
            created_by=viewer.account.username,
            created_at=utcnow(),
        ),
    )
    return next(
        r
        for r in list_training_rules(connection, workspace_id)
        if r.module_id == module.id and r.criterion == criterion
    )


def delete_training_rule(connection: Connection, viewer: Viewer, rule_id: int) -> None:
    """Remove a rule (assignments it proposed stay)."""
    require(viewer, Action.MANAGE_TRAINING)
    removed = connection.execute(
        staff_training_rules.delete().where(
            staff_training_rules.c.id == rule_id,
            staff_training_rules.c.workspace_id == viewer.workspace.id,
        )
    ).rowcount
    if not removed:
        raise NotFound(
            f"no training rule {rule_id}",
            key="staff.error.no_training_rule",
            params={"rule_id": rule_id},
        )


@dataclass(frozen=True, slots=True)
class Proposal:
    """A module Kontrol proposes for an agent, and the figure that triggered it."""

    rule: TrainingRule
    agent: str
    agent_name: str | None
    team: str | None
    recent: EvidenceTally

    def as_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule.id,
            "module_id": self.rule.module_id,
            "module_title": self.rule.module_title,
            "criterion": self.rule.criterion,
            "threshold": self.rule.threshold,
            "agent": self.agent,
            "agent_name": self.agent_name,
            "team": self.team,
            "recent": self.recent.as_json(),
        }


def _fractions(marks: list[CriterionMark], criterion: str) -> list[float]:
    return [mark.fraction for mark in marks if mark.criterion == criterion]


def _open_pairs(connection: Connection, workspace_id: int) -> set[tuple[str, int]]:
    rows = connection.execute(
        select(staff_assignments.c.agent_external_id, staff_assignments.c.module_id).where(
            staff_assignments.c.workspace_id == workspace_id,
            staff_assignments.c.completed_at.is_(None),
        )
    )
    return {(row.agent_external_id, row.module_id) for row in rows}


def proposals(connection: Connection, viewer: Viewer) -> list[Proposal]:
    """Modules the rules propose for the agents ``viewer`` may assign training to."""
    require(viewer, Action.ASSIGN_TRAINING)
    rules = list_training_rules(connection, viewer.workspace.id)
    if not rules:
        return []
    busy = _open_pairs(connection, viewer.workspace.id)
    found = []
    for person in coaching_agents(connection, viewer):
        marks = agent_marks(connection, viewer.workspace.id, person.external_id)
        for rule in rules:
            if (person.external_id, rule.module_id) in busy:
                continue
            recent = tally(_fractions(marks, rule.criterion)[-rule.window :])
            if recent.n >= rule.window and (recent.mean or 0.0) < rule.threshold:
                found.append(Proposal(rule, person.external_id, person.name, person.team, recent))
    found.sort(key=lambda p: (p.recent.mean or 0.0, p.agent))
    return found


# -- assignments ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainingAssignment:
    """A module assigned to an agent, with its before/after on the criterion."""

    id: int
    module: Module
    agent: str
    criterion: str | None
    assigned_by: str
    assigned_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    before: EvidenceTally
    after: EvidenceTally

    @property
    def status(self) -> str:
        """open, overdue or done."""
        if self.completed_at is not None:
            return "done"
        if self.due_at is not None and self.due_at < utcnow():
            return "overdue"
        return "open"

    @property
    def change(self) -> float | None:
        """After minus before, once both have figures."""
        if self.before.mean is None or self.after.mean is None:
            return None
        return round(self.after.mean - self.before.mean, 4)

    @property
    def verdict(self) -> str:
        """pending (not done or too few evaluations after), improved or not_moved."""
        change = self.change
        if change is None or self.after.n < MIN_AFTER:
            return "pending"
        return "improved" if change >= MOVED_BY else "not_moved"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "module_id": self.module.id,
            "module_title": self.module.title,
            "agent": self.agent,
            "criterion": self.criterion,
            "assigned_by": self.assigned_by,
            "assigned_at": self.assigned_at.isoformat(),
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
            "status": self.status,
            "before": self.before.as_json(),
            "after": self.after.as_json(),
            "change": self.change,
            "verdict": self.verdict,
        }


def _effect(
    marks: list[CriterionMark],
    criterion: str | None,
    start: datetime,
    end: datetime | None,
    window: int,
) -> tuple[EvidenceTally, EvidenceTally]:
    if not criterion:
        return EvidenceTally(0, None), EvidenceTally(0, None)
    before = [m.fraction for m in marks if m.criterion == criterion and m.at < start]
    after = (
        [m.fraction for m in marks if m.criterion == criterion and m.at >= end]
        if end is not None
        else []
    )
    return tally(before[-window:]), tally(after[:window])


def list_training_assignments(
    connection: Connection,
    viewer: Viewer,
    *,
    agent: str | None = None,
    module_id: int | None = None,
) -> list[TrainingAssignment]:
    """Assignments ``viewer`` may see (agents: their own), newest first, with their effect."""
    require(viewer, Action.VIEW_TRAINING)
    workspace_id = viewer.workspace.id
    visible = {a.external_id for a in coaching_agents(connection, viewer)}
    if viewer.role is AGENT:
        visible = {viewer.membership.agent_external_id or ""} & visible
    query = (
        select(staff_assignments, staff_training_rules.c.window)
        .outerjoin(staff_training_rules, staff_training_rules.c.id == staff_assignments.c.rule_id)
        .where(
            staff_assignments.c.workspace_id == workspace_id,
            staff_assignments.c.agent_external_id.in_(sorted(visible)),
        )
        .order_by(staff_assignments.c.assigned_at.desc(), staff_assignments.c.id.desc())
    )
    if agent is not None:
        query = query.where(staff_assignments.c.agent_external_id == agent)
    if module_id is not None:
        query = query.where(staff_assignments.c.module_id == module_id)
    rows = connection.execute(query).all()
    modules = {m.id: m for m in list_modules(connection, workspace_id)}
    marks: dict[str, list[CriterionMark]] = {}
    result = []
    for row in rows:
        if row.agent_external_id not in marks:
            marks[row.agent_external_id] = agent_marks(
                connection, workspace_id, row.agent_external_id
            )
        before, after = _effect(
            marks[row.agent_external_id],
            row.criterion,
            row.assigned_at,
            row.completed_at,
            row.window or DEFAULT_WINDOW,
        )
        result.append(
            TrainingAssignment(
                row.id,
                modules[row.module_id],
                row.agent_external_id,
                row.criterion,
                row.assigned_by,
                row.assigned_at,
                row.due_at,
                row.completed_at,
                before,
                after,
            )
        )
    return result


def get_training_assignment(
    connection: Connection, viewer: Viewer, assignment_id: int
) -> TrainingAssignment:
    """One assignment ``viewer`` may see; ``NotFound`` for the others, as for unknown ones."""
    for assignment in list_training_assignments(connection, viewer):
        if assignment.id == assignment_id:
            return assignment
    raise NotFound(
        f"no training assignment {assignment_id}",
        key="staff.error.no_training_assignment",
        params={"assignment_id": assignment_id},
    )


def assign_module(
    connection: Connection,
    viewer: Viewer,
    *,
    module_id: int,
    agent: str,
    due: str = "",
    criterion: str | None = None,
    rule_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Assign a module to an agent in the viewer's scope, with a due date; its id."""
    require(viewer, Action.ASSIGN_TRAINING)
    person = find_agent(connection, viewer, agent)
    module = get_module(connection, viewer.workspace.id, module_id)
    try:
        due_at = parse_due(due, viewer.workspace.timezone) if due.strip() else None
    except InvalidInput:
        raise StaffInputError("staff.error.due") from None
    if (person.external_id, module.id) in _open_pairs(connection, viewer.workspace.id):
        raise Conflict(
            f"{person.external_id} already has {module.title!r} open",
            key="staff.error.module_open",
            params={"external_id": person.external_id, "title": module.title},
        )
    if rule_id is not None and rule_id not in {
        r.id for r in list_training_rules(connection, viewer.workspace.id)
    }:
        raise NotFound(
            f"no training rule {rule_id}",
            key="staff.error.no_training_rule",
            params={"rule_id": rule_id},
        )
    return int(
        insert_row(
            connection,
            insert(staff_assignments).values(
                workspace_id=viewer.workspace.id,
                module_id=module.id,
                agent_external_id=person.external_id,
                criterion=criterion or module.criterion,
                rule_id=rule_id,
                assigned_by=viewer.account.username,
                assigned_at=now or utcnow(),
                due_at=due_at,
            ),
        )
    )


def complete_assignment(
    connection: Connection, viewer: Viewer, assignment_id: int, *, now: datetime | None = None
) -> TrainingAssignment:
    """The agent marks their module done (once)."""
    require(viewer, Action.COMPLETE_TRAINING)
    assignment = get_training_assignment(connection, viewer, assignment_id)
    if assignment.agent != viewer.membership.agent_external_id:
        raise Forbidden(
            "only the agent it is assigned to completes a module", key="staff.error.not_your_module"
        )
    done = connection.execute(
        update(staff_assignments)
        .where(staff_assignments.c.id == assignment.id, staff_assignments.c.completed_at.is_(None))
        .values(completed_at=now or utcnow())
    ).rowcount
    if not done:
        raise Conflict("this module is already completed", key="staff.error.module_completed")
    return get_training_assignment(connection, viewer, assignment_id)


@dataclass(frozen=True, slots=True)
class ModuleEffect:
    """How a module moved its criterion over its completed assignments."""

    module: Module
    assigned: int
    completed: int
    measured: int
    before: EvidenceTally
    after: EvidenceTally

    @property
    def change(self) -> float | None:
        if self.before.mean is None or self.after.mean is None:
            return None
        return round(self.after.mean - self.before.mean, 4)

    @property
    def verdict(self) -> str:
        """pending (nothing measured yet), improved or not_moved."""
        change = self.change
        if not self.measured or change is None:
            return "pending"
        return "improved" if change >= MOVED_BY else "not_moved"

    def as_json(self) -> dict[str, Any]:
        return {
            "module_id": self.module.id,
            "module_title": self.module.title,
            "criterion": self.module.criterion,
            "assigned": self.assigned,
            "completed": self.completed,
            "measured": self.measured,
            "before": self.before.as_json(),
            "after": self.after.as_json(),
            "change": self.change,
            "verdict": self.verdict,
        }


def module_effects(connection: Connection, viewer: Viewer) -> list[ModuleEffect]:
    """Per module: before and after over the assignments measured (enough evaluations after).

    The figures pool the evaluations of the measured assignments, so ``n`` is
    the number of evaluations behind each mean.
    """
    require(viewer, Action.ASSIGN_TRAINING)
    assignments = list_training_assignments(connection, viewer)
    result = []
    for module in list_modules(connection, viewer.workspace.id):
        own = [a for a in assignments if a.module.id == module.id]
        measured = [a for a in own if a.verdict != "pending"]
        before_n = sum(a.before.n for a in measured)
        after_n = sum(a.after.n for a in measured)
        before = EvidenceTally(
            before_n,
            round(sum((a.before.mean or 0) * a.before.n for a in measured) / before_n, 4)
            if before_n
            else None,
        )
        after = EvidenceTally(
            after_n,
            round(sum((a.after.mean or 0) * a.after.n for a in measured) / after_n, 4)
            if after_n
            else None,
        )
        result.append(
            ModuleEffect(
                module,
                len(own),
                sum(1 for a in own if a.completed_at),
                len(measured),
                before,
                after,
            )
        )
    return result
