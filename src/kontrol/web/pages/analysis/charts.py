"""Charts of the analysis pages drawn on the server as SVG: no script, nothing for
the content security policy to refuse (colours are attributes, not styles).

Every text in a chart is escaped; each chart has a title for screen readers,
and the pages give the same numbers in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from kontrol.i18n import DEFAULT_LOCALE
from kontrol.i18n.formats import number_label

GOOD, BAD, INK, MUTED, LINE = "#1a7f37", "#c62828", "#1d2330", "#6b7280", "#d9dde3"
SERIES = ("#2f6fde", "#d9822b")


def _svg(width: int, height: int, title: str, body: list[str], css: str = "chart-svg") -> Markup:
    return Markup(
        f'<svg class="{css}" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def sparkline(values: Sequence[float | None], title: str, *, width: int = 120) -> Markup:
    """A small line of the values (gaps where a value is missing)."""
    height = 28
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return Markup("")
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = (width - 4) / max(1, len(values) - 1)
    points: list[str] = []
    parts: list[list[str]] = []
    for index, value in enumerate(values):
        if value is None:
            if len(points) > 1:
                parts.append(points)
            points = []
            continue
        x = 2 + index * step
        y = height - 3 - (value - low) / span * (height - 6)
        points.append(f"{x:.1f},{y:.1f}")
    if len(points) > 1:
        parts.append(points)
    body = [
        f'<polyline fill="none" stroke="{SERIES[0]}" stroke-width="1.6" points="{" ".join(p)}"/>'
        for p in parts
    ]
    return _svg(width, height, title, body, "sparkline")


def heat_map(
    grid: dict[tuple[int, int], float | None],
    rows: Sequence[str],
    title: str,
    value_text: str,
) -> Markup:
    """Weekday rows × 24 hour columns, darker where the value is higher."""
    cell, left, top = 22, 34, 16
    width, height = left + 24 * cell + 2, top + len(rows) * cell + 2
    known = [v for v in grid.values() if v is not None]
    high = max(known) if known else 1.0
    body = [
        f'<text x="{left + h * cell + cell / 2:.0f}" y="11" font-size="9" '
        f'text-anchor="middle" fill="{MUTED}">{h}</text>'
        for h in range(0, 24, 2)
    ]
    for r, name in enumerate(rows):
        y = top + r * cell
        body.append(f'<text x="0" y="{y + 15}" font-size="10" fill="{INK}">{escape(name)}</text>')
        for h in range(24):
            value = grid.get((r, h))
            x = left + h * cell
            if value is None:
                body.append(
                    f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="#f3f4f6"/>'
                )
                continue
            share = value / high if high else 0.0
            shade = int(245 - share * 190)
            colour = f"rgb(245,{shade},{max(40, shade - 40)})"
            label = escape(value_text.format(day=name, hour=h, value=value))
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{colour}"><title>{label}</title></rect>'
            )
    return _svg(width, height, title, body, "heat-map")


def bars(
    values: Sequence[float | None],
    labels: Sequence[str],
    title: str,
    *,
    unit: str = "",
    locale: str = DEFAULT_LOCALE,
) -> Markup:
    """Vertical bars, one per label, with the value in a tooltip."""
    width, height, bottom = 600, 150, 18
    known = [v for v in values if v is not None]
    high = max(known) if known else 1.0
    step = width / max(1, len(values))
    body = [
        f'<line x1="0" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="{LINE}"/>'
    ]
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        x = index * step
        body.append(
            f'<text x="{x + step / 2:.1f}" y="{height - 4}" font-size="9" text-anchor="middle" '
            f'fill="{MUTED}">{escape(label)}</text>'
        )
        if value is None:
            continue
        size = (value / high if high else 0) * (height - bottom - 8)
        body.append(
            f'<rect x="{x + 2:.1f}" y="{height - bottom - size:.1f}" width="{step - 4:.1f}" '
            f'height="{size:.1f}" fill="{SERIES[0]}"><title>{escape(label)}: '
            f"{number_label(value, locale)}{escape(unit)}</title></rect>"
        )
    return _svg(width, height, title, body)


def two_lines(
    first: Sequence[float | None],
    second: Sequence[float | None],
    labels: Sequence[str],
    title: str,
    names: tuple[str, str],
) -> Markup:
    """Two series on their own scales (left and right), to see one follow the other."""
    width, height, pad = 600, 170, 22
    body = [f'<line x1="0" y1="{height - pad}" x2="{width}" y2="{height - pad}" stroke="{LINE}"/>']
    step = (width - 20) / max(1, len(labels) - 1)
    for colour, values in zip(SERIES, (first, second), strict=True):
        known = [v for v in values if v is not None]
        if not known:
            continue
        low, high = min(known), max(known)
        span = (high - low) or 1.0
        points = [
            f"{10 + i * step:.1f},{height - pad - 6 - (v - low) / span * (height - pad - 22):.1f}"
            for i, v in enumerate(values)
            if v is not None
        ]
        line = " ".join(points)
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{line}"/>')
    every = max(1, len(labels) // 8)
    for index, label in enumerate(labels):
        if index % every == 0:
            body.append(
                f'<text x="{10 + index * step:.1f}" y="{height - 6}" font-size="9" '
                f'text-anchor="middle" fill="{MUTED}">{escape(label)}</text>'
            )
    for index, (colour, name) in enumerate(zip(SERIES, names, strict=True)):
        body.append(
            f'<rect x="{10 + index * 200}" y="2" width="10" height="10" fill="{colour}"/>'
            f'<text x="{24 + index * 200}" y="11" font-size="11" fill="{INK}">{escape(name)}</text>'
        )
    return _svg(width, height, title, body)


def lag_chart(
    lags: Sequence[tuple[int, float | None, float | None, float | None]],
    title: str,
    lag_label: str,
    locale: str = DEFAULT_LOCALE,
) -> Markup:
    """Correlation per lag as a dot with its 95 % interval, around the zero line."""
    width, height, pad = 300, 140, 20
    step = (width - 40) / max(1, len(lags))

    def y(value: float) -> float:
        return pad + (1 - value) / 2 * (height - 2 * pad)

    body = [
        f'<line x1="30" y1="{y(0):.1f}" x2="{width}" y2="{y(0):.1f}" stroke="{MUTED}"/>',
        f'<text x="0" y="{y(1) + 4:.1f}" font-size="9" fill="{MUTED}">+1</text>',
        f'<text x="0" y="{y(0) + 4:.1f}" font-size="9" fill="{MUTED}">0</text>',
        f'<text x="0" y="{y(-1) + 4:.1f}" font-size="9" fill="{MUTED}">−1</text>',
    ]
    for index, (lag, r, low, high) in enumerate(lags):
        x = 40 + index * step + step / 2
        body.append(
            f'<text x="{x:.1f}" y="{height - 4}" font-size="9" text-anchor="middle" '
            f'fill="{MUTED}">{escape(lag_label)}{lag}</text>'
        )
        if r is None or low is None or high is None:
            continue
        clear = low > 0 or high < 0
        colour = INK if clear else MUTED
        body.append(
            f'<line x1="{x:.1f}" y1="{y(high):.1f}" x2="{x:.1f}" y2="{y(low):.1f}" '
            f'stroke="{colour}" stroke-width="2"/>'
            f'<circle cx="{x:.1f}" cy="{y(r):.1f}" r="4" fill="{colour}">'
            f"<title>r = {number_label(r, locale, 2)} "
            f"[{number_label(low, locale, 2)}; {number_label(high, locale, 2)}]</title></circle>"
        )
    return _svg(width, height, title, body, "lag-chart")
