"""Alert pages: the list (open / acknowledged), the nav badge, and the rules editor."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from kontrol.accounts.access import Viewer
from kontrol.accounts.audit import AuditAction
from kontrol.accounts.policy import Action, require
from kontrol.alerts.delivery import alert_link, describe
from kontrol.alerts.kinds import ALERT_KINDS
from kontrol.alerts.raising import (
    STATES,
    acknowledge_alert,
    acknowledge_alerts,
    acknowledge_matching,
    alert_groups,
    count_alerts,
    count_open,
    list_alerts,
    open_alerts_span,
)
from kontrol.alerts.rules import (
    AlertRuleInput,
    delete_alert_rule,
    get_alert_rule,
    list_alert_rules,
    rotate_secret,
    save_alert_rule,
)
from kontrol.domain.vocabulary import Channel
from kontrol.web.audit_trail import note_action
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.params import LARGEST_ID, Id, Offset
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, locale_of

router = APIRouter(include_in_schema=False)


# How the list shows the alerts of every rule: one row per rule, or each alert. Open
# alerts (the work to do) are grouped unless asked otherwise; the acknowledged ones and
# all of them (a history: who acknowledged what, when) are listed one by one.
VIEWS = ("groups", "list")


def _grouped(show: str, rule_id: int | None, view: str) -> bool:
    """Whether the list shows one row per rule."""
    if rule_id is not None:
        return False
    return view == "groups" or (view not in VIEWS and show == "open")


def _list_target(show: str, rule_id: int | None, done: int | None = None, view: str = "") -> str:
    """The list's address with its filter (and how many were just acknowledged).

    ``view="groups"``: back to the grouped list (a group acknowledged from its row),
    whatever rule the form named; ``view="list"``: the list of every alert.
    """
    show = show if show in STATES else "open"
    query: dict[str, str | int] = {"show": show}
    if view == "groups":
        rule_id = None
    if rule_id is not None:
        query["rule"] = rule_id
    elif view in VIEWS and _grouped(show, None, view) != _grouped(show, None, ""):
        query["view"] = view
    if done is not None:
        query["done"] = done
    return "/alerts?" + urlencode(query)


@router.get("/alerts")
def alerts_page(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    show: str = "open",
    rule: Annotated[int | None, Query(ge=1, le=LARGEST_ID)] = None,
    offset: Offset = 0,
    done: Annotated[int | None, Query(ge=0, le=LARGEST_ID)] = None,
    view: str = "",
) -> Response:
    """Raised alerts, open or acknowledged. Open ones of every rule: one row per rule (how
    many, the newest, the newest few on opening the row, acknowledge the rule's all);
    else (one rule, acknowledged or all, or ``view=list``) each alert newest first, open
    ones acknowledged one by one, picked, or all that match the filter."""
    require(viewer, Action.VIEW_ALERTS)
    locale = locale_of(request)
    if _grouped(show, rule, view):
        return _groups_page(db, viewer, page, show, done, locale)
    items = list_alerts(db, viewer, state=show, rule_id=rule, limit=101, offset=offset)
    messages = {item.id: describe(item.kind, item.details, locale) for item in items}
    links = {item.id: alert_link(item.kind, item.details, item.interaction_id) for item in items}
    # Acknowledging "all that match" stops at the newest alert there is now: one raised
    # while the reader confirms is not acknowledged unseen.
    open_count, newest = open_alerts_span(db, viewer, rule_id=rule)
    return page.render(
        "alerts/alerts.html",
        {
            "alerts": items[:100],
            "messages": messages,
            "links": links,
            "show": show,
            "rule": rule,
            "rules": list_alert_rules(db, viewer.workspace, locale),
            "count": count_alerts(db, viewer, state=show, rule_id=rule),
            "open_count": open_count,
            "up_to": newest,
            "done": done,
            "next_offset": offset + 100 if len(items) > 100 else None,
            "filter_query": _list_target(show, rule, view=view).split("?", 1)[1],
            "view": "list",
        },
    )


def _groups_page(
    db: Connection, viewer: Viewer, page: Page, show: str, done: int | None, locale: str
) -> Response:
    """The alerts of every rule, one row per rule (and kind)."""
    groups = alert_groups(db, viewer, state=show)
    shown = [alert for group in groups for alert in group.latest]
    return page.render(
        "alerts/alert_groups.html",
        {
            "groups": groups,
            "messages": {a.id: describe(a.kind, a.details, locale) for a in shown},
            "links": {a.id: alert_link(a.kind, a.details, a.interaction_id) for a in shown},
            "show": show,
            "rule": None,
            "rules": list_alert_rules(db, viewer.workspace, locale),
            "count": sum(group.count for group in groups),
            "done": done,
            "view": "groups",
        },
    )


@router.get("/alerts/badge")
def alerts_badge(db: Db, viewer: CurrentViewer) -> Response:
    """The number of open alerts, for the nav (loaded by HTMX)."""
    count = count_open(db, viewer)
    text = f'<span class="badge" id="alert-badge">{count}</span>' if count else ""
    return Response(text, media_type="text/html")


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_alert_form(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    alert_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
    show: Annotated[str, Form()] = "open",
    rule: Annotated[int | None, Form(ge=1, le=LARGEST_ID)] = None,
    view: Annotated[str, Form()] = "",
) -> Response:
    """Mark an alert as seen and handled by the viewer."""
    check_csrf(request, csrf_token)
    acknowledge_alert(db, viewer, alert_id)
    return RedirectResponse(_list_target(show, rule, view=view), status_code=303)


@router.post("/alerts/acknowledge")
def acknowledge_picked_form(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    csrf_token: Annotated[str | None, Form()] = None,
    alert_id: Annotated[list[int] | None, Form()] = None,
    show: Annotated[str, Form()] = "open",
    rule: Annotated[int | None, Form(ge=1, le=LARGEST_ID)] = None,
    view: Annotated[str, Form()] = "",
) -> Response:
    """Acknowledge the alerts picked on the list (those the viewer may see and still open)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.VIEW_ALERTS)
    done = acknowledge_alerts(db, viewer, alert_id or [])
    return RedirectResponse(_list_target(show, rule, done, view), status_code=303)


@router.post("/alerts/acknowledge-all")
def acknowledge_matching_form(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    csrf_token: Annotated[str | None, Form()] = None,
    up_to: Annotated[int, Form(ge=0, le=LARGEST_ID)] = 0,
    show: Annotated[str, Form()] = "open",
    rule: Annotated[int | None, Form(ge=1, le=LARGEST_ID)] = None,
    view: Annotated[str, Form()] = "",
) -> Response:
    """Acknowledge every open alert matching the list's filter, up to the newest the list
    showed when the reader confirmed (``up_to``: that alert's id)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.VIEW_ALERTS)
    done = acknowledge_matching(db, viewer, rule_id=rule, up_to_id=up_to)
    return RedirectResponse(_list_target(show, rule, done, view), status_code=303)


# -- rules --------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


@router.get("/alerts/rules")
def alert_rules_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The workspace's alert rules."""
    require(viewer, Action.EDIT_ALERT_RULES)
    rules = list_alert_rules(db, viewer.workspace, locale_of(page.request))
    return page.render(
        "alerts/alert_rules.html", {"rules": rules, "kinds": list(ALERT_KINDS.all())}
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


def _rule_values(rule: Any, locale: str) -> dict[str, Any]:
    return {
        "name": rule.label(locale),
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
def new_alert_rule_form(viewer: CurrentViewer, page: CurrentPage, kind: str) -> Response:
    """The form of a new rule of one kind."""
    require(viewer, Action.EDIT_ALERT_RULES)
    values = {"params": ALERT_KINDS.get(kind).default_params(), "language": "ru", "enabled": True}
    return page.render("alerts/alert_rule_form.html", _form_context(viewer, kind, None, values))


@router.get("/alerts/rules/{rule_id}")
def edit_alert_rule_form(db: Db, viewer: CurrentViewer, page: CurrentPage, rule_id: Id) -> Response:
    """The form of an existing rule (a default rule's name in the reader's language)."""
    require(viewer, Action.EDIT_ALERT_RULES)
    rule = get_alert_rule(db, viewer.workspace, rule_id)
    context = _form_context(viewer, rule.kind, rule, _rule_values(rule, locale_of(page.request)))
    return page.render("alerts/alert_rule_form.html", context)


@router.post("/alerts/rules")
async def save_alert_rule_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage
) -> Response:
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
        with attempt(db):
            saved = save_alert_rule(db, viewer.workspace, data, rule_id=rule_id)
            note_action(
                db,
                request,
                viewer,
                AuditAction.ALERT_RULE_CHANGED,
                saved.name,
                {"rule_id": saved.id, "kind": kind, "enabled": data.enabled},
            )
    except REFUSALS as error:
        rule = get_alert_rule(db, viewer.workspace, rule_id) if rule_id is not None else None
        context = _form_context(viewer, kind, rule, values)
        context["error"] = page.says(error)
        return page.render("alerts/alert_rule_form.html", context, status=status_of(error))
    return RedirectResponse("/alerts/rules", status_code=303)


@router.post("/alerts/rules/{rule_id}/delete")
def delete_alert_rule_form(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    rule_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Delete a rule and its alerts."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_ALERT_RULES)
    gone = get_alert_rule(db, viewer.workspace, rule_id)
    delete_alert_rule(db, viewer.workspace, rule_id)
    details = {"rule_id": rule_id, "deleted": True}
    note_action(db, request, viewer, AuditAction.ALERT_RULE_CHANGED, gone.name, details)
    return RedirectResponse("/alerts/rules", status_code=303)


@router.post("/alerts/rules/{rule_id}/secret")
def rotate_alert_rule_secret(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    rule_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """A new webhook signing secret for the rule."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_ALERT_RULES)
    rotate_secret(db, viewer.workspace, rule_id)
    rule = get_alert_rule(db, viewer.workspace, rule_id)
    details = {"rule_id": rule_id, "secret_rotated": True}
    note_action(db, request, viewer, AuditAction.ALERT_RULE_CHANGED, rule.name, details)
    return RedirectResponse(f"/alerts/rules/{rule_id}", status_code=303)
