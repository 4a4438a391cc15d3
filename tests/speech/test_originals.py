"""The originals of masked personal data (docs/privacy.md): kept only when the
workspace's policy allows it, and only admins read or hear them; every other role
gets the masked text and the toned recording, on every page, API answer and export,
with no hint that an original exists."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.roles import WorkspaceRole
from kontrol.jobs import run_due_jobs
from kontrol.speech.originals import has_personal_originals, personal_originals
from kontrol.speech.recordings import measure, queue_recognition, recording_of
from kontrol.speech.retention import (
    RetentionPolicy,
    apply_retention,
    deletion_history,
    forget_customer,
    set_policy,
)
from kontrol.store.tables import interactions, message_originals, messages, retention_policies
from kontrol.web.app import create_app
from tests.factories import (
    PersonRow,
    add_people,
    import_records,
    interaction_ids,
    interaction_record,
    log_in,
)
from tests.speech.asr_server import AsrServer
from tests.speech.conftest import BuiltCall
from tests.speech.test_recognition import _stored_call, asr  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow

PHONE = "+7 912 345-67-89"
PHONE_DIGITS = "79123456789"
# The customer of the call is c1; a1 is its agent (see _stored_call).
PEOPLE: list[PersonRow] = [
    ("admin", WorkspaceRole.ADMIN, None, None),
    ("qa", WorkspaceRole.QA_LEAD, None, None),
    ("reviewer", WorkspaceRole.REVIEWER, None, None),
    ("lead", WorkspaceRole.TEAM_LEAD, None, None),
    ("agent1", WorkspaceRole.AGENT, "a1", None),
]


def _recognised(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built: BuiltCall,
    monkeypatch: pytest.MonkeyPatch,
    *,
    keep: bool,
) -> int:
    with engine.begin() as connection:
        set_policy(
            connection,
            workspace.id,
            RetentionPolicy(keep_originals=keep),
            by="test",
            recordings_dir=tmp_path / "recordings",
        )
    interaction_id = _stored_call(engine, workspace, tmp_path, built, monkeypatch)
    with engine.begin() as connection:
        row = measure(connection, workspace.id, interaction_id)
        assert queue_recognition(connection, workspace.id, row.id)
    run_due_jobs(engine)
    return interaction_id


def _leaks(body: str) -> bool:
    return PHONE in body or PHONE_DIGITS in re.sub(r"\D", "", body)


def test_kept_originals_are_stored_beside_the_masks(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,  # noqa: F811 - the imported fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interaction_id = _recognised(engine, workspace, tmp_path, built_call, monkeypatch, keep=True)
    recordings = tmp_path / "recordings"
    with engine.connect() as connection:
        shown = connection.execute(
            select(messages.c.text).where(messages.c.interaction_id == interaction_id)
        ).scalars()
        kept = personal_originals(connection, workspace.id, interaction_id)
        row = recording_of(connection, workspace.id, interaction_id)
        pointed = connection.execute(
            select(interactions.c.recording).where(interactions.c.id == interaction_id)
        ).scalar_one()
    assert not any(_leaks(text) for text in shown)
    originals = [line.original for line in kept.lines if line.original]
    # the customer's phone and the agent's name ("Анна") were masked and kept
    assert any(PHONE in text for text in originals)
    assert any("Анна" in text for text in originals)
    assert all(
        line.original is None or "[" in line.masked for line in kept.lines
    )  # only masked lines
    assert row is not None and row.path == pointed == "call-1.redacted.flac"
    assert kept.recording == "call-1.wav"
    assert (recordings / "call-1.wav").read_bytes() == built_call.wav.read_bytes()


def test_without_the_policy_no_original_is_kept(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interaction_id = _recognised(engine, workspace, tmp_path, built_call, monkeypatch, keep=False)
    with engine.connect() as connection:
        count = len(connection.execute(select(message_originals)).all())
        kept = personal_originals(connection, workspace.id, interaction_id)
        assert not has_personal_originals(connection, workspace.id, interaction_id)
    assert count == 0 and kept.recording is None and not kept.kept
    assert not (tmp_path / "recordings" / "call-1.wav").exists()


@pytest.mark.parametrize("backend", ["sqlite"])  # what is shown does not depend on the database
def test_only_admins_read_and_hear_the_originals(
    backend: str,
    engine: Engine,
    workspace: Workspace,
    database_url: str,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interaction_id = _recognised(engine, workspace, tmp_path, built_call, monkeypatch, keep=True)
    recordings = tmp_path / "recordings"
    toned = (recordings / "call-1.redacted.flac").read_bytes()
    original = (recordings / "call-1.wav").read_bytes()
    with engine.begin() as connection:
        add_people(connection, workspace, PEOPLE)
    i = interaction_id
    everywhere = [
        "/interactions",
        f"/interactions/{i}",
        f"/interactions/{i}/evaluate",
        "/api/v1/interactions?limit=50",
        f"/api/v1/interactions/{i}",
        f"/api/v1/speech/interactions/{i}",
        "/dashboard",
        "/dashboard?format=csv",
    ]
    originals_routes = [
        f"/privacy/originals/{i}",
        f"/privacy/originals/{i}/recording",
        f"/api/v1/speech/interactions/{i}/originals",
        f"/api/v1/speech/interactions/{i}/original-recording",
    ]
    with TestClient(create_app(database_url)) as client:
        for person, role, *_ in PEOPLE:
            client.cookies.clear()
            log_in(client, person)
            for path in everywhere:
                answer = client.get(path)
                assert not _leaks(answer.text), (person, path)
                # no hint of the original beyond the mask, not even a link to it
                if role != WorkspaceRole.ADMIN:
                    assert "/privacy/originals" not in answer.text, (person, path)
                    assert "original-recording" not in answer.text, (person, path)
            played = client.get(f"/review/recordings/{i}")
            if played.status_code == 200:  # the roles that may review hear the tone
                assert played.content == toned, person
            for path in originals_routes:
                answer = client.get(path)
                if role == WorkspaceRole.ADMIN:
                    assert answer.status_code == 200, (person, path)
                else:
                    assert answer.status_code == 403, (person, path)
                    assert not _leaks(answer.text)
            if role != WorkspaceRole.ADMIN:
                continue
            # the admin: the masks everywhere else, a link to the originals on the call
            assert 'id="originals-link"' in client.get(f"/interactions/{i}").text
            assert 'id="originals-link"' in client.get(f"/interactions/{i}/evaluate").text
            page = client.get(f"/privacy/originals/{i}").text
            assert PHONE in page and "[PHONE]" in page
            api = client.get(f"/api/v1/speech/interactions/{i}/originals").json()
            assert any(m["original"] and PHONE in m["original"] for m in api["messages"])
            assert all(m["original"] is None or m["text"] != m["original"] for m in api["messages"])
            assert api["recording"] == f"/api/v1/speech/interactions/{i}/original-recording"
            assert client.get(f"/api/v1/speech/interactions/{i}/original-recording").content == (
                original
            )
            heard = client.get(f"/privacy/originals/{i}/recording")
            assert heard.content == original and heard.headers["content-type"] == "audio/wav"


def test_originals_go_when_the_policy_stops_keeping_them(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interaction_id = _recognised(engine, workspace, tmp_path, built_call, monkeypatch, keep=True)
    recordings = tmp_path / "recordings"
    with engine.begin() as connection:
        set_policy(
            connection,
            workspace.id,
            RetentionPolicy(keep_originals=False),
            by="admin",
            recordings_dir=recordings,
        )
        assert not has_personal_originals(connection, workspace.id, interaction_id)
        log = deletion_history(connection, workspace.id)
    assert not (recordings / "call-1.wav").exists()
    assert (recordings / "call-1.redacted.flac").exists()  # the toned one stays
    assert [(e.reason, e.what) for e in log] == [("policy", "originals")]
    assert log[0].count >= 3  # the recording and at least two lines


def test_retention_and_forgetting_take_the_originals_too(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interaction_id = _recognised(engine, workspace, tmp_path, built_call, monkeypatch, keep=True)
    recordings = tmp_path / "recordings"
    with engine.begin() as connection:
        # customers anonymised after a day: the originals hold what anonymising removes
        set_policy(
            connection,
            workspace.id,
            RetentionPolicy(customers_days=1, keep_originals=True),
            by="admin",
            recordings_dir=recordings,
        )
        apply_retention(
            connection, workspace.id, recordings_dir=recordings, now=utcnow() + timedelta(days=400)
        )
        assert not has_personal_originals(connection, workspace.id, interaction_id)
    assert not (recordings / "call-1.wav").exists()
    assert (recordings / "call-1.redacted.flac").exists()


def test_forgetting_the_customer_deletes_the_kept_originals(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interaction_id = _recognised(engine, workspace, tmp_path, built_call, monkeypatch, keep=True)
    recordings = tmp_path / "recordings"
    with engine.begin() as connection:
        customer = connection.execute(
            select(interactions.c.customer_id).where(interactions.c.id == interaction_id)
        ).scalar_one()
        forget_customer(connection, workspace.id, customer, recordings_dir=recordings, by="admin")
        assert not has_personal_originals(connection, workspace.id, interaction_id)
        left = connection.execute(select(message_originals)).all()
    assert left == []
    assert not (recordings / "call-1.wav").exists()
    assert not (recordings / "call-1.redacted.flac").exists()


@pytest.mark.parametrize("keep", [False, True])
def test_a_second_call_with_the_same_bytes_plays_the_toned_copy(
    keep: bool,
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = _recognised(engine, workspace, tmp_path, built_call, monkeypatch, keep=keep)
    recordings = tmp_path / "recordings"
    shutil.copy(built_call.wav, recordings / "call-2.wav")
    record = interaction_record(
        "call-2",
        started="2026-11-03T10:00:00+03:00",
        messages=[],
        channel="call",
        recording="call-2.wav",
        agent_id="a1",
    )
    assert import_records(engine, workspace, tmp_path, [record]).imported == 1
    with engine.begin() as connection:
        second = interaction_ids(connection, workspace)["call-2"]
        row = measure(connection, workspace.id, second)
        assert queue_recognition(connection, workspace.id, row.id)
    run_due_jobs(engine)
    assert len(asr.requests) == 2  # the first call's two channels only: copied, not sent
    with engine.connect() as connection:
        played = connection.execute(
            select(interactions.c.recording).where(interactions.c.id == second)
        ).scalar_one()
        kept = personal_originals(connection, workspace.id, second)
        shown = connection.execute(
            select(messages.c.text).where(messages.c.interaction_id == second)
        ).scalars()
        assert not any(_leaks(text) for text in shown)
    assert played == "call-1.redacted.flac"
    assert (recordings / "call-2.wav").exists() == keep
    assert (kept.recording == "call-2.wav") == keep
    assert any(line.original and PHONE in line.original for line in kept.lines) == keep
    # forgetting the first call's customer leaves the file the second call plays
    with engine.begin() as connection:
        customer = connection.execute(
            select(interactions.c.customer_id).where(interactions.c.id == first)
        ).scalar_one()
        forget_customer(connection, workspace.id, customer, recordings_dir=recordings, by="a")
    assert (recordings / "call-1.redacted.flac").exists()
    assert not (recordings / "call-1.wav").exists()


def test_the_daily_run_deletes_originals_the_policy_no_longer_keeps(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interaction_id = _recognised(engine, workspace, tmp_path, built_call, monkeypatch, keep=True)
    recordings = tmp_path / "recordings"
    with engine.begin() as connection:
        # as if a recognition had written them while an admin turned the policy off
        connection.execute(
            update(retention_policies)
            .where(retention_policies.c.workspace_id == workspace.id)
            .values(keep_originals=False)
        )
        apply_retention(connection, workspace.id, recordings_dir=recordings)
        assert not has_personal_originals(connection, workspace.id, interaction_id)
    assert not (recordings / "call-1.wav").exists()
