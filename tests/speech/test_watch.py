"""``kontrol speech watch DIR``: dropped recordings become measured calls."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.speech.watch import scan
from kontrol.store.tables import interaction_signals, interactions, speech_recordings
from tests.speech.conftest import BuiltCall


def test_a_dropped_call_is_imported_measured_and_moved(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    recordings = tmp_path / "recordings"
    monkeypatch.setenv("KONTROL_RECORDINGS_DIR", str(recordings))
    shutil.copy(built_call.wav, inbox / "pbx-5501.wav")
    (inbox / "pbx-5501.json").write_text(
        json.dumps(
            {"agent_id": "a7", "customer_id": "c-42", "started_at": "2026-11-03T09:00:00+03:00"}
        ),
        encoding="utf-8",
    )
    (inbox / "broken.mp3").write_bytes(b"not audio")
    report = scan(engine, workspace, inbox, quiet_seconds=0)
    assert report.imported == ["pbx-5501.wav"]
    assert len(report.rejected) == 1 and report.rejected[0].startswith("broken.mp3")
    assert (inbox / "rejected" / "broken.mp3.reason.txt").read_text().count("broken.mp3") >= 1
    assert sorted(p.name for p in inbox.iterdir()) == ["rejected"]
    with engine.connect() as connection:
        call = connection.execute(select(interactions)).one()
        stored = connection.execute(select(speech_recordings)).one()
        signals = connection.execute(select(interaction_signals)).one()
    assert (call.external_id, call.channel, call.agent_external_id) == ("pbx-5501", "call", "a7")
    assert (recordings / call.recording).is_file()
    assert stored.figures["talk_ratio"] == pytest.approx(
        built_call.talk(0) / (built_call.talk(0) + built_call.talk(1)), abs=0.03
    )
    # no transcript: the call's signals come from its audio
    assert signals.talk_ratio == stored.figures["talk_ratio"]
    assert signals.overlaps == 1
    assert signals.silence_ratio == stored.figures["silence_ratio"]
    # a second pass finds nothing new
    assert scan(engine, workspace, inbox, quiet_seconds=0).imported == []


def test_cli_analyse_prints_the_figures_of_a_file(built_call: BuiltCall) -> None:
    result = CliRunner().invoke(app, ["speech", "analyse", str(built_call.wav), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["channels"] == 2
    assert [s["role"] for s in figures["speakers"]] == ["agent", "customer"]


def test_cli_redact_masks_personal_data_from_standard_input() -> None:
    result = CliRunner().invoke(
        app, ["speech", "redact"], input="пишите на olga@mail.ru или 8 912 345 67 89\n"
    )
    assert result.exit_code == 0
    assert result.output == "пишите на [EMAIL] или [PHONE]\n"
