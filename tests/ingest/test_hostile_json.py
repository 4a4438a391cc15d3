"""Hostile JSON: deep nesting, 5,000-digit numbers and NUL characters are rejects, not crashes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.workspaces import Workspace, find_workspace
from kontrol.cli.main import app
from kontrol.store.tables import import_rejects, interactions
from tests.webapp import record

runner = CliRunner()
DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5000


def _interaction(ident: str, text: str = "Здравствуйте") -> dict[str, Any]:
    return {
        "id": ident,
        "channel": "chat",
        "started_at": "2026-11-02T10:00:00+03:00",
        "messages": [{"role": "customer", "text": text}],
    }


def _line(ident: str, field: str, value_text: str) -> str:
    """A record whose ``field`` holds ``value_text`` verbatim (JSON that json.dumps cannot make)."""
    return json.dumps(_interaction(ident))[:-1] + f', "{field}": {value_text}}}'


def _external_ids(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(interactions.c.external_id)).scalars())


def _stored_rejects(engine: Engine) -> list[tuple[int, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(import_rejects.c.line, import_rejects.c.field).order_by(import_rejects.c.line)
        )
        return [(row.line, row.field) for row in rows]


def test_a_file_keeps_its_good_lines_and_names_each_hostile_one(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    lines = [
        json.dumps(_interaction("good-1")),
        _line("deep", "meta", '{"tree": ' + DEEP + "}"),
        _line("huge", "cost", HUGE),
        json.dumps(_interaction("nul", text="при\u0000вет")),
        _line("not-a-number", "meta", '{"ratio": NaN}'),
        json.dumps(_interaction("good-2")),
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = runner.invoke(app, ["import", "--db", database_url, "--json", str(path)])

    assert result.exit_code == 1, result.output  # the documented "some rejected"
    report = json.loads(result.stdout)
    assert (report["imported"], report["rejected"]) == (2, 4)
    errors = {reject["line"]: reject["error"] for reject in report["rejects"]}
    assert errors[2].startswith("meta.tree: nested more than")
    assert errors[3].startswith("cost: a number of more than")
    assert errors[4].startswith("messages.0.text: a NUL character")
    assert errors[5].startswith("meta.ratio: not a finite number")
    assert _external_ids(engine) == {"good-1", "good-2"}
    assert _stored_rejects(engine) == [
        (2, "meta.tree"),
        (3, "cost"),
        (4, "messages.0.text"),
        (5, "meta.ratio"),
    ]


def test_a_batch_keeps_its_good_records_and_names_each_hostile_one_by_index(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    with engine.begin() as connection:
        key = create_api_key(
            connection,
            workspace=find_workspace(connection, "default"),
            name="helpdesk",
            created_by="test",
        ).secret
    good = [
        json.dumps(
            record(f"api-{n}", agent="a1", team="L1", started="2026-11-20T09:00:00Z", text="x")
        )
        for n in (1, 2)
    ]
    nul = record("api-nul", agent="a1", team="L1", started="2026-11-20T09:00:00Z", text="a\0b")
    body = ",".join(
        [
            good[0],
            _line("api-deep", "meta", DEEP),
            _line("api-huge", "wrap_seconds", HUGE),
            json.dumps(nul),
            good[1],
        ]
    )
    response = client.post(
        "/api/v1/interactions",
        content=f"[{body}]".encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text
    answer = response.json()
    assert (answer["imported"], answer["rejected"]) == (2, 3)
    assert [(r["index"], r["field"]) for r in answer["rejects"]] == [
        (1, "meta"),
        (2, "wrap_seconds"),
        (3, "messages.0.text"),
    ]
    assert {"api-1", "api-2"} <= _external_ids(engine)
    assert not {"api-deep", "api-huge", "api-nul"} & _external_ids(engine)


def test_one_hostile_record_sent_alone_is_a_reject_not_a_server_error(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    with engine.begin() as connection:
        key = create_api_key(
            connection,
            workspace=find_workspace(connection, "default"),
            name="helpdesk",
            created_by="test",
        ).secret
    response = client.post(
        "/api/v1/interactions",
        content=_line("alone", "meta", '{"x": ' + DEEP + "}").encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert [(r["index"], r["field"]) for r in response.json()["rejects"]] == [(0, "meta.x")]


def test_a_csv_file_keeps_its_good_rows_and_names_each_hostile_one(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "hostile.csv"
    path.write_text(
        "id,channel,started_at,message.role,message.text,meta.ratio,tags\n"
        "c-1,chat,2026-11-02T10:00:00Z,customer,Алло,,\n"
        "c-2,chat,2026-11-02T10:00:00Z,customer,при\0вет,,\n"
        f"c-3,chat,2026-11-02T10:00:00Z,customer,Алло,,{'[' * 5000}{']' * 5000}\n"
        "c-4,chat,2026-11-02T10:00:00Z,customer,Алло,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "--db", database_url, "--json", str(path)])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert (report["imported"], report["rejected"]) == (2, 2)
    assert _external_ids(engine) == {"c-1", "c-4"}
    assert _stored_rejects(engine) == [(3, "messages.0.text"), (4, "tags")]
    with engine.connect() as connection:
        kept = connection.execute(select(import_rejects.c.raw).order_by(import_rejects.c.line))
        assert [raw.split(",")[4] for raw in kept.scalars()][0] == "при\ufffdвет"
