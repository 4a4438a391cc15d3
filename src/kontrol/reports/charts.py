"""Charts of a report drawn as PNG images (matplotlib, Agg backend: no display, no network).

The same image goes into the PDF, the e-mail preview and the browser preview.
Text is drawn with DejaVu Sans, which matplotlib ships and which has Cyrillic.
"""

from __future__ import annotations

import io
import threading

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

from kontrol.reports.content import Chart  # noqa: E402

# Figure objects are independent, but font caches are shared: draw one at a time.
_LOCK = threading.Lock()
_COLOURS = ("#2563eb", "#16a34a", "#d97706", "#9333ea")
_TARGET = "#dc2626"


def short_label(key: str) -> str:
    """A period key as a chart's axis shows it: W45, 11.2026, 05.11."""
    parts = key.split("-")
    if len(parts) == 2 and parts[1].startswith(("W", "Q")):
        return parts[1]
    if len(parts) == 2:
        return f"{parts[1]}.{parts[0]}"
    if len(parts) == 3:
        return f"{parts[2]}.{parts[1]}"
    return key[:40]


def _scale(unit: str) -> str:
    return {"%": " %", "s": " s"}.get(unit, "")


def chart_png(chart: Chart, *, width: float = 7.0, height: float = 2.6) -> bytes:
    """``chart`` as a PNG image (inches at 100 dpi)."""
    with _LOCK:
        figure = Figure(figsize=(width, height), dpi=100)
        axes = figure.add_subplot()
        axes.set_title(chart.title, fontsize=10, loc="left", family="DejaVu Sans")
        positions = list(range(len(chart.labels)))
        if chart.style == "hbar":
            name, values = chart.series[0]
            axes.barh(positions, [v or 0 for v in values], color=_COLOURS[0], label=name)
            axes.set_yticks(positions, [label[:40] for label in chart.labels], fontsize=8)
            axes.invert_yaxis()
        else:
            for index, (name, values) in enumerate(chart.series):
                colour = _COLOURS[index % len(_COLOURS)]
                if chart.style == "bar":
                    axes.bar(positions, [v or 0 for v in values], color=colour, label=name)
                else:
                    points = [
                        (p, v) for p, v in zip(positions, values, strict=True) if v is not None
                    ]
                    if points:
                        xs, ys = zip(*points, strict=True)
                        axes.plot(xs, ys, marker="o", color=colour, label=name, linewidth=1.5)
            step = max(1, (len(chart.labels) + 6) // 7)
            labels = [short_label(label) for label in chart.labels]
            axes.set_xticks(positions[::step], labels[::step], fontsize=7)
            if chart.target is not None:
                axes.axhline(chart.target, color=_TARGET, linestyle="--", linewidth=1)
        axes.tick_params(labelsize=7)
        axes.set_xlabel(_scale(chart.unit).strip(), fontsize=7)
        axes.grid(alpha=0.3)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        # Fixed margins: tight_layout measured every label and doubled the drawing time.
        left = 0.32 if chart.style == "hbar" else 0.08
        figure.subplots_adjust(left=left, right=0.98, top=0.88, bottom=0.2)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
