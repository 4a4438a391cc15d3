"""Every route of the app with what each role gets: the HTTP half of the policy matrix.

``tests/policy/test_matrix.py`` walks ``app.routes`` and fails for a route that
is not declared here. **Declaring a route is one line**::

    Route("GET", "/queues/{queue_id}", "yyy--", ids=lambda w: {"queue_id": w.queue()}),

- method and path exactly as FastAPI has them (path parameters in braces);
- five characters, one per role in the order admin, qa_lead, reviewer,
  team_lead, agent: ``y`` allowed (any answer but 401/403/404/405, a 5xx or a
  redirect to the login page), ``-`` refused by the policy (403), ``4`` not
  found (404: the row is out of that role's scope), ``u`` 401 (the route needs
  an API key, a session is not enough);
- ``ids``: a function of the test's :class:`~tests.policy.world.World`
  giving the path parameters (called before each role's request, so a route
  that deletes gets a fresh row every time);
- ``form`` / ``json``: a body that passes the route's validation, so a refusal
  is the policy's and not a missing field's (the CSRF token is added for you);
- ``query``: a query string, without ``?``.

Routes anyone may call without logging in go in ``PUBLIC`` instead. The world's
people and rows are described in tests/policy/world.py (reviewers have nothing
assigned unless a route's ``ids`` assigns it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.policy.world import World

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
    form: Mapping[str, str] | None = None
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
