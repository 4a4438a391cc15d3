"""Recordings on an allowed host are fetched, measured and kept; others are never requested."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.jobs import run_due_jobs
from kontrol.speech.fetching import allowed_url
from kontrol.store.tables import interactions, speech_recordings
from tests.factories import import_records, interaction_record
from tests.speech.conftest import BuiltCall

# Each runs the import, the job queue and scoring on both databases.
pytestmark = pytest.mark.slow


class _Quiet(SimpleHTTPRequestHandler):
    requested: list[str] = []

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        _Quiet.requested.append(self.path)
        super().do_GET()


@pytest.fixture
def file_server(built_call: BuiltCall) -> Iterator[str]:
    _Quiet.requested = []
    handler = partial(_Quiet, directory=str(built_call.wav.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_only_listed_hosts_over_http_are_allowed() -> None:
    hosts = "pbx.example.ru, 127.0.0.1:8080"
    assert allowed_url("https://pbx.example.ru/r/1.mp3", hosts)
    assert allowed_url("http://127.0.0.1:8080/r/1.wav", hosts)
    assert not allowed_url("http://127.0.0.1:9090/r/1.wav", hosts)
    assert not allowed_url("https://evil.example.com/pbx.example.ru.mp3", hosts)
    assert not allowed_url("file:///etc/passwd", hosts)
    assert not allowed_url("https://user@pbx.example.ru/1.mp3", hosts)


def test_a_recording_url_on_an_allowed_host_is_fetched_and_measured(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    file_server: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTROL_RECORDINGS_DIR", str(tmp_path / "recordings"))
    monkeypatch.setenv("KONTROL_SPEECH_FETCH_HOSTS", file_server)
    records = [
        interaction_record(
            "far-1",
            started="2026-11-02T10:00:00+03:00",
            messages=[],
            channel="call",
            recording=f"http://{file_server}/{built_call.wav.name}",
        ),
        interaction_record(
            "far-2",
            started="2026-11-02T11:00:00+03:00",
            messages=[],
            channel="call",
            recording=f"http://localhost:1/{built_call.wav.name}",
        ),
    ]
    import_records(engine, workspace, tmp_path, records)
    run_due_jobs(engine)
    with engine.connect() as connection:
        measured = connection.execute(
            select(interactions.c.external_id, speech_recordings.c.channels).join(
                speech_recordings, speech_recordings.c.interaction_id == interactions.c.id
            )
        ).all()
        kept = connection.execute(
            select(interactions.c.recording).where(interactions.c.external_id == "far-1")
        ).scalar_one()
    assert [(m.external_id, m.channels) for m in measured] == [("far-1", 2)]
    assert _Quiet.requested == [f"/{built_call.wav.name}"]
    assert (tmp_path / "recordings" / kept).is_file()
