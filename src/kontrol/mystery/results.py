"""Results of a programme, counted in SQL: by target, scenario and criterion, own
against competitors, by month, and how much of the plan was done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, func, select

from kontrol.mystery.programmes import Programme
from kontrol.store.tables import mystery_answers, mystery_assignments, mystery_submissions


@dataclass(frozen=True)
class ResultLine:
    """One line of a results table: what it is about, how many shops, their mean score."""

    key: str
    title: str
    shops: int
    score: float | None
    passed: int
    kind: str = ""
    # For a criterion: the title of its scenario.
    group: str = ""

    @property
    def pass_rate(self) -> float | None:
        return round(100.0 * self.passed / self.shops, 1) if self.shops else None


@dataclass(frozen=True)
class Fulfilment:
    """Planned and done visits of one month."""

    month: str
    planned: int
    done: int

    @property
    def share(self) -> float | None:
        return round(100.0 * self.done / self.planned, 1) if self.planned else None


@dataclass(frozen=True)
class Results:
    """Everything the results page and the API show."""

    overall: ResultLine
    by_target: list[ResultLine]
    by_scenario: list[ResultLine]
    by_criterion: list[ResultLine]
    by_kind: list[ResultLine]
    by_month: list[ResultLine]
    trend: dict[str, dict[str, float | None]]
    fulfilment: list[Fulfilment]

    def as_json(self) -> dict[str, Any]:
        def figure(f: ResultLine) -> dict[str, Any]:
            return {
                "key": f.key,
                "title": f.title,
                "kind": f.kind or None,
                "scenario": f.group or None,
                "shops": f.shops,
                "score": f.score,
                "pass_rate": f.pass_rate,
            }

        return {
            "overall": figure(self.overall),
            "by_target": [figure(f) for f in self.by_target],
            "by_scenario": [figure(f) for f in self.by_scenario],
            "by_criterion": [figure(f) for f in self.by_criterion],
            "own_vs_competitors": [figure(f) for f in self.by_kind],
            "by_month": [figure(f) for f in self.by_month],
            "trend_by_kind": self.trend,
            "plan": [
                {"month": p.month, "planned": p.planned, "done": p.done, "share": p.share}
                for p in self.fulfilment
            ],
        }


def _round(value: Any) -> float | None:
    return round(float(value), 1) if value is not None else None


def programme_results(
    connection: Connection,
    programme: Programme,
    *,
    month_from: str | None = None,
    month_to: str | None = None,
) -> Results:
    """The programme's results over the months ``month_from``..``month_to`` (YYYY-MM)."""
    s = mystery_submissions
    where = [s.c.programme_id == programme.id]
    if month_from:
        where.append(s.c.month >= month_from)
    if month_to:
        where.append(s.c.month <= month_to)
    passed = func.sum(case((s.c.passed.is_(True), 1), else_=0))

    def grouped(column: Any) -> list[Any]:
        return list(
            connection.execute(
                select(column.label("key"), func.count().label("n"), func.avg(s.c.score), passed)
                .where(*where)
                .group_by(column)
                .order_by(column)
            )
        )

    spec = programme.spec
    targets = {t.key: t for t in spec.targets}
    scenarios = {sc.key: sc for sc in spec.scenarios}
    [total] = connection.execute(
        select(func.count(), func.avg(s.c.score), passed).where(*where)
    ).all()
    overall = ResultLine(
        "all", programme.title, int(total[0]), _round(total[1]), int(total[2] or 0)
    )
    by_target = [
        ResultLine(
            r.key,
            targets[r.key].title if r.key in targets else r.key,
            int(r.n),
            _round(r[2]),
            int(r[3] or 0),
            targets[r.key].kind if r.key in targets else "",
        )
        for r in grouped(s.c.target_key)
    ]
    by_target.sort(key=lambda f: (f.kind != "own", -(f.score or 0)))
    by_scenario = [
        ResultLine(
            r.key,
            scenarios[r.key].title if r.key in scenarios else r.key,
            int(r.n),
            _round(r[2]),
            int(r[3] or 0),
        )
        for r in grouped(s.c.scenario_key)
    ]
    by_kind = [
        ResultLine(r.key, r.key, int(r.n), _round(r[2]), int(r[3] or 0), r.key)
        for r in grouped(s.c.target_kind)
    ]
    by_kind.sort(key=lambda f: f.key != "own")  # our company first
    by_month = [
        ResultLine(r.key, r.key, int(r.n), _round(r[2]), int(r[3] or 0)) for r in grouped(s.c.month)
    ]
    trend: dict[str, dict[str, float | None]] = {}
    for row in connection.execute(
        select(s.c.month, s.c.target_kind, func.avg(s.c.score))
        .where(*where)
        .group_by(s.c.month, s.c.target_kind)
        .order_by(s.c.month)
    ):
        trend.setdefault(row.month, {})[row.target_kind] = _round(row[2])
    a = mystery_answers
    # A criterion belongs to its scenario's checklist: the same id in two scenarios
    # ("correct") asks two different things.
    titles = {
        (sc.key, c.id): (c.title, sc.title) for sc in spec.scenarios for c in sc.checklist.criteria
    }
    by_criterion = []
    for r in connection.execute(
        select(
            s.c.scenario_key,
            a.c.criterion_key,
            func.count(a.c.fraction).label("n"),
            func.avg(a.c.fraction).label("mean"),
            func.sum(case((a.c.fraction >= 1.0, 1), else_=0)).label("ok"),
        )
        .join(s, s.c.id == a.c.submission_id)
        .where(*where, a.c.fraction.is_not(None))
        .group_by(s.c.scenario_key, a.c.criterion_key)
    ):
        title, scenario_title = titles.get(
            (r.scenario_key, r.criterion_key), (r.criterion_key, r.scenario_key)
        )
        by_criterion.append(
            ResultLine(
                f"{r.scenario_key}/{r.criterion_key}",
                title,
                int(r.n),
                _round(100.0 * float(r.mean) if r.mean is not None else None),
                int(r.ok or 0),
                group=scenario_title,
            )
        )
    by_criterion.sort(key=lambda f: (f.score if f.score is not None else 101.0, f.key))
    m = mystery_assignments
    plan_where = [m.c.programme_id == programme.id]
    if month_from:
        plan_where.append(m.c.month >= month_from)
    if month_to:
        plan_where.append(m.c.month <= month_to)
    fulfilment = [
        Fulfilment(r.month, int(r.planned), int(r.done or 0))
        for r in connection.execute(
            select(
                m.c.month,
                func.count().label("planned"),
                func.sum(case((m.c.status == "done", 1), else_=0)).label("done"),
            )
            .where(*plan_where)
            .group_by(m.c.month)
            .order_by(m.c.month)
        )
    ]
    return Results(
        overall=overall,
        by_target=by_target,
        by_scenario=by_scenario,
        by_criterion=by_criterion,
        by_kind=by_kind,
        by_month=by_month,
        trend=trend,
        fulfilment=fulfilment,
    )
