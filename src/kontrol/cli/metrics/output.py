"""How ``kontrol kpi`` prints rows: JSON (the spec's output), CSV, or a terminal table."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from kontrol.metrics import Metric
from kontrol.metrics.exports import defuse
from kontrol.metrics.targets import Target, target_for, target_status

GROUP_KEYS = ("agent", "team", "channel", "topic", "language", "period")
# Transpose (one line per metric) when there are at most this many groups.
_TRANSPOSE_UP_TO = 8
_COLOURS = {"ok": "green", "warning": "yellow", "bad": "red"}


def as_json(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as one JSON array."""
    return json.dumps(list(rows), ensure_ascii=False, indent=2)


def as_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as CSV with a header; empty cells for null.

    Text that a spreadsheet would run as a formula is defused as in the web
    export (agent names, teams and topics come from imported data).
    """
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    return defuse(value) if isinstance(value, str) else value


def _number(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:.1f}" if abs(value) < 1000 else f"{value:.0f}"
    else:
        text = str(int(value))
    return f"{text}%" if unit == "%" else text


def _cell(
    row: dict[str, Any], metric: Metric, targets: Sequence[Target], period: str | None
) -> tuple[str, str | None]:
    value = row.get(metric.id)
    text = _number(value, metric.unit)
    target = target_for(targets, metric.id, row, period)
    status = target_status(value, target)
    if target is not None:
        text += f" (→{_number(target.target, metric.unit)})"
    return text, status


def as_table(
    rows: Sequence[dict[str, Any]],
    metrics: Sequence[Metric],
    *,
    targets: Sequence[Target] = (),
    period: str | None = None,
    colour: bool = False,
) -> str:
    """A readable table of the main value of each metric, targets beside them in colour."""
    import typer

    if not rows:
        return "no data"
    keys = [k for k in GROUP_KEYS if k in rows[0]]

    def label(row: dict[str, Any]) -> str:
        return " / ".join("—" if row[k] is None else str(row[k]) for k in keys) or "all"

    def name(metric: Metric) -> str:
        unit = "" if metric.unit in ("%", "count") else f" ({metric.unit})"
        return metric.id + unit

    grid: list[list[tuple[str, str | None]]]
    if len(rows) <= _TRANSPOSE_UP_TO:
        header = ["metric", *(label(r) for r in rows)]
        grid = [[(name(m), None), *(_cell(r, m, targets, period) for r in rows)] for m in metrics]
    else:
        header = [" / ".join(keys), *(name(m) for m in metrics)]
        grid = [[(label(r), None), *(_cell(r, m, targets, period) for m in metrics)] for r in rows]
    widths = [len(h) for h in header]
    for line in grid:
        for index, (text, _status) in enumerate(line):
            widths[index] = max(widths[index], len(text))
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    for line in grid:
        cells = []
        for index, (text, status) in enumerate(line):
            padded = text.ljust(widths[index]) if index == 0 else text.rjust(widths[index])
            if colour and status:
                padded = typer.style(padded, fg=_COLOURS[status])
            cells.append(padded)
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)
