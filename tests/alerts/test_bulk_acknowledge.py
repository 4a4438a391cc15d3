"""Acknowledging many alerts at once: the picked rows, or all that match the filter."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.store.tables import alerts
from kontrol.web.app import create_app
from tests.factories import form_token, import_records, log_in
from tests.surveys.builders import chat


def _rule(engine: Engine, workspace: Workspace, name: str, kind: str, **fields: object) -> int:
    with engine.begin() as connection:
        data = AlertRuleInput(name=name, kind=kind, **fields)  # type: ignore[arg-type]
        return save_alert_rule(connection, workspace, data).id


def _open(engine: Engine) -> dict[int, str]:
    """The open alerts: id -> the external id of their conversation."""
    from kontrol.store.tables import interactions

    with engine.connect() as connection:
        rows = connection.execute(
            select(alerts.c.id, interactions.c.external_id)
            .join(interactions, interactions.c.id == alerts.c.interaction_id)
            .where(alerts.c.acknowledged_at.is_(None))
        )
        return {row.id: row.external_id for row in rows}


def test_picked_alerts_are_acknowledged_at_once_within_the_viewers_scope(
    database_url: str, populated: Workspace, engine: Engine, tmp_path: Path
) -> None:
    _rule(engine, populated, "Жалобы", "complaint")
    records = [chat(f"c{i}", tags=["complaint"], team="L1") for i in range(3)]
    import_records(
        engine, populated, tmp_path, [*records, chat("l2", tags=["complaint"], team="L2")]
    )
    raised = {external: alert_id for alert_id, external in _open(engine).items()}
    assert len(raised) == 4
    with TestClient(create_app(database_url)) as client:
        log_in(client, "lead")  # the team lead of L1: L2's alert is not theirs
        page = client.get("/alerts?view=list").text
        assert len(re.findall(r'name="alert_id" value="\d+" form="alerts-picked"', page)) == 3
        assert 'id="pick-page"' in page and "Выбрать все на этой странице" in page
        token = form_token(client, "/alerts?view=list")
        picked = [raised["c0"], raised["c1"], raised["l2"]]
        # Without the form token nothing happens.
        refused = client.post("/alerts/acknowledge", data={"alert_id": picked})
        assert refused.status_code == 403 and len(_open(engine)) == 4
        done = client.post(
            "/alerts/acknowledge",
            data={"csrf_token": token, "alert_id": picked},
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == "/alerts?show=open&done=2"
        assert "Принято 2 оповещения." in client.get(done.headers["location"]).text
        assert sorted(_open(engine).values()) == ["c2", "l2"]
        # Nothing picked: the list says so and changes nothing.
        empty = client.post("/alerts/acknowledge", data={"csrf_token": token})
        assert "Не выбрано ни одного оповещения" in empty.text
        assert sorted(_open(engine).values()) == ["c2", "l2"]
    with TestClient(create_app(database_url)) as client:
        log_in(client, "agent1")
        token = form_token(client, "/account")
        refused = client.post(
            "/alerts/acknowledge", data={"csrf_token": token, "alert_id": [raised["c2"]]}
        )
        assert refused.status_code == 403 and len(_open(engine)) == 2


def test_all_alerts_matching_the_filter_after_a_confirmation_naming_how_many(
    database_url: str, populated: Workspace, engine: Engine, tmp_path: Path
) -> None:
    complaints = _rule(engine, populated, "Жалобы", "complaint")
    _rule(engine, populated, "Низкий CSAT", "csat_at_most", params={"threshold": 2})
    import_records(
        engine,
        populated,
        tmp_path,
        [
            *(chat(f"c{i}", tags=["complaint"]) for i in range(5)),
            chat("low", survey={"csat": 1}),
        ],
    )
    assert len(_open(engine)) == 6
    with TestClient(create_app(database_url)) as client:
        log_in(client, "qa")
        everything = client.get("/alerts?view=list").text
        assert "Принять все: 6 оповещений" in everything
        page = client.get(f"/alerts?show=open&rule={complaints}").text
        # The confirmation names how many the filter matches (the complaints only).
        assert 'data-confirm="Принять 5 открытых оповещений, подходящих под фильтр?' in page
        assert "Принять все: 5 оповещений" in page
        up_to = re.search(r'name="up_to" value="(\d+)"', page)
        assert up_to is not None
        # A complaint raised while the reader confirms is not acknowledged unseen.
        import_records(engine, populated, tmp_path, [chat("late", tags=["complaint"])])
        done = client.post(
            "/alerts/acknowledge-all",
            data={
                "csrf_token": form_token(client, "/alerts"),
                "rule": str(complaints),
                "up_to": up_to.group(1),
            },
            follow_redirects=False,
        )
        assert done.headers["location"] == f"/alerts?show=open&rule={complaints}&done=5"
        assert "Принято 5 оповещений." in client.get(done.headers["location"]).text
        assert sorted(_open(engine).values()) == ["late", "low"]
        with engine.connect() as connection:
            who = set(
                connection.execute(
                    select(alerts.c.acknowledged_by).where(alerts.c.acknowledged_at.is_not(None))
                ).scalars()
            )
        assert len(who) == 1 and None not in who
