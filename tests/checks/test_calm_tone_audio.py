"""calm_tone on calls with a recording: the agent's loudness against their own baseline."""

from __future__ import annotations

import json
import math
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.audio import level_db, local_recording, read_wav, segment_levels
from kontrol.checks.engine import check_record
from kontrol.checks.stored_results import stored_outcomes
from kontrol.ingest.importing import import_file

RATE = 8000


def tone(seconds: float, amplitude: float, frequency: float = 220.0) -> np.ndarray[Any, Any]:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.asarray(amplitude * np.sin(2 * math.pi * frequency * t))


def write_wav(
    path: Path, samples: np.ndarray[Any, Any], *, width: int = 2, channels: int = 1
) -> Path:
    """Samples in [-1, 1] as a PCM WAV file of ``width`` bytes per sample."""
    data = np.repeat(samples[:, None], channels, axis=1).reshape(-1)
    if width == 1:
        raw = np.clip(np.round(data * 127 + 128), 0, 255).astype(np.uint8).tobytes()
    elif width == 3:
        ints = np.round(data * (2**23 - 1)).astype("<i4")
        raw = b"".join(int(v).to_bytes(3, "little", signed=True) for v in ints)
    else:
        dtype = {2: "<i2", 4: "<i4"}[width]
        raw = np.round(data * (2 ** (8 * width - 1) - 1)).astype(dtype).tobytes()
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(channels)
        audio.setsampwidth(width)
        audio.setframerate(RATE)
        audio.writeframes(raw)
    return path


def call(
    agent_last_amplitude: float, *, overlap_customer: bool = False
) -> tuple[Any, dict[str, Any]]:
    """A call: calm agent (0.1), an angry customer, then the agent at ``agent_last_amplitude``."""
    parts = [
        tone(3, 0.1),  # 0-3 agent greets
        tone(3, 0.1, 330),  # 3-6 customer angry
        tone(3, 0.1),  # 6-9 agent
        tone(2, 0.1, 330),  # 9-11 customer
        tone(3, agent_last_amplitude),  # 11-14 agent
    ]
    samples = np.concatenate(parts)
    segments = [
        {"role": "agent", "text": "Hello, this is Anna, how can I help you?", "start": 0, "end": 3},
        {
            "role": "customer",
            "text": "This is ridiculous, I am furious, my parcel is lost again",
            "start": 3,
            "end": 6,
        },
        {"role": "agent", "text": "I understand, let me check the order", "start": 6, "end": 9},
        {"role": "customer", "text": "Hurry up", "start": 9, "end": 11},
        {
            "role": "agent",
            "text": "I told you I am checking it now",
            "start": 11,
            "end": 14,
        },
    ]
    if overlap_customer:
        # The customer shouts over the last agent segment: that stretch is cross-talk.
        samples[11 * RATE : 14 * RATE] += tone(3, 0.5, 330)
        segments.append({"role": "customer", "text": "No!", "start": 11, "end": 14})
    record = {
        "id": "call-1",
        "channel": "call",
        "language": "en",
        "started_at": "2026-11-02T10:00:00Z",
        "recording": "call-1.wav",
        "messages": segments,
    }
    return samples, record


@pytest.mark.parametrize("width", [1, 2, 3, 4])
@pytest.mark.parametrize("channels", [1, 2])
def test_levels_read_from_every_pcm_width(tmp_path: Path, width: int, channels: int) -> None:
    path = write_wav(tmp_path / "a.wav", tone(1, 0.5), width=width, channels=channels)
    samples, rate = read_wav(path)
    assert rate == RATE
    # A sine of amplitude A has an RMS of A / sqrt(2): 0.5 -> -9.03 dBFS.
    level = level_db(samples, rate)
    assert level is not None
    assert level == pytest.approx(
        20 * math.log10(0.5 / math.sqrt(2)), abs=0.1 if width > 1 else 0.3
    )


def test_silence_has_no_level_and_pauses_do_not_lower_it() -> None:
    assert level_db(np.zeros(RATE), RATE) is None
    speech = tone(1, 0.2)
    with_pause = np.concatenate([speech, np.zeros(RATE), speech])
    plain, paused = level_db(speech, RATE), level_db(with_pause, RATE)
    assert plain is not None and paused is not None
    assert paused == pytest.approx(plain, abs=0.1)


def test_cross_talk_is_left_out_of_the_agents_level() -> None:
    samples = np.concatenate([tone(2, 0.1), tone(2, 0.1) + tone(2, 0.6, 330)])
    levels = segment_levels(
        samples, RATE, [("agent", 0.0, 4.0), ("customer", 2.0, 4.0)], role="agent"
    )
    alone = level_db(tone(2, 0.1), RATE)
    assert levels[1] is None  # customer segments are not measured
    assert levels[0] == pytest.approx(alone, abs=0.1)


@pytest.mark.parametrize(
    ("amplitude", "verdict"),
    [(0.25, "fail"), (0.13, "pass")],  # +8 dB raised voice; +2.3 dB is still calm
)
def test_calm_tone_hears_a_raised_voice(tmp_path: Path, amplitude: float, verdict: str) -> None:
    samples, record = call(amplitude)
    write_wav(tmp_path / "call-1.wav", samples)
    result = check_record(record, recordings=tmp_path)["checks"]["calm_tone"]
    assert result["result"] == verdict
    if verdict == "fail":
        evidence = result["evidence"][0]
        assert evidence["message"] == 4
        assert evidence["value"] == pytest.approx(20 * math.log10(0.25 / 0.1), abs=0.2)
    # Without the recording the words alone are calm.
    assert check_record(record)["checks"]["calm_tone"]["result"] == "pass"


def test_customer_shouting_over_the_agent_is_not_the_agents_voice(tmp_path: Path) -> None:
    samples, record = call(0.1, overlap_customer=True)
    write_wav(tmp_path / "call-1.wav", samples)
    assert check_record(record, recordings=tmp_path)["checks"]["calm_tone"]["result"] == "pass"


def test_only_files_in_the_recordings_directory_are_read(tmp_path: Path) -> None:
    inside = tmp_path / "rec"
    inside.mkdir()
    write_wav(inside / "a.wav", tone(1, 0.1))
    write_wav(tmp_path / "secret.wav", tone(1, 0.1))
    assert local_recording("a.wav", inside) == (inside / "a.wav").resolve()
    assert local_recording(str(inside / "a.wav"), inside) == (inside / "a.wav").resolve()
    assert local_recording("../secret.wav", inside) is None
    assert local_recording(str(tmp_path / "secret.wav"), inside) is None
    assert local_recording("https://example.org/a.wav", inside) is None
    assert local_recording("missing.wav", inside) is None


def test_unreadable_recording_leaves_the_text_verdict(tmp_path: Path) -> None:
    samples, record = call(0.25)
    (tmp_path / "call-1.wav").write_bytes(b"ID3 this is an mp3, not a wav")
    assert check_record(record, recordings=tmp_path)["checks"]["calm_tone"]["result"] == "pass"


def test_imported_call_is_scored_with_its_recording(
    engine: Engine, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    samples, record = call(0.25)
    write_wav(recordings / "call-1.wav", samples)
    monkeypatch.setenv("KONTROL_RECORDINGS_DIR", str(recordings))
    source = tmp_path / "calls.jsonl"
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = import_file(engine=engine, workspace=workspace, path=source)
    assert report.imported == 1
    with engine.connect() as connection:
        from sqlalchemy import select

        from kontrol.store.tables import interactions

        interaction_id = connection.execute(select(interactions.c.id)).scalar_one()
        outcome = stored_outcomes(connection, [interaction_id])[interaction_id]
    assert outcome["checks"]["calm_tone"]["result"] == "fail"
    assert outcome["checks"]["calm_tone"]["evidence"][0]["text"].endswith("dB")
