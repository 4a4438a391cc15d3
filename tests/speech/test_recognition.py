"""Recognition through an OpenAI-compatible server: words become the call's segments,
once per recording, within a daily budget, with retries."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.jobs import retry, run_due_jobs
from kontrol.speech.recognisers import parse_verbose_json
from kontrol.speech.recordings import measure, queue_recognition, recording_of
from kontrol.store.tables import check_outcomes, job_runs, messages
from tests.factories import import_records, interaction_ids, interaction_record
from tests.speech.asr_server import AsrServer, Heard, verbose_json
from tests.speech.conftest import BuiltCall

# Each runs the import, the job queue and scoring on both databases.
pytestmark = pytest.mark.slow

AGENT_SAYS = [
    (0.5, 3.5, "Здравствуйте, меня зовут Анна, чем могу помочь"),
    (9.2, 10.8, "Сейчас проверю вашу линию"),
    (15.0, 17.0, "Понимаю вас, давайте разберёмся"),
]
CUSTOMER_SAYS = [
    (4.6, 7.9, "Добрый день, мой телефон +7 912 345-67-89, не работает интернет"),
    (14.0, 16.8, "Это просто безобразие, я плачу каждый месяц"),
    (20.0, 22.2, "Thank you very much for your help today"),
]


def _is_left(heard: Heard) -> bool:
    """The agent speaks in the first seconds; the customer's channel is silent then."""
    import numpy as np
    import soundfile

    data, rate = soundfile.read(io.BytesIO(heard.audio), dtype="float32")
    return float(np.abs(data[int(0.6 * rate) : int(3.0 * rate)]).max()) > 0.01


def _answer(heard: Heard) -> dict[str, Any]:
    return verbose_json(AGENT_SAYS if _is_left(heard) else CUSTOMER_SAYS)


@pytest.fixture
def asr(monkeypatch: pytest.MonkeyPatch) -> Iterator[AsrServer]:
    server = AsrServer(_answer).start()
    monkeypatch.setenv("KONTROL_SPEECH_RECOGNISER", "openai")
    monkeypatch.setenv("KONTROL_SPEECH_URL", server.url)
    monkeypatch.setenv("KONTROL_SPEECH_API_KEY", "sk-test")
    monkeypatch.setenv("KONTROL_SPEECH_MODEL", "whisper-large-v3")
    monkeypatch.setenv("KONTROL_JOB_BACKOFF_SECONDS", "0")
    yield server
    server.stop()


def _stored_call(
    engine: Engine, workspace: Workspace, tmp_path: Path, built: BuiltCall, monkeypatch: Any
) -> int:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    shutil.copy(built.wav, recordings / "call-1.wav")
    monkeypatch.setenv("KONTROL_RECORDINGS_DIR", str(recordings))
    record = interaction_record(
        "call-1",
        started="2026-11-02T10:00:00+03:00",
        messages=[],
        channel="call",
        recording="call-1.wav",
        agent_id="a1",
    )
    report = import_records(engine, workspace, tmp_path, [record])
    assert report.imported == 1, report.rejects
    with engine.connect() as connection:
        return interaction_ids(connection, workspace)["call-1"]


def test_verbose_json_with_words_only_becomes_segments_split_at_pauses() -> None:
    body = {
        "text": "да нет",
        "words": [
            {"word": "да", "start": 0.0, "end": 0.4},
            {"word": "нет", "start": 3.0, "end": 3.3},
        ],
    }
    transcript = parse_verbose_json(body)
    assert [(s.start, s.end, s.text) for s in transcript.segments] == [
        (0.0, 0.4, "да"),
        (3.0, 3.3, "нет"),
    ]


def test_recognised_words_become_the_calls_segments_and_the_call_is_scored(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interaction_id = _stored_call(engine, workspace, tmp_path, built_call, monkeypatch)
    with engine.begin() as connection:
        row = measure(connection, workspace.id, interaction_id)
        assert queue_recognition(connection, workspace.id, row.id)
    run_due_jobs(engine)
    assert len(asr.requests) == 2  # one request per channel
    first = asr.requests[0]
    assert first.fields["model"] == ["whisper-large-v3"]
    assert first.fields["response_format"] == ["verbose_json"]
    assert first.fields["timestamp_granularities[]"] == ["word", "segment"]
    assert first.authorization == "Bearer sk-test"
    with engine.connect() as connection:
        stored = connection.execute(
            select(messages.c.role, messages.c.text, messages.c.start_s, messages.c.end_s)
            .where(messages.c.interaction_id == interaction_id)
            .order_by(messages.c.seq)
        ).all()
        outcome = connection.execute(
            select(check_outcomes.c.verdicts).where(
                check_outcomes.c.interaction_id == interaction_id
            )
        ).scalar_one_or_none()
        after = recording_of(connection, workspace.id, interaction_id)
    assert [(m.role, m.start_s) for m in stored] == [
        ("agent", 0.5), ("customer", 4.6), ("agent", 9.2),
        ("customer", 14.0), ("agent", 15.0), ("customer", 20.0),
    ]  # fmt: skip
    assert "+7 912" not in stored[1].text and "[PHONE]" in stored[1].text
    assert after is not None and after.recognition == "done" and after.recogniser == "openai"
    assert outcome is not None and "no_interruption" in outcome
    assert outcome["no_interruption"]["result"] in ("pass", "fail")


def test_a_tone_covers_the_spoken_phone_number_in_the_recording(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np
    import soundfile

    interaction_id = _stored_call(engine, workspace, tmp_path, built_call, monkeypatch)
    with engine.begin() as connection:
        row = measure(connection, workspace.id, interaction_id)
        queue_recognition(connection, workspace.id, row.id)
    run_due_jobs(engine)
    recordings = tmp_path / "recordings"
    with engine.connect() as connection:
        after = recording_of(connection, workspace.id, interaction_id)
    assert after is not None and after.path == "call-1.redacted.flac"
    assert not (recordings / "call-1.wav").exists()
    data, rate = soundfile.read(str(recordings / after.path), dtype="float32")
    original, _ = soundfile.read(str(built_call.wav), dtype="float32")
    # the words "+7 912 345-67-89," are the 5th to 7th of ten spread over 4.6-7.9 s
    assert _tone(data[int(6.0 * rate) : int(6.8 * rate), 1], rate) == pytest.approx(1000, abs=5)
    # and the agent's name ("Анна," is the 4th of seven words over 0.5-3.5 s)
    assert _tone(data[int(1.85 * rate) : int(2.15 * rate), 0], rate) == pytest.approx(1000, abs=5)
    # the rest of the speech is as it was
    for channel, start, end in ((0, 9.0, 11.0), (1, 14.0, 17.0), (1, 20.0, 22.0)):
        first, last = int(start * rate), int(end * rate)
        assert np.allclose(data[first:last, channel], original[first:last, channel], atol=1e-3)


def _tone(piece: Any, rate: float) -> float:
    """The strongest frequency of a stretch of samples, Hz."""
    import numpy as np

    spectrum = np.abs(np.fft.rfft(piece))
    return float(np.fft.rfftfreq(len(piece), 1 / rate)[int(np.argmax(spectrum))])


def test_a_recording_is_never_recognised_twice(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interaction_id = _stored_call(engine, workspace, tmp_path, built_call, monkeypatch)
    with engine.begin() as connection:
        row = measure(connection, workspace.id, interaction_id)
        queue_recognition(connection, workspace.id, row.id)
    run_due_jobs(engine)
    with engine.begin() as connection:
        measure(connection, workspace.id, interaction_id)  # measured again: state stays
        assert not queue_recognition(connection, workspace.id, row.id)
    run_due_jobs(engine)
    assert len(asr.requests) == 2


def test_over_the_daily_budget_nothing_is_sent_and_the_recording_waits(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTROL_SPEECH_DAILY_MINUTES", "0.2")  # 12 s; the call lasts 26 s
    interaction_id = _stored_call(engine, workspace, tmp_path, built_call, monkeypatch)
    with engine.begin() as connection:
        row = measure(connection, workspace.id, interaction_id)
        queue_recognition(connection, workspace.id, row.id)
    run_due_jobs(engine)
    with engine.connect() as connection:
        after = recording_of(connection, workspace.id, interaction_id)
    assert asr.requests == []
    assert after is not None and after.recognition == "over_budget"


def test_a_failing_server_is_retried_and_its_error_kept_on_the_job(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    asr: AsrServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asr.status = 503
    interaction_id = _stored_call(engine, workspace, tmp_path, built_call, monkeypatch)
    with engine.begin() as connection:
        row = measure(connection, workspace.id, interaction_id)
        queue_recognition(connection, workspace.id, row.id)
    run_due_jobs(engine)
    with engine.connect() as connection:
        run = connection.execute(
            select(
                job_runs.c.id, job_runs.c.status, job_runs.c.attempts, job_runs.c.last_error
            ).where(job_runs.c.name == "speech.recognise")
        ).one()
    assert run.status == "dead" and run.attempts == 5
    assert "HTTP 503" in (run.last_error or "")
    asr.status = 200
    retry(engine, run.id, workspace_id=workspace.id)  # the Jobs page's Retry button
    run_due_jobs(engine)
    with engine.connect() as connection:
        after = recording_of(connection, workspace.id, interaction_id)
    assert after is not None and after.recognition == "done"
