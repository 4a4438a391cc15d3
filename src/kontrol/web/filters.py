"""Reading the interaction filters from query parameters (pages and API alike)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from kontrol.domain.errors import InvalidInput
from kontrol.domain.vocabulary import Channel, Status
from kontrol.interactions.evaluation_filters import SIGNAL_FILTERS, check_ids
from kontrol.interactions.listing import MEASURED, NPS_GROUPS, InteractionFilter


def _date(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name}: not a date (YYYY-MM-DD): {value[:20]!r}") from None


def read_date(name: str, value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` parameter; ``InvalidInput`` naming ``name`` when it is not one."""
    return _date(name, value)


def _survey(value: str | None) -> bool | None:
    if value in (None, "", "any"):
        return None
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    raise InvalidInput("has_survey: yes, no or any")


def _flag(name: str, value: str | None, yes: str = "yes", no: str = "no") -> bool | None:
    if value in (None, "", "any"):
        return None
    if value == yes:
        return True
    if value == no:
        return False
    raise InvalidInput(f"{name}: {yes}, {no} or any")


def _csat(name: str, value: str | None) -> int | None:
    if not value:
        return None
    if value not in {"1", "2", "3", "4", "5"}:
        raise InvalidInput(f"{name}: a CSAT score from 1 to 5")
    return int(value)


def _choice(name: str, value: str | None, allowed: Collection[str]) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise InvalidInput(f"{name}: one of {', '.join(sorted(allowed))}")
    return value


def _score(name: str, value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"{name}: not a number: {value[:20]!r}") from None
    if not 0 <= number <= 100:
        raise InvalidInput(f"{name}: expected 0-100")
    return number


def _known(name: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if not value:
        return None
    if value not in allowed and not (name == "failed" and value.isidentifier()):
        raise InvalidInput(f"{name}: unknown value {value[:40]!r}")
    return value


def read_filters(
    *,
    channel: str | None = None,
    agent: str | None = None,
    team: str | None = None,
    topic: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    has_survey: str | None = None,
    q: str | None = None,
    customer: str | None = None,
    csat_max: str | None = None,
    csat_min: str | None = None,
    nps: str | None = None,
    complaint: str | None = None,
    status: str | None = None,
    handled: str | None = None,
    abandoned: str | None = None,
    sla: str | None = None,
    fcr: str | None = None,
    repeat: str | None = None,
    measured: str | None = None,
    score_min: str | None = None,
    score_max: str | None = None,
    failed: str | None = None,
    signal: str | None = None,
) -> InteractionFilter:
    """Validate raw parameter values into an :class:`InteractionFilter`."""
    if channel and channel not in {item.value for item in Channel}:
        raise InvalidInput(f"channel: unknown channel {channel[:30]!r}")
    return InteractionFilter(
        channel=channel or None,
        agent=agent or None,
        team=team or None,
        topic=topic or None,
        date_from=_date("date_from", date_from),
        date_to=_date("date_to", date_to),
        has_survey=_survey(has_survey),
        q=(q or "").strip()[:200] or None,
        customer=customer or None,
        csat_max=_csat("csat_max", csat_max),
        csat_min=_csat("csat_min", csat_min),
        nps=_choice("nps", nps, NPS_GROUPS),
        complaint=_flag("complaint", complaint),
        status=_choice("status", status, {item.value for item in Status}),
        handled=_flag("handled", handled),
        abandoned=_flag("abandoned", abandoned),
        sla=_flag("sla", sla, "met", "missed"),
        fcr=_flag("fcr", fcr),
        repeat=_flag("repeat", repeat),
        measured=_choice("measured", measured, MEASURED),
        score_min=_score("score_min", score_min),
        score_max=_score("score_max", score_max),
        failed=_known("failed", failed, check_ids()),
        signal=_known("signal", signal, SIGNAL_FILTERS),
    )
