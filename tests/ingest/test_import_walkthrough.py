"""A head of QA of a Russian contact centre imports a Russian Excel CSV on the web page
(issue 15): calls without a transcript are not failed by checks they have no text for,
they are in the workspace's language and team, and the page speaks the reader's words."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scoring import score_interactions
from kontrol.domain.roles import WorkspaceRole
from kontrol.jobs import run_due_jobs
from kontrol.store.tables import check_outcomes, evaluations, interactions
from tests.factories import add_person, form_token, import_records, interaction_ids, log_in
from tests.ingest.test_import_page import _finished, _id_of, _upload
from tests.webapp import client, populated  # noqa: F401 - fixtures

# Saved by Russian Excel: Windows-1251, ";" between columns, dates as 24.11.2026 10:00.
CALLS = (
    "Номер;Канал;Дата;Оператор;Длительность;Оценка\n"
    "c1;Звонок;24.11.2026 10:00;Иванова Анна;00:05:12;4\n"
    "c2;Звонок;31.02.2026 11:00;Иванова Анна;00:03:00;5\n"
    "c3;Чат;25.11.2026 09:15;Петров Петр;00:02:00;5\n"
    "c4;Звонок;25.11.2026 12:40;Сидорова Ольга;00:07:41;3\n"
).encode("cp1251")

MAPPING = {
    "map.id": "Номер",
    "map.channel": "Канал",
    "map.started_at": "Дата",
    "map.agent_name": "Оператор",
    "map.survey.csat": "Оценка",
    "dates": "dmy_dots",
    "separator": "semicolon",
}


def _with_agents(engine: Engine, workspace: Workspace, folder: Path) -> None:
    """Ivanova with her team on the agent list; Petrov without one but on the people page
    in a team; Sidorova only on the people page, linked to her agent id."""
    records = [
        {"kind": "agent", "id": "ivanova", "name": "Иванова Анна", "team": "Линия 1"},
        {"kind": "agent", "id": "petrov", "name": "Петров Пётр"},
    ]
    import_records(engine, workspace, folder, records, name="agents.jsonl")
    with engine.begin() as connection:
        add_person(
            connection, workspace, "petrov", WorkspaceRole.AGENT, agent="petrov", team="Линия 2"
        )
        add_person(
            connection,
            workspace,
            "sidorova",
            WorkspaceRole.AGENT,
            agent="sidorova",
            team="Линия 3",
            display_name="Сидорова Ольга",
        )


def _preview(client: TestClient) -> tuple[int, str]:  # noqa: F811
    answer = _upload(client, "Звонки.csv", CALLS, content_type="text/csv")
    assert answer.status_code == 303
    upload_id = _id_of(answer.headers["location"])
    return upload_id, client.get(f"/import/{upload_id}/columns").text


def test_the_preview_reads_the_russian_way_and_names_columns_not_codes(
    client: TestClient,  # noqa: F811
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "qa")
    _, step = _preview(client)
    assert "Windows-1251" in step and 'value="semicolon" selected' in step
    preview = step.split('id="mapping-preview"')[1]
    # Channels in words, dates as DD.MM.YYYY HH:MM on the workspace's clock, no ISO.
    assert "<td>Звонок</td>" in preview and "<td>Чат</td>" in preview
    assert "<td>24.11.2026 10:00</td>" in preview
    assert "2026-11-24T10:00" not in preview and "<td>call</td>" not in preview
    assert "<td>4</td>" in preview  # the CSAT a number, not "4.0"
    # An impossible date: its value, said naturally, after the file's column and the label.
    assert "«Дата» (Дата и время начала): 31.02.2026 11:00 — такой даты нет" in preview
    # Codes may mark cells for the page's script (data-field), never stand in its text.
    shown = re.sub(r'data-field="[^"]*"', "", preview)
    assert "started_at" not in shown and "dmy_dots" not in shown
    # The mapping table names each field by its label only.
    assert "<code>" not in step.split('class="card import-mapping"')[1].split("</form>")[0]


def test_a_call_without_a_transcript_is_not_failed_and_takes_the_workspace_language_and_team(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
    tmp_path: Path,
) -> None:
    _with_agents(engine, populated, tmp_path)
    log_in(client, "qa")
    upload_id, _ = _preview(client)
    form = {"csrf_token": form_token(client, f"/import/{upload_id}/columns"), **MAPPING}
    saved = client.post(f"/import/{upload_id}/columns", data=form, follow_redirects=False)
    assert saved.status_code == 303
    part = _finished(client, engine, upload_id)
    assert re.search(r'tile-value">3<', part)  # c1, c3, c4; c2's date does not exist
    assert "31.02.2026 11:00 — такой даты нет" in part and "«Дата» (Дата и время начала)" in part
    assert "started_at" not in part

    with engine.connect() as connection:
        ids = interaction_ids(connection, populated)
    run_due_jobs(engine)
    score_interactions(engine, populated.id, [ids["c1"], ids["c3"], ids["c4"]])
    with engine.connect() as connection:
        rows = {
            row.external_id: row
            for row in connection.execute(
                select(
                    interactions.c.external_id,
                    interactions.c.agent_external_id,
                    interactions.c.team,
                    interactions.c.language,
                ).where(interactions.c.workspace_id == populated.id)
            )
        }
        verdicts = connection.execute(
            select(check_outcomes.c.verdicts).where(check_outcomes.c.interaction_id == ids["c1"])
        ).scalar_one()
        automatic = connection.execute(
            select(evaluations.c.id).where(
                evaluations.c.interaction_id.in_([ids["c1"], ids["c3"], ids["c4"]])
            )
        ).all()
    # The agent named in the file is the workspace's: its id, and the team of the agent
    # list or, where that has none, of the people page.
    assert (rows["c1"].agent_external_id, rows["c1"].team) == ("ivanova", "Линия 1")
    assert (rows["c3"].agent_external_id, rows["c3"].team) == ("petrov", "Линия 2")
    assert (rows["c4"].agent_external_id, rows["c4"].team) == ("sidorova", "Линия 3")
    assert {rows[key].language for key in ("c1", "c3", "c4")} == {"ru"}
    # No text: every check is "na", and no scorecard (English or other) scores it.
    verdicts = json.loads(verdicts) if isinstance(verdicts, str) else verdicts
    assert verdicts and {v["result"] for v in verdicts.values()} == {"na"}
    assert automatic == []

    listed = client.get("/interactions", params={"q": "c1"}).text
    assert "нет текста разговора" in listed
    page = client.get(f"/interactions/{ids['c1']}").text
    assert 'id="no-text"' in page and "нет текста разговора" in page
    assert "Default scorecard" not in page and 'id="qa-score"' not in page


def test_the_upload_help_says_encodings_and_separators_are_found(
    client: TestClient,  # noqa: F811
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "qa")
    page = client.get("/import").text
    assert "Windows-1251" in page and "«;»" in page
    assert "Кодировка — UTF-8" not in page


def test_a_vendor_reject_reads_in_russian_on_the_import_page(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "admin")
    tickets = {
        "tickets": [
            {"id": 71, "requester_id": 5, "status": "deleted", "created_at": "2026-11-10"},
            {"id": 72, "requester_id": 5, "status": "open", "created_at": "2026-11-10"},
            {"id": 73, "requester_id": 5, "status": "open", "created_at": "вчера"},
        ]
    }
    data = json.dumps(tickets).encode()
    answer = _upload(client, "zendesk.json", data, fmt="zendesk")
    assert answer.status_code == 303
    part = _finished(client, engine, _id_of(answer.headers["location"]))
    assert "тикет 71 удалён в Zendesk; не импортирован" in part
    assert "не дата и время, а &#39;вчера&#39;" in part
    assert "is deleted in Zendesk" not in part and "is not an ISO-8601 time" not in part
