"""Open alerts grouped by rule: one row per rule with its count, the newest alert, the
newest few on opening the row and "acknowledge the rule's all"; the start page counts
what the grouped page shows; e-mail and Telegram get one message per batch of a rule."""

from __future__ import annotations

import json
import re
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.delivery import describe
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.jobs.backends import drain
from kontrol.settings import Settings
from kontrol.store.tables import alert_deliveries, alerts
from kontrol.web.app import create_app
from tests.alerts.test_alert_delivery import Inbox, Receiver, receiver, smtp  # noqa: F401
from tests.factories import form_token, import_records, log_in
from tests.surveys.builders import chat


def _rule(engine: Engine, workspace: Workspace, name: str, kind: str, **fields: object) -> int:
    with engine.begin() as connection:
        data = AlertRuleInput(name=name, kind=kind, **fields)  # type: ignore[arg-type]
        return save_alert_rule(connection, workspace, data).id


def _open_count(engine: Engine, rule_id: int | None = None) -> int:
    query = select(func.count()).select_from(alerts).where(alerts.c.acknowledged_at.is_(None))
    if rule_id is not None:
        query = query.where(alerts.c.rule_id == rule_id)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _critics(prefix: str, count: int) -> list[dict[str, object]]:
    return [chat(f"{prefix}{i}", survey={"nps": i % 5}) for i in range(count)]


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr class="alert-group" data-rule="(\d+)"', page)


def test_open_alerts_are_one_row_per_rule_and_a_rule_is_acknowledged_at_once(
    database_url: str, populated: Workspace, engine: Engine, tmp_path: Path
) -> None:
    critics = _rule(engine, populated, "Критик NPS", "nps_detractor")
    complaints = _rule(engine, populated, "Жалобы", "complaint")
    import_records(
        engine,
        populated,
        tmp_path,
        [*_critics("n", 12), chat("c1", tags=["complaint"]), chat("c2", tags=["complaint"])],
    )
    assert _open_count(engine, critics) == 12 and _open_count(engine, complaints) == 2
    with TestClient(create_app(database_url)) as client:
        log_in(client, "qa")
        page = client.get("/alerts").text
        # Two rules, two rows: 14 alerts in all, each rule's count beside it.
        assert sorted(_rows(page)) == sorted([str(critics), str(complaints)])
        assert "14 оповещений" in page and "2 правила" in page
        row = page.split(f'data-rule="{critics}"')[1].split("</tr>")[0]
        assert f'href="/alerts?show=open&amp;rule={critics}" class="alert-group-count"' in row
        assert ">12</a>" in row
        # Opening the row shows the newest five, each with its conversation.
        assert "Показать последние (5)" in row
        assert len(re.findall(r'<li data-alert="\d+">', row)) == 5
        assert row.count("Открыть обращение") == 6  # the newest beside the rule, and the five
        assert "Все оповещения правила (12)" in row
        # The rule's own list shows each of its alerts.
        listed = client.get(f"/alerts?show=open&rule={critics}").text
        assert len(re.findall(r'class="pick-alert"', listed)) == 12
        # Acknowledging the rule's all: a confirmation naming how many and the rule.
        assert (
            'data-confirm="Принять 12 открытых оповещений правила «Критик NPS»? '
            'Отменить это нельзя."' in row
        )
        up_to = re.search(r'name="up_to" value="(\d+)"', row)
        assert up_to is not None and "Принять все: 12 оповещений" in row
        # One more critic while the reader confirms stays open (the row showed twelve).
        import_records(engine, populated, tmp_path, [chat("late", survey={"nps": 2})])
        done = client.post(
            "/alerts/acknowledge-all",
            data={
                "csrf_token": form_token(client, "/alerts"),
                "rule": str(critics),
                "up_to": up_to.group(1),
                "view": "groups",
            },
            follow_redirects=False,
        )
        # Back to the grouped list, not to the rule's list.
        assert done.headers["location"] == "/alerts?show=open&done=12"
        after = client.get(done.headers["location"]).text
        assert "Принято 12 оповещений." in after
        assert _open_count(engine, critics) == 1 and _open_count(engine, complaints) == 2
        # The rule's row now counts the one left, and a single alert is acknowledged as one.
        row = after.split(f'data-rule="{critics}"')[1].split("</tr>")[0]
        assert ">1</a>" in row and "Показать последние" not in row
        assert "Принять</button>" in row
        # Each alert one by one is still there, and the history is a list.
        assert len(re.findall(r'class="pick-alert"', client.get("/alerts?view=list").text)) == 3
        history = client.get("/alerts?show=acknowledged").text
        assert not _rows(history) and history.count("Принято: ") == 12


def test_the_start_page_counts_what_the_grouped_page_shows_and_lists_rules(
    database_url: str, populated: Workspace, engine: Engine, tmp_path: Path
) -> None:
    critics = _rule(engine, populated, "Критик NPS", "nps_detractor")
    _rule(engine, populated, "Жалобы", "complaint")
    import_records(engine, populated, tmp_path, [*_critics("n", 9), chat("c1", tags=["complaint"])])
    with TestClient(create_app(database_url)) as client:
        log_in(client, "qa")
        home = client.get("/home").text
        tile = re.search(r'id="attention-alerts">\s*<span class="attention-count">(\d+)<', home)
        grouped = client.get("/alerts").text
        counts = re.findall(r'class="alert-group-count"[^>]*>(\d+)</a>', grouped)
        assert tile is not None
        assert int(tile.group(1)) == sum(int(n) for n in counts) == _open_count(engine) == 10
        assert "10 оповещений" in grouped
        listed = home.split('id="home-alerts"')[1].split("</section>")[0]
        # Nine critics are one line with their count, not five lines of the same rule.
        assert listed.count("<li ") == 2
        assert listed.count("Критик NPS") == 1
        assert f'href="/alerts?show=open&amp;rule={critics}"' in listed
        assert re.search(r'<span class="badge" title="9 оповещений">9</span>', listed)


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ({"channel": "chat", "agent": "Иван Петров", "team": "L1"}, "Клиент жалуется — чат, "),
        ({"channel": "—", "agent": "Иван Петров", "team": "L1"}, "Клиент жалуется, оператор"),
        ({"channel": None, "agent": "—", "team": "—"}, "Клиент жалуется."),
        ({"agent": "Иван Петров", "team": "—"}, "Клиент жалуется, оператор Иван Петров."),
    ],
    ids=["known", "dash", "none", "missing"],
)
def test_a_complaint_of_an_unknown_channel_leaves_the_channel_out(
    details: dict[str, object], expected: str
) -> None:
    said = describe("complaint", {**details, "topic": "—"}, "ru")
    assert said.startswith(expected)
    assert "— —" not in said and "—," not in said and "{" not in said
    english = describe("complaint", {**details, "topic": "—"}, "en")
    assert "— —" not in english and "{" not in english


def test_a_batch_of_critics_is_one_message_per_person_and_each_alert_one_webhook(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    smtp: Inbox,  # noqa: F811 - the fixture imported above
    receiver: Receiver,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTROL_TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("KONTROL_TELEGRAM_API_URL", receiver.url)
    monkeypatch.setenv("KONTROL_PUBLIC_URL", "https://qa.example.test")
    recipients = {
        "webhooks": [f"{receiver.url}/hook"],
        "emails": ["qa@example.test"],
        "telegram_chats": ["-100777"],
    }
    critics = _rule(engine, workspace, "Критик NPS", "nps_detractor", **recipients)
    _rule(engine, workspace, "Жалобы", "complaint", emails=["qa@example.test"])
    import_records(
        engine, workspace, tmp_path, [*_critics("n", 12), chat("c1", tags=["complaint"])]
    )
    # A job per alert and recipient, as before: 12 × 3 for the critics, 1 for the complaint.
    assert drain(engine, Settings()) == 37
    # Mail: one message for the twelve critics, one for the complaint (another rule).
    subjects = sorted(
        str(make_header(decode_header(message_from_bytes(raw)["Subject"])))
        for _, raw in smtp.messages
    )
    assert len(subjects) == 2
    assert subjects[1] == "Контроль: алерт: Критик NPS — 12 оповещений"
    assert subjects[0] == "Контроль: алерт: Жалобы"
    batch = next(
        message_from_bytes(raw).get_payload(decode=True).decode()
        for _, raw in smtp.messages
        if "Критик" in str(make_header(decode_header(message_from_bytes(raw)["Subject"])))
    )
    assert batch.startswith("12 новых оповещений по правилу «Критик NPS»:")
    assert len(re.findall(r"^• NPS \d/10 — чат", batch, re.M)) == 10
    assert "…и ещё 2 оповещения." in batch
    assert f"https://qa.example.test/alerts?show=open&rule={critics}" in batch
    # Telegram: one message too; the webhook: each alert (machines want one event each).
    bot = [r for r in receiver.requests if r[0] == "/bot123:abc/sendMessage"]
    assert len(bot) == 1 and "12 новых оповещений" in json.loads(bot[0][2])["text"]
    hooks = [json.loads(r[2]) for r in receiver.requests if r[0] == "/hook"]
    assert len(hooks) == 12 and len({hook["alert_id"] for hook in hooks}) == 12
    with engine.connect() as connection:
        sent = connection.execute(
            select(alert_deliveries.c.channel, func.count()).group_by(alert_deliveries.c.channel)
        ).all()
    assert dict(sent) == {"email": 13, "telegram": 12, "webhook": 12}
    # A critic that comes after the batch was sent is its own message (nothing resent).
    import_records(engine, workspace, tmp_path, [chat("late", survey={"nps": 1})])
    assert drain(engine, Settings()) == 3
    assert len(smtp.messages) == 3
    last = message_from_bytes(smtp.messages[-1][1])
    assert str(make_header(decode_header(last["Subject"]))) == "Контроль: алерт: Критик NPS"
    assert last.get_payload(decode=True).decode().startswith("NPS 1/10 — чат")
