"""The interaction list's filters: one declaration for the pages and the API.

:class:`FilterParameters` is what arrives as query parameters (text, described
for the API schema); :meth:`FilterParameters.read` validates it into an
:class:`InteractionFilter`, which the list narrows to (``interactions/search.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from kontrol.domain.errors import InvalidInput
from kontrol.domain.vocabulary import Channel, Status
from kontrol.interactions.evaluation_filters import SIGNAL_FILTERS, check_ids
from kontrol.store.tables import interaction_facts


@dataclass(frozen=True)
class InteractionFilter:
    """What the list of interactions is narrowed to (all optional)."""

    channel: str | None = None
    agent: str | None = None
    team: str | None = None
    topic: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    has_survey: bool | None = None
    q: str | None = None
    customer: str | None = None
    # Drill-down from a KPI to the interactions behind it (interaction_facts columns).
    csat_max: int | None = None
    csat_min: int | None = None
    nps: str | None = None  # detractor, passive, promoter, any
    complaint: bool | None = None
    status: str | None = None
    handled: bool | None = None
    abandoned: bool | None = None
    sla: bool | None = None  # met (True) or missed (False), business hours where configured
    fcr: bool | None = None
    repeat: bool | None = None
    measured: str | None = None  # has a value of this measure (MEASURED below)
    # Quality (automatic checks): score range, a failed check, a signal.
    score_min: float | None = None
    score_max: float | None = None
    failed: str | None = None
    signal: str | None = None

    def drill_down(self) -> dict[str, str]:
        """The drill-down filters in force, as query parameters (for links and hidden fields)."""
        found: dict[str, str] = {}
        for name in DRILL_DOWN_FILTERS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool):
                yes, no = ("met", "missed") if name == "sla" else ("yes", "no")
                found[name] = yes if value else no
            else:
                found[name] = str(value)
        return found


DRILL_DOWN_FILTERS = (
    "csat_max",
    "csat_min",
    "nps",
    "complaint",
    "status",
    "handled",
    "abandoned",
    "sla",
    "fcr",
    "repeat",
    "measured",
)
NPS_GROUPS = {"detractor": (0, 6), "passive": (7, 8), "promoter": (9, 10), "any": (0, 10)}
# "Counted by the KPI": the interactions that have a value of the measure.
MEASURED = {
    "frt": interaction_facts.c.frt_s,
    "asa": interaction_facts.c.asa_s,
    "aht": interaction_facts.c.aht_s,
    "resolution": interaction_facts.c.resolution_s,
    "sla": interaction_facts.c.sla_business_met,
    "fcr": interaction_facts.c.fcr,
    "repeat": interaction_facts.c.repeat_contact,
    "csat": interaction_facts.c.csat,
    "nps": interaction_facts.c.nps,
    "ces": interaction_facts.c.ces,
    "cost": interaction_facts.c.cost,
}


def read_date(name: str, value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` parameter; ``InvalidInput`` naming ``name`` when it is not one."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{name}: not a date (YYYY-MM-DD): {value[:20]!r}",
            key="error.not_a_date",
            params={"value": value[:20]},
            where_key="error.where.field",
            where_params={"field": name},
        ) from None


def _survey(value: str | None) -> bool | None:
    if value in (None, "", "any"):
        return None
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    raise InvalidInput(
        "has_survey: yes, no or any",
        key="interactions.error.yes_no_any",
        where_key="error.where.field",
        where_params={"field": "has_survey"},
    )


def _flag(name: str, value: str | None, yes: str = "yes", no: str = "no") -> bool | None:
    if value in (None, "", "any"):
        return None
    if value == yes:
        return True
    if value == no:
        return False
    raise InvalidInput(
        f"{name}: {yes}, {no} or any",
        key="interactions.error.flag",
        params={"yes": yes, "no": no},
        where_key="error.where.field",
        where_params={"field": name},
    )


def _csat(name: str, value: str | None) -> int | None:
    if not value:
        return None
    if value not in {"1", "2", "3", "4", "5"}:
        raise InvalidInput(
            f"{name}: a CSAT score from 1 to 5",
            key="interactions.error.csat",
            where_key="error.where.field",
            where_params={"field": name},
        )
    return int(value)


def _choice(name: str, value: str | None, allowed: Collection[str]) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise InvalidInput(
            f"{name}: one of {', '.join(sorted(allowed))}",
            key="error.one_of",
            params={"choices": ", ".join(sorted(allowed))},
            where_key="error.where.field",
            where_params={"field": name},
        )
    return value


def _score(name: str, value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(
            f"{name}: not a number: {value[:20]!r}",
            key="error.not_a_number",
            params={"value": value[:20]},
            where_key="error.where.field",
            where_params={"field": name},
        ) from None
    if not 0 <= number <= 100:
        raise InvalidInput(
            f"{name}: expected 0-100",
            key="error.percent",
            where_key="error.where.field",
            where_params={"field": name},
        )
    return number


def _known(name: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if not value:
        return None
    if value not in allowed and not (name == "failed" and value.isidentifier()):
        raise InvalidInput(
            f"{name}: unknown value {value[:40]!r}",
            key="error.unknown_value",
            params={"value": value[:40]},
            where_key="error.where.field",
            where_params={"field": name},
        )
    return value


_Text = str | None


class FilterParameters(BaseModel):
    """The filters as they arrive: query parameters of the list page and of the API.

    The order is the page's: its links carry the parameters in this order.
    """

    channel: _Text = None
    agent: _Text = None
    team: _Text = None
    topic: _Text = None
    date_from: Annotated[_Text, Field(description="YYYY-MM-DD, workspace time zone")] = None
    date_to: Annotated[_Text, Field(description="YYYY-MM-DD, inclusive")] = None
    has_survey: Annotated[_Text, Field(description="yes, no or any")] = None
    q: Annotated[_Text, Field(description="words in the conversation, customer or id")] = None
    customer: _Text = None
    score_min: Annotated[_Text, Field(description="automatic score at least (0-100)")] = None
    score_max: Annotated[_Text, Field(description="automatic score at most (0-100)")] = None
    failed: Annotated[_Text, Field(description="id of a check that failed")] = None
    signal: Annotated[
        _Text, Field(description="complaint, negative_start, negative_end, pii or overlaps")
    ] = None
    # Drill-down from a KPI to the interactions behind it (links on the dashboard).
    csat_max: Annotated[_Text, Field(description="CSAT at most (1-5)")] = None
    csat_min: Annotated[_Text, Field(description="CSAT at least (1-5)")] = None
    nps: Annotated[_Text, Field(description="detractor, passive, promoter or any")] = None
    complaint: Annotated[_Text, Field(description="yes or no")] = None
    status: Annotated[_Text, Field(description="resolved, unresolved, abandoned, transferred")] = (
        None
    )
    handled: Annotated[_Text, Field(description="yes or no (inbound, answered)")] = None
    abandoned: Annotated[_Text, Field(description="yes or no")] = None
    sla: Annotated[_Text, Field(description="met or missed")] = None
    fcr: Annotated[_Text, Field(description="resolved on first contact: yes or no")] = None
    repeat: Annotated[_Text, Field(description="followed by a repeat contact: yes or no")] = None
    measured: Annotated[
        _Text,
        Field(
            description="counted by this measure: frt, asa, aht, resolution, sla, fcr, "
            "repeat, csat, nps, ces, cost"
        ),
    ] = None

    def raw(self) -> dict[str, str | None]:
        """Every parameter by name, as given (for the page's form)."""
        return self.model_dump()

    def in_force(self) -> dict[str, str]:
        """The parameters that are set, for links that keep the same filters."""
        return {name: value for name, value in self.model_dump().items() if value}

    def read(self) -> InteractionFilter:
        """Validate the raw values into an :class:`InteractionFilter`."""
        channel = self.channel
        if channel and channel not in {item.value for item in Channel}:
            raise InvalidInput(
                f"channel: unknown channel {channel[:30]!r}",
                key="error.unknown_channel",
                params={"channel": channel[:30]},
                where_key="error.where.field",
                where_params={"field": "channel"},
            )
        return InteractionFilter(
            channel=channel or None,
            agent=self.agent or None,
            team=self.team or None,
            topic=self.topic or None,
            date_from=read_date("date_from", self.date_from),
            date_to=read_date("date_to", self.date_to),
            has_survey=_survey(self.has_survey),
            q=(self.q or "").strip()[:200] or None,
            customer=self.customer or None,
            csat_max=_csat("csat_max", self.csat_max),
            csat_min=_csat("csat_min", self.csat_min),
            nps=_choice("nps", self.nps, NPS_GROUPS),
            complaint=_flag("complaint", self.complaint),
            status=_choice("status", self.status, {item.value for item in Status}),
            handled=_flag("handled", self.handled),
            abandoned=_flag("abandoned", self.abandoned),
            sla=_flag("sla", self.sla, "met", "missed"),
            fcr=_flag("fcr", self.fcr),
            repeat=_flag("repeat", self.repeat),
            measured=_choice("measured", self.measured, MEASURED),
            score_min=_score("score_min", self.score_min),
            score_max=_score("score_max", self.score_max),
            failed=_known("failed", self.failed, check_ids()),
            signal=_known("signal", self.signal, SIGNAL_FILTERS),
        )
