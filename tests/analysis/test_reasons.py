"""The reason view: the dashboard's numbers by topic, reasons from phrases for the rest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.analysis.assignment import assign_reasons, train
from kontrol.analysis.costs import CostSettings, save_costs
from kontrol.analysis.reasons import (
    NONE,
    flag_of,
    reason_interactions,
    reason_label,
    reason_rows,
)
from kontrol.analysis.scope import make_scope
from kontrol.analysis.taxonomy import default_taxonomy
from kontrol.domain.roles import WorkspaceRole
from kontrol.metrics.kpis import compute
from kontrol.store.tables import reason_assignments
from kontrol.web.app import create_app
from tests.analysis.builders import contact
from tests.factories import add_people, form_token, import_records, interaction_ids, log_in

RECORDS = [
    contact(
        "r1",
        started="2026-11-02T10:00:00+00:00",
        text="Где мой заказ?",
        topic="delivery",
        csat=5,
        customer="c1",
    ),
    contact(
        "r2",
        started="2026-11-03T10:00:00+00:00",
        text="Снова где заказ",
        topic="delivery",
        csat=2,
        customer="c1",
    ),
    contact(
        "r3",
        started="2026-11-03T11:00:00+00:00",
        text="Верните деньги",
        topic="refund",
        csat=4,
        customer="c2",
        cost=120.0,
    ),
    contact(
        "r4",
        started="2026-11-04T12:00:00+00:00",
        text="Refund please",
        topic="refund",
        customer="c3",
        tags=["complaint"],
    ),
    contact(
        "r5",
        started="2026-11-05T09:00:00+00:00",
        text="Курьер не приехал, доставка сорвана",
        customer="c4",
    ),
    contact("r6", started="2026-11-05T09:30:00+00:00", text="Добрый день", customer="c5"),
]


def _scope(engine: Engine, workspace: Workspace):  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return make_scope(
            connection, workspace.id, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)
        )


def test_reason_figures_equal_the_dashboard_by_topic(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_records(engine, workspace, tmp_path, RECORDS[:4])
    scope = _scope(engine, workspace)
    metrics = ["contacts", "fcr", "repeat_contact", "csat", "complaints", "cost_total"]
    with engine.connect() as connection:
        mine = {r.code: r for r in reason_rows(connection, scope, costs=CostSettings())}
        dashboard = compute(
            connection,
            workspace=workspace,
            metrics=metrics,
            by=("topic",),
            date_from=scope.date_from,
            date_to=scope.date_to,
        )
    assert set(mine) == {"delivery", "refund"}
    for row in dashboard:
        reason = mine[row["topic"]]
        assert reason.contacts == row["contacts"]
        assert reason.fcr == row["fcr"]
        assert reason.repeat_contact == row["repeat_contact"]
        assert reason.csat == row["csat"]
        assert reason.complaints == row["complaints"]
        assert reason.cost_total == row["cost_total"]
    assert mine["delivery"].repeat_contact == 50.0  # c1 came back the next day
    assert mine["refund"].cost == 120.0


def test_interaction_without_topic_gets_its_reason_from_phrases(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_records(engine, workspace, tmp_path, RECORDS)
    with engine.begin() as connection:
        assign_reasons(connection, workspace.id)
        ids = interaction_ids(connection, workspace)
        sources = dict(
            connection.execute(
                select(reason_assignments.c.interaction_id, reason_assignments.c.reason_source)
            ).all()
        )
    assert sources[ids["r1"]] == "topic"
    assert sources[ids["r5"]] == "rule"
    assert sources[ids["r6"]] == "none"
    scope = _scope(engine, workspace)
    with engine.connect() as connection:
        rows = {r.code: r for r in reason_rows(connection, scope, costs=CostSettings())}
        unknown = reason_interactions(connection, scope, kind="reason", code=NONE)
        delivery = reason_interactions(connection, scope, kind="reason", code="delivery")
    assert rows["delivery"].contacts == 3 and rows["delivery"].guessed == 1
    assert rows[None].contacts == 1
    assert [row.interaction_id for row in unknown] == [ids["r6"]]
    assert {row.source for row in delivery} == {"topic", "rule"}


def test_model_learned_from_topics_gives_a_reason_rules_miss(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    delivery = ["посылка застряла", "курьер опоздал", "посылку так и не привезли", "parcel lost"]
    refund = ["верните оплату", "деньги обратно", "хочу вернуть покупку", "money back please"]
    records = [
        contact(
            f"t{i}",
            started=f"2026-11-0{1 + i % 8}T1{i % 10}:00:00+00:00",
            text=text,
            topic=topic,
            customer=f"m{i}",
        )
        for i, (text, topic) in enumerate(
            [(t, "delivery") for t in delivery * 4] + [(t, "refund") for t in refund * 4]
        )
    ]
    records.append(
        contact(
            "u1", started="2026-11-09T10:00:00+00:00", text="посылка застряла где-то", customer="u"
        )
    )
    import_records(engine, workspace, tmp_path, records)
    with engine.begin() as connection:
        from kontrol.analysis.taxonomy import parse_taxonomy, save_taxonomy

        # phrases that do not cover the new conversation: only the model can tell
        save_taxonomy(
            connection,
            workspace.id,
            parse_taxonomy(
                "reasons:\n  - {code: delivery, ru: Доставка, en: Delivery,"
                " phrases: {ru: [трек-номер]}}\n"
            ),
        )
        results = train(connection, workspace.id)
        assign_reasons(connection, workspace.id)
        found = connection.execute(
            select(reason_assignments.c.reason, reason_assignments.c.reason_source).where(
                reason_assignments.c.interaction_id == interaction_ids(connection, workspace)["u1"]
            )
        ).one()
    assert results[0].trained and results[0].samples == 32
    assert tuple(found) == ("delivery", "model")


def test_cost_setting_fills_contacts_without_a_cost(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_records(engine, workspace, tmp_path, RECORDS[2:4])
    with engine.begin() as connection:
        save_costs(connection, workspace.id, CostSettings(cost_per_contact=50.0))
    scope = _scope(engine, workspace)
    with engine.connect() as connection:
        (refund,) = reason_rows(connection, scope, costs=CostSettings(cost_per_contact=50.0))
    assert refund.cost_total == 120.0  # the KPI: only the contact with its own cost
    assert refund.cost == 170.0  # plus 50 for the one without
    assert refund.cost_per_contact == 85.0


def test_new_and_growing_reasons_are_flagged() -> None:
    periods = ["w1", "w2", "w3", "w4", "w5"]
    totals = dict.fromkeys(periods, 200.0)
    new = [(p, c, None) for p, c in zip(periods, [0, 0, 0, 4, 9], strict=True)]
    growing = [(p, c, None) for p, c in zip(periods, [10, 12, 9, 11, 40], strict=True)]
    steady = [(p, c, None) for p, c in zip(periods, [10, 12, 9, 11, 13], strict=True)]
    assert flag_of(new, totals, periods)[0] == "new"
    flag, p = flag_of(growing, totals, periods)
    assert flag == "growing" and p is not None and p < 0.05
    assert flag_of(steady, totals, periods)[0] is None


def test_every_reason_reads_as_a_label_never_a_code() -> None:
    taxonomy = default_taxonomy()
    assert reason_label(taxonomy, "reason", "delivery", "ru") == "Доставка"
    # Not in the taxonomy, but the catalogue names the topic in both languages.
    assert reason_label(taxonomy, "reason", "card_blocked", "ru") == "Блокировка карты"
    assert reason_label(taxonomy, "reason", "card_blocked", "en") == "Card blocked"
    # Neither knows it: made readable, not shown as a code.
    assert reason_label(taxonomy, "reason", "sim_swap-request", "ru") == "Sim swap request"
    # A CRM's own topic is its name already.
    assert reason_label(taxonomy, "reason", "Карта и счёт", "ru") == "Карта и счёт"


def test_complaints_are_counted_among_the_contacts_of_their_reason(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    unanswered = contact(
        "r7",
        started="2026-11-06T10:00:00+00:00",
        text="Жалоба, никто не ответил",
        topic="refund",
        agent=None,
        customer="c6",
        tags=["complaint"],
    )
    import_records(engine, workspace, tmp_path, [*RECORDS[:4], unanswered])
    with engine.connect() as connection:
        rows = reason_rows(connection, _scope(engine, workspace), costs=CostSettings())
    refund = next(row for row in rows if row.code == "refund")
    # r3 and r4 were handled, r4 is a complaint; r7 (no agent) is no handled contact.
    assert refund.contacts == 2 and refund.complaints == 1
    assert all(row.complaints <= row.contacts for row in rows)


def test_the_reasons_page_names_an_unlisted_topic_in_the_readers_language(
    database_url: str, engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    blocked = contact(
        "r8", started="2026-11-06T11:00:00+00:00", text="Карту заблокировали", topic="card_blocked"
    )
    import_records(engine, workspace, tmp_path, [*RECORDS[:4], blocked])
    with engine.begin() as connection:
        add_people(connection, workspace, [("qa", WorkspaceRole.QA_LEAD, None, None)])
    with TestClient(create_app(database_url)) as client:
        log_in(client, "qa")
        query = "date_from=2026-11-01&date_to=2026-11-30"
        page = client.get(f"/analysis/reasons?{query}")
        assert "Блокировка карты" in page.text and ">card_blocked<" not in page.text
        detail = client.get(f"/analysis/reasons/card_blocked?{query}")
        assert "Блокировка карты" in detail.text
        token = form_token(client, "/analysis/reasons")
        client.post("/locale", data={"locale": "en", "csrf_token": token, "next": "/"})
        english = client.get(f"/analysis/reasons?{query}")
        assert "Card blocked" in english.text and ">card_blocked<" not in english.text
