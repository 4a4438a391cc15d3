"""What a generated report holds, whatever its format: sections of tables and charts.

Numbers stay numbers here (seconds, percent 0-100, counts); each format
writes them its own way (PDF and the preview as people read them, XLSX as
numbers, CSV with decimal commas).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kontrol.i18n.formats import MINUS, decimal

Value = str | int | float | None


@dataclass(frozen=True)
class Column:
    """A table column: its heading and the unit of its numbers ("", "%", "s", "count", "points")."""

    heading: str
    unit: str = ""


@dataclass(frozen=True)
class ReportTable:
    """A table of a section."""

    title: str
    columns: list[Column]
    rows: list[list[Value]]
    # For columns whose unit is "by-row" (a KPI table): the unit of each row.
    row_units: list[str] | None = None

    def unit_of(self, row: int, column: int) -> str:
        """The unit of one cell."""
        unit = self.columns[column].unit
        if unit == "by-row":
            return self.row_units[row] if self.row_units else ""
        return unit


@dataclass(frozen=True)
class Chart:
    """A chart drawn as an image: one or more lines (or bars) over labelled points."""

    title: str
    labels: list[str]
    series: list[tuple[str, list[float | None]]]
    unit: str = ""
    style: str = "line"  # line or bar
    target: float | None = None


@dataclass(frozen=True)
class ReportSection:
    """A part of a report: a heading, tables, charts and short notes."""

    title: str
    tables: list[ReportTable] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportContent:
    """A whole report: title, the period it covers, sections, a link to the dashboard view."""

    title: str
    subtitle: str
    sections: list[ReportSection]
    link: str
    # Headline numbers by metric id (what the report says the KPIs are), for the API.
    figures: dict[str, float | int | None] = field(default_factory=dict)


def figure_text(value: Value, unit: str, locale: str = "en") -> str:
    """A number as people read it in a report in ``locale``: 82,4 %, 1:05 (m:ss), 1 204.

    Russian writes a decimal comma, English a point (``i18n.formats.decimal``).
    """
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if unit == "s":
        seconds = int(round(value))
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    if unit == "%":
        return f"{decimal(value, 1, locale)} %"
    if unit == "points":
        text = decimal(value, 0, locale)
        if text in ("0", f"{MINUS}0"):
            return "0"
        return text if text.startswith(MINUS) else f"+{text}"
    if unit == "points-plain":
        return decimal(value, 1, locale)
    if unit == "count" or isinstance(value, int):
        return decimal(int(round(value)), 0, locale)
    return decimal(value, 1, locale)
