"""Importing CSV files (the layout in csv_reader.py and docs/format.md)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Unreadable
from kontrol.ingest.importing import import_file
from kontrol.store.tables import agents, interactions, messages, orders, surveys


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text(csv_text(header, rows), encoding="utf-8")
    return path


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def stored_interaction(engine: Engine, ident: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(
            select(interactions).where(interactions.c.external_id == ident)
        ).one()


def stored_messages(engine: Engine, ident: str) -> list[Any]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(messages)
                .join(interactions, interactions.c.id == messages.c.interaction_id)
                .where(interactions.c.external_id == ident)
                .order_by(messages.c.seq)
            )
        )


ROW_HEADER = [
    "id",
    "source",
    "channel",
    "started_at",
    "agent_id",
    "tags",
    "survey.csat",
    "survey.comment",
    "cost",
    "meta.crm_id",
    "messages",
]


def row_per_interaction(ident: str, **cells: str) -> list[str]:
    values = {
        "id": ident,
        "source": "csv",
        "channel": "call",
        "started_at": "2026-11-02T10:00:00+03:00",
        "agent_id": "a1",
        "tags": "delivery;complaint",
        "survey.csat": "4",
        "survey.comment": "",
        "cost": "12.5",
        "meta.crm_id": "X-1",
        "messages": json.dumps(
            [
                {"role": "customer", "text": "Алло, где заказ?", "start": 0.0, "end": 2.5},
                {"role": "agent", "text": "Сейчас проверю", "start": 2.0, "end": 4.0},
            ],
            ensure_ascii=False,
        ),
    }
    values.update(cells)
    return [values[column] for column in ROW_HEADER]


def test_one_row_per_interaction(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "calls.csv",
        ROW_HEADER,
        [row_per_interaction("r-1"), row_per_interaction("r-2", tags="refund", messages="")],
    )
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (2, 0), report.rejects
    first = stored_interaction(engine, "r-1")
    assert (first.source, first.channel, first.cost) == ("csv", "call", 12.5)
    assert list(first.tags) == ["delivery", "complaint"]
    assert first.is_complaint is True
    assert first.meta == {"crm_id": "X-1"}
    assert first.started_at == datetime(2026, 11, 2, 7, 0, 0)
    assert [(m.role, m.text, m.start_s, m.end_s) for m in stored_messages(engine, "r-1")] == [
        ("customer", "Алло, где заказ?", 0.0, 2.5),
        ("agent", "Сейчас проверю", 2.0, 4.0),
    ]
    second = stored_interaction(engine, "r-2")
    assert second.is_complaint is False
    assert second.message_count == 0
    with engine.connect() as connection:
        csats = dict(
            connection.execute(select(surveys.c.interaction_external_id, surveys.c.csat)).all()
        )
    assert csats == {"r-1": 4, "r-2": 4}


def test_tags_as_json_array_or_pipes(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "tags.csv",
        ROW_HEADER,
        [
            row_per_interaction("t-1", tags='["a", "b c"]'),
            row_per_interaction("t-2", tags="x | y"),
        ],
    )
    import_file(engine=engine, workspace=workspace, path=path)
    assert list(stored_interaction(engine, "t-1").tags) == ["a", "b c"]
    assert list(stored_interaction(engine, "t-2").tags) == ["x", "y"]


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ({"survey.csat": "five"}, "survey.csat"),
        ({"survey.csat": "9"}, "survey.csat"),
        ({"cost": "12,5 руб"}, "cost"),
        ({"channel": "fax"}, "channel"),
        ({"started_at": "02.11.2026 10:00"}, "started_at"),
        ({"messages": "[{broken"}, "messages"),
        ({"tags": "[broken"}, "tags"),
        ({"id": ""}, "id"),
    ],
)
def test_bad_cell_is_rejected_naming_the_field(
    engine: Engine, workspace: Workspace, tmp_path: Path, cells: dict[str, str], field: str
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        ROW_HEADER,
        [
            row_per_interaction("ok-1"),
            row_per_interaction("bad", **cells),
            row_per_interaction("ok-2"),
        ],
    )
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (2, 1)
    [reject] = report.rejects
    assert (reject.file, reject.line) == (str(path), 3)
    assert reject.field is not None and reject.field.startswith(field)
    assert field in reject.error
    assert count(engine, interactions) == 2


def test_row_with_too_many_cells_is_rejected(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "wide.csv",
        ROW_HEADER,
        [row_per_interaction("ok-1"), [*row_per_interaction("bad"), "extra"]],
    )
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (1, 1)
    assert report.rejects[0].line == 3


MESSAGE_HEADER = [
    "id",
    "channel",
    "started_at",
    "agent_id",
    "survey.csat",
    "message.role",
    "message.text",
    "message.at",
]


def test_one_row_per_message(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        [
            "m-1",
            "chat",
            "2026-11-02T10:00:00Z",
            "a1",
            "5",
            "customer",
            "Здравствуйте",
            "2026-11-02T10:00:00Z",
        ],
        [
            "m-1",
            "chat",
            "2026-11-02T10:00:00Z",
            "a1",
            "5",
            "agent",
            "Добрый день",
            "2026-11-02T10:00:30Z",
        ],
        [
            "m-1",
            "chat",
            "2026-11-02T10:00:00Z",
            "a1",
            "5",
            "customer",
            "Спасибо",
            "2026-11-02T10:01:00Z",
        ],
        ["m-2", "email", "2026-11-02T11:00:00Z", "a2", "", "customer", "Письмо", ""],
    ]
    path = write_csv(tmp_path / "messages.csv", MESSAGE_HEADER, rows)
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (2, 0), report.rejects
    assert count(engine, interactions) == 2
    first = stored_messages(engine, "m-1")
    assert [(m.seq, m.role, m.text) for m in first] == [
        (0, "customer", "Здравствуйте"),
        (1, "agent", "Добрый день"),
        (2, "customer", "Спасибо"),
    ]
    assert first[1].at == datetime(2026, 11, 2, 10, 0, 30)
    assert [m.text for m in stored_messages(engine, "m-2")] == ["Письмо"]
    assert stored_messages(engine, "m-2")[0].at is None
    again = import_file(engine=engine, workspace=workspace, path=path)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)
    assert count(engine, messages) == 4


def test_one_row_per_message_with_a_bad_row(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    rows = [
        ["m-1", "chat", "2026-11-02T10:00:00Z", "a1", "", "customer", "Привет", ""],
        ["m-1", "chat", "2026-11-02T10:00:00Z", "a1", "", "robot", "Бип", ""],
        ["m-2", "chat", "2026-11-02T11:00:00Z", "a1", "", "customer", "Ок", ""],
    ]
    path = write_csv(tmp_path / "messages.csv", MESSAGE_HEADER, rows)
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (1, 1)
    [reject] = report.rejects
    assert reject.line == 2
    assert reject.field is not None and reject.field.startswith("messages")
    assert count(engine, interactions) == 1


def test_kind_column_brings_agents_surveys_and_orders(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    header = ["kind", "id", "name", "team", "interaction_id", "csat", "customer_id", "at", "amount"]
    rows = [
        ["agent", "a1", "Анна", "Линия 1", "", "", "", "", ""],
        ["survey", "", "", "", "ch-1", "3", "", "", ""],
        ["order", "o-1", "", "", "", "", "c1", "2026-11-02T12:00:00Z", "2490"],
        ["order", "o-2", "", "", "", "", "c1", "2026-11-02T12:00:00Z", "много"],
    ]
    path = write_csv(tmp_path / "mixed.csv", header, rows)
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (3, 1)
    assert report.rejects[0].field == "amount"
    assert report.rejects[0].line == 5
    assert [count(engine, t) for t in (agents, surveys, orders)] == [1, 1, 1]
    with engine.connect() as connection:
        assert connection.execute(select(orders.c.amount)).scalar_one() == 2490.0
        assert connection.execute(select(surveys.c.csat)).scalar_one() == 3


def test_gzip_csv_with_bom(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "calls.csv.gz"
    text = csv_text(ROW_HEADER, [row_per_interaction("g-1"), row_per_interaction("g-2")])
    path.write_bytes(gzip.compress(b"\xef\xbb\xbf" + text.encode("utf-8")))
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (2, 0)
    assert stored_interaction(engine, "g-1").cost == 12.5


def test_csv_with_a_multiline_cell_counts_lines(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    header = ["id", "channel", "started_at", "topic"]
    rows = [
        ["x-1", "chat", "2026-11-02T10:00:00Z", "line one\nline two"],
        ["x-2", "fax", "2026-11-02T10:00:00Z", "t"],
    ]
    path = write_csv(tmp_path / "multi.csv", header, rows)
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert report.imported == 1
    assert stored_interaction(engine, "x-1").topic == "line one\nline two"
    assert report.rejects[0].line == 4


def test_a_windows_1251_csv_is_read_as_such_and_a_mixed_one_cannot_be_read(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "cp1251.csv"
    path.write_bytes("id;channel;started_at\nз-1;chat;2026-11-02T10:00:00Z\n".encode("cp1251"))
    assert import_file(engine=engine, workspace=workspace, path=path).imported == 1
    assert stored_interaction(engine, "з-1").channel == "chat"
    # UTF-8 for its first 64 KiB, then Windows-1251: found out at the line.
    mixed = tmp_path / "mixed.csv"
    filler = "".join(f"u-{n},chat,2026-11-02T10:00:00Z\n" for n in range(3000))
    mixed.write_bytes(f"id,channel,started_at\n{filler}".encode() + "з-2,chat,x\n".encode("cp1251"))
    with pytest.raises(Unreadable):
        import_file(engine=engine, workspace=workspace, path=mixed)


def test_truncated_gzip_csv_cannot_be_read(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "cut.csv.gz"
    text = csv_text(ROW_HEADER, [row_per_interaction(f"g-{i}") for i in range(200)])
    data = gzip.compress(text.encode("utf-8"))
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(Unreadable):
        import_file(engine=engine, workspace=workspace, path=path)
