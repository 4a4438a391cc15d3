"""Row scope: whose interactions, evaluations, alerts and figures each role gets.

Out-of-scope rows answer 404 (as if they did not exist) and never appear in
lists, drill-downs, exports, related contacts or the JSON API.
"""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy import select

from kontrol.accounts.access import Viewer
from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.logins import get_account, memberships_of
from kontrol.accounts.policy import evaluation_scope, interaction_scope
from kontrol.domain.clock import utcnow
from kontrol.store.tables import alerts, evaluations, interactions
from tests.accounts.world import World
from tests.factories import form_token, log_in

NOVEMBER = "date_from=2026-11-01&date_to=2026-11-30"


def _as(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    log_in(client, username)
    return client


def _listed(client: TestClient, query: str = "") -> set[str]:
    answer = client.get(f"/api/v1/interactions?{query}")
    assert answer.status_code == 200, answer.text
    return {item["external_id"] for item in answer.json()["items"]}


def _page_lists(client: TestClient, world: World, external_id: str) -> bool:
    page = client.get("/interactions")
    assert page.status_code == 200
    return f'href="/interactions/{world.interaction(external_id)}"' in page.text


def _opens(client: TestClient, world: World, external_id: str) -> int:
    """The status of the interaction page; the API and the checks API must agree."""
    interaction_id = world.interaction(external_id)
    page = client.get(f"/interactions/{interaction_id}").status_code
    api = client.get(f"/api/v1/interactions/{interaction_id}").status_code
    checks = client.get(f"/api/v1/interactions/{interaction_id}/checks").status_code
    assert page == api == checks, (page, api, checks)
    return page


def test_an_agent_sees_only_their_own_interactions(app_client: TestClient, world: World) -> None:
    client = _as(app_client, "agent1")  # agent a1: i1 and i4; i2 is a2's
    assert _listed(client) == {"i1", "i4"}
    assert _opens(client, world, "i1") == 200
    assert _opens(client, world, "i2") == 404
    assert _opens(client, world, "i3") == 404
    assert not _page_lists(client, world, "i2")
    # The customer of i1 also wrote i2 (agent a2): not among i1's related contacts.
    related = client.get(f"/api/v1/interactions/{world.interaction('i1')}").json()["related"]
    assert {item["external_id"] for item in related} == {"i4"}
    # A drill-down to i2's CSAT 1 finds nothing of a2's; a filter on a2 neither.
    assert _listed(client, "csat_max=3") == set()
    assert _listed(client, "agent=a2") == set()
    # No survey link for someone else's contact.
    link = client.post(
        f"/interactions/{world.interaction('i2')}/survey-link",
        data={"csrf_token": form_token(client, "/login")},
    )
    assert link.status_code == 404
    # Their KPI figures and export are their own; asking for a2's is refused.
    rows = client.get(f"/api/v1/kpi?{NOVEMBER}&by=agent&metrics=contacts").json()["rows"]
    assert [(row["agent"], row["contacts"]) for row in rows] == [("a1", 2)]
    assert client.get("/api/v1/kpi?agent=a2").status_code == 403
    export = client.get(f"/dashboard?{NOVEMBER}&by=agent&format=csv")
    table = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in table[1:-1]] == ["a1"]


def test_a_team_lead_sees_their_team_only(app_client: TestClient, world: World) -> None:
    client = _as(app_client, "lead")  # team L1: i1, i2, i4
    assert _listed(client) == {"i1", "i2", "i4"}
    assert _opens(client, world, "i2") == 200
    assert _opens(client, world, "i3") == 404
    assert _listed(client, "team=L2") == set()
    assert client.get("/api/v1/kpi?team=L2").status_code == 403
    export = client.get(f"/dashboard?{NOVEMBER}&by=team&format=csv")
    table = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in table[1:-1]] == ["L1"]

    other = _as(app_client, "lead2")  # team L2: i3
    assert _listed(other) == {"i3"}
    assert _opens(other, world, "i1") == 404


def test_a_reviewer_sees_an_interaction_once_it_is_theirs(
    app_client: TestClient, world: World
) -> None:
    client = _as(app_client, "reviewer")
    assert _listed(client) == set()
    assert _opens(client, world, "i2") == 404
    assert "scope-note" in client.get("/interactions").text

    world.assign("i2", "reviewer")
    assert _listed(client) == {"i2"}
    assert _opens(client, world, "i2") == 200
    assert _page_lists(client, world, "i2")
    # i1 shares i2's customer, but is not the reviewer's: not among the related.
    related = client.get(f"/api/v1/interactions/{world.interaction('i2')}").json()["related"]
    assert related == []

    # Another reviewer's work stays theirs.
    world.evaluate("i3", "reviewer2")
    assert _opens(client, world, "i3") == 404
    assert _listed(_as(app_client, "reviewer2")) == {"i3"}

    # What the reviewer scored stays visible after the item moves on.
    client = _as(app_client, "reviewer")
    world.evaluate("i1", "reviewer", status="draft")
    assert _listed(client) == {"i1", "i2"}

    # A calibration session they take part in opens its interactions to them.
    assert _opens(client, world, "i4") == 404
    world.calibrate("i4", "reviewer")
    assert _opens(client, world, "i4") == 200
    assert _listed(client) == {"i1", "i2", "i4"}


def test_a_reviewer_counts_the_workspace_but_drills_down_to_their_rows(
    app_client: TestClient, world: World
) -> None:
    world.assign("i2", "reviewer")
    client = _as(app_client, "reviewer")
    rows = client.get(f"/api/v1/kpi?{NOVEMBER}&metrics=contacts").json()["rows"]
    assert rows[0]["contacts"] == 4, "KPI figures are workspace aggregates for reviewers"
    # The dashboard's drill-down links lead to the list, narrowed to the reviewer's rows.
    assert _listed(client, f"{NOVEMBER}&handled=yes") == {"i2"}
    assert _listed(client, "csat_max=3") == {"i2"}


def test_reviewers_see_alerts_about_their_interactions_and_the_workspace_figures(
    app_client: TestClient, world: World
) -> None:
    about_i1 = world.alert("i1")
    rule_id = world.fresh_rule()
    with world.engine.begin() as connection:
        connection.execute(
            alerts.insert().values(
                workspace_id=world.workspace.id,
                rule_id=rule_id,
                subject="workspace:csat",
                time_window="2026-11",
                details={"metric": "csat"},
                raised_at=utcnow(),
            )
        )
    client = _as(app_client, "reviewer")
    page = client.get("/alerts?show=all").text
    assert f'data-alert="{about_i1}"' not in page
    assert page.count("data-alert=") == 1, "the workspace-wide alert is listed"
    world.assign("i1", "reviewer")
    assert f'data-alert="{about_i1}"' in client.get("/alerts?show=all").text
    # A team lead of another team does not see i1's alert.
    assert f'data-alert="{about_i1}"' not in _as(app_client, "lead2").get("/alerts").text


def test_another_workspace_sees_nothing(app_client: TestClient, world: World) -> None:
    client = _as(app_client, "outsider")
    assert _listed(client) == set()
    assert _opens(client, world, "i1") == 404


def test_an_api_key_writes_but_cannot_read(app_client: TestClient, world: World) -> None:
    with world.engine.begin() as connection:
        made = create_api_key(
            connection, workspace=world.workspace, name="helpdesk", created_by="admin"
        )
    app_client.cookies.clear()
    key = {"Authorization": f"Bearer {made.secret}"}
    for path in (
        "/api/v1/interactions",
        f"/api/v1/interactions/{world.interaction('i1')}",
        "/api/v1/kpi",
        "/api/v1/me",
        "/api/v1/rejects",
        "/api/v1/scorecards",
    ):
        assert app_client.get(path, headers=key).status_code == 401, path
    written = app_client.post("/api/v1/surveys", headers=key, json=[])
    assert written.status_code != 401


def _viewer(world: World, username: str) -> Viewer:
    with world.engine.connect() as connection:
        account = get_account(connection, world.users[username])
        membership = next(
            m for m in memberships_of(connection, account) if m.workspace.id == world.workspace.id
        )
    return Viewer(account, membership)


def test_evaluation_scope_hides_other_rows_and_unfinished_drafts(world: World) -> None:
    submitted = world.evaluate("i1", "reviewer")
    draft = world.evaluate("i1", "reviewer", status="draft")
    other_team = world.evaluate("i3", "reviewer2")

    def visible(username: str) -> set[int]:
        viewer = _viewer(world, username)
        with world.engine.connect() as connection:
            return {
                row.id
                for row in connection.execute(
                    select(evaluations.c.id).where(
                        evaluations.c.kind == "manual", evaluation_scope(viewer)
                    )
                )
            }

    assert visible("qa") == {submitted, draft, other_team}
    assert visible("reviewer") == {submitted, draft}, "their own draft, not reviewer2's work"
    assert visible("reviewer2") == {other_team}
    assert visible("agent1") == {submitted}, "the agent never sees a draft"
    assert visible("lead") == {submitted}
    assert visible("lead2") == {other_team}
    assert visible("agent3") == {other_team}


def test_interaction_scope_is_a_condition_of_the_workspace_rows(world: World) -> None:
    world.assign("i3", "reviewer")
    with world.engine.connect() as connection:
        for username, expected in [
            ("admin", {"i1", "i2", "i3", "i4"}),
            ("reviewer", {"i3"}),
            ("lead", {"i1", "i2", "i4"}),
            ("agent3", {"i3"}),
        ]:
            viewer = _viewer(world, username)
            found = {
                row.external_id
                for row in connection.execute(
                    select(interactions.c.external_id).where(
                        interactions.c.workspace_id == world.workspace.id,
                        interaction_scope(viewer),
                    )
                )
            }
            assert found == expected, username
