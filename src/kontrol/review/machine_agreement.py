"""Reviewers versus the automatic checks: how often people keep or overturn the machine.

Read from the submitted manual evaluations (review/evaluations.py): each stores, per
criterion, the machine's answer as the reviewer saw it (``auto_result``) beside the
reviewer's (``result``). Per scorecard and criterion: how many had both answers, how
many were kept, how many overturned (pass -> fail, fail -> pass, other), the percent
agreement and Cohen's kappa (``kontrol.review.agreement``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, require, whole_workspace
from kontrol.checks.scorecards import scorecard_version
from kontrol.domain.clock import to_utc, zone
from kontrol.domain.errors import Forbidden, InvalidInput
from kontrol.domain.scorecard import Scorecard
from kontrol.review.agreement import cohen_kappa
from kontrol.review.evaluations import MANUAL, SUBMITTED
from kontrol.store.tables import evaluations, scorecards, users


@dataclass(frozen=True, slots=True)
class CriterionAgreement:
    """How one criterion's manual answers compare with the machine's."""

    scorecard: str
    criterion: str
    title: str
    compared: int
    agreed: int
    pass_to_fail: int
    fail_to_pass: int
    other: int
    kappa: float | None
    kappa_reason: str | None

    @property
    def overturned(self) -> int:
        return self.compared - self.agreed

    @property
    def percent(self) -> float | None:
        """Share of the compared answers where the reviewer kept the machine's, in %."""
        return round(100.0 * self.agreed / self.compared, 1) if self.compared else None

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "scorecard": self.scorecard,
            "criterion": self.criterion,
            "title": self.title,
            "compared": self.compared,
            "agreed": self.agreed,
            "overturned": self.overturned,
            "pass_to_fail": self.pass_to_fail,
            "fail_to_pass": self.fail_to_pass,
            "other": self.other,
            "percent_agreement": self.percent,
            "kappa": self.kappa,
            "kappa_reason": self.kappa_reason,
        }


@dataclass(frozen=True, slots=True)
class AgreementReport:
    """Reviewer versus machine over a period: per criterion and in total."""

    evaluations: int
    rows: list[CriterionAgreement]
    total: CriterionAgreement
    date_from: date | None
    date_to: date | None
    reviewer_id: int | None
    scorecard: str | None
    reviewers: list[tuple[int, str]]
    scorecards: list[str]

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "evaluations": self.evaluations,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "reviewer_id": self.reviewer_id,
            "scorecard": self.scorecard,
            "criteria": [row.as_json() for row in self.rows],
            "total": self.total.as_json(),
        }


def _kappa(pairs: Sequence[tuple[str, str]]) -> tuple[float | None, str | None]:
    figure = cohen_kappa([machine for machine, _ in pairs], [person for _, person in pairs])
    value = round(figure.value, 4) if figure.value is not None else None
    return value, figure.reason


def _agreement_row(
    scorecard_name: str, criterion: str, title: str, pairs: Sequence[tuple[str, str]]
) -> CriterionAgreement:
    agreed = sum(1 for machine, person in pairs if machine == person)
    pass_to_fail = sum(1 for machine, person in pairs if (machine, person) == ("pass", "fail"))
    fail_to_pass = sum(1 for machine, person in pairs if (machine, person) == ("fail", "pass"))
    kappa, reason = _kappa(pairs)
    return CriterionAgreement(
        scorecard_name,
        criterion,
        title,
        len(pairs),
        agreed,
        pass_to_fail,
        fail_to_pass,
        len(pairs) - agreed - pass_to_fail - fail_to_pass,
        kappa,
        reason,
    )


def _conditions(
    viewer: Viewer,
    date_from: date | None,
    date_to: date | None,
    reviewer_id: int | None,
    scorecard: str | None,
) -> list[ColumnElement[bool]]:
    """The submitted manual evaluations the report counts (dates in the workspace's zone)."""
    local = zone(viewer.workspace.timezone)
    conditions = [
        evaluations.c.workspace_id == viewer.workspace.id,
        evaluations.c.kind == MANUAL,
        evaluations.c.status == SUBMITTED,
    ]
    if date_from:
        conditions.append(
            evaluations.c.created_at >= to_utc(datetime.combine(date_from, time()), local)
        )
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time())
        conditions.append(evaluations.c.created_at < to_utc(end, local))
    if reviewer_id is not None:
        conditions.append(evaluations.c.reviewer_id == reviewer_id)
    if scorecard:
        conditions.append(scorecards.c.name == scorecard)
    return conditions


def _criterion_rows(
    connection: Connection, viewer: Viewer, rows: Sequence[Any]
) -> tuple[list[CriterionAgreement], list[tuple[str, str]]]:
    """One row per (scorecard, criterion) in the scorecard's order, and all pairs together."""
    titles: dict[tuple[str, str], str] = {}
    order: dict[tuple[str, str], int] = {}
    pairs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    cards: dict[int, Scorecard] = {}
    for row in rows:
        card = cards.get(int(row.scorecard_id))
        if card is None:
            card = scorecard_version(
                connection, viewer.workspace.id, int(row.scorecard_id)
            ).scorecard
            cards[int(row.scorecard_id)] = card
        for position, criterion in enumerate(card.criteria):
            key = (row.name, criterion.id)
            titles.setdefault(key, criterion.title)
            order.setdefault(key, position)
        for item in row.items or []:
            machine, person = item.get("auto_result"), item.get("result")
            if machine is None or person is None:
                continue
            pairs.setdefault((row.name, str(item.get("criterion"))), []).append(
                (str(machine), str(person))
            )
    keys = sorted(pairs, key=lambda k: (k[0], order.get(k, 10**6), k[1]))
    report_rows = [_agreement_row(k[0], k[1], titles.get(k, k[1]), pairs[k]) for k in keys]
    return report_rows, [pair for key in keys for pair in pairs[key]]


def _choices(connection: Connection, viewer: Viewer) -> tuple[list[tuple[int, str]], list[str]]:
    """The reviewers and scorecard names the report's filters offer."""
    reviewers = [
        (int(r.id), r.display_name)
        for r in connection.execute(
            select(users.c.id, users.c.display_name)
            .where(
                users.c.id.in_(
                    select(evaluations.c.reviewer_id).where(
                        evaluations.c.workspace_id == viewer.workspace.id,
                        evaluations.c.kind == MANUAL,
                    )
                )
            )
            .order_by(users.c.display_name)
        )
        if whole_workspace(viewer) or r.id == viewer.account.id
    ]
    names = [
        str(n)
        for n in connection.execute(
            select(scorecards.c.name)
            .where(scorecards.c.workspace_id == viewer.workspace.id)
            .distinct()
            .order_by(scorecards.c.name)
        ).scalars()
    ]
    return reviewers, names


def review_agreement(
    connection: Connection,
    viewer: Viewer,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    reviewer_id: int | None = None,
    scorecard: str | None = None,
) -> AgreementReport:
    """Per criterion: how often submitted manual answers kept or overturned the machine's.

    Counts the submitted manual evaluations reviewed between ``date_from`` and
    ``date_to`` (inclusive, workspace time zone) and the criteria where both the
    machine and the reviewer gave an answer. A reviewer sees only their own.
    """
    require(viewer, Action.VIEW_REVIEW_AGREEMENT)
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(
            "date_from: is after date_to",
            key="review.error.after_date_to",
            where_key="error.where.field",
            where_params={"field": "date_from"},
        )
    if not whole_workspace(viewer):
        if reviewer_id is not None and reviewer_id != viewer.account.id:
            raise Forbidden(
                "reviewers see their own agreement with the checks only",
                key="review.error.own_agreement",
            )
        reviewer_id = viewer.account.id
    conditions = _conditions(viewer, date_from, date_to, reviewer_id, scorecard)
    rows = connection.execute(
        select(evaluations.c["items"], evaluations.c.scorecard_id, scorecards.c.name)
        .join(scorecards, scorecards.c.id == evaluations.c.scorecard_id)
        .where(and_(*conditions))
        .order_by(evaluations.c.id)
    ).all()
    report_rows, everything = _criterion_rows(connection, viewer, rows)
    reviewers, names = _choices(connection, viewer)
    return AgreementReport(
        evaluations=len(rows),
        rows=report_rows,
        total=_agreement_row("", "", "", everything),
        date_from=date_from,
        date_to=date_to,
        reviewer_id=reviewer_id,
        scorecard=scorecard,
        reviewers=reviewers,
        scorecards=names,
    )
