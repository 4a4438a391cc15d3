"""The JSON API of the metrics: ``/api/v1/kpi``, KPI rows grouped and filtered."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from kontrol.accounts.policy import Action, require
from kontrol.metrics.dashboard import kpi_rows
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.filters import read_date
from kontrol.web.params import read_period

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/kpi")
def kpi_api(
    db: Db,
    viewer: CurrentViewer,
    by: Annotated[
        str | None, Query(description="comma-separated: agent, team, channel, topic, language")
    ] = None,
    period: Annotated[str | None, Query(description="day, week, month or quarter")] = None,
    metrics: Annotated[
        str | None, Query(description="comma-separated metric ids (default: all)")
    ] = None,
    date_from: Annotated[str | None, Query(description="YYYY-MM-DD, workspace time zone")] = None,
    date_to: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    agent: str | None = None,
    team: str | None = None,
    channel: str | None = None,
    topic: str | None = None,
) -> dict[str, Any]:
    """KPI rows as in spec/METRICS.md: group keys, then one key per metric.

    Time metrics give the median under their id and ``<id>_mean``, ``<id>_p90``;
    ratios give ``<id>_num`` and ``<id>_den``; a metric without data is ``null``.
    Agents get their own numbers only, team leads their team's; asking for
    someone else's answers 403.
    """
    require(viewer, Action.VIEW_KPIS)
    groups = [name.strip() for name in (by or "").split(",") if name.strip()]
    wanted = [name.strip() for name in (metrics or "").split(",") if name.strip()]
    filters = {
        name: value
        for name, value in {
            "agent": agent,
            "team": team,
            "channel": channel,
            "topic": topic,
        }.items()
        if value
    }
    rows = kpi_rows(
        db,
        viewer,
        metrics=wanted or None,
        by=groups,
        period=read_period(period) if period else None,
        date_from=read_date("date_from", date_from),
        date_to=read_date("date_to", date_to),
        filters=filters,
    )
    return {"rows": rows}
