"""The dashboard's heat map: agents × failed checks, each cell leading to its conversations."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scorecards import (
    DEFAULT_SCORECARDS,
    bonus_checks,
    default_scorecard_text,
    save_scorecard,
)
from kontrol.store.tables import check_failures, interactions
from tests.factories import log_in
from tests.metrics.test_dashboard import NOVEMBER, with_agents  # noqa: F401 - fixture


def _cells(page: str) -> dict[tuple[str, str], str]:
    """(agent, check) -> the cell's link, for every non-empty cell of the heat map."""
    section = page.split('id="heatmap"', 1)[1].split("</section>", 1)[0]
    found = {}
    for href in re.findall(r'<a href="(/interactions\?[^"]+)"', section):
        query = parse_qs(urlsplit(html.unescape(href)).query)
        found[(query["agent"][0], query["failed"][0])] = html.unescape(href)
    return found


def test_each_cell_counts_the_failures_its_link_lists(
    client: TestClient,
    engine: Engine,
    with_agents: Workspace,  # noqa: F811
) -> None:
    with engine.connect() as connection:
        bonus = bonus_checks(connection, with_agents.id)
        failures = connection.execute(
            select(interactions.c.agent_external_id, check_failures.c.check_id)
            .join(check_failures, check_failures.c.interaction_id == interactions.c.id)
            .where(check_failures.c.check_id.not_in(bonus))
        ).all()
    assert failures, "the sample fails some checks"
    log_in(client, "qa")
    page = client.get(f"/dashboard?{NOVEMBER}").text
    cells = _cells(page)
    assert set(cells) == {(agent, check) for agent, check in failures}
    agent, check = sorted(cells)[0]
    listing = client.get("/api/v1/interactions?" + urlsplit(cells[(agent, check)]).query).json()
    expected = sum(1 for row in failures if row == (agent, check))
    assert len(listing["items"]) == expected
    # An agent's name leads to their coaching page.
    assert f'href="/coaching/{agent}"' in page


def test_a_bonus_not_earned_is_no_failed_column(
    client: TestClient,
    engine: Engine,
    with_agents: Workspace,  # noqa: F811
) -> None:
    """A check bound only to bonus criteria (the upsell, usually) has no column: not
    earning a bonus is no failure. Here the sample's often failed rating request is made
    a bonus, first in one of the two active scorecards, then in both."""
    log_in(client, "qa")
    assert "rating_request" in {
        check for _, check in _cells(client.get(f"/dashboard?{NOVEMBER}").text)
    }
    for name in DEFAULT_SCORECARDS:
        text = default_scorecard_text(name)
        line = next(x for x in text.splitlines() if "check: rating_request" in x)
        with engine.begin() as connection:
            save_scorecard(
                connection,
                with_agents.id,
                text.replace(line, line.replace("weight: 5}", "weight: 5, bonus: true}")),
            )
            bonus = bonus_checks(connection, with_agents.id)
        # Bound to an ordinary criterion of another active scorecard, it still fails.
        assert ("rating_request" in bonus) is (name == DEFAULT_SCORECARDS[-1])
    columns = {check for _, check in _cells(client.get(f"/dashboard?{NOVEMBER}").text)}
    assert columns, "other checks still fail"
    assert "rating_request" not in columns
    assert "upsell" in bonus


def test_an_agent_sees_no_heat_map_of_colleagues(
    client: TestClient,
    with_agents: Workspace,  # noqa: F811
) -> None:
    log_in(client, "agent1")
    page = client.get(f"/dashboard?{NOVEMBER}").text
    assert 'id="heatmap"' not in page
