"""Why an interaction is in a queue, in the reader's language.

A routing rule stores its reason as a short English text (``Pick.reason``:
"sample 2026-W49 #5", "CSAT 2", "complaint"), which the API returns as it is.
A page shows it through :func:`reason_text`, which recognises the shapes the
rule kinds write and tells them from the catalogue; a reason of any other
shape (a plugin's own) is shown as it was stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from kontrol.i18n import translate
from kontrol.i18n.formats import any_period_label, decimal
from kontrol.i18n.plurals import fill, plural, plural_text
from kontrol.metrics.parameters import REPEAT_WINDOW
from kontrol.review.routing.kinds import ROUTING_KINDS

_Teller = Callable[[re.Match[str], str], str]


def _sample(found: re.Match[str], locale: str) -> str:
    week = any_period_label(found["week"], locale)
    return _fill(locale, "routing.reason.sample", week=week)


def _rating(found: re.Match[str], locale: str) -> str:
    return _fill(locale, "routing.reason.rating", scale=found["scale"], value=found["value"])


def _critical(found: re.Match[str], locale: str) -> str:
    return _fill(locale, "routing.reason.critical", criteria=found["criteria"])


def _handle_time(found: re.Match[str], locale: str) -> str:
    return _fill(
        locale,
        "routing.reason.handle_time",
        seconds=found["seconds"],
        percent=found["percent"],
        bound=found["bound"],
    )


def _least_sure(found: re.Match[str], locale: str) -> str:
    margin = decimal(float(found["margin"]), 2, locale)
    return _fill(locale, "routing.reason.least_sure", margin=margin)


def _repeat(found: re.Match[str], locale: str) -> str:
    return plural(locale, "routing.reason.repeat_contact", int(found["days"]))


def _plain(key: str) -> _Teller:
    return lambda _found, locale: translate(locale, key)


_SHAPES: tuple[tuple[re.Pattern[str], _Teller], ...] = (
    (re.compile(r"sample (?P<week>\d{4}-W\d{2}) #(?P<slot>\d+)"), _sample),
    (re.compile(r"(?P<scale>CSAT|NPS|CES) (?P<value>-?\d+(?:\.\d+)?)"), _rating),
    (re.compile(r"critical: (?P<criteria>.+)"), _critical),
    (re.compile(r"complaint"), _plain("routing.reason.complaint")),
    (
        re.compile(r"AHT (?P<seconds>\d+) s > p(?P<percent>\d+) (?P<bound>\d+) s"),
        _handle_time,
    ),
    (re.compile(r"repeat contact within (?P<days>\d+) days"), _repeat),
    (
        re.compile(r"learned models least sure \(margin (?P<margin>\d+(?:\.\d+)?)\)"),
        _least_sure,
    ),
)


def reason_text(reason: str | None, locale: str) -> str:
    """``reason`` as stored by a routing rule, told in ``locale``."""
    if not reason:
        return ""
    for shape, tell in _SHAPES:
        found = shape.fullmatch(reason)
        if found is not None:
            return tell(found, locale)
    return reason


def _fill(locale: str, key: str, **params: object) -> str:
    text = translate(locale, key)
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def kind_help(kind: str, values: Mapping[str, object] | None, locale: str) -> str:
    """What a routing rule of ``kind`` picks, with the rule's own numbers filled in.

    ``values`` are the rule's parameters (a form's texts or stored numbers); one
    not given is the kind's default. ``{window}`` is the repeat-contact window the
    metrics use, so the text says what the rule really does.
    """
    found = ROUTING_KINDS.find(kind)
    given = values or {}
    params: dict[str, object] = {}
    for param in found.params if found is not None else ():
        params[param.name] = _number(given.get(param.name), param.default)
    params["window"] = plural(locale, "routing.days", REPEAT_WINDOW.days)
    key = f"routing.kind.{kind}.help"
    counted = plural_text(locale, key, params)
    return counted if counted is not None else fill(translate(locale, key), params)


def _number(value: object, default: float) -> float:
    """A parameter's number from a form's text or a stored value; the default if unreadable."""
    try:
        number = float(str(value).replace(",", ".")) if value not in (None, "") else float(default)
    except ValueError:
        return default
    return int(number) if number.is_integer() else number
