"""Date filters a page can still answer: a wrong date is dropped and named, not a 422.

Every page with a period filter (dashboard, interactions, evaluations, reports,
analysis...) reads ``date_from`` / ``date_to`` from its query string. A date
that is not one (``2026-02-30``) or a pair in the wrong order used to end in a
bare error page without the menu, the other filters lost. Here, once for all
pages, before routing (``web/filter_guard.FilterGuard``, which does the same
for numeric filters): the wrong dates are taken out of the query string (the
page shows its default period, with every other filter kept) and the reason,
naming the field, is left in ``request.state.date_problem`` for ``base.html``
to show above the page.

The JSON API (``/api/``) and exports (``?format=``) keep refusing such dates:
a program, or a file saved for later, must not silently get another period.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from kontrol.domain.clock import parse_day
from kontrol.i18n import translate
from kontrol.i18n.formats import day_label

# The (start, end) pairs of period filters in query strings.
DATE_PAIRS = (("date_from", "date_to"), ("period_from", "period_to"))


@dataclass(frozen=True)
class DateProblem:
    """Why the dates of a filter were set aside: a catalogue key and the field's name."""

    key: str
    field: str
    value: str
    other: str = ""


def _iso(value: str) -> str:
    """``value`` as ``ГГГГ-ММ-ДД`` when it is a day, else unchanged (to be named wrong)."""
    day = parse_day(value)
    return day.isoformat() if day is not None else value


def date_problem(pairs: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], DateProblem | None]:
    """``pairs`` (a query string) without its wrong dates, and the first reason found.

    A day typed as ``ДД.ММ.ГГГГ`` is kept and passed on as ``ГГГГ-ММ-ДД``, the
    form every page's reader takes.
    """
    names = {name for pair in DATE_PAIRS for name in pair}
    pairs = [(name, _iso(value) if name in names else value) for name, value in pairs]
    values = dict(pairs)
    dropped: set[str] = set()
    problem: DateProblem | None = None
    for start, end in DATE_PAIRS:
        for name in (start, end):
            text = values.get(name) or ""
            if text and parse_day(text) is None:
                dropped.add(name)
                problem = problem or DateProblem("filters.error.not_a_date", name, text[:20])
        first, last = parse_day(values.get(start) or ""), parse_day(values.get(end) or "")
        if first and last and first > last:
            dropped.update((start, end))
            problem = problem or DateProblem(
                "filters.error.reversed", end, last.isoformat(), first.isoformat()
            )
    return [(name, value) for name, value in pairs if name not in dropped], problem


def date_problem_text(request: Request, locale: str) -> str | None:
    """The reason the page's dates were set aside, in ``locale`` (``None``: they were not)."""
    problem: DateProblem | None = getattr(request.state, "date_problem", None)
    if problem is None:
        return None
    starts = [start for start, _ in DATE_PAIRS]
    label = "filters.from" if problem.field in starts else "filters.to"
    other = "filters.to" if label == "filters.from" else "filters.from"
    text = translate(locale, problem.key)
    for name, value in (
        ("field", translate(locale, label)),
        ("other_field", translate(locale, other)),
        ("value", day_label(problem.value, locale)),
        ("other", day_label(problem.other, locale)),
    ):
        text = text.replace("{" + name + "}", value)
    return text
