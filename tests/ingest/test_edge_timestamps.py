"""Timestamps outside 2000-01-01 .. ten years ahead are rejected with the field named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.workspaces import Workspace, find_workspace
from kontrol.cli.main import app
from kontrol.ingest.schema import RecordError, parse_record
from kontrol.store.tables import import_rejects, interactions
from tests.webapp import record

runner = CliRunner()

OVERFLOWING = "9999-12-31T23:59:59-12:00"


def _interaction(ident: str, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "id": ident,
        "channel": "chat",
        "started_at": "2026-11-02T10:00:00+03:00",
        "messages": [{"role": "customer", "text": "Здравствуйте"}],
    }
    body.update(fields)
    return body


def _stored_ids(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(select(interactions.c.external_id)).scalars())


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"started_at": "0001-01-01T00:00:00"}, "started_at"),
        ({"started_at": "9999-12-31T23:59:59"}, "started_at"),
        ({"started_at": OVERFLOWING}, "started_at"),
        ({"started_at": "1999-12-31T23:59:59Z"}, "started_at"),
        ({"ended_at": "9999-01-01T00:00:00"}, "ended_at"),
        (
            {
                "messages": [
                    {"role": "customer", "text": "a", "at": "2026-11-02T10:00:00Z"},
                    {"role": "agent", "text": "b", "at": "2026-11-02T10:01:00Z"},
                    {"role": "customer", "text": "c", "at": "0001-01-01T00:00:00"},
                ]
            },
            "messages.2.at",
        ),
        ({"survey": {"csat": 5, "at": "9999-12-31T23:59:59"}}, "survey.at"),
    ],
)
def test_out_of_range_timestamps_are_rejected_with_the_field(
    fields: dict[str, object], field: str
) -> None:
    with pytest.raises(RecordError) as raised:
        parse_record(_interaction("edge", **fields))
    assert raised.value.field == field
    assert "2000-01-01" in str(raised.value)


def test_a_timestamp_inside_the_range_is_accepted() -> None:
    assert parse_record(_interaction("fine", started_at="2000-01-01T00:00:00+03:00"))


def test_api_batch_keeps_the_good_records_and_rejects_the_edge_timestamp(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    with engine.begin() as connection:
        key = create_api_key(
            connection,
            workspace=find_workspace(connection, "default"),
            name="helpdesk",
            created_by="test",
        ).secret
    good_a = record("e-1", agent="a1", team="L1", started="2026-11-20T10:00:00Z", text="раз")
    bad = {**record("e-2", agent="a1", team="L1", started="2026-11-20T10:00:00Z", text="два")}
    bad["started_at"] = OVERFLOWING
    good_b = record("e-3", agent="a2", team="L1", started="2026-11-20T11:00:00Z", text="три")
    response = client.post(
        "/api/v1/interactions",
        content=json.dumps([good_a, bad, good_b]).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["imported"] == 2 and body["rejected"] == 1
    assert [(r["index"], r["field"]) for r in body["rejects"]] == [(1, "started_at")]
    with engine.connect() as connection:
        stored = connection.execute(
            select(func.count()).where(
                interactions.c.workspace_id == populated.id,
                interactions.c.external_id.in_(["e-1", "e-2", "e-3"]),
            )
        ).scalar_one()
    assert stored == 2


def test_file_import_keeps_the_good_records_and_the_reject(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "edge.jsonl"
    lines = [
        _interaction("f-1"),
        _interaction("f-2", started_at=OVERFLOWING),
        _interaction("f-3", started_at="0001-01-01"),
        _interaction("f-4", started_at="9999-12-31T23:59:59"),
        _interaction("f-5"),
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "--db", database_url, "--json", str(path)])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert (data["imported"], data["rejected"]) == (2, 3)
    assert [r["line"] for r in data["rejects"]] == [2, 3, 4]
    assert _stored_ids(engine) == ["f-1", "f-5"]
    with engine.connect() as connection:
        kept = connection.execute(
            select(import_rejects.c.line, import_rejects.c.field).order_by(import_rejects.c.line)
        ).all()
    assert [tuple(row) for row in kept] == [(2, "started_at"), (3, "started_at"), (4, "started_at")]
    rollup = runner.invoke(app, ["rollup", "--db", database_url])
    assert rollup.exit_code == 0, rollup.output
