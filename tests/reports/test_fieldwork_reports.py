"""The audits and mystery-shopping reports say what the audits' and programmes' results
pages say, in Russian and English, as PDF, XLSX and CSV; agents may not build them."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kontrol.audits.conduct import list_audits
from kontrol.audits.results import audit_results
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.domain.errors import Forbidden
from kontrol.domain.periods import Period, first_day
from kontrol.metrics.date_ranges import DateRange, last_day
from kontrol.mystery.programmes import find_programme
from kontrol.mystery.results import programme_results
from kontrol.reports.content import ReportContent, Value, figure_text
from kontrol.reports.definitions import ReportInput, save_report
from kontrol.reports.formats import render_report
from kontrol.reports.kinds import REPORT_KINDS
from kontrol.reports.runs import build_content
from tests.demos import DemoCopy

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["sqlite"])]


def _month(day: date) -> DateRange:
    key = f"{day:%Y-%m}"
    return DateRange(first_day(Period.MONTH, key), last_day(Period.MONTH, key))


def _pdf_text(content: ReportContent, locale: str) -> str:
    data = render_report(content, "pdf", locale=locale).data
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _table(content: ReportContent, title: str) -> list[list[Value]]:
    return next(t.rows for s in content.sections for t in s.tables if t.title == title)


def test_audit_and_mystery_reports_equal_their_results_pages(
    demo_copy: DemoCopy,
) -> None:
    assert {"audits", "mystery"} <= set(REPORT_KINDS.ids())
    demo = demo_copy()
    engine, workspace = demo.engine, demo.workspace
    with engine.begin() as connection:
        qa = demo_viewer(connection, workspace.id, "qa")
        agent = demo_viewer(connection, workspace.id, "agent")
        assert qa is not None and agent is not None
        completed = [a for a in list_audits(connection, qa) if a.status == "completed"]
        month = _month(max(a.held_on for a in completed))
        held = [a for a in completed if month.first <= a.held_on <= month.last]
        scores = {a.title: audit_results(connection, a).score for a in held}
        programme = find_programme(connection, workspace, "service-and-sales")
        shops_month = max(
            line.key for line in programme_results(connection, programme).by_month if line.shops
        )
        expected = programme_results(
            connection, programme, month_from=shops_month, month_to=shops_month
        )
        audits_report = save_report(
            connection,
            workspace,
            ReportInput(
                name="Аудиты за месяц",
                kind="audits",
                formats=["pdf", "xlsx", "csv"],
                schedule="monthly 2 09:00",
                owner_id=qa.account.id,
            ),
        )
        mystery_report = save_report(
            connection,
            workspace,
            ReportInput(
                name="Mystery shopping, month",
                kind="mystery",
                formats=["pdf", "xlsx"],
                language="en",
                schedule="monthly 2 09:00",
                owner_id=qa.account.id,
            ),
        )
        audits_content = build_content(connection, audits_report, month)
        shops_dates = DateRange(
            first_day(Period.MONTH, shops_month), last_day(Period.MONTH, shops_month)
        )
        mystery_content = build_content(connection, mystery_report, shops_dates)
        with pytest.raises(Forbidden):
            build_content(connection, audits_report, month, viewer=agent)
        with pytest.raises(Forbidden):
            build_content(connection, mystery_report, shops_dates, viewer=agent)
        empty = build_content(
            connection, audits_report, DateRange(date(2001, 1, 1), date(2001, 1, 31))
        )

    # Audits: every audit completed in the month, with the score its results page shows.
    assert audits_content.title == "Отчёт по аудитам сервиса"
    assert audits_content.figures["audits"] == len(held) >= 1
    rows = _table(audits_content, "Аудиты и их оценки")
    assert {row[0]: row[3] for row in rows} == scores
    text = _pdf_text(audits_content, "ru")
    assert "Отчёт по аудитам сервиса" in text
    for score in scores.values():
        assert figure_text(score, "points-plain", "ru") in text
    assert _table(audits_content, "Замечания (сначала худшие)")  # the demo audit has findings
    assert empty.figures["audits"] == 0
    assert "не завершено ни одного аудита" in empty.sections[0].notes[0]

    # Mystery shopping: the programme's month as its results page counts it.
    assert mystery_content.title == "Mystery shopping report"
    assert mystery_content.figures["shops"] == expected.overall.shops > 0
    assert mystery_content.figures["score"] == expected.overall.score
    assert mystery_content.figures["pass_rate"] == expected.overall.pass_rate
    start = [s.title for s in mystery_content.sections].index(programme.title)
    by_target = mystery_content.sections[start + 1].tables[1].rows
    assert [row[0] for row in by_target] == [line.title for line in expected.by_target]
    text = _pdf_text(mystery_content, "en")
    assert programme.title in text and "Our company against competitors" in text
    assert figure_text(expected.overall.score, "points-plain") in text
    workbook = load_workbook(io.BytesIO(render_report(mystery_content, "xlsx", locale="en").data))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert expected.overall.shops in cells
