"""Alert pages: the list (open / acknowledged), the nav badge, and the rules editor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.access import can_see_rejects
from kontrol.accounts.logins import memberships_of
from kontrol.accounts.policy import Action, require
from kontrol.alerts.delivery import describe
from kontrol.alerts.kinds import ALERT_KINDS
from kontrol.alerts.raising import acknowledge_alert, count_open, list_alerts
from kontrol.alerts.rules import (
    AlertRuleInput,
    delete_alert_rule,
    get_alert_rule,
    list_alert_rules,
    rotate_secret,
    save_alert_rule,
)
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.domain.vocabulary import Channel
from kontrol.web.security import CurrentViewer, State, check_csrf, locale_of

router = APIRouter(include_in_schema=False)


def _render(
    state: State, request: Request, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    viewer = context["viewer"]
    with state.engine.connect() as connection:
        context["memberships"] = memberships_of(connection, viewer.account)
    context["can_see_rejects"] = can_see_rejects(viewer)
    return state.templates.TemplateResponse(request, name, context, status_code=status)


@router.get("/alerts")
def alerts_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    show: str = "open",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Raised alerts, newest first, open or acknowledged."""
    require(viewer, Action.VIEW_ALERTS)
    with state.engine.connect() as connection:
        items = list_alerts(connection, viewer, state=show, limit=101, offset=offset)
    locale = locale_of(request)
    messages = {item.id: describe(item.kind, item.details, locale) for item in items}
    return _render(
        state,
        request,
        "alerts/alerts.html",
        {
            "viewer": viewer,
            "alerts": items[:100],
            "messages": messages,
            "show": show,
            "next_offset": offset + 100 if len(items) > 100 else None,
        },
    )


@router.get("/alerts/badge")
def alerts_badge(state: State, viewer: CurrentViewer) -> Response:
    """The number of open alerts, for the nav (loaded by HTMX)."""
    with state.engine.connect() as connection:
        count = count_open(connection, viewer)
    text = f'<span class="badge" id="alert-badge">{count}</span>' if count else ""
    return Response(text, media_type="text/html")


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_alert_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    alert_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
    show: Annotated[str, Form()] = "open",
) -> Response:
    """Mark an alert as seen and handled by the viewer."""
    check_csrf(request, csrf_token)
    with state.engine.begin() as connection:
        acknowledge_alert(connection, viewer, alert_id)
    target = "/alerts?show=" + ("all" if show == "all" else "open")
    return RedirectResponse(target, status_code=303)


# -- rules --------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


@router.get("/alerts/rules")
def alert_rules_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """The workspace's alert rules."""
    require(viewer, Action.EDIT_ALERT_RULES)
    with state.engine.connect() as connection:
        rules = list_alert_rules(connection, viewer.workspace)
    return _render(
        state,
        request,
        "alerts/alert_rules.html",
        {"viewer": viewer, "rules": rules, "kinds": list(ALERT_KINDS.all())},
    )


def _form_context(viewer: Any, kind: str, rule: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "viewer": viewer,
        "kind": kind,
        "params": ALERT_KINDS.get(kind).params,
        "rule": rule,
        "values": values,
        "channels": [item.value for item in Channel],
        "error": None,
    }


def _rule_values(rule: Any) -> dict[str, Any]:
    return {
        "name": rule.name,
        "params": rule.params,
        "team": rule.scope_team or "",
        "channel": rule.scope_channel or "",
        "webhooks": "\n".join(rule.webhooks),
        "emails": "\n".join(rule.emails),
        "telegram": "\n".join(rule.telegram_chats),
        "language": rule.language,
        "enabled": rule.enabled,
    }


@router.get("/alerts/rules/new")
def new_alert_rule_form(
    request: Request, state: State, viewer: CurrentViewer, kind: str
) -> Response:
    """The form of a new rule of one kind."""
    require(viewer, Action.EDIT_ALERT_RULES)
    values = {"params": ALERT_KINDS.get(kind).default_params(), "language": "ru", "enabled": True}
    return _render(
        state, request, "alerts/alert_rule_form.html", _form_context(viewer, kind, None, values)
    )


@router.get("/alerts/rules/{rule_id}")
def edit_alert_rule_form(
    request: Request, state: State, viewer: CurrentViewer, rule_id: int
) -> Response:
    """The form of an existing rule."""
    require(viewer, Action.EDIT_ALERT_RULES)
    with state.engine.connect() as connection:
        rule = get_alert_rule(connection, viewer.workspace, rule_id)
    return _render(
        state,
        request,
        "alerts/alert_rule_form.html",
        _form_context(viewer, rule.kind, rule, _rule_values(rule)),
    )


@router.post("/alerts/rules")
async def save_alert_rule_form(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Create or update a rule from the form."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.EDIT_ALERT_RULES)
    kind = str(form.get("kind") or "")
    raw_id = str(form.get("rule_id") or "")
    rule_id = int(raw_id) if raw_id.isdigit() else None
    values: dict[str, Any] = {
        "name": str(form.get("name") or ""),
        "params": ALERT_KINDS.get(kind).form_params(form),
        "team": str(form.get("team") or ""),
        "channel": str(form.get("channel") or ""),
        "webhooks": str(form.get("webhooks") or ""),
        "emails": str(form.get("emails") or ""),
        "telegram": str(form.get("telegram") or ""),
        "language": str(form.get("language") or "ru"),
        "enabled": form.get("enabled") == "1",
    }
    data = AlertRuleInput(
        name=values["name"],
        kind=kind,
        params=values["params"],
        scope_team=values["team"],
        scope_channel=values["channel"],
        webhooks=_lines(values["webhooks"]),
        emails=_lines(values["emails"]),
        telegram_chats=_lines(values["telegram"]),
        language=values["language"],
        enabled=values["enabled"],
    )
    try:
        with state.engine.begin() as connection:
            save_alert_rule(connection, viewer.workspace, data, rule_id=rule_id)
    except (InvalidInput, Conflict) as error:
        rule = None
        if rule_id is not None:
            with state.engine.connect() as connection:
                rule = get_alert_rule(connection, viewer.workspace, rule_id)
        context = _form_context(viewer, kind, rule, values)
        context["error"] = str(error)
        return _render(state, request, "alerts/alert_rule_form.html", context, status=422)
    return RedirectResponse("/alerts/rules", status_code=303)


@router.post("/alerts/rules/{rule_id}/delete")
def delete_alert_rule_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    rule_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Delete a rule and its alerts."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_ALERT_RULES)
    with state.engine.begin() as connection:
        delete_alert_rule(connection, viewer.workspace, rule_id)
    return RedirectResponse("/alerts/rules", status_code=303)


@router.post("/alerts/rules/{rule_id}/secret")
def rotate_alert_rule_secret(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    rule_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """A new webhook signing secret for the rule."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_ALERT_RULES)
    with state.engine.begin() as connection:
        rotate_secret(connection, viewer.workspace, rule_id)
    return RedirectResponse(f"/alerts/rules/{rule_id}", status_code=303)
