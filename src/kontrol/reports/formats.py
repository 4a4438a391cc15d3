"""A report's content written as PDF, XLSX or CSV.

- PDF: A4, DejaVu Sans embedded (shipped by matplotlib, so Cyrillic needs no
  system font), tables with the numbers as people read them, charts as images.
- XLSX: one sheet per table, numbers as numbers (percent 0-100, seconds).
- CSV: for a Russian Excel: ``;`` between fields, decimal commas, UTF-8 with a
  byte-order mark; each table after a line with its title. English reports use
  ``,`` and decimal points.

Text from imported data (agent and team names) is defused against formula
injection as in the KPI exports.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kontrol.metrics.exports import defuse
from kontrol.reports.content import ReportContent, ReportTable, Value, figure_text

if TYPE_CHECKING:
    from fpdf import FPDF

# matplotlib, fpdf and xlsxwriter are imported where a file is drawn: the job
# registry loads this module in every ``kontrol import`` and worker, and they
# cost about a second of start-up that only a report needs.
UTF8_BOM = "\ufeff"
# Decimal places of a fraction in a CSV file, as in the KPI exports (metrics/exports.py).
CSV_PLACES = 2


@dataclass(frozen=True)
class Rendered:
    """One file of a report."""

    format: str
    extension: str
    content_type: str
    data: bytes


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
FILE_FORMATS = tuple(CONTENT_TYPES)


def _cell(table: ReportTable, row: int, column: int, value: Value, locale: str) -> str:
    return figure_text(value, table.unit_of(row, column), locale)


def report_pdf_bytes(content: ReportContent, *, footer: str = "", locale: str = "en") -> bytes:
    """An A4 PDF of the report, fonts embedded, numbers written as ``locale`` writes them."""
    from fpdf import FPDF

    from kontrol.reports.charts import chart_png

    fonts = font_folder()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_title(content.title)
    pdf.set_creator("Kontrol")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, content.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 6, content.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for section in content.sections:
        if not (section.tables or section.charts or section.notes):
            continue
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 7, section.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        for note in section.notes:
            pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
        for table in section.tables:
            _pdf_table(pdf, table, locale)
            pdf.ln(3)
        for chart in section.charts:
            image = io.BytesIO(chart_png(chart))
            pdf.image(image, w=pdf.epw)
            pdf.ln(2)
    if footer:
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(0, 5, footer, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def font_folder() -> Path:
    """DejaVu Sans as matplotlib ships it (Cyrillic without a system font)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _pdf_table(pdf: FPDF, table: ReportTable, locale: str) -> None:
    from fpdf.fonts import FontFace

    if not table.rows:
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(0, 5, "—", new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_font("DejaVu", "", 8)
    first = 2.2 if len(table.columns) > 2 else 1.0
    widths = (first, *([1.0] * (len(table.columns) - 1)))
    with pdf.table(
        col_widths=widths,
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 239, 245)),
        line_height=5,
        text_align=("LEFT", *(["RIGHT"] * (len(table.columns) - 1))),
        first_row_as_headings=True,
    ) as grid:
        heading = grid.row()
        for column in table.columns:
            heading.cell(column.heading)
        for index, values in enumerate(table.rows):
            line = grid.row()
            for position, value in enumerate(values):
                line.cell(_cell(table, index, position, value, locale))


def _sheet_name(title: str, taken: set[str]) -> str:
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip("' ")
    base = (cleaned or "Sheet")[:28]
    name, number = base, 2
    while name.casefold() in taken:
        name, number = f"{base} {number}", number + 1
    taken.add(name.casefold())
    return name


def report_xlsx(content: ReportContent) -> bytes:
    """An XLSX workbook: one sheet per table, numbers as numbers."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    taken: set[str] = set()
    for section in content.sections:
        for table in section.tables:
            sheet = workbook.add_worksheet(_sheet_name(table.title, taken))
            sheet.write_string(0, 0, defuse(content.title), bold)
            sheet.write_string(1, 0, defuse(content.subtitle))
            for column, heading in enumerate(table.columns):
                sheet.write_string(3, column, defuse(heading.heading), bold)
                sheet.set_column(column, column, 28 if column == 0 else 14)
            for line, values in enumerate(table.rows, start=4):
                for column, value in enumerate(values):
                    if isinstance(value, bool) or value is None:
                        continue
                    if isinstance(value, int | float):
                        if value == value:
                            sheet.write_number(line, column, value)
                    else:
                        sheet.write_string(line, column, defuse(str(value)))
            sheet.freeze_panes(4, 1)
    if not taken:
        workbook.add_worksheet(_sheet_name(content.title, taken))
    workbook.close()
    return buffer.getvalue()


def _csv_number(value: Value, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return defuse(value)
    if isinstance(value, int):
        return str(value)
    # Rounded as the KPI exports round (two places): 57,79, not 57,7938.
    text = f"{value:.{CSV_PLACES}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text.replace(".", decimal)


def report_csv(content: ReportContent, locale: str) -> bytes:
    """Every table in turn: ``;`` and decimal commas in Russian, ``,`` and points in English."""
    separator, decimal = (";", ",") if locale == "ru" else (",", ".")
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow([defuse(content.title)])
    writer.writerow([defuse(content.subtitle)])
    for section in content.sections:
        for table in section.tables:
            writer.writerow([])
            writer.writerow([defuse(table.title)])
            writer.writerow([defuse(column.heading) for column in table.columns])
            for values in table.rows:
                writer.writerow([_csv_number(value, decimal) for value in values])
    return buffer.getvalue().encode("utf-8")


def render_report(
    content: ReportContent, file_format: str, *, locale: str, footer: str = ""
) -> Rendered:
    """``content`` as a file of ``file_format`` (pdf, xlsx, csv)."""
    if file_format == "pdf":
        data = report_pdf_bytes(content, footer=footer, locale=locale)
    elif file_format == "xlsx":
        data = report_xlsx(content)
    elif file_format == "csv":
        data = report_csv(content, locale)
    else:
        raise ValueError(f"no file format {file_format!r}")
    return Rendered(file_format, file_format, CONTENT_TYPES[file_format], data)
