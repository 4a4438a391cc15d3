"""Report kinds of the field work: service audits and mystery shopping.

Registered in the ``kontrol.report_kinds`` entry-point group beside the
built-in kinds (``fieldwork = "kontrol.reports.fieldwork"``). Every number is
the one the audit's results page and the programme's results page show for the
same period: the audits kind reads ``audits.results.audit_results`` of each
audit completed in the period, the mystery kind ``mystery.results.programme_results``
of the months the period touches (shops are counted by month).
"""

from __future__ import annotations

from typing import ClassVar

from kontrol.accounts.policy import Action, require
from kontrol.audits.conduct import Audit, audit_from_row, audit_query
from kontrol.audits.results import AuditResults, audit_results
from kontrol.domain.periods import Period
from kontrol.i18n import translate
from kontrol.mystery.programmes import list_programmes
from kontrol.mystery.results import ResultLine, Results, programme_results
from kontrol.reports.content import Chart, Column, ReportContent, ReportSection, ReportTable, Value
from kontrol.reports.kinds import BuildRequest, ReportKind, report_kind
from kontrol.store.tables import audits

# How many findings (audits) and weakest criteria (mystery shopping) a report lists.
TOP_FINDINGS = 20
WEAKEST_CRITERIA = 10


def _t(request: BuildRequest, key: str) -> str:
    return translate(request.locale, key)


def _dates_text(request: BuildRequest) -> str:
    return f"{request.dates.first:%d.%m.%Y} – {request.dates.last:%d.%m.%Y}"


def _change(now: float | None, before: float | None) -> float | None:
    return round(now - before, 1) if now is not None and before is not None else None


def completed_audits(request: BuildRequest) -> list[Audit]:
    """The audits of the workspace completed and held in the request's dates, by date."""
    workspace_id = request.viewer.workspace.id
    rows = request.connection.execute(
        audit_query(workspace_id)
        .where(
            audits.c.status == "completed",
            audits.c.held_on >= request.dates.first,
            audits.c.held_on <= request.dates.last,
        )
        .order_by(audits.c.held_on, audits.c.id)
    ).all()
    return [audit_from_row(request.connection, workspace_id, row) for row in rows]


def _scope_text(request: BuildRequest, audit: Audit) -> str:
    key = f"audits.scope.{audit.scope_kind}"
    label = translate(request.locale, key)
    label = audit.scope_kind if label == key else label
    return f"{label}: {audit.scope_value}" if audit.scope_value else label


@report_kind
class AuditsReport(ReportKind):
    """The audits completed in the period: scores against the previous audit, areas, findings."""

    id: ClassVar[str] = "audits"
    period: ClassVar[Period] = Period.MONTH
    params: ClassVar[tuple[str, ...]] = ()

    def build(self, request: BuildRequest) -> ReportContent:
        """Each completed audit's results, as its results page shows them."""
        require(request.viewer, Action.VIEW_AUDITS)
        held = completed_audits(request)
        results: list[AuditResults] = [audit_results(request.connection, a) for a in held]
        score_columns = [
            Column(_t(request, "reports.col.audit")),
            Column(_t(request, "reports.col.scope")),
            Column(_t(request, "reports.col.held_on")),
            Column(_t(request, "reports.col.score"), "points-plain"),
            Column(_t(request, "reports.col.previous"), "points-plain"),
            Column(_t(request, "reports.col.change"), "points"),
            Column(_t(request, "reports.col.findings"), "count"),
        ]
        score_rows: list[list[Value]] = [
            [
                r.audit.title,
                _scope_text(request, r.audit),
                f"{r.audit.held_on:%d.%m.%Y}",
                r.score,
                r.previous_score,
                _change(r.score, r.previous_score),
                len(r.findings),
            ]
            for r in results
        ]
        area_rows: list[list[Value]] = [
            [r.audit.title, area.title, area.score, area.previous, area.change]
            for r in results
            for area in r.areas
        ]
        findings = sorted(
            ((r, f) for r in results for f in r.findings),
            key=lambda pair: -(pair[1].item.weight * (1.0 - (pair[1].fraction or 0.0))),
        )[:TOP_FINDINGS]
        finding_rows: list[list[Value]] = [
            [r.audit.title, f.item.title, f.score, f.change] for r, f in findings
        ]
        scored = [r.score for r in results if r.score is not None]
        mean = round(sum(scored) / len(scored), 1) if scored else None
        summary = ReportTable(
            _t(request, "reports.section.summary"),
            [
                Column(_t(request, "reports.col.metric")),
                Column(_t(request, "reports.col.value"), "by-row"),
            ],
            [
                [_t(request, "reports.col.audits_held"), len(results)],
                [_t(request, "reports.col.mean_score"), mean],
                [_t(request, "reports.col.findings"), sum(len(r.findings) for r in results)],
            ],
            ["count", "points-plain", "count"],
        )
        chart = Chart(
            title=_t(request, "reports.section.audit_scores"),
            labels=[f"{r.audit.title} ({r.audit.held_on:%d.%m})" for r in results],
            series=[(_t(request, "reports.col.score"), [r.score for r in results])],
            unit="points-plain",
            style="hbar",
        )
        sections = [ReportSection(summary.title, tables=[summary])]
        if not results:
            sections[0].notes.append(_t(request, "reports.note.no_audits"))
        else:
            sections += [
                ReportSection(
                    _t(request, "reports.section.audit_scores"),
                    tables=[
                        ReportTable(
                            _t(request, "reports.section.audit_scores"), score_columns, score_rows
                        )
                    ],
                    charts=[chart],
                ),
                ReportSection(
                    _t(request, "reports.section.areas"),
                    tables=[
                        ReportTable(
                            _t(request, "reports.section.areas"),
                            [
                                Column(_t(request, "reports.col.audit")),
                                Column(_t(request, "reports.col.area")),
                                Column(_t(request, "reports.col.score"), "points-plain"),
                                Column(_t(request, "reports.col.previous"), "points-plain"),
                                Column(_t(request, "reports.col.change"), "points"),
                            ],
                            area_rows,
                        )
                    ],
                ),
                ReportSection(
                    _t(request, "reports.section.findings"),
                    tables=[
                        ReportTable(
                            _t(request, "reports.section.findings"),
                            [
                                Column(_t(request, "reports.col.audit")),
                                Column(_t(request, "reports.col.item")),
                                Column(_t(request, "reports.col.score"), "points-plain"),
                                Column(_t(request, "reports.col.change"), "points"),
                            ],
                            finding_rows,
                        )
                    ],
                ),
            ]
        return ReportContent(
            title=_t(request, "reports.kind.audits"),
            subtitle=_dates_text(request),
            sections=sections,
            link="/audits",
            figures={
                "audits": len(results),
                "mean_score": mean,
                "findings": sum(len(r.findings) for r in results),
            },
        )


def _months(request: BuildRequest) -> tuple[str, str]:
    return f"{request.dates.first:%Y-%m}", f"{request.dates.last:%Y-%m}"


def _kind_title(request: BuildRequest, kind: str) -> str:
    key = f"mystery.kind.{kind}"
    title = translate(request.locale, key)
    return kind if title == key else title


def _line_cells(line: ResultLine) -> list[Value]:
    return [line.shops, line.score, line.pass_rate]


def _programme_sections(request: BuildRequest, title: str, results: Results) -> list[ReportSection]:
    line_columns = [
        Column(_t(request, "reports.col.shops"), "count"),
        Column(_t(request, "reports.col.score"), "points-plain"),
        Column(_t(request, "reports.col.pass_rate"), "%"),
    ]
    planned = sum(f.planned for f in results.fulfilment)
    done = sum(f.done for f in results.fulfilment)
    summary = ReportTable(
        title,
        [
            Column(_t(request, "reports.col.metric")),
            Column(_t(request, "reports.col.value"), "by-row"),
        ],
        [
            [_t(request, "reports.col.shops"), results.overall.shops],
            [_t(request, "reports.col.score"), results.overall.score],
            [_t(request, "reports.col.pass_rate"), results.overall.pass_rate],
            [_t(request, "reports.col.planned"), planned],
            [_t(request, "reports.col.done"), done],
            [
                _t(request, "reports.col.plan_done"),
                round(100.0 * done / planned, 1) if planned else None,
            ],
        ],
        ["count", "points-plain", "%", "count", "count", "%"],
    )
    kinds = ReportTable(
        _t(request, "reports.section.own_vs_competitors"),
        [Column(_t(request, "reports.col.whose")), *line_columns],
        [[_kind_title(request, line.key), *_line_cells(line)] for line in results.by_kind],
    )
    targets = ReportTable(
        _t(request, "reports.section.by_target"),
        [Column(_t(request, "reports.col.target_shop")), *line_columns],
        [[line.title, *_line_cells(line)] for line in results.by_target],
    )
    scenarios = ReportTable(
        _t(request, "reports.section.by_scenario"),
        [Column(_t(request, "reports.col.scenario")), *line_columns],
        [[line.title, *_line_cells(line)] for line in results.by_scenario],
    )
    weakest = ReportTable(
        _t(request, "reports.section.weakest_criteria"),
        [
            Column(_t(request, "reports.col.scenario")),
            Column(_t(request, "reports.col.criterion")),
            Column(_t(request, "reports.col.answers"), "count"),
            Column(_t(request, "reports.col.met"), "%"),
        ],
        [
            [line.group, line.title, line.shops, line.score]
            for line in results.by_criterion[:WEAKEST_CRITERIA]
        ],
    )
    chart = Chart(
        title=_t(request, "reports.section.by_target"),
        labels=[line.title for line in results.by_target],
        series=[(_t(request, "reports.col.score"), [line.score for line in results.by_target])],
        unit="points-plain",
        style="hbar",
    )
    return [
        ReportSection(title, tables=[summary]),
        ReportSection(kinds.title, tables=[kinds, targets], charts=[chart] if targets.rows else []),
        ReportSection(scenarios.title, tables=[scenarios, weakest]),
    ]


@report_kind
class MysteryReport(ReportKind):
    """Mystery shopping in the period: each programme's shops, scores, competitors and plan."""

    id: ClassVar[str] = "mystery"
    period: ClassVar[Period] = Period.MONTH
    params: ClassVar[tuple[str, ...]] = ()

    def build(self, request: BuildRequest) -> ReportContent:
        """Every programme with shops or planned visits in the period's months."""
        require(request.viewer, Action.VIEW_MYSTERY)
        month_from, month_to = _months(request)
        sections: list[ReportSection] = []
        shops = 0
        passed = 0
        weighted = 0.0
        for programme in list_programmes(request.connection, request.viewer.workspace):
            results = programme_results(
                request.connection, programme, month_from=month_from, month_to=month_to
            )
            if not results.overall.shops and not results.fulfilment:
                continue
            sections += _programme_sections(request, programme.title, results)
            shops += results.overall.shops
            passed += results.overall.passed
            weighted += (results.overall.score or 0.0) * results.overall.shops
        if not sections:
            sections.append(
                ReportSection(
                    _t(request, "reports.section.summary"),
                    notes=[_t(request, "reports.note.no_shops")],
                )
            )
        months = month_from if month_from == month_to else f"{month_from} – {month_to}"
        return ReportContent(
            title=_t(request, "reports.kind.mystery"),
            subtitle=f"{_dates_text(request)} · {_t(request, 'reports.col.months')}: {months}",
            sections=sections,
            link="/mystery",
            figures={
                "shops": shops,
                "score": round(weighted / shops, 1) if shops else None,
                "pass_rate": round(100.0 * passed / shops, 1) if shops else None,
            },
        )
