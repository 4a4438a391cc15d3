"""Issue 15: the heat map's count for an agent and the KPI table's differ (25 against 23).

They count different sets, on purpose: the heat map every conversation of the agent
(the checks look at outbound and abandoned ones too, and its cells link to them),
the KPI «Обработано обращений» only the inbound contacts the agent took. The pages
say so beside both numbers; this test pins the relation on the demo data.
"""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import func, or_, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account, Membership
from kontrol.domain.clock import from_utc, zone
from kontrol.domain.roles import WorkspaceRole
from kontrol.metrics.date_ranges import DateRange
from kontrol.metrics.heatmap import build_heatmap
from kontrol.metrics.kpis import compute
from kontrol.store.tables import interactions
from kontrol.web.app import create_app
from tests.demos import DemoCopy
from tests.factories import log_in


def test_the_heat_map_counts_every_conversation_the_kpi_only_handled_ones(
    demo_copy: DemoCopy,
) -> None:
    demo = demo_copy()
    workspace = demo.workspace
    qa = Viewer(
        Account(1, "qa", "QA", "ru"), Membership(workspace, WorkspaceRole.QA_LEAD, None, None)
    )
    local = zone(workspace.timezone)
    with demo.engine.connect() as connection:
        first, last = connection.execute(
            select(func.min(interactions.c.started_at), func.max(interactions.c.started_at))
        ).one()
        dates = DateRange(from_utc(first, local).date(), from_utc(last, local).date())
        heat = build_heatmap(connection, qa, {}, dates, {})
        kpis = compute(
            connection,
            workspace=workspace,
            metrics=["contacts"],
            by=["agent"],
            date_from=dates.first,
            date_to=dates.last,
        )
        # Conversations of the agent that are not contacts they handled.
        rows = connection.execute(
            select(interactions.c.agent_external_id.label("agent"), func.count().label("n"))
            .where(
                interactions.c.workspace_id == workspace.id,
                interactions.c.agent_external_id.is_not(None),
                or_(
                    interactions.c.direction != "inbound",
                    interactions.c.status == "abandoned",
                ),
            )
            .group_by(interactions.c.agent_external_id)
        )
        not_handled = {str(row.agent): int(row.n) for row in rows}
    assert dates.first < dates.last and isinstance(dates.first, date)
    handled = {row["agent"]: row["contacts"] or 0 for row in kpis if row["agent"]}
    assert heat.rows, "the demo's heat map has agents"
    differing = 0
    for row in heat.rows:
        extra = not_handled.get(row.agent, 0)
        assert row.conversations == handled.get(row.agent, 0) + extra, row.agent
        differing += extra > 0
    # The demo has outbound calls and abandoned contacts: the two counts differ there.
    assert differing > 0


def test_both_counts_say_what_they_count(demo_copy: DemoCopy) -> None:
    demo = demo_copy()
    with demo.engine.connect() as connection:
        first, last = connection.execute(
            select(func.min(interactions.c.started_at), func.max(interactions.c.started_at))
        ).one()
    span = f"date_from={first:%Y-%m-%d}&date_to={last:%Y-%m-%d}"
    with TestClient(create_app(demo.url)) as client:
        log_in(client, "qa", "qa-kontrol")
        page = client.get(f"/dashboard?by=agent&{span}").text
    heat = page.split('id="heat-conversations"', 1)[1].split("</th>", 1)[0]
    assert "Всего обращений" in heat and "только входящие, принятые оператором" in heat
    contacts = page.split('data-sort="contacts"', 1)[1].split("</a>", 1)[0]
    assert "Обработано обращений" in contacts
    assert "«Всего обращений» в тепловой карте считает все обращения" in contacts
