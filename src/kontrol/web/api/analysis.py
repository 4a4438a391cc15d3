"""The JSON API of the analysis: reasons, bottlenecks, quality beside the business,
and the reason taxonomy (read and replace)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from kontrol.accounts.policy import Action, require
from kontrol.analysis.assignment import reassign_guesses
from kontrol.analysis.bottlenecks import bottlenecks
from kontrol.analysis.business import business_view
from kontrol.analysis.costs import load_costs
from kontrol.analysis.reasons import reason_rows
from kontrol.analysis.taxonomy import dump_taxonomy, load_taxonomy, parse_taxonomy, save_taxonomy
from kontrol.domain.errors import InvalidInput
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.pages.analysis.views import read_scope

router = APIRouter(prefix="/api/v1/analysis", tags=["v1"])

Period = Annotated[str | None, Query(description="day, week (default), month or quarter")]
DateFrom = Annotated[str | None, Query(description="YYYY-MM-DD, workspace time zone")]
DateTo = Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")]


@router.get("/reasons")
def reasons_api(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    kind: Annotated[str, Query(description="reason or complaint")] = "reason",
    period: Period = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    agent: str | None = None,
    team: str | None = None,
    channel: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """Per contact reason (or complaint type): contacts, share and its trend per period,
    FCR, repeat contacts, CSAT, mean handle time, cost, complaints, how many were
    assigned by rule or model, and a ``new`` / ``growing`` flag."""
    require(viewer, Action.VIEW_ANALYSIS)
    if kind not in ("reason", "complaint"):
        raise InvalidInput(
            "kind: reason or complaint",
            key="api.error.kind",
            where_key="error.where.field",
            where_params={"field": "kind"},
        )
    scope = read_scope(db, viewer, request)
    rows = reason_rows(db, scope, kind=kind, costs=load_costs(db, viewer.workspace.id))
    return {"scope": scope.query(), "kind": kind, "rows": [row.as_json() for row in rows]}


@router.get("/bottlenecks")
def bottlenecks_api(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    period: Period = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    team: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """Findings, waiting by local weekday × hour × channel, abandonment and SLA misses by
    hour, reasons behind repeats and complaints, gaps to targets, cost per channel."""
    require(viewer, Action.VIEW_ANALYSIS)
    scope = read_scope(db, viewer, request)
    costs = load_costs(db, viewer.workspace.id)
    found = bottlenecks(
        db,
        viewer.workspace,
        scope,
        reasons=reason_rows(db, scope, costs=costs),
        complaint_types=reason_rows(db, scope, kind="complaint", costs=costs),
        costs=costs,
    )

    def cell(c: Any) -> dict[str, Any]:
        return {
            "mean_wait_s": c.mean_wait,
            "waits": c.waits,
            "abandonment": c.abandonment,
            "sla_miss": c.sla_miss,
        }

    return {
        "scope": scope.query(),
        "findings": [asdict(f) for f in found.findings],
        "waiting": {
            channel_name: [
                {"weekday": weekday, "hour": hour, **cell(c)}
                for (weekday, hour), c in sorted(grid.items())
            ]
            for channel_name, grid in found.profile.grid.items()
        },
        "hours": [{"hour": h, **cell(c)} for h, c in sorted(found.profile.hours.items())],
        "repeat_reasons": [r.as_json() for r in found.repeat_reasons],
        "complaint_reasons": [r.as_json() for r in found.complaint_reasons],
        "complaint_types": [r.as_json() for r in found.complaint_types],
        "target_gaps": [asdict(g) for g in found.gaps],
        "channels": [asdict(c) for c in found.channels],
    }


@router.get("/business")
def business_api(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    period: Period = None,
    date_from: Annotated[
        str | None, Query(description="YYYY-MM-DD (default: the first day with data)")
    ] = None,
    date_to: DateTo = None,
) -> dict[str, Any]:
    """Quality and business series per period, cross-correlations at lags with 95 %
    intervals, Granger F-tests, customer outcomes after bad and good contacts, and
    the seasonality of repeat orders. Association, not proof of cause."""
    require(viewer, Action.VIEW_ANALYSIS)
    scope = read_scope(db, viewer, request, whole_history=True)
    return business_view(db, viewer.workspace, scope).as_json()


class TaxonomyText(BaseModel):
    """A whole taxonomy as YAML (docs/analysis.md)."""

    yaml: str = Field(max_length=200_000)


@router.get("/taxonomy")
def taxonomy_api(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The reason taxonomy as YAML (the default until one is saved)."""
    require(viewer, Action.VIEW_ANALYSIS)
    taxonomy = load_taxonomy(db, viewer.workspace.id)
    return {"default": taxonomy.is_default, "yaml": dump_taxonomy(taxonomy)}


@router.put("/taxonomy")
def replace_taxonomy_api(db: Db, viewer: CurrentViewer, body: TaxonomyText) -> dict[str, Any]:
    """Replace the taxonomy; guessed reasons are assigned again. 422 names line and field."""
    require(viewer, Action.EDIT_REASONS)
    taxonomy = parse_taxonomy(body.yaml)
    save_taxonomy(db, viewer.workspace.id, taxonomy)
    reassigned = reassign_guesses(db, viewer.workspace.id)
    return {"saved": True, "reassigned": reassigned}
