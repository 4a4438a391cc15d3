"""Filters a page can still answer: a wrong value is dropped and named, not a bare 422.

A list page reads its filters from the query string. A value that is not one
(``score_min=abc``, a date ``2026-02-30``) used to end in «Некорректный запрос»
without the menu and without saying which field was wrong. Here, once for all
pages, before routing: the wrong values are taken out of the query string (the
page shows itself without that filter, every other one kept) and the reason,
naming the field as the page labels it, is left in ``request.state`` for
``base.html`` to show above the page.

Dates are :mod:`kontrol.web.date_filters`' (``date_problem``); numbers are
here: :data:`NUMBER_FILTERS` names each numeric filter, its label on the page
and its range, so a new numeric filter joins by one line.

The JSON API (``/api/``) and exports (``?format=``) keep refusing such values:
a program, or a file saved for later, must not silently get other rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from kontrol.i18n import translate
from kontrol.i18n.formats import number_label
from kontrol.web.date_filters import date_problem


@dataclass(frozen=True)
class NumberFilter:
    """A numeric filter of the pages: the catalogue key of its label and its range."""

    label: str
    low: float
    high: float
    whole: bool = False
    """Only whole numbers (a CSAT score), else any number in the range (a score)."""


# Every numeric filter of a page's query string, by parameter name.
NUMBER_FILTERS: dict[str, NumberFilter] = {
    "score_min": NumberFilter("checks.filter.score_min", 0, 100),
    "score_max": NumberFilter("checks.filter.score_max", 0, 100),
    "csat_min": NumberFilter("dashboard.drill.csat_min", 1, 5, whole=True),
    "csat_max": NumberFilter("dashboard.drill.csat_max", 1, 5, whole=True),
}
# (at least, at most) pairs: a floor above the ceiling matches nothing, said so.
NUMBER_PAIRS = (("score_min", "score_max"), ("csat_min", "csat_max"))


@dataclass(frozen=True)
class NumberProblem:
    """Why a numeric filter was set aside: a catalogue key, the parameter, what was typed."""

    key: str
    field: str
    value: str
    other: str = ""
    other_value: str = ""


def _number(value: str, rule: NumberFilter) -> float | None:
    """``value`` as the filter's number, or ``None`` when it is not one in its range."""
    try:
        number = float(value.strip().replace(",", "."))
    except ValueError:
        return None
    if math.isnan(number) or not rule.low <= number <= rule.high:
        return None
    if rule.whole and not number.is_integer():
        return None
    return number


def number_problem(
    pairs: list[tuple[str, str]],
) -> tuple[list[tuple[str, str]], NumberProblem | None]:
    """``pairs`` (a query string) without its wrong numbers, and the first reason found.

    A value the filter's own reader would refuse is dropped; a number written with
    a comma (``7,5``) is kept and passed on as ``7.5``.
    """
    values = dict(pairs)
    dropped: set[str] = set()
    cleaned: dict[str, str] = {}
    problem: NumberProblem | None = None
    for name, rule in NUMBER_FILTERS.items():
        text = values.get(name) or ""
        if not text:
            continue
        number = _number(text, rule)
        if number is None:
            dropped.add(name)
            problem = problem or NumberProblem("filters.error.number", name, text[:20])
        elif "," in text:
            cleaned[name] = text.strip().replace(",", ".")
    for low, high in NUMBER_PAIRS:
        if low in dropped or high in dropped:
            continue
        floor = _number(values.get(low) or "", NUMBER_FILTERS[low])
        ceiling = _number(values.get(high) or "", NUMBER_FILTERS[high])
        if floor is not None and ceiling is not None and floor > ceiling:
            dropped.update((low, high))
            problem = problem or NumberProblem(
                "filters.error.number_reversed", high, values[high], low, values[low]
            )
    kept = [(name, cleaned.get(name, value)) for name, value in pairs if name not in dropped]
    return kept, problem


def number_problem_text(request: Request, locale: str) -> str | None:
    """The reason a numeric filter was set aside, in ``locale`` (``None``: none was)."""
    problem: NumberProblem | None = getattr(request.state, "number_problem", None)
    if problem is None:
        return None
    rule = NUMBER_FILTERS[problem.field]
    whole_bounds = float(rule.low).is_integer() and float(rule.high).is_integer()
    places = 0 if rule.whole or whole_bounds else 1
    text = translate(locale, problem.key)
    for name, value in (
        ("field", translate(locale, rule.label)),
        ("low", number_label(rule.low, locale, places)),
        ("high", number_label(rule.high, locale, places)),
        ("value", problem.value),
        ("other_field", translate(locale, NUMBER_FILTERS[problem.other].label))
        if problem.other
        else ("other_field", ""),
        ("other", problem.other_value),
    ):
        text = text.replace("{" + name + "}", value)
    return text


class FilterGuard:
    """Plain ASGI middleware: wrong dates and numbers out of the query of page requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query: bytes = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if (
            query
            and scope["method"] in ("GET", "HEAD")
            and not scope["path"].startswith(("/api/", "/static/"))
        ):
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if not any(name == "format" for name, _ in pairs):
                kept, dates = date_problem(pairs)
                kept, numbers = number_problem(kept)
                if dates is not None or numbers is not None or kept != pairs:
                    state = dict(scope.get("state", {}))
                    if dates is not None:
                        state["date_problem"] = dates
                    if numbers is not None:
                        state["number_problem"] = numbers
                    scope = {
                        **scope,
                        "query_string": urlencode(kept).encode("ascii"),
                        "state": state,
                    }
        await self.app(scope, receive, send)
