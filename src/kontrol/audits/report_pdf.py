"""The audit report as a PDF: scores per area and item, the previous audit, the competitors
side by side and the findings, in the reader's language with an embedded Cyrillic font."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from kontrol.audits.results import AuditResults
from kontrol.domain.errors import Unreadable
from kontrol.i18n import translate
from kontrol.settings import current_settings

FAMILY = "report"


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


def _change(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:+g}"


def _pdf() -> FPDF:
    settings = current_settings()
    regular, bold = Path(settings.pdf_font), Path(settings.pdf_font_bold)
    if not regular.is_file():
        raise Unreadable(
            f"pdf_font: no font file at {regular} "
            "(install fonts-dejavu-core or set KONTROL_PDF_FONT)",
            key="audits.error.no_font",
            params={"regular": regular},
            where_key="error.where.field",
            where_params={"field": "pdf_font"},
        )
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font(FAMILY, "", str(regular))
    pdf.add_font(FAMILY, "B", str(bold if bold.is_file() else regular))
    pdf.set_font(FAMILY, size=10)
    return pdf


def audit_pdf(results: AuditResults, locale: str) -> bytes:
    """The report of one audit as PDF bytes."""

    def t(key: str) -> str:
        return translate(locale, key)

    audit = results.audit
    pdf = _pdf()
    pdf.set_title(audit.title)
    pdf.set_creator("Kontrol")
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    pdf.multi_cell(0, 8, audit.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    scope = t(f"audits.scope.{audit.scope_kind}")
    if audit.scope_value:
        scope += f": {audit.scope_value}"
    template = f"{audit.template.template.title} (v{audit.template.version})"
    period = f"{audit.period_from.isoformat()} – {audit.period_to.isoformat()}"
    lines = [
        f"{t('audits.field.template')}: {template}",
        f"{t('audits.field.scope')}: {scope}",
        f"{t('audits.field.period')}: {period}",
        f"{t('audits.field.held_on')}: {audit.held_on.isoformat()}",
        f"{t('audits.field.auditors')}: {', '.join(audit.auditor_names) or '—'}",
        f"{t('audits.field.status')}: {t('audits.status.' + audit.status)}",
    ]
    for line in lines:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FAMILY, "B", 13)
    total = f"{t('audits.result.total')}: {_number(results.score)}"
    if results.previous_score is not None and results.score is not None:
        change = round(results.score - results.previous_score, 1)
        before = _number(results.previous_score)
        total += f"  ({t('audits.result.previous')} {before}, {_change(change)})"
    pdf.multi_cell(0, 7, total, new_x="LMARGIN", new_y="NEXT")
    heading = FontFace(emphasis="BOLD", fill_color=(230, 234, 240))
    for area in results.areas:
        pdf.ln(3)
        pdf.set_font(FAMILY, "B", 12)
        line = f"{area.title}: {_number(area.score)}"
        if area.change is not None:
            line += f" ({_change(area.change)})"
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", 9)
        with pdf.table(col_widths=(90, 30, 20, 20), headings_style=heading, line_height=5) as table:
            table.row(
                [
                    t("audits.col.item"),
                    t("audits.col.answer"),
                    t("audits.col.score"),
                    t("audits.col.change"),
                ]
            )
            for item in area.items:
                answer = item.answer.answer if item.answer and item.answer.answer else "—"
                if answer in ("yes", "partly", "no", "na"):
                    answer = t(f"audits.answer.{answer}")
                elif item.item.unit and answer != "—":
                    answer = f"{answer} {item.item.unit}"
                table.row([item.item.title, answer, _number(item.score), _change(item.change)])
    if results.competitor_rows:
        pdf.ln(3)
        pdf.set_font(FAMILY, "B", 12)
        pdf.multi_cell(0, 6, t("audits.result.competitors"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", 9)
        names = [s or t("audits.result.us") for s in results.subjects]
        width = 100 / len(names)
        with pdf.table(
            col_widths=(70, *([width] * len(names))), headings_style=heading, line_height=5
        ) as table:
            table.row([t("audits.col.item"), *names])
            for row in results.competitor_rows:
                cells = []
                for _subject, given, _f in row.cells:
                    text = given.answer if given and given.answer else "—"
                    if text in ("yes", "partly", "no", "na"):
                        text = t(f"audits.answer.{text}")
                    cells.append(text)
                table.row([row.item.title, *cells])
            table.row(
                [
                    t("audits.result.area_score"),
                    *[_number(results.competitor_scores.get(s)) for s in results.subjects],
                ]
            )
    findings = results.findings
    if findings:
        pdf.ln(3)
        pdf.set_font(FAMILY, "B", 12)
        pdf.multi_cell(0, 6, t("audits.result.findings"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", 9)
        for number, finding in enumerate(findings, start=1):
            comment = finding.answer.comment if finding.answer and finding.answer.comment else ""
            text = f"{number}. {finding.item.title} — {_number(finding.score)}"
            if comment:
                text += f". {comment}"
            pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
