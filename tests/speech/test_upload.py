"""Uploading a call's recording through the API with the workspace's API key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.workspaces import Workspace
from kontrol.store.tables import interactions
from tests.speech.conftest import BuiltCall

# Each runs the import, the job queue and scoring on both databases.
pytestmark = pytest.mark.slow


@pytest.fixture
def api_key(engine: Engine, populated: Workspace) -> str:
    with engine.begin() as connection:
        return create_api_key(connection, workspace=populated, name="pbx", created_by="test").secret


def test_a_pushed_call_gets_its_recording_measured(
    client: TestClient,
    engine: Engine,
    api_key: str,
    built_call: BuiltCall,
    call_formats: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTROL_RECORDINGS_DIR", str(tmp_path / "recordings"))
    auth = {"Authorization": f"Bearer {api_key}"}
    record = {"id": "pbx-9", "source": "pbx", "channel": "call",
              "started_at": "2026-11-20T10:00:00Z", "agent_id": "a1", "messages": []}  # fmt: skip
    pushed = client.post(
        "/api/v1/interactions?wait=true",
        content=json.dumps(record).encode(),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert pushed.status_code == 200, pushed.text
    answer = client.put(
        "/api/v1/speech/recordings/pbx/pbx-9",
        content=call_formats["mp3"].read_bytes(),
        headers={**auth, "Content-Type": "audio/mpeg"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["channels"] == 2 and body["duration"] == pytest.approx(built_call.total, abs=0.1)
    expected = built_call.talk(0) / (built_call.talk(0) + built_call.talk(1))
    assert body["talk_ratio"] == pytest.approx(expected, abs=0.03)
    with engine.connect() as connection:
        recording = connection.execute(
            select(interactions.c.recording).where(interactions.c.external_id == "pbx-9")
        ).scalar_one()
    assert recording.startswith("api/") and recording.endswith(".mp3")
    assert (tmp_path / "recordings" / recording).is_file()


def test_an_upload_that_is_not_audio_or_has_no_call_or_no_key_is_refused(
    client: TestClient, api_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KONTROL_RECORDINGS_DIR", str(tmp_path / "recordings"))
    auth = {"Authorization": f"Bearer {api_key}"}
    url = "/api/v1/speech/recordings/import/i1"
    not_audio = client.put(url, content=b"<html>not audio</html>", headers=auth)
    assert not_audio.status_code == 422
    assert not_audio.json()["detail"].startswith("body: not a readable recording")
    missing = client.put("/api/v1/speech/recordings/pbx/nope", content=b"RIFF", headers=auth)
    assert missing.status_code == 404
    assert client.put(url, content=b"RIFF").status_code == 401
