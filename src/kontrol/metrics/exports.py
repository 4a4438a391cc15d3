"""Writing a table (a KPI breakdown) to CSV and XLSX files people open in Excel.

Cells come from agent names, team names and topics, i.e. from imported data:
text that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage
return) gets a leading apostrophe so that a spreadsheet shows it as text
instead of running it (CSV / formula injection). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

Cell = str | int | float | bool | date | datetime | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel opens a UTF-8 CSV correctly only when it starts with a byte-order mark.
UTF8_BOM = "\ufeff"


@dataclass(frozen=True)
class ExportTable:
    """What goes into a file: a title (the sheet name), headings and rows."""

    title: str
    headings: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def defuse(value: str) -> str:
    """Text a spreadsheet will not read as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _text_cell(value: Cell, decimal_mark: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(round(value, 2)).replace(".", decimal_mark) if value == value else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return defuse(value)


def to_csv(table: ExportTable, locale: str) -> bytes:
    """UTF-8 CSV with a byte-order mark and CRLF line ends (RFC 4180), numbers to 2 places.

    Russian Excel reads ``;`` as the separator and ``,`` as the decimal mark (its
    list separator follows the regional settings), so a Russian export uses
    them; an English one the comma and the point.
    """
    russian = locale == "ru"
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    writer = csv.writer(buffer, delimiter=";" if russian else ",", lineterminator="\r\n")
    writer.writerow([defuse(heading) for heading in table.headings])
    mark = "," if russian else "."
    for row in table.rows:
        writer.writerow([_text_cell(value, mark) for value in row])
    return buffer.getvalue().encode("utf-8")


def _sheet_name(title: str) -> str:
    # Excel forbids these characters in sheet names and allows at most 31 characters.
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip("' ")
    return (cleaned or "Sheet1")[:31]


def to_xlsx(table: ExportTable) -> bytes:
    """An XLSX workbook with one sheet: bold headings, frozen first row, numbers as numbers."""
    import xlsxwriter  # where a workbook is written: not at every start-up

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            # Never turn text into formulas, numbers or links: imported names stay text.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet(_sheet_name(table.title))
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    widths = [len(heading) for heading in table.headings]
    for column, heading in enumerate(table.headings):
        sheet.write_string(0, column, defuse(heading), bold)
    for line, row in enumerate(table.rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(line, column, value)
            elif isinstance(value, int | float):
                if value == value:  # NaN has no cell
                    sheet.write_number(line, column, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(line, column, value.replace(tzinfo=None), moment)
            elif isinstance(value, date):
                sheet.write_datetime(
                    line, column, datetime(value.year, value.month, value.day), day
                )
            else:
                sheet.write_string(line, column, defuse(value))
            if column < len(widths):
                widths[column] = max(widths[column], min(len(str(value)), 60))
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width + 2)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
