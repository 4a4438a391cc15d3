"""Running an audit: create it with a scope, auditors, dates and a template; answer the items
(pre-filled from Kontrol's own figures where the template says ``measure``); attach
evidence; complete it; delete it with its files.

Admins and QA leads run audits (``RUN_AUDITS``); admins, QA leads, reviewers and
team leads read them (``VIEW_AUDITS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import aliased

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import REFUSALS, Action, allowed, interaction_scope, require
from kontrol.audits import evidence as evidence_files
from kontrol.audits.measures import Scope, measure_item
from kontrol.audits.template_yaml import COMPETITORS, AuditItem
from kontrol.audits.templates import StoredTemplate, latest_template, template_by_id
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, Forbidden, NotFound
from kontrol.improvement.messages import KeyedInvalid
from kontrol.store.tables import (
    audit_answers,
    audit_evidence,
    audits,
    interactions,
    memberships,
    users,
)

SCOPES = ("company", "team", "place", "channel")
STATUSES = ("draft", "completed")
YES_PARTLY_NO = {"yes": 1.0, "partly": 0.5, "no": 0.0}
NA = "na"
MAX_COMPETITORS = 10
# The subject of an answer about our own service (competitor answers carry the name).
OWN = ""


@dataclass(frozen=True, slots=True)
class AuditAnswer:
    """One answer of an item, for our service (subject '') or a competitor."""

    item_key: str
    subject: str
    answer: str | None
    value: float | None
    comment: str | None
    interactions: tuple[int, ...]
    measured: dict[str, Any] | None
    overridden: bool
    answered_by: str | None
    answered_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "item": self.item_key,
            "subject": self.subject,
            "answer": self.answer,
            "value": self.value,
            "comment": self.comment,
            "interactions": list(self.interactions),
            "measured": self.measured,
            "overridden": self.overridden,
            "answered_by": self.answered_by,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
        }


@dataclass(frozen=True, slots=True)
class Audit:
    """An audit with its template version."""

    id: int
    workspace_id: int
    title: str
    template: StoredTemplate
    scope_kind: str
    scope_value: str
    period_from: date
    period_to: date
    held_on: date
    auditors: tuple[int, ...]
    auditor_names: tuple[str, ...]
    competitors: tuple[str, ...]
    status: str
    score: float | None
    completed_at: datetime | None
    created_by: str | None
    created_at: datetime
    version: int

    @property
    def scope(self) -> Scope:
        return Scope(self.scope_kind, self.scope_value, self.period_from, self.period_to)

    def subjects(self, item: AuditItem) -> tuple[str, ...]:
        """Whom an item is answered for: us, and each competitor in the competitor area."""
        if item.area == COMPETITORS:
            return (OWN, *self.competitors)
        return (OWN,)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "template": self.template.name,
            "template_version": self.template.version,
            "scope": {"kind": self.scope_kind, "value": self.scope_value},
            "period_from": self.period_from.isoformat(),
            "period_to": self.period_to.isoformat(),
            "held_on": self.held_on.isoformat(),
            "auditors": list(self.auditor_names),
            "competitors": list(self.competitors),
            "status": self.status,
            "score": self.score,
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
            "created_by": self.created_by,
            "version": self.version,
        }


def _names(connection: Connection, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = connection.execute(select(users.c.id, users.c.display_name).where(users.c.id.in_(ids)))
    return {int(row.id): row.display_name for row in rows}


def audit_from_row(connection: Connection, workspace_id: int, row: Any) -> Audit:
    auditors = tuple(int(x) for x in row.auditors or [])
    names = _names(connection, list(auditors))
    return Audit(
        id=int(row.id),
        workspace_id=int(row.workspace_id),
        title=row.title,
        template=template_by_id(connection, workspace_id, int(row.template_id)),
        scope_kind=row.scope_kind,
        scope_value=row.scope_value,
        period_from=row.period_from,
        period_to=row.period_to,
        held_on=row.held_on,
        auditors=auditors,
        auditor_names=tuple(names[i] for i in auditors if i in names),
        competitors=tuple(row.competitors or []),
        status=row.status,
        score=row.score,
        completed_at=row.completed_at,
        created_by=row.creator_name,
        created_at=row.created_at,
        version=int(row.version),
    )


def audit_query(workspace_id: int) -> Any:
    creator = aliased(users)
    return (
        select(audits, creator.c.display_name.label("creator_name"))
        .select_from(audits.outerjoin(creator, creator.c.id == audits.c.created_by))
        .where(audits.c.workspace_id == workspace_id)
    )


def list_audits(connection: Connection, viewer: Viewer) -> list[Audit]:
    """The workspace's audits, newest first."""
    require(viewer, Action.VIEW_AUDITS)
    rows = connection.execute(
        audit_query(viewer.workspace.id).order_by(audits.c.held_on.desc(), audits.c.id.desc())
    ).all()
    return [audit_from_row(connection, viewer.workspace.id, row) for row in rows]


def get_audit(connection: Connection, viewer: Viewer, audit_id: int) -> Audit:
    """One audit of the viewer's workspace."""
    require(viewer, Action.VIEW_AUDITS)
    row = connection.execute(
        audit_query(viewer.workspace.id).where(audits.c.id == audit_id)
    ).first()
    if row is None:
        raise NotFound(
            f"no audit {audit_id}", key="audits.error.no_audit", params={"audit_id": audit_id}
        )
    return audit_from_row(connection, viewer.workspace.id, row)


def answers_of(connection: Connection, audit_id: int) -> dict[tuple[str, str], AuditAnswer]:
    """The answers of an audit by (item key, subject)."""
    answerer = aliased(users)
    rows = connection.execute(
        select(audit_answers, answerer.c.display_name.label("answerer"))
        .select_from(
            audit_answers.outerjoin(answerer, answerer.c.id == audit_answers.c.answered_by)
        )
        .where(audit_answers.c.audit_id == audit_id)
    )
    return {
        (row.item_key, row.subject): AuditAnswer(
            item_key=row.item_key,
            subject=row.subject,
            answer=row.answer,
            value=row.value,
            comment=row.comment,
            interactions=tuple(int(x) for x in row.interactions or []),
            measured=row.measured,
            overridden=bool(row.overridden),
            answered_by=row.answerer,
            answered_at=row.answered_at,
        )
        for row in rows
    }


# -- creating -----------------------------------------------------------------------------


def _date(values: dict[str, str], name: str) -> date:
    raw = (values.get(name) or "").strip()
    if not raw:
        raise KeyedInvalid("audits.error.required", name)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise KeyedInvalid("audits.error.date", name) from None


def split_names(raw: str) -> list[str]:
    """Competitor names from text: one a line or separated by commas, blanks dropped."""
    return [part.strip() for part in re.split(r"[\n,;]", raw) if part.strip()]


def _auditors(connection: Connection, viewer: Viewer, raw: list[str]) -> list[int]:
    chosen: list[int] = []
    for part in raw:
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or len(part) > 18:
            raise KeyedInvalid("audits.error.auditor", "auditors")
        chosen.append(int(part))
    if not chosen:
        chosen = [viewer.account.id]
    members = {
        int(row.user_id)
        for row in connection.execute(
            select(memberships.c.user_id).where(
                memberships.c.workspace_id == viewer.workspace.id,
                memberships.c.user_id.in_(chosen),
            )
        )
    }
    if set(chosen) - members:
        raise KeyedInvalid("audits.error.auditor", "auditors")
    return list(dict.fromkeys(chosen))


def create_audit(
    connection: Connection,
    viewer: Viewer,
    values: dict[str, str],
    *,
    auditors: list[str] | None = None,
) -> Audit:
    """A new draft audit, with the measurable items pre-filled from Kontrol's figures.

    ``values``: template (a name), title, scope_kind, scope_value, period_from,
    period_to, held_on (YYYY-MM-DD), competitors (names, one a line or by commas).
    """
    require(viewer, Action.RUN_AUDITS)
    name = (values.get("template") or "").strip()
    if not name:
        raise KeyedInvalid("audits.error.required", "template")
    try:
        template = latest_template(connection, viewer.workspace.id, name)
    except NotFound:
        raise KeyedInvalid("audits.error.template", "template") from None
    title = (values.get("title") or "").strip() or template.template.title
    if len(title) > 200:
        raise KeyedInvalid("audits.error.too_long", "title", limit=200)
    scope_kind = (values.get("scope_kind") or "company").strip()
    if scope_kind not in SCOPES:
        raise KeyedInvalid("audits.error.scope", "scope_kind")
    scope_value = (values.get("scope_value") or "").strip()
    if scope_kind != "company" and not scope_value:
        raise KeyedInvalid("audits.error.required", "scope_value")
    if len(scope_value) > 200:
        raise KeyedInvalid("audits.error.too_long", "scope_value", limit=200)
    period_from = _date(values, "period_from")
    period_to = _date(values, "period_to")
    if period_to < period_from:
        raise KeyedInvalid("audits.error.period", "period_to")
    held_on = _date(values, "held_on") if values.get("held_on") else period_to
    competitors = list(dict.fromkeys(split_names(values.get("competitors") or "")))
    if len(competitors) > MAX_COMPETITORS:
        raise KeyedInvalid("audits.error.competitors", "competitors", limit=MAX_COMPETITORS)
    if any(len(c) > 100 for c in competitors):
        raise KeyedInvalid("audits.error.too_long", "competitors", limit=100)
    people = _auditors(connection, viewer, auditors or [])
    now = utcnow()
    new_id = connection.execute(
        audits.insert().values(
            workspace_id=viewer.workspace.id,
            template_id=template.id,
            title=title,
            scope_kind=scope_kind,
            scope_value=scope_value,
            period_from=period_from,
            period_to=period_to,
            held_on=held_on,
            auditors=people,
            competitors=competitors,
            status="draft",
            created_by=viewer.account.id,
            created_at=now,
            version=1,
        )
    ).inserted_primary_key
    assert new_id is not None
    audit = get_audit(connection, viewer, int(new_id[0]))
    prefill(connection, viewer, audit)
    return audit


def prefill(connection: Connection, viewer: Viewer, audit: Audit) -> int:
    """Measure every item with a ``measure``; an answer the auditor changed keeps their value.

    Returns how many items got a figure.
    """
    existing = answers_of(connection, audit.id)
    filled = 0
    for item in audit.template.template.items:
        if item.measure is None or item.area == COMPETITORS:
            continue
        figure = measure_item(connection, viewer.workspace, audit.scope, item.measure)
        found = existing.get((item.key, OWN))
        measured = figure.as_json()
        if figure.value is not None:
            filled += 1
        if found is None:
            connection.execute(
                audit_answers.insert().values(
                    audit_id=audit.id,
                    item_key=item.key,
                    subject=OWN,
                    answer=_number_text(figure.value) if figure.value is not None else None,
                    value=figure.value,
                    interactions=[],
                    measured=measured,
                    overridden=False,
                )
            )
        else:
            changes: dict[str, Any] = {"measured": measured}
            if not found.overridden:
                changes["answer"] = (
                    _number_text(figure.value) if figure.value is not None else found.answer
                )
                changes["value"] = figure.value if figure.value is not None else found.value
            connection.execute(
                audit_answers.update()
                .where(
                    audit_answers.c.audit_id == audit.id,
                    audit_answers.c.item_key == item.key,
                    audit_answers.c.subject == OWN,
                )
                .values(**changes)
            )
    return filled


def _number_text(value: float) -> str:
    return f"{value:g}"


# -- answering ----------------------------------------------------------------------------


def read_answer(item: AuditItem, raw: str) -> tuple[str | None, float | None]:
    """An answer's text and value by the item's scale (``na``: not applicable)."""
    text = raw.strip().lower().replace(",", ".")
    if not text:
        return None, None
    if text == NA:
        return NA, None
    if item.scale == "yes_partly_no":
        if text not in YES_PARTLY_NO:
            raise KeyedInvalid("audits.error.answer_ypn", item.key)
        return text, YES_PARTLY_NO[text]
    try:
        number = float(text)
    except ValueError:
        key = (
            "audits.error.answer_15"
            if item.scale == "one_to_five"
            else "audits.error.answer_number"
        )
        raise KeyedInvalid(key, item.key) from None
    if item.scale == "one_to_five":
        if number not in (1, 2, 3, 4, 5):
            raise KeyedInvalid("audits.error.answer_15", item.key)
        return str(int(number)), number
    if number != number or abs(number) > 1e12:
        raise KeyedInvalid("audits.error.answer_number", item.key)
    return _number_text(number), number


def _interaction_ids(connection: Connection, viewer: Viewer, raw: str) -> list[int]:
    """Interaction ids (or links to them) the viewer may see, from text."""
    found: list[int] = []
    for part in re.split(r"[\s,;]+", raw.strip()):
        if not part:
            continue
        match = re.search(r"(\d{1,18})/?$", part)
        if match is None:
            raise KeyedInvalid("audits.error.interaction", "interactions")
        found.append(int(match.group(1)))
    found = list(dict.fromkeys(found))[:20]
    if not found:
        return []
    visible = {
        int(row.id)
        for row in connection.execute(
            select(interactions.c.id).where(
                interactions.c.id.in_(found),
                interactions.c.workspace_id == viewer.workspace.id,
                interaction_scope(viewer),
            )
        )
    }
    missing = [i for i in found if i not in visible]
    if missing:
        raise KeyedInvalid("audits.error.interaction_missing", "interactions", id=missing[0])
    return found


def may_answer(viewer: Viewer, audit: Audit) -> bool:
    """Whether ``viewer`` may answer ``audit``: who runs audits, or one of its auditors."""
    if allowed(viewer, Action.RUN_AUDITS):
        return True
    return allowed(viewer, Action.ANSWER_AUDITS) and viewer.account.id in audit.auditors


def require_answerer(viewer: Viewer, audit: Audit) -> None:
    """Raise ``Forbidden`` unless ``viewer`` may answer ``audit``."""
    if not may_answer(viewer, audit):
        require(viewer, Action.ANSWER_AUDITS)  # a role that never answers: its own refusal
        raise Forbidden(REFUSALS[Action.ANSWER_AUDITS], key=f"refusal.{Action.ANSWER_AUDITS.value}")


def _draft(audit: Audit) -> None:
    if audit.status != "draft":
        raise Conflict(
            "the audit is completed: reopen it to change answers", key="audits.error.completed"
        )


def save_answer(
    connection: Connection,
    viewer: Viewer,
    audit_id: int,
    *,
    item_key: str,
    subject: str = OWN,
    answer: str,
    comment: str = "",
    interaction_links: str | None = None,
) -> AuditAnswer:
    """Answer one item (for us, or for a competitor in the competitor area)."""
    audit = get_audit(connection, viewer, audit_id)
    require_answerer(viewer, audit)
    _draft(audit)
    item = audit.template.template.item(item_key)
    if item is None:
        raise KeyedInvalid("audits.error.item", "item")
    if subject not in audit.subjects(item):
        raise KeyedInvalid("audits.error.subject", "subject")
    text, value = read_answer(item, answer)
    if len(comment) > 5000:
        raise KeyedInvalid("audits.error.too_long", "comment", limit=5000)
    existing = answers_of(connection, audit_id).get((item_key, subject))
    linked = (
        _interaction_ids(connection, viewer, interaction_links)
        if interaction_links is not None
        else list(existing.interactions if existing else ())
    )
    measured = existing.measured if existing else None
    overridden = bool(
        measured is not None and measured.get("value") is not None and value != measured["value"]
    )
    row = {
        "answer": text,
        "value": value,
        "comment": comment.strip() or None,
        "interactions": linked,
        "overridden": overridden,
        "answered_by": viewer.account.id,
        "answered_at": utcnow(),
    }
    if existing is None:
        connection.execute(
            audit_answers.insert().values(
                audit_id=audit_id, item_key=item_key, subject=subject, measured=None, **row
            )
        )
    else:
        connection.execute(
            audit_answers.update()
            .where(
                audit_answers.c.audit_id == audit_id,
                audit_answers.c.item_key == item_key,
                audit_answers.c.subject == subject,
            )
            .values(**row)
        )
    return answers_of(connection, audit_id)[(item_key, subject)]


def add_evidence(
    connection: Connection,
    viewer: Viewer,
    audit_id: int,
    *,
    item_key: str,
    subject: str = OWN,
    filename: str,
    data: bytes,
) -> evidence_files.Evidence:
    """Attach one uploaded file to an item's answer."""
    audit = get_audit(connection, viewer, audit_id)
    require_answerer(viewer, audit)
    _draft(audit)
    item = audit.template.template.item(item_key)
    if item is None:
        raise KeyedInvalid("audits.error.item", "item")
    if subject not in audit.subjects(item):
        raise KeyedInvalid("audits.error.subject", "subject")
    return evidence_files.store_file(
        connection,
        workspace_id=viewer.workspace.id,
        audit_id=audit_id,
        item_key=item_key,
        subject=subject,
        filename=filename,
        data=data,
        user_id=viewer.account.id,
    )


def remove_evidence(
    connection: Connection, viewer: Viewer, audit_id: int, evidence_id: int
) -> None:
    """Delete one evidence file of a draft audit."""
    audit = get_audit(connection, viewer, audit_id)
    require_answerer(viewer, audit)
    _draft(audit)
    evidence_files.delete_one(
        connection, evidence_files.one_evidence(connection, audit_id, evidence_id)
    )


@dataclass(frozen=True, slots=True)
class Missing:
    """Something that keeps an audit from being completed."""

    item_key: str
    subject: str
    reason: str


def unfinished_items(connection: Connection, audit: Audit) -> list[Missing]:
    """Unanswered items, and items that require evidence but have none."""
    answers = answers_of(connection, audit.id)
    files = {(e.item_key, e.subject) for e in evidence_files.evidence_of(connection, audit.id)}
    out: list[Missing] = []
    for item in audit.template.template.items:
        for subject in audit.subjects(item):
            found = answers.get((item.key, subject))
            if found is None or found.answer is None:
                out.append(Missing(item.key, subject, "unanswered"))
            elif (
                item.evidence
                and subject == OWN
                and found.answer != NA
                and (item.key, subject) not in files
                and not found.interactions
            ):
                out.append(Missing(item.key, subject, "evidence"))
    return out


def complete_audit(connection: Connection, viewer: Viewer, audit_id: int, *, version: int) -> Audit:
    """Close the audit: every item answered, evidence where required; its score is kept."""
    from kontrol.audits.results import audit_results

    require(viewer, Action.RUN_AUDITS)
    audit = get_audit(connection, viewer, audit_id)
    _draft(audit)
    if audit.version != version:
        raise Conflict("someone changed this audit meanwhile: reload it", key="audits.error.stale")
    missing = unfinished_items(connection, audit)
    if missing:
        first = missing[0]
        item = audit.template.template.item(first.item_key)
        title = item.title if item else first.item_key
        who = f" ({first.subject})" if first.subject else ""
        raise KeyedInvalid(
            f"audits.error.missing_{first.reason}",
            first.item_key,
            title=f"{title}{who}",
            count=len(missing),
        )
    results = audit_results(connection, audit)
    connection.execute(
        audits.update()
        .where(audits.c.id == audit_id)
        .values(status="completed", score=results.score, completed_at=utcnow(), version=version + 1)
    )
    return get_audit(connection, viewer, audit_id)


def reopen_audit(connection: Connection, viewer: Viewer, audit_id: int, *, version: int) -> Audit:
    """Open a completed audit again for corrections."""
    require(viewer, Action.RUN_AUDITS)
    audit = get_audit(connection, viewer, audit_id)
    if audit.version != version:
        raise Conflict("someone changed this audit meanwhile: reload it", key="audits.error.stale")
    connection.execute(
        audits.update()
        .where(audits.c.id == audit_id)
        .values(status="draft", completed_at=None, version=version + 1)
    )
    return get_audit(connection, viewer, audit_id)


def delete_audit(connection: Connection, viewer: Viewer, audit_id: int) -> None:
    """Delete an audit with its answers and its evidence files."""
    require(viewer, Action.RUN_AUDITS)
    get_audit(connection, viewer, audit_id)
    keys = evidence_files.storage_keys(connection, audit_id)
    connection.execute(audit_evidence.delete().where(audit_evidence.c.audit_id == audit_id))
    connection.execute(audit_answers.delete().where(audit_answers.c.audit_id == audit_id))
    connection.execute(audits.delete().where(audits.c.id == audit_id))
    evidence_files.remove_files(keys)
