"""The JSON API of work-tool quality under ``/api/v1/work``: scores, items, rules, checks.

Work items themselves arrive through the ingest API (``"kind": "work_item"``).
The endpoints take JSON bodies only, and the session cookie is SameSite=Lax, so
a cross-site form cannot post them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from kontrol.accounts.policy import Action, require
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.params import Id, Offset
from kontrol.worktools.evaluation import check_work_items
from kontrol.worktools.rules import (
    WorkRuleInput,
    delete_rule,
    export_rules,
    get_rule,
    list_rules,
    save_rule,
)
from kontrol.worktools.views import item_for, items_for, open_counts, overview

router = APIRouter(prefix="/api/v1/work", tags=["worktools"])


class RuleBody(BaseModel):
    """A hygiene rule (docs/work-tools.md); saved under its name."""

    name: str
    kind: str = Field(
        description="required_fields, stale_status, overdue, closed_without_resolution "
        "or duplicate_customers"
    )
    types: list[str] = Field(default_factory=list, description="item types; empty: all")
    fields: list[str] = Field(
        default_factory=list, description="required fields, or customer keys (phone, email, name)"
    )
    params: dict[str, float] = Field(default_factory=dict)
    weight: float = Field(default=1.0, description="what one breach costs an item, 0 to 1")
    enabled: bool = True


def _rule_json(rule: Any, count: int | None = None) -> dict[str, Any]:
    data = {
        "id": rule.id,
        "name": rule.name,
        "kind": rule.kind,
        "types": list(rule.item_types),
        "fields": list(rule.fields),
        "params": rule.params,
        "weight": rule.weight,
        "enabled": rule.enabled,
    }
    if count is not None:
        data["open_violations"] = count
    return data


@router.get("/scores")
def api_work_scores(
    db: Db,
    viewer: CurrentViewer,
    weeks: Annotated[int, Query(ge=1, le=52)] = 8,
) -> dict[str, Any]:
    """Hygiene now (overall, by team, by owner, worst first), by week and by rule, of the
    items the caller may see."""
    return overview(db, viewer, weeks=weeks).as_json()


@router.get("/items")
def api_work_items(
    db: Db,
    viewer: CurrentViewer,
    owner: str | None = None,
    team: str | None = None,
    rule: int | None = None,
    violations: Annotated[bool, Query(description="only items breaking a rule")] = False,
    everything: Annotated[
        bool, Query(description="also items finished more than 30 days ago")
    ] = False,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Work items with the rules they break now, those with violations first (50 a page);
    by default those the scores count: open, or finished within 30 days."""
    found = items_for(
        db,
        viewer,
        owner=owner,
        team=team,
        rule_id=rule,
        only_violations=violations,
        everything=everything,
        offset=offset,
    )
    return found.as_json()


@router.get("/items/{item_id}")
def api_work_item(db: Db, viewer: CurrentViewer, item_id: Id) -> dict[str, Any]:
    """One work item with its history, free fields and every violation, open or closed."""
    return item_for(db, viewer, item_id).as_json(full=True)


@router.get("/rules")
def api_work_rules(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The hygiene rules with their open violations."""
    require(viewer, Action.MANAGE_WORK_RULES)
    counts = open_counts(db, viewer.workspace.id)
    rules = list_rules(db, viewer.workspace.id)
    return {"rules": [_rule_json(rule, counts.get(rule.id, 0)) for rule in rules]}


@router.get("/rules.yaml")
def api_work_rules_yaml(db: Db, viewer: CurrentViewer) -> Response:
    """The hygiene rules as YAML, for ``kontrol work rules import``."""
    require(viewer, Action.MANAGE_WORK_RULES)
    return Response(export_rules(db, viewer.workspace.id), media_type="application/yaml")


@router.post("/rules", status_code=201)
def api_save_work_rule(
    db: Db, viewer: CurrentViewer, body: RuleBody, response: Response
) -> dict[str, Any]:
    """Create a rule, or update the one of the same name (200)."""
    require(viewer, Action.MANAGE_WORK_RULES)
    rule, created = save_rule(db, viewer.workspace.id, WorkRuleInput(**body.model_dump()))
    if not created:
        response.status_code = 200
    return _rule_json(rule)


@router.delete("/rules/{rule_id}", status_code=204)
def api_delete_work_rule(db: Db, viewer: CurrentViewer, rule_id: Id) -> Response:
    """Delete a rule and its violations."""
    require(viewer, Action.MANAGE_WORK_RULES)
    get_rule(db, viewer.workspace.id, rule_id)
    delete_rule(db, viewer.workspace.id, rule_id)
    return Response(status_code=204)


@router.post("/check")
def api_work_check(db: Db, viewer: CurrentViewer) -> dict[str, int]:
    """Check every work item against the rules now (a job does it hourly)."""
    require(viewer, Action.MANAGE_WORK_RULES)
    return check_work_items(db, viewer.workspace.id).as_json()
