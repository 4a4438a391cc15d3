"""The targets page: every KPI target of the workspace, the form to add or change one.

Thin: read the form (:func:`read_target` names the field of every mistake), call
``kontrol.metrics.targets``, render; a refused form shows itself again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed, require
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.domain.periods import Period
from kontrol.domain.vocabulary import Channel
from kontrol.interactions.listing import filter_choices
from kontrol.metrics import catalogue, get_metric
from kontrol.metrics.targets import (
    Target,
    delete_target,
    list_targets,
    save_target,
    update_target,
)
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.pages.metrics.dashboard import format_value
from kontrol.web.params import Id, read_period
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, locale_of

router = APIRouter(include_in_schema=False)
SCOPES = ("company", "team", "agent", "channel")
DIRECTIONS = ("higher", "lower")


def _targets_context(page: Page) -> dict[str, Any]:
    viewer = page.viewer
    choices = filter_choices(page.connection, viewer)
    return {
        "can_see_targets": True,
        "can_edit": allowed(viewer, Action.EDIT_TARGETS),
        "metrics": catalogue(),
        "scopes": SCOPES,
        "directions": DIRECTIONS,
        "periods": [item.value for item in Period],
        "choices": choices,
        "channels": [item.value for item in Channel],
    }


@router.get("/targets")
def targets_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Every KPI target of the workspace (admins and QA leads edit, team leads read)."""
    require(viewer, Action.VIEW_TARGETS)
    targets = list_targets(db, viewer.workspace)
    context = _targets_context(page)
    known = {metric.id: metric for metric in catalogue()}
    context.update(
        targets=targets, known=known, fmt=partial(format_value, locale=locale_of(page.request))
    )
    return page.render("metrics/targets.html", context)


def _target_form(
    page: Page,
    target: Target | None,
    *,
    values: Mapping[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = _targets_context(page)
    context.update(target=target, values=values or {}, error=error)
    return page.render("metrics/target_form.html", context, status=status)


def _find(db: Connection, viewer: Viewer, target_id: int) -> Target:
    for target in list_targets(db, viewer.workspace):
        if target.id == target_id:
            return target
    raise NotFound(
        f"no target {target_id}", key="metrics.error.no_target", params={"target_id": target_id}
    )


@router.get("/targets/new")
def new_target_form(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """An empty target form."""
    require(viewer, Action.EDIT_TARGETS)
    return _target_form(page, None)


@router.get("/targets/{target_id}/edit")
def edit_target_form(db: Db, viewer: CurrentViewer, page: CurrentPage, target_id: Id) -> Response:
    """The form with one target's values."""
    require(viewer, Action.EDIT_TARGETS)
    return _target_form(page, _find(db, viewer, target_id))


def _number(name: str, raw: str) -> float:
    try:
        value = float(raw.replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInput(
            f"{name}: not a number: {raw[:20]!r}",
            key="metrics.error.not_a_number",
            params={"raw": raw[:20]},
            where_key="error.where.field",
            where_params={"field": name},
        )
    return value


def read_target(
    *,
    metric: str,
    scope: str,
    scope_value: str,
    target: str,
    warning: str,
    direction: str,
    owner: str,
    period: str,
) -> dict[str, Any]:
    """Validate the form into the arguments of ``save_target``; errors name the field."""
    get_metric(metric)
    if scope not in SCOPES:
        raise InvalidInput(
            f"scope: one of {', '.join(SCOPES)}",
            key="metrics.error.one_of",
            params={"join": ", ".join(SCOPES)},
            where_key="error.where.field",
            where_params={"field": "scope"},
        )
    scope_value = scope_value.strip()
    if scope == "company":
        scope_value = ""
    elif not scope_value:
        raise InvalidInput(
            f"scope_value: which {scope}?",
            key="metrics.error.which_scope",
            params={"scope": scope},
            where_key="error.where.field",
            where_params={"field": "scope_value"},
        )
    if scope == "channel" and scope_value not in {item.value for item in Channel}:
        raise InvalidInput(
            f"scope_value: unknown channel {scope_value[:30]!r}",
            key="metrics.error.unknown_scope_channel",
            params={"scope_value": scope_value[:30]},
            where_key="error.where.field",
            where_params={"field": "scope_value"},
        )
    if direction not in DIRECTIONS:
        raise InvalidInput(
            "direction: higher or lower",
            key="metrics.error.direction",
            where_key="error.where.field",
            where_params={"field": "direction"},
        )
    read_period(period)
    goal, threshold = _number("target", target), _number("warning", warning)
    if direction == "higher" and threshold > goal:
        raise InvalidInput(
            "warning: when higher is better, the warning threshold is below the target",
            key="metrics.error.warning_below",
            where_key="error.where.field",
            where_params={"field": "warning"},
        )
    if direction == "lower" and threshold < goal:
        raise InvalidInput(
            "warning: when lower is better, the warning threshold is above the target",
            key="metrics.error.warning_above",
            where_key="error.where.field",
            where_params={"field": "warning"},
        )
    owner = owner.strip()
    if not owner:
        raise InvalidInput(
            "owner: who answers for this target?",
            key="metrics.error.owner",
            where_key="error.where.field",
            where_params={"field": "owner"},
        )
    return {
        "metric": metric,
        "scope": scope,
        "scope_value": scope_value[:200],
        "target": goal,
        "warning": threshold,
        "direction": direction,
        "owner": owner[:200],
        "period": period,
    }


TargetField = Annotated[str, Form()]


def _save(page: Page, existing: Target | None, fields: dict[str, str]) -> Response:
    db, workspace = page.connection, page.viewer.workspace
    try:
        values = read_target(**fields)
        with attempt(db):
            if existing is None:
                save_target(db, workspace, **values)
            else:
                update_target(db, workspace, existing.id, **values)
    except REFUSALS as problem:
        return _target_form(
            page, existing, values=fields, error=page.says(problem), status=status_of(problem)
        )
    return RedirectResponse("/targets", status_code=303)


@router.post("/targets")
def create_target(
    request: Request,
    viewer: CurrentViewer,
    page: CurrentPage,
    metric: TargetField,
    scope: TargetField,
    target: TargetField,
    warning: TargetField,
    direction: TargetField,
    owner: TargetField,
    period: TargetField,
    scope_value: TargetField = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add a target (or replace the one with the same metric, scope and period)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_TARGETS)
    fields = {
        "metric": metric,
        "scope": scope,
        "scope_value": scope_value,
        "target": target,
        "warning": warning,
        "direction": direction,
        "owner": owner,
        "period": period,
    }
    return _save(page, None, fields)


@router.post("/targets/{target_id}")
def change_target(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    target_id: Id,
    metric: TargetField,
    scope: TargetField,
    target: TargetField,
    warning: TargetField,
    direction: TargetField,
    owner: TargetField,
    period: TargetField,
    scope_value: TargetField = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Change a target."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_TARGETS)
    existing = _find(db, viewer, target_id)
    fields = {
        "metric": metric,
        "scope": scope,
        "scope_value": scope_value,
        "target": target,
        "warning": warning,
        "direction": direction,
        "owner": owner,
        "period": period,
    }
    return _save(page, existing, fields)


@router.post("/targets/{target_id}/delete")
def remove_target(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    target_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Delete a target."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_TARGETS)
    existing = _find(db, viewer, target_id)
    delete_target(db, viewer.workspace, existing.id)
    return RedirectResponse("/targets", status_code=303)
