"""No card, phone or e-mail of the labelled set survives in any page, export, API
answer or log line once the workspace redacts at store time (docs/privacy.md)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.redaction.evaluation import read_set
from kontrol.web.app import create_app
from tests.factories import add_people, import_records, interaction_ids, interaction_record, log_in
from tests.webapp import PEOPLE

PII_SET = Path(__file__).parents[1] / "checks_eval" / "pii" / "pii_set.jsonl"
KINDS = ("card", "phone", "email")


def _secrets() -> list[str]:
    """Each card, phone and e-mail value of the set, and the digits of the numbers."""
    found = []
    for item in read_set(PII_SET):
        for span in item["spans"]:
            if span["kind"] in KINDS:
                value = item["text"][span["start"] : span["end"]]
                found.append(value)
    return found


def _leaks(body: str, secrets: list[str]) -> list[str]:
    digits = re.sub(r"\D", "", body)
    leaked = []
    for value in secrets:
        number = re.sub(r"\D", "", value)
        written = value.lstrip("+(")[:1].isdigit()
        if value in body or (len(number) >= 7 and written and number in digits):
            leaked.append(value)
    return leaked


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])  # what is shown does not depend on the database
def test_no_card_phone_or_email_survives_anywhere(
    backend: str,
    engine: Engine,
    workspace: Workspace,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("KONTROL_REDACT_PERSONAL_DATA", "true")
    caplog.set_level(logging.DEBUG)
    items = read_set(PII_SET)
    records = [
        interaction_record(
            item["id"],
            started=f"2026-11-{1 + index % 28:02d}T10:00:00+03:00",
            agent_id="a1",
            team="L1",
            messages=[
                {"role": "customer", "text": item["text"], "at": "2026-11-01T10:00:00+03:00"},
                {"role": "agent", "text": "Спасибо, проверю", "at": "2026-11-01T10:01:00+03:00"},
            ],
            survey={"csat": 3, "comment": item["text"]},
        )
        for index, item in enumerate(items)
    ]
    report = import_records(engine, workspace, tmp_path, records)
    assert report.imported == len(items), report.rejects
    with engine.begin() as connection:
        add_people(connection, workspace, PEOPLE)
        ids = interaction_ids(connection, workspace)
    secrets = _secrets()
    bodies: dict[str, str] = {}
    with TestClient(create_app(database_url)) as client:
        log_in(client, "admin")
        paths = [
            "/interactions",
            "/interactions?q=mail",
            "/api/v1/interactions?limit=200",
            "/dashboard?format=csv",
            "/dashboard",
        ]
        # every item holding a card, a phone or an e-mail, page and API answer
        holders = [i for i in items if any(s["kind"] in KINDS for s in i["spans"])]
        paths += [f"/interactions/{ids[item['id']]}" for item in holders]
        paths += [f"/api/v1/interactions/{ids[item['id']]}" for item in holders]
        for path in paths:
            answer = client.get(path)
            assert answer.status_code == 200, path
            bodies[path] = answer.text
    bodies["log"] = "\n".join(record.getMessage() for record in caplog.records)
    leaked = {where: _leaks(body, secrets) for where, body in bodies.items()}
    assert {where: found for where, found in leaked.items() if found} == {}
    # the masks are there instead
    assert "[PHONE]" in bodies["/api/v1/interactions?limit=200"] or any(
        "[PHONE]" in body for body in bodies.values()
    )
