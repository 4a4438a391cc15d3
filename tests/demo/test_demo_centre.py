"""The demo `make run` loads: a 60-seat centre, about 30 agents in four teams over six months."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, ensure_workspace
from kontrol.cli.main import app
from kontrol.demo.generator import generate
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.demo.seeding import load_demo
from kontrol.demo.sizes import CENTRE
from kontrol.metrics.dashboard import DashboardQuery, choose_range
from kontrol.store.database import make_engine
from kontrol.store.tables import (
    agents,
    corrective_tasks,
    disputes,
    evaluations,
    interaction_facts,
    interactions,
    memberships,
    review_items,
    users,
)

END = date(2026, 12, 4)
LAST = END - timedelta(days=1)  # the generator's days run up to the end, not into it


def test_the_centre_has_thirty_agents_in_four_teams_over_six_months() -> None:
    records = list(generate(size=CENTRE, interactions=2000, end=END))
    staff = [r for r in records if r.get("kind") == "agent"]
    teams = Counter(r["team"] for r in staff)
    assert 28 <= len(staff) <= 32 and 3 <= len(teams) <= 4
    assert min(teams.values()) >= 4, teams
    contacts = [r for r in records if "kind" not in r]
    days = sorted({datetime.fromisoformat(r["started_at"]).date() for r in contacts})
    assert days[0] <= END - timedelta(days=180) and days[-1] == LAST
    # Every agent answers contacts, a Russian centre with a small English desk.
    assert {r["agent_id"] for r in contacts if r.get("agent_id")} >= {r["id"] for r in staff}
    english = sum(1 for r in contacts if r.get("language") == "en")
    assert 0 < english < 0.15 * len(contacts)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])
def test_kontrol_demo_loads_the_centre_by_default_with_the_dashboard_month_full(
    database_url: str,
) -> None:
    # `kontrol demo` (and so `make run`) loads the centre unless told otherwise.
    helped = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "200"})
    assert "[default: centre]" in helped.output
    engine = make_engine(database_url)
    workspace = ensure_workspace(engine, DEFAULT_WORKSPACE, "Europe/Moscow")
    # A tenth of the centre's contacts keeps the test short; the roster is the same.
    load_demo(engine, workspace, size=CENTRE, count=1000, end=END)
    with engine.connect() as connection:
        teams = dict(
            connection.execute(select(agents.c.team, func.count()).group_by(agents.c.team)).all()
        )
        led = set(
            connection.execute(
                select(memberships.c.team).where(memberships.c.role == "team_lead")
            ).scalars()
        )
        first = connection.execute(select(func.min(interactions.c.started_at))).scalar_one()
        reviewed = connection.execute(
            select(func.count(func.distinct(interactions.c.agent_external_id)))
            .select_from(evaluations.join(interactions))
            .where(evaluations.c.kind == "manual")
        ).scalar_one()
        disputed = connection.execute(select(func.count()).select_from(disputes)).scalar_one()
        coached = connection.execute(
            select(func.count(func.distinct(corrective_tasks.c.agent_external_id))).where(
                corrective_tasks.c.kind == "coaching"
            )
        ).scalar_one()
        open_items = dict(
            connection.execute(
                select(users.c.username, func.count())
                .join(review_items, review_items.c.assignee_id == users.c.id)
                .where(review_items.c.status == "open")
                .group_by(users.c.username)
            ).all()
        )
        viewer = demo_viewer(connection, workspace.id, "qa")
        assert viewer is not None
        shown = choose_range(connection, viewer, DashboardQuery(), datetime(2026, 12, 4, 20, 0))
        busy = set(
            connection.execute(
                select(interaction_facts.c.day).where(
                    interaction_facts.c.day >= shown.first.isoformat(),
                    interaction_facts.c.day <= END.isoformat(),
                )
            ).scalars()
        )
    engine.dispose()
    assert sum(teams.values()) >= 28 and 3 <= len(teams) <= 4
    assert led >= set(teams), "every team has its team lead"
    assert first.date() <= END - timedelta(days=180)
    # Reviews, disputes and coaching over the teams, not one agent's story.
    # The demo agent's two disputes (feedback.py) and one of each agent with a login.
    assert reviewed >= 20 and disputed == 5 and coached >= 8
    # Every reviewer has worked through their queue at about the same pace.
    assert set(open_items) == {"reviewer", "reviewer2", "qa"}, open_items
    assert max(open_items.values()) <= 3 * min(open_items.values()), open_items
    # The dashboard opens on the month of the last day, with contacts every day of it.
    assert shown.first == date(2026, 12, 1)
    expected = {(shown.first + timedelta(days=n)).isoformat() for n in range(LAST.day)}
    assert busy >= expected
