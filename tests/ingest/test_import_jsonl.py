"""Importing JSON Lines files (spec/FORMAT.md) on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
import os
import tracemalloc
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kontrol.accounts.workspaces import Workspace, create_workspace
from kontrol.domain.errors import Unreadable
from kontrol.ingest.importing import BATCH_SIZE, import_file
from kontrol.store.tables import agents, interactions, messages, orders, surveys


def interaction(ident: str = "ch-1", **fields: Any) -> dict[str, Any]:
    """A valid interaction record; ``fields`` override or add fields."""
    record: dict[str, Any] = {
        "id": ident,
        "channel": "chat",
        "started_at": "2026-11-02T10:00:40+03:00",
        "agent_id": "a1",
        "messages": [
            {"role": "customer", "text": "Где мой заказ?", "at": "2026-11-02T10:00:00+03:00"},
            {"role": "agent", "text": "Сейчас проверю.", "at": "2026-11-02T10:00:40+03:00"},
        ],
    }
    record.update(fields)
    return record


def write_jsonl(path: Path, records: list[dict[str, Any] | str]) -> Path:
    """Write records (dicts as JSON, strings verbatim) one per line."""
    lines = [
        item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in records
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def count(engine: Engine, table: Any, workspace: Workspace | None = None) -> int:
    query = select(func.count()).select_from(table)
    if workspace is not None:
        query = query.where(table.c.workspace_id == workspace.id)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def stored_interaction(engine: Engine, ident: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(
            select(interactions).where(interactions.c.external_id == ident)
        ).one()


def message_texts(engine: Engine, ident: str) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(messages.c.text)
                .join(interactions, interactions.c.id == messages.c.interaction_id)
                .where(interactions.c.external_id == ident)
                .order_by(messages.c.seq)
            ).scalars()
        )


def stored_survey(engine: Engine, ident: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(
            select(surveys).where(surveys.c.interaction_external_id == ident)
        ).one()


def test_imports_interactions_with_messages(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [interaction("ch-1"), interaction("ch-2")])
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.updated, report.rejected) == (2, 0, 0)
    assert count(engine, interactions) == 2
    assert count(engine, messages) == 4
    assert message_texts(engine, "ch-1") == ["Где мой заказ?", "Сейчас проверю."]
    row = stored_interaction(engine, "ch-1")
    assert row.source == "import"
    assert row.channel == "chat"
    assert row.message_count == 2
    # 10:00:40 at +03:00 is 07:00:40 UTC, stored naive.
    assert row.started_at == datetime(2026, 11, 2, 7, 0, 40)


@pytest.mark.parametrize(
    ("bad_line", "field"),
    [
        ('{"id": "bad", "channel": "chat", ', None),
        (json.dumps({k: v for k, v in interaction("bad").items() if k != "id"}), "id"),
        (json.dumps(interaction("bad", channel="fax")), "channel"),
        (json.dumps(interaction("bad", started_at="yesterday at noon")), "started_at"),
        (json.dumps(interaction("bad", started_at="2026-13-45T10:00:00")), "started_at"),
        (json.dumps(interaction("bad", survey={"csat": 9})), "survey.csat"),
        (json.dumps(interaction("bad", survey={"csat": False})), "survey.csat"),
        (json.dumps(interaction("bad", survey={"csat": "5"})), "survey.csat"),
        (json.dumps(interaction("bad", messages=[{"role": "robot", "text": "x"}])), "messages"),
        (json.dumps({"kind": "invoice", "id": "bad"}), "kind"),
        ("[1, 2, 3]", None),
    ],
    ids=[
        "broken-json",
        "missing-id",
        "unknown-channel",
        "bad-timestamp",
        "impossible-date",
        "csat-9",
        "csat-false",
        "csat-string",
        "unknown-role",
        "unknown-kind",
        "not-an-object",
    ],
)
def test_bad_line_is_rejected_and_good_lines_land(
    engine: Engine, workspace: Workspace, tmp_path: Path, bad_line: str, field: str | None
) -> None:
    path = write_jsonl(
        tmp_path / "mixed.jsonl", [interaction("ok-1"), bad_line, interaction("ok-2")]
    )
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (2, 1)
    assert count(engine, interactions) == 2
    assert count(engine, surveys) == 0
    [reject] = report.rejects
    assert reject.file == str(path)
    assert reject.line == 2
    if field is not None:
        assert reject.field is not None and reject.field.startswith(field)
        assert field in reject.error
    else:
        assert reject.error


def test_broken_json_names_the_problem(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "broken.jsonl", ['{"id": "x", "channel": '])
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert report.rejected == 1
    assert "JSON" in report.rejects[0].error


def test_reimporting_the_same_file_changes_nothing(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            interaction("ch-1", survey={"csat": 4}),
            interaction("ch-2"),
            {"kind": "agent", "id": "a1"},
        ],
    )
    first = import_file(engine=engine, workspace=workspace, path=path)
    second = import_file(engine=engine, workspace=workspace, path=path)
    assert first.imported == 3
    assert (second.imported, second.updated, second.rejected) == (0, 0, 0)
    assert second.unchanged == 3
    assert count(engine, interactions) == 2
    assert count(engine, messages) == 4
    assert count(engine, surveys) == 1
    assert count(engine, agents) == 1


def test_changed_record_is_updated_and_its_messages_replaced(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_file(
        engine=engine,
        workspace=workspace,
        path=write_jsonl(tmp_path / "v1.jsonl", [interaction("ch-1"), interaction("ch-2")]),
    )
    changed = interaction(
        "ch-1",
        status="resolved",
        messages=[
            {"role": "customer", "text": "Здравствуйте"},
            {"role": "agent", "text": "Добрый день"},
            {"role": "customer", "text": "Спасибо"},
        ],
    )
    report = import_file(
        engine=engine,
        workspace=workspace,
        path=write_jsonl(tmp_path / "v2.jsonl", [changed, interaction("ch-2")]),
    )
    assert (report.imported, report.updated, report.unchanged) == (0, 1, 1)
    assert count(engine, interactions) == 2
    assert message_texts(engine, "ch-1") == ["Здравствуйте", "Добрый день", "Спасибо"]
    assert count(engine, messages) == 5
    row = stored_interaction(engine, "ch-1")
    assert row.status == "resolved"
    assert row.message_count == 3


def test_same_id_from_two_sources_are_two_records(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [interaction("1", source="zendesk"), interaction("1", source="chatwoot")],
    )
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert report.imported == 2
    assert count(engine, interactions) == 2


def test_naive_timestamps_are_read_in_the_workspace_zone(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as connection:
        moscow = create_workspace(connection, name="moscow", timezone="Europe/Moscow")
    record = interaction(
        "ch-1",
        queued_at="2026-11-02T10:00:00",
        started_at="2026-11-02T10:00:40",
        ended_at="2026-11-02T10:09:00Z",
        messages=[{"role": "customer", "text": "Алло", "at": "2026-11-02T10:00:00"}],
        survey={"csat": 5, "at": "2026-11-02T12:00:00+00:00"},
    )
    import_file(engine=engine, workspace=moscow, path=write_jsonl(tmp_path / "a.jsonl", [record]))
    row = stored_interaction(engine, "ch-1")
    assert row.queued_at == datetime(2026, 11, 2, 7, 0, 0)
    assert row.started_at == datetime(2026, 11, 2, 7, 0, 40)
    assert row.started_at.tzinfo is None
    # An explicit offset wins over the workspace zone.
    assert row.ended_at == datetime(2026, 11, 2, 10, 9, 0)
    with engine.connect() as connection:
        assert connection.execute(select(messages.c.at)).scalar_one() == datetime(
            2026, 11, 2, 7, 0, 0
        )
    assert stored_survey(engine, "ch-1").at == datetime(2026, 11, 2, 12, 0, 0)


def test_naive_timestamps_in_a_utc_workspace_stay_as_written(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", [interaction("ch-1", started_at="2026-11-02T10:00:40")]
    )
    import_file(engine=engine, workspace=workspace, path=path)
    assert stored_interaction(engine, "ch-1").started_at == datetime(2026, 11, 2, 10, 0, 40)


def test_unknown_fields_are_kept_in_meta(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    record = interaction("ch-1", meta={"crm": "bitrix"}, priority="high", sla={"breached": True})
    import_file(
        engine=engine, workspace=workspace, path=write_jsonl(tmp_path / "a.jsonl", [record])
    )
    meta = stored_interaction(engine, "ch-1").meta
    assert meta == {"crm": "bitrix", "priority": "high", "sla": {"breached": True}}


def test_complaint_tag_marks_a_complaint(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [interaction("c-1", tags=["delivery", "complaint"]), interaction("c-2", tags=["delivery"])],
    )
    import_file(engine=engine, workspace=workspace, path=path)
    first, second = stored_interaction(engine, "c-1"), stored_interaction(engine, "c-2")
    assert first.is_complaint is True
    assert list(first.tags) == ["delivery", "complaint"]
    assert second.is_complaint is False


def test_survey_after_its_interaction_is_linked_and_merged_with_the_inline_one(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    first = write_jsonl(
        tmp_path / "contacts.jsonl", [interaction("ch-1", survey={"csat": 4, "comment": "ok"})]
    )
    import_file(engine=engine, workspace=workspace, path=first)
    later = write_jsonl(
        tmp_path / "surveys.jsonl",
        [{"kind": "survey", "interaction_id": "ch-1", "nps": 9, "at": "2026-11-03T09:00:00Z"}],
    )
    report = import_file(engine=engine, workspace=workspace, path=later)
    assert (report.imported + report.updated, report.rejected) == (1, 0)
    assert count(engine, surveys) == 1
    survey = stored_survey(engine, "ch-1")
    assert survey.interaction_id == stored_interaction(engine, "ch-1").id
    assert (survey.csat, survey.nps, survey.comment) == (4, 9, "ok")
    assert survey.at == datetime(2026, 11, 3, 9, 0, 0)


def test_survey_before_its_interaction_is_linked_when_it_arrives(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    early = write_jsonl(
        tmp_path / "surveys.jsonl",
        [{"kind": "survey", "interaction_id": "ch-1", "csat": 2, "comment": "долго"}],
    )
    report = import_file(engine=engine, workspace=workspace, path=early)
    assert (report.imported, report.rejected) == (1, 0)
    assert stored_survey(engine, "ch-1").interaction_id is None
    import_file(
        engine=engine,
        workspace=workspace,
        path=write_jsonl(tmp_path / "contacts.jsonl", [interaction("ch-1", survey={"ces": 3})]),
    )
    assert count(engine, surveys) == 1
    survey = stored_survey(engine, "ch-1")
    assert survey.interaction_id == stored_interaction(engine, "ch-1").id
    assert (survey.csat, survey.ces, survey.comment) == (2, 3, "долго")


def test_survey_in_the_same_file_as_its_interaction(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"kind": "survey", "interaction_id": "ch-2", "csat": 1},
            interaction("ch-1"),
            interaction("ch-2"),
            {"kind": "survey", "interaction_id": "ch-1", "csat": 5},
        ],
    )
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert report.rejected == 0
    for ident, csat in (("ch-1", 5), ("ch-2", 1)):
        survey = stored_survey(engine, ident)
        assert survey.csat == csat
        assert survey.interaction_id == stored_interaction(engine, ident).id


def test_separate_survey_with_a_bad_score_is_rejected(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"kind": "survey", "interaction_id": "ch-1", "nps": 11},
            {"kind": "survey", "csat": 3},
        ],
    )
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert report.rejected == 2
    assert [(r.line, r.field) for r in report.rejects] == [(1, "nps"), (2, "interaction_id")]
    assert count(engine, surveys) == 0


def test_agent_records(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "agents.jsonl",
        [
            {
                "kind": "agent",
                "id": "a1",
                "name": "Анна Смирнова",
                "team": "Линия 1",
                "hired_at": "2026-01-10",
                "hourly_cost": 450,
            },
            {"kind": "agent", "id": "a2", "name": "Пётр", "hourly_cost": -1},
        ],
    )
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (1, 1)
    assert report.rejects[0].field == "hourly_cost"
    with engine.connect() as connection:
        row = connection.execute(select(agents)).one()
    assert (row.external_id, row.name, row.team, row.hourly_cost) == (
        "a1",
        "Анна Смирнова",
        "Линия 1",
        450,
    )
    assert row.hired_at == datetime(2026, 1, 10)
    # Interactions of that agent take the agent's team when they name none.
    import_file(
        engine=engine,
        workspace=workspace,
        path=write_jsonl(tmp_path / "contacts.jsonl", [interaction("ch-1", agent_id="a1")]),
    )
    assert stored_interaction(engine, "ch-1").team == "Линия 1"


def test_order_records(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    order = {
        "kind": "order",
        "id": "o-1",
        "customer_id": "c1",
        "at": "2026-11-02T12:00:00+03:00",
        "amount": 2490.0,
        "coupon": "SALE",
    }
    path = write_jsonl(
        tmp_path / "orders.jsonl",
        [order, {"kind": "order", "id": "o-2", "customer_id": "c1", "at": "2026-11-02"}],
    )
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (1, 1)
    assert report.rejects[0].field == "amount"
    with engine.connect() as connection:
        row = connection.execute(select(orders)).one()
    assert (row.external_id, row.customer_id, row.amount) == ("o-1", "c1", 2490.0)
    assert row.at == datetime(2026, 11, 2, 9, 0, 0)
    assert row.meta == {"coupon": "SALE"}
    again = import_file(engine=engine, workspace=workspace, path=path)
    assert (again.imported, again.updated) == (0, 0)
    order["amount"] = 100.0
    changed = import_file(
        engine=engine, workspace=workspace, path=write_jsonl(tmp_path / "o2.jsonl", [order])
    )
    assert changed.updated == 1
    assert count(engine, orders) == 1


def test_mixed_kinds_in_one_file(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "all.jsonl",
        [
            {"kind": "agent", "id": "a1", "name": "Анна"},
            {"kind": "interaction", **interaction("ch-1")},
            {"kind": "survey", "interaction_id": "ch-1", "csat": 5},
            {"kind": "order", "id": "o-1", "customer_id": "c1", "at": "2026-11-02", "amount": 1},
        ],
    )
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (4, 0)
    assert [count(engine, t) for t in (agents, interactions, surveys, orders)] == [1, 1, 1, 1]


def test_gzip_file(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for ident in ("g-1", "g-2", "g-3"):
            handle.write(json.dumps(interaction(ident), ensure_ascii=False) + "\n")
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (3, 0)
    assert count(engine, messages) == 6


def test_utf8_bom_and_crlf_and_blank_lines(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "bom.jsonl"
    body = "\r\n".join(json.dumps(interaction(i), ensure_ascii=False) for i in ("b-1", "b-2"))
    path.write_bytes(b"\xef\xbb\xbf" + (body + "\r\n\r\n").encode("utf-8"))
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (2, 0)
    assert stored_interaction(engine, "b-1").external_id == "b-1"


def test_line_numbers_count_blank_lines(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [interaction("ok"), "", "", "{oops"])
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert [reject.line for reject in report.rejects] == [4]


def test_invalid_utf8_line_is_rejected(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "latin.jsonl"
    good = json.dumps(interaction("ok")).encode("utf-8")
    path.write_bytes(good + b"\n" + b'{"id": "\xff\xfe"}\n')
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (1, 1)
    assert report.rejects[0].line == 2
    assert "UTF-8" in report.rejects[0].error


@pytest.mark.parametrize("problem", ["missing", "folder", "corrupt-gz"])
def test_unreadable_files_raise(
    engine: Engine, workspace: Workspace, tmp_path: Path, problem: str
) -> None:
    if problem == "missing":
        path = tmp_path / "nope.jsonl"
    elif problem == "folder":
        path = tmp_path / "folder.jsonl"
        path.mkdir()
    else:
        path = tmp_path / "broken.jsonl.gz"
        path.write_bytes(b"this is not gzip at all\n")
    with pytest.raises(Unreadable):
        import_file(engine=engine, workspace=workspace, path=path)
    assert count(engine, interactions) == 0


def test_truncated_gzip_keeps_what_was_read_before_raising(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "cut.jsonl.gz"
    # Random text so that the compressed stream is long enough to be cut mid-way.
    lines = (
        json.dumps(interaction(f"t-{i}", topic=os.urandom(64).hex())) + "\n" for i in range(3000)
    )
    data = gzip.compress("".join(lines).encode())
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(Unreadable, match="stopped reading after line"):
        import_file(engine=engine, workspace=workspace, path=path)
    assert 0 < count(engine, interactions) < 3000


def test_two_workspaces_keep_the_same_record_apart(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    with engine.begin() as connection:
        other = create_workspace(connection, name="other")
    path = write_jsonl(tmp_path / "a.jsonl", [interaction("ch-1"), interaction("ch-2")])
    import_file(engine=engine, workspace=workspace, path=path)
    report = import_file(engine=engine, workspace=other, path=path)
    assert (report.imported, report.unchanged) == (2, 0)
    assert count(engine, interactions, workspace) == 2
    assert count(engine, interactions, other) == 2
    changed = write_jsonl(tmp_path / "b.jsonl", [interaction("ch-1", topic="refund")])
    assert import_file(engine=engine, workspace=other, path=changed).updated == 1
    with engine.connect() as connection:
        topics = dict(
            connection.execute(
                select(interactions.c.workspace_id, interactions.c.topic).where(
                    interactions.c.external_id == "ch-1"
                )
            ).all()
        )
    assert topics == {workspace.id: None, other.id: "refund"}


def test_duplicate_id_within_one_file_keeps_the_last(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [interaction("ch-1", topic="first"), interaction("ch-1", topic="second")],
    )
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert report.rejected == 0
    assert count(engine, interactions) == 1
    assert stored_interaction(engine, "ch-1").topic == "second"
    assert count(engine, messages) == 2


def _long_conversations(path: Path, total: int) -> int:
    """``total`` scored chats of about 1 KB a line, written to ``path``; the file's size."""
    question = "where is my order? It was promised for yesterday. " * 6
    answer = "Hello! Let me check the status of your parcel with the courier service. " * 4
    with path.open("w", encoding="utf-8") as handle:
        for number in range(total):
            record = interaction(
                f"m-{number}",
                customer_id=f"c{number % 977}",
                topic="delivery",
                messages=[
                    {"role": "customer", "text": f"Question {number}: {question}"},
                    {"role": "agent", "text": answer},
                ],
            )
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path.stat().st_size


def _peak_while_importing(engine: Engine, workspace: Workspace, path: Path, total: int) -> int:
    """The most memory Python held at once while importing ``total`` records (bytes)."""
    tracemalloc.start()
    try:
        report = import_file(engine=engine, workspace=workspace, path=path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.imported == total
    return peak


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])
def test_large_file_is_streamed_in_constant_memory(engine: Engine, tmp_path: Path) -> None:
    # Streaming means the peak does not grow with the file: a file four times longer
    # may cost at most a quarter of its extra bytes (the bound a 60,000-line file once
    # had to meet in one run of over ten minutes). Two batches against eight.
    small = 2 * BATCH_SIZE
    with engine.begin() as connection:
        warm, first, second = (
            create_workspace(connection, name=name) for name in ("warm", "small", "large")
        )
    # What an import loads or compiles once per process (the checks' dictionaries, the
    # SQL of full and partial batches, modules loaded on first use by the work a big
    # import queues) has nothing to do with the size of the file: the warm-up is as big
    # as the large file.
    _long_conversations(tmp_path / "warm.jsonl", 4 * small)
    import_file(engine=engine, workspace=warm, path=tmp_path / "warm.jsonl")
    size = _long_conversations(tmp_path / "small.jsonl", small)
    peak = _peak_while_importing(engine, first, tmp_path / "small.jsonl", small)
    larger_size = _long_conversations(tmp_path / "large.jsonl", 4 * small)
    larger_peak = _peak_while_importing(engine, second, tmp_path / "large.jsonl", 4 * small)
    assert count(engine, messages) == 2 * (4 * small + small + 4 * small)
    assert larger_peak - peak < (larger_size - size) / 4, (
        f"peak {peak:,} bytes for {size:,} bytes of file, {larger_peak:,} for {larger_size:,}"
    )


def test_message_times_compare_equal_to_interaction_times_in_sql(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    # Messages are written by a bulk path of their own; their times must be
    # stored exactly like the others, or SQL comparisons go wrong on SQLite.
    record = interaction(
        "ch-1",
        started_at="2026-11-02T10:00:40+03:00",
        messages=[{"role": "agent", "text": "Да", "at": "2026-11-02T07:00:40Z"}],
    )
    import_file(
        engine=engine, workspace=workspace, path=write_jsonl(tmp_path / "a.jsonl", [record])
    )
    with engine.connect() as connection:
        same = connection.execute(
            select(func.count())
            .select_from(messages.join(interactions))
            .where(messages.c.at == interactions.c.started_at)
        ).scalar_one()
    assert same == 1


def test_overlong_source_is_rejected_not_a_failed_batch(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", [interaction("ok"), interaction("long", source="s" * 101)]
    )
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert (report.imported, report.rejected) == (1, 1)
    assert report.rejects[0].field == "source"
