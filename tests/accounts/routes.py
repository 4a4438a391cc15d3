"""Every route of the app with what each role gets: the HTTP half of the policy matrix.

``tests/accounts/test_matrix.py`` walks ``app.routes`` and fails for a route that
is not declared here. **Declaring a route is one line**::

    Route("GET", "/queues/{queue_id}", "yyy--", ids=lambda w: {"queue_id": w.queue()}),

- method and path exactly as FastAPI has them (path parameters in braces);
- five characters, one per role in the order admin, qa_lead, reviewer,
  team_lead, agent: ``y`` allowed (any answer but 401/403/404/405, a 5xx or a
  redirect to the login page), ``-`` refused by the policy (403), ``4`` not
  found (404: the row is out of that role's scope), ``u`` 401 (the route needs
  an API key, a session is not enough);
- ``ids``: a function of the test's :class:`~tests.accounts.world.World`
  giving the path parameters (called before each role's request, so a route
  that deletes gets a fresh row every time);
- ``form`` / ``json``: a body that passes the route's validation, so a refusal
  is the policy's and not a missing field's (the CSRF token is added for you);
- ``query``: a query string, without ``?``.

Routes anyone may call without logging in go in ``PUBLIC`` instead. The world's
people and rows are described in tests/accounts/world.py (reviewers have nothing
assigned unless a route's ``ids`` assigns it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from kontrol.store.tables import review_items
from tests.accounts.world import World

ROLES_ORDER = ("admin", "qa_lead", "reviewer", "team_lead", "agent")
Ids = Callable[[World], Mapping[str, Any]]

SCORECARD_YAML = (
    "name: policy-card\ntitle: Policy card\nsections:\n  - id: opening\n    title: Opening\n"
    "    criteria:\n      - {id: greeting, title: Greeting, check: greeting, weight: 10}\n"
)
CUSTOM_CHECK_YAML = (
    "id: policy_check\ntitle: Policy check\nrule:\n  phrases: [спасибо]\n  who: agent\n"
)
TARGET_FORM = {
    "metric": "csat",
    "scope": "channel",
    "scope_value": "chat",
    "target": "85",
    "warning": "80",
    "direction": "higher",
    "owner": "QA",
    "period": "month",
}
PERSON_FORM = {"role": "agent", "team": "L1", "agent_id": "a9"}
NEW_PERSON = {"username": "newbie", "password": "long enough 1", **PERSON_FORM}
RULE_FORM = {"kind": "csat_at_most", "name": "Low", "param_threshold": "2", "language": "ru"}
PHRASES_FORM = {
    "language": "ru",
    "list_name": "greeting",
    "mode": "extend",
    "phrases": "добрый день",
}


@dataclass(frozen=True)
class Route:
    """One route and the outcome per role (see the module docstring)."""

    method: str
    path: str
    expect: str
    ids: Ids | None = None
    # A body, or a function of the world and the path parameters giving one.
    form: Mapping[str, str] | Callable[[World, Mapping[str, Any]], Mapping[str, str]] | None = None
    json: Any = None
    query: str = ""

    def outcome(self, role: str) -> str:
        """The expected outcome character for ``role``."""
        return self.expect[ROLES_ORDER.index(role)]


def own_interaction(w: World) -> dict[str, int]:
    """i1: agent a1 of team L1; assigned to no reviewer."""
    return {"interaction_id": w.interaction("i1")}


def api_key(w: World) -> dict[str, int]:
    return {"key_id": w.fresh_api_key()}


def job_run(w: World) -> dict[str, int]:
    return {"run_id": w.job_run()}


def member(w: World) -> dict[str, int]:
    return {"user_id": w.fresh_member()}


def place(w: World) -> dict[str, int]:
    return {"place_id": w.fresh_place()}


def place_qr(w: World) -> dict[str, Any]:
    return {"place_id": w.fresh_place(), "fmt": "svg"}


def alert_on_i1(w: World) -> dict[str, int]:
    """An alert about i1 (team L1): out of a reviewer's scope until i1 is theirs."""
    return {"alert_id": w.alert("i1")}


def rule(w: World) -> dict[str, int]:
    return {"rule_id": w.fresh_rule()}


def target(w: World) -> dict[str, int]:
    return {"target_id": w.fresh_target()}


def scorecard(w: World) -> dict[str, str]:
    return {"name": "default-ru"}


def custom_check(w: World) -> dict[str, str]:
    return {"check_id": "policy_check"}


def phrase_list(w: World) -> dict[str, str]:
    return {"language": "ru", "list_name": "greeting"}


def _queued(w: World, external_id: str) -> int:
    """``external_id`` in the reviewer's queue (assigned once per test), as an item id."""
    with w.engine.connect() as connection:
        found = connection.execute(
            select(review_items.c.id).where(
                review_items.c.interaction_id == w.interaction(external_id),
                review_items.c.assignee_id == w.users["reviewer"],
            )
        ).scalar()
    return int(found) if found is not None else w.assign(external_id, "reviewer")


def review_item(w: World) -> dict[str, int]:
    """i2 waiting for the reviewer: theirs to score, any QA lead's or admin's to open."""
    return {"item_id": _queued(w, "i2")}


def queued_interaction(w: World) -> dict[str, int]:
    _queued(w, "i2")
    return {"interaction_id": w.interaction("i2")}


def queued_for_api(w: World) -> dict[str, int]:
    _queued(w, "i3")
    return {"interaction_id": w.interaction("i3")}


def reviewer_evaluation(w: World) -> dict[str, int]:
    """A fresh submitted evaluation of i2 by the reviewer (its reviewer and leads change it)."""
    _queued(w, "i2")
    return {"evaluation_id": w.evaluate("i2", "reviewer")}


# -- review workflow ids (routing, reviewer, feedback, calibration) ---------------------------


def queue(w: World) -> dict[str, int]:
    return {"queue_id": w.queue()}


def item_to_pass_on(w: World) -> dict[str, int]:
    """i4 assigned to the reviewer in a queue of its own (to skip or reassign)."""
    return {"item_id": w.fresh_item("i4")}


def item_form(w: World, ids: Mapping[str, Any]) -> dict[str, str]:
    return {**w.item_form(ids["item_id"]), "assignee_id": "", "reason": "not my language"}


def item_json(w: World, ids: Mapping[str, Any]) -> dict[str, Any]:
    return {"assignee_id": None, "version": int(w.item_form(ids["item_id"])["version"])}


def review_rule(w: World) -> dict[str, int]:
    return {"rule_id": w.review_rule()}


def rule_version(w: World, ids: Mapping[str, Any]) -> dict[str, str]:
    from kontrol.review.routing.rules import get_routing_rule

    with w.engine.connect() as connection:
        version = get_routing_rule(connection, w.workspace.id, ids["rule_id"]).version
    return {"version": str(version), "active": "1"}


def own_evaluation(w: World) -> dict[str, int]:
    """A submitted evaluation by the reviewer of e1 (agent a1, team L1; not i1, kept unseen)."""
    return {"evaluation_id": w.evaluate(w.extra("e1", agent="a1", team="L1"), "reviewer")}


def other_team_evaluation(w: World) -> dict[str, int]:
    """A submitted evaluation by the second reviewer of e3 (agent a3, team L2)."""
    return {"evaluation_id": w.evaluate(w.extra("e3", agent="a3", team="L2"), "reviewer2")}


def dispute(w: World) -> dict[str, int]:
    """agent1's open dispute of the reviewer's evaluation of e1."""
    return {"dispute_id": w.dispute(own_evaluation(w)["evaluation_id"])}


def task_about_a1(w: World) -> dict[str, int]:
    """A callback task about agent a1 (team L1), owned by the QA lead."""
    return {"task_id": w.task("a1")}


def agent_a1(w: World) -> dict[str, str]:
    return {"agent_external_id": "a1"}


def session(w: World) -> dict[str, int]:
    """A calibration session on i4 with the reviewer taking part."""
    return w.calibration("i4", "reviewer")


def session_only(w: World) -> dict[str, int]:
    return {"session_id": w.calibration("i4", "reviewer")["session_id"]}


VERSION_1 = {"version": "1"}
RESOLVE_FORM = {"outcome": "upheld", "comment": "The answer was right", "version": "1"}
TASK_FORM = {"kind": "callback", "title": "Call back", "agent": "a1"}
REVIEW_RULE_FORM = {"kind": "csat_low", "name": "Low CSAT", "queue": "Low", "due_hours": "24"}


# -- reports: owned by the QA lead; a reviewer or team lead not involved gets 404 --------

_report_serial = iter(range(1, 10_000))


def _qa_report(w: World, *, source: str = "builtin") -> Any:
    from kontrol.reports.definitions import ReportInput, save_report

    with w.engine.begin() as connection:
        return save_report(
            connection,
            w.workspace,
            ReportInput(
                name=f"Policy report {next(_report_serial)}",
                source=source,
                kind="service_weekly" if source == "builtin" else None,
                formats=["pdf"] if source == "manual" else ["link"],
                owner_id=w.users["qa"],
            ),
        )


def report(w: World) -> dict[str, int]:
    return {"report_id": _qa_report(w).id}


def _report_run(w: World, *, source: str, status: str) -> Any:
    from kontrol.domain.clock import utcnow
    from kontrol.reports.runs import open_run

    found = _qa_report(w, source=source)
    with w.engine.begin() as connection:
        return open_run(
            connection,
            found,
            trigger="now",
            due_at=utcnow(),
            timezone=w.workspace.timezone,
            status=status,
        )


def failed_run(w: World) -> dict[str, int]:
    return {"run_id": _report_run(w, source="builtin", status="failed").id}


def deadline_run(w: World) -> dict[str, int]:
    return {"run_id": _report_run(w, source="manual", status="waiting").id}


def report_file(w: World) -> dict[str, int]:
    from kontrol.domain.clock import utcnow
    from kontrol.reports.files import store_file

    run = _report_run(w, source="manual", status="waiting")
    with w.engine.begin() as connection:
        stored = store_file(
            connection,
            workspace_id=w.workspace.id,
            run_id=run.id,
            file_format="pdf",
            file_name="report.pdf",
            data=b"%PDF-1.4\n%%EOF\n",
            now=utcnow(),
        )
    return {"file_id": stored.id}


REPORT_FORM = {
    "name": "Policy form report",
    "source": "builtin",
    "kind": "service_weekly",
    "formats": "link",
    "frequency": "weekly",
    "weekday": "1",
    "month_day": "1",
    "at": "09:00",
    "enabled": "1",
}
REPORT_JSON = {"name": "Policy API report", "formats": ["link"]}


ROUTES: list[Route] = [
    # -- session and interactions (pages and API) --
    Route("POST", "/workspace", "yyyyy", form={"workspace_id": "1"}),
    Route("GET", "/interactions", "yyyyy"),
    Route("GET", "/interactions/{interaction_id}", "yy4yy", ids=own_interaction),
    Route("POST", "/interactions/{interaction_id}/survey-link", "yy4yy", ids=own_interaction),
    Route("GET", "/api/v1/me", "yyyyy"),
    Route("GET", "/api/v1/interactions", "yyyyy"),
    Route("GET", "/api/v1/interactions/{interaction_id}", "yy4yy", ids=own_interaction),
    Route("GET", "/api/v1/interactions/{interaction_id}/checks", "yy4yy", ids=own_interaction),
    Route("GET", "/api/v1/filters", "yyyyy"),
    Route("GET", "/rejects", "yy---"),
    Route("GET", "/api/v1/rejects", "yy---"),
    # -- the ingest API: an API key is the only credential; it writes and never reads --
    Route("POST", "/api/v1/interactions", "uuuuu", json=[]),
    Route("POST", "/api/v1/surveys", "uuuuu", json=[]),
    # -- integrations (admins) --
    Route("GET", "/admin/api-keys", "y----"),
    Route("POST", "/admin/api-keys", "y----", form={"name": "helpdesk"}),
    Route("POST", "/admin/api-keys/{key_id}/revoke", "y----", ids=api_key),
    Route("GET", "/admin/jobs", "y----"),
    Route("POST", "/admin/jobs/{run_id}/retry", "y----", ids=job_run),
    # -- people and roles (admins) --
    Route("GET", "/admin/people", "y----"),
    Route("POST", "/admin/people", "y----", form=NEW_PERSON),
    Route("POST", "/admin/people/{user_id}", "y----", ids=member, form=PERSON_FORM),
    Route("POST", "/admin/people/{user_id}/remove", "y----", ids=member),
    # -- surveys --
    Route("GET", "/surveys/places", "yy---"),
    Route("POST", "/surveys/places", "yy---", form={"name": "Front desk"}),
    Route("POST", "/surveys/places/{place_id}/active", "yy---", ids=place, form={"active": "0"}),
    Route("GET", "/surveys/places/{place_id}/qr.{fmt}", "yy---", ids=place_qr),
    # -- alerts: i1's alert is team L1's; a reviewer without i1 does not see it --
    Route("GET", "/alerts", "yyyy-"),
    Route("GET", "/alerts/badge", "yyyyy"),
    Route("POST", "/alerts/{alert_id}/acknowledge", "yy4y-", ids=alert_on_i1),
    Route("GET", "/alerts/rules", "yy---"),
    Route("GET", "/alerts/rules/new", "yy---", query="kind=csat_at_most"),
    Route("GET", "/alerts/rules/{rule_id}", "yy---", ids=rule),
    Route("POST", "/alerts/rules", "yy---", form=RULE_FORM),
    Route("POST", "/alerts/rules/{rule_id}/delete", "yy---", ids=rule),
    Route("POST", "/alerts/rules/{rule_id}/secret", "yy---", ids=rule),
    # -- KPIs and targets: figures for everyone (by scope), targets for who leads or checks --
    Route("GET", "/dashboard", "yyyyy"),
    Route("GET", "/dashboard", "yyyyy", query="format=csv"),
    Route("GET", "/api/v1/kpi", "yyyyy"),
    Route("GET", "/targets", "yyyy-"),
    Route("GET", "/targets/new", "yy---"),
    Route("GET", "/targets/{target_id}/edit", "yy---", ids=target),
    Route("POST", "/targets", "yy---", form=TARGET_FORM),
    Route("POST", "/targets/{target_id}", "yy---", ids=target, form=TARGET_FORM),
    Route("POST", "/targets/{target_id}/delete", "yy---", ids=target),
    # -- scorecards and checks: read by everyone, changed by admins and QA leads --
    Route("GET", "/scorecards", "yyyyy"),
    Route("GET", "/scorecards/new", "yy---"),
    Route("GET", "/scorecards/{name}", "yyyyy", ids=scorecard),
    Route("POST", "/scorecards", "yy---", form={"yaml": SCORECARD_YAML}),
    Route("GET", "/phrases", "yy---"),
    Route("POST", "/phrases", "yy---", form=PHRASES_FORM),
    Route("POST", "/custom-checks", "yy---", form={"yaml": CUSTOM_CHECK_YAML}),
    Route("POST", "/custom-checks/{check_id}/delete", "yy---", ids=custom_check),
    Route("GET", "/api/v1/scorecards", "yyyyy"),
    Route("POST", "/api/v1/scorecards", "yy---", json={"yaml": SCORECARD_YAML}),
    Route("GET", "/api/v1/check-settings", "yy---"),
    Route(
        "PUT",
        "/api/v1/phrase-lists/{language}/{list_name}",
        "yy---",
        ids=phrase_list,
        json={"phrases": ["добрый день"]},
    ),
    Route("POST", "/api/v1/custom-checks", "yy---", json={"yaml": CUSTOM_CHECK_YAML}),
    # -- the reviewer workspace (a reviewer reaches what is assigned to them) --
    Route("GET", "/review", "yyy--"),
    Route("GET", "/review/next", "yyy--"),
    Route("GET", "/review/items/{item_id}", "yyy--", ids=review_item),
    Route("GET", "/interactions/{interaction_id}/evaluate", "yyy--", ids=queued_interaction),
    Route(
        "POST",
        "/interactions/{interaction_id}/evaluate",
        "yyy--",
        ids=queued_interaction,
        form={"action": "draft"},
    ),
    Route("GET", "/review/agreement", "yyy--"),
    # The sample has no recordings: those who may listen get 404, the others 403.
    Route("GET", "/review/recordings/{interaction_id}", "444--", ids=queued_interaction),
    Route("GET", "/api/v1/review/queue", "yyy--"),
    Route("GET", "/api/v1/review/items/{item_id}", "yyy--", ids=review_item),
    Route("GET", "/api/v1/review/agreement", "yyy--"),
    Route(
        "POST",
        "/api/v1/interactions/{interaction_id}/evaluations",
        "yyy--",
        ids=queued_for_api,
        json={},
    ),
    Route(
        "PUT",
        "/api/v1/evaluations/{evaluation_id}",
        "yyy--",
        ids=reviewer_evaluation,
        json={"version": 1},
    ),
    # -- queues and routing rules --
    Route("GET", "/queues", "yyy--"),
    Route("GET", "/queues/{queue_id}", "yyy--", ids=queue),
    Route("POST", "/queues/items/{item_id}/assign", "yy---", ids=item_to_pass_on, form=item_form),
    Route("POST", "/queues/items/{item_id}/skip", "yyy--", ids=item_to_pass_on, form=item_form),
    Route("GET", "/api/v1/queues", "yyy--"),
    Route("GET", "/api/v1/queues/{queue_id}/items", "yyy--", ids=queue),
    Route(
        "POST",
        "/api/v1/queues/items/{item_id}/assign",
        "yy---",
        ids=item_to_pass_on,
        json=item_json,
    ),
    Route("GET", "/review-rules", "yy---"),
    Route("GET", "/review-rules/export.yaml", "yy---"),
    Route("GET", "/review-rules/new", "yy---", query="kind=csat_low"),
    Route("GET", "/review-rules/{rule_id}", "yy---", ids=review_rule),
    Route("POST", "/review-rules", "yy---", form=REVIEW_RULE_FORM),
    Route("POST", "/review-rules/{rule_id}/active", "yy---", ids=review_rule, form=rule_version),
    Route("POST", "/review-rules/import", "yy---"),
    Route("POST", "/review-rules/defaults", "yy---"),
    # -- evaluations, disputes, tasks, coaching (feedback) --
    Route("GET", "/evaluations", "yyyyy"),
    Route("GET", "/evaluations/{evaluation_id}", "yyyyy", ids=own_evaluation),
    Route("GET", "/evaluations/{evaluation_id}", "yy444", ids=other_team_evaluation),
    Route(
        "POST",
        "/evaluations/{evaluation_id}/acknowledge",
        "----y",
        ids=own_evaluation,
        form=VERSION_1,
    ),
    Route(
        "POST",
        "/evaluations/{evaluation_id}/disputes",
        "----y",
        ids=own_evaluation,
        form={"reason": "wrong"},
    ),
    Route("GET", "/disputes", "yyyyy"),
    Route("POST", "/disputes/settings", "yy---", form={"days": "7"}),
    Route("GET", "/disputes/{dispute_id}", "yy---", ids=dispute),
    Route("POST", "/disputes/{dispute_id}/resolve", "yy---", ids=dispute, form=RESOLVE_FORM),
    Route("POST", "/disputes/{dispute_id}/withdraw", "----y", ids=dispute, form=VERSION_1),
    Route("GET", "/tasks", "yyyyy"),
    Route("GET", "/tasks/new", "yyyy-"),
    Route("POST", "/tasks", "yyyy-", form=TASK_FORM),
    Route("GET", "/tasks/{task_id}", "yy4yy", ids=task_about_a1),
    Route(
        "POST",
        "/tasks/{task_id}",
        "yy4y-",
        ids=task_about_a1,
        form={"status": "in_progress", **VERSION_1},
    ),
    Route("GET", "/coaching", "yyyyy"),
    Route("GET", "/coaching/{agent_external_id}", "yyyyy", ids=agent_a1),
    Route("GET", "/api/v1/evaluations", "yyyyy"),
    Route("GET", "/api/v1/evaluations/{evaluation_id}", "yyyyy", ids=own_evaluation),
    Route("GET", "/api/v1/evaluations/{evaluation_id}", "yy444", ids=other_team_evaluation),
    Route(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/acknowledge",
        "----y",
        ids=own_evaluation,
        json={"version": 1},
    ),
    Route(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/disputes",
        "----y",
        ids=own_evaluation,
        json={"reason": "wrong"},
    ),
    Route("GET", "/api/v1/disputes", "yyyyy"),
    Route(
        "POST",
        "/api/v1/disputes/{dispute_id}/resolve",
        "yy---",
        ids=dispute,
        json={"version": 1, "outcome": "upheld", "comment": "right"},
    ),
    Route(
        "POST", "/api/v1/disputes/{dispute_id}/withdraw", "----y", ids=dispute, json={"version": 1}
    ),
    Route("GET", "/api/v1/tasks", "yyyyy"),
    Route(
        "POST",
        "/api/v1/tasks",
        "yyyy-",
        json={"kind": "callback", "title": "Call back", "agent": "a1"},
    ),
    Route("GET", "/api/v1/tasks/{task_id}", "yy4yy", ids=task_about_a1),
    Route(
        "PATCH",
        "/api/v1/tasks/{task_id}",
        "yy4y-",
        ids=task_about_a1,
        json={"version": 1, "status": "in_progress"},
    ),
    Route("GET", "/api/v1/coaching/{agent_external_id}", "yyyyy", ids=agent_a1),
    # -- calibration --
    Route("GET", "/calibration", "yyy--"),
    Route("GET", "/calibration/new", "yy---"),
    Route("POST", "/calibration", "yy---", form={"name": "November", "scorecard_id": "1"}),
    Route("GET", "/calibration/reviewers", "yy---"),
    Route("GET", "/calibration/{session_id}", "yyy--", ids=session_only),
    Route("POST", "/calibration/{session_id}/submit", "--y--", ids=session_only),
    Route("POST", "/calibration/{session_id}/close", "yy---", ids=session_only, form=VERSION_1),
    Route("GET", "/calibration/{session_id}/items/{item_id}", "yyy--", ids=session),
    Route(
        "POST",
        "/calibration/{session_id}/items/{item_id}",
        "--y--",
        ids=session,
        form={"version": "0"},
    ),
    Route("GET", "/calibration/{session_id}/results", "yy---", ids=session_only),
    Route(
        "POST",
        "/calibration/{session_id}/items/{item_id}/reference",
        "yy---",
        ids=session,
        form={"version": "1"},
    ),
    Route("GET", "/api/v1/calibration/sessions", "yyy--"),
    Route(
        "POST",
        "/api/v1/calibration/sessions",
        "yy---",
        json={"name": "N", "scorecard_id": 1, "reviewer_ids": []},
    ),
    Route("GET", "/api/v1/calibration/sessions/{session_id}", "yyy--", ids=session_only),
    Route(
        "PUT",
        "/api/v1/calibration/sessions/{session_id}/items/{item_id}/score",
        "--y--",
        ids=session,
        json={"answers": {}, "version": 0},
    ),
    Route("POST", "/api/v1/calibration/sessions/{session_id}/submit", "--y--", ids=session_only),
    Route("GET", "/api/v1/calibration/sessions/{session_id}/results", "yy---", ids=session_only),
    Route(
        "PUT",
        "/api/v1/calibration/sessions/{session_id}/items/{item_id}/reference",
        "yy---",
        ids=session,
        json={"answers": {}, "version": 1},
    ),
    Route(
        "POST",
        "/api/v1/calibration/sessions/{session_id}/close",
        "yy---",
        ids=session_only,
        json={"version": 1},
    ),
    Route("GET", "/api/v1/calibration/reviewers", "yy---"),
    # -- the reporting regulation --
    Route("GET", "/reports", "yyyy-"),
    Route("GET", "/reports/new", "yy---"),
    Route("POST", "/reports", "yy---", form=REPORT_FORM),
    Route("GET", "/reports/{report_id}", "yy44-", ids=report),
    Route("GET", "/reports/{report_id}/edit", "yy---", ids=report),
    Route("GET", "/reports/{report_id}/preview", "yy44-", ids=report),
    Route("POST", "/reports/{report_id}/send", "yy---", ids=report),
    Route("POST", "/reports/{report_id}/delete", "yy---", ids=report),
    Route("GET", "/reports/files/{file_id}", "yy44-", ids=report_file),
    Route("POST", "/reports/runs/{run_id}/retry", "yy---", ids=failed_run),
    Route("POST", "/reports/runs/{run_id}/upload", "yy44-", ids=deadline_run),
    Route("POST", "/reports/runs/{run_id}/accept", "yy44-", ids=deadline_run),
    Route("GET", "/api/v1/reports", "yyyy-"),
    Route("POST", "/api/v1/reports", "yy---", json=REPORT_JSON),
    Route("GET", "/api/v1/reports/discipline", "yyyy-"),
    Route("GET", "/api/v1/reports/{report_id}", "yy44-", ids=report),
    Route("GET", "/api/v1/reports/{report_id}/runs", "yy44-", ids=report),
    Route("GET", "/api/v1/reports/{report_id}/preview", "yy44-", ids=report),
    Route("POST", "/api/v1/reports/{report_id}/send", "yy---", ids=report),
    Route("POST", "/api/v1/reports/runs/{run_id}/upload", "yy44-", ids=deadline_run),
]

# Anyone, without logging in: the login form, the language switch, customers'
# survey pages (their own token and rate limits guard them), the OpenAPI schema
# and the static files.
PUBLIC: set[tuple[str, str]] = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/locale"),
    ("GET", "/s/{token}"),
    ("POST", "/s/{token}"),
    ("GET", "/p/{token}"),
    ("POST", "/p/{token}"),
    ("GET", "/k/{token}"),
    ("POST", "/k/{token}"),
    ("GET", "/api/v1/openapi.json"),
    ("MOUNT", "/static"),
}
