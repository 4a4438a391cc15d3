"""Retention policies, the daily job's deletion log and "forget this customer"."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import InvalidInput
from kontrol.speech.retention import (
    RetentionPolicy,
    apply_retention,
    customer_pseudonym,
    deletion_history,
    forget_customer,
    set_policy,
)
from kontrol.store.tables import interaction_facts, interactions, messages
from tests.factories import exchange, import_records, interaction_record

NOW = datetime(2026, 12, 1, 12, 0)


def _calls(engine: Engine, workspace: Workspace, tmp_path: Path) -> Path:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    records = []
    for name, started, customer in (
        ("old", "2026-06-01T10:00:00+00:00", "c-olga"),
        ("new", "2026-11-30T10:00:00+00:00", "c-olga"),
        ("other", "2026-11-30T11:00:00+00:00", "c-ivan"),
    ):
        (recordings / f"{name}.wav").write_bytes(b"RIFF....WAVE")
        records.append(
            interaction_record(
                name,
                started=started,
                channel="call",
                customer=customer,
                customer_name="Ольга Смирнова" if customer == "c-olga" else "Иван",
                recording=f"{name}.wav",
                messages=exchange(
                    "Мой телефон 8 912 345 67 89", "Записала", at=started, answered=started
                ),
            )
        )
    report = import_records(engine, workspace, tmp_path, records)
    assert report.imported == 3, report.rejects
    return recordings


def test_recordings_older_than_the_policy_are_deleted_and_logged(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    recordings = _calls(engine, workspace, tmp_path)
    with engine.begin() as connection:
        set_policy(connection, workspace.id, RetentionPolicy(recordings_days=90), by="admin")
        run = apply_retention(connection, workspace.id, recordings_dir=recordings, now=NOW)
        kept = dict(
            connection.execute(select(interactions.c.external_id, interactions.c.recording)).all()
        )
        log = deletion_history(connection, workspace.id)
    assert run.recordings == 1
    assert not (recordings / "old.wav").exists() and (recordings / "new.wav").exists()
    assert kept == {"old": None, "new": "new.wav", "other": "other.wav"}
    assert [(row.reason, row.what, row.count) for row in log] == [("retention", "recordings", 1)]


def test_a_policy_with_zero_days_is_refused(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection, pytest.raises(InvalidInput, match="recordings_days"):
        set_policy(connection, workspace.id, RetentionPolicy(recordings_days=0), by="admin")


def test_forgetting_a_customer_removes_their_data_and_keeps_the_counts(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    recordings = _calls(engine, workspace, tmp_path)
    with engine.connect() as connection:
        facts_before = connection.execute(
            select(func.count()).select_from(interaction_facts)
        ).scalar_one()
    with engine.begin() as connection:
        done = forget_customer(
            connection, workspace.id, "c-olga", recordings_dir=recordings, by="admin"
        )
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                interactions.c.id,
                interactions.c.external_id,
                interactions.c.customer_id,
                interactions.c.customer_name,
            ).order_by(interactions.c.external_id)
        ).all()
        left = {
            row.external_id: connection.execute(
                select(func.count())
                .select_from(messages)
                .where(messages.c.interaction_id == row.id)
            ).scalar_one()
            for row in rows
        }
        facts_after = connection.execute(
            select(func.count()).select_from(interaction_facts)
        ).scalar_one()
        fact_customers = set(connection.execute(select(interaction_facts.c.customer_id)).scalars())
        log = deletion_history(connection, workspace.id)
    pseudonym = customer_pseudonym(workspace.id, "c-olga")
    assert (done.interactions, done.recordings) == (2, 2)
    assert [(r.external_id, r.customer_id, r.customer_name) for r in rows] == [
        ("new", pseudonym, None),
        ("old", pseudonym, None),
        ("other", "c-ivan", "Иван"),
    ]
    assert left == {"new": 0, "old": 0, "other": 2}
    assert not (recordings / "old.wav").exists() and (recordings / "other.wav").exists()
    assert facts_after == facts_before
    assert "c-olga" not in fact_customers and pseudonym in fact_customers
    assert [(row.reason, row.customer_hash) for row in log] == [("forget", pseudonym)]
    assert "c-olga" not in str([tuple(row) for row in log])
