"""The local recognisers (faster-whisper, Vosk, GigaAM) without their libraries or a
model (none may be downloaded here; docs/speech.md says how an operator runs them):
the registry lists them, a missing package or a missing or wrong model path is
refused with a translated message naming the setting (the recognition job keeps it
and retries, nothing crashes), and what each library returns becomes the call's
segments through pure functions fed with the libraries' own result shapes."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.jobs import run_due_jobs
from kontrol.speech.recognisers import (
    GigaAM,
    RecogniserConfig,
    RecogniserUnavailable,
    Transcript,
    faster_whisper_transcript,
    gigaam_transcript,
    recognisers,
    speech_stretches,
    vosk_transcript,
)
from kontrol.speech.recordings import measure, queue_recognition, recording_of
from kontrol.store.tables import job_runs, messages
from kontrol.web.app import create_app
from tests.factories import add_people, form_token, log_in
from tests.speech.conftest import BuiltCall
from tests.speech.test_recognition import _stored_call

LOCAL = {
    # id: (package, a file a model directory of it holds)
    "faster_whisper": ("faster_whisper", "model.bin"),
    "vosk": ("vosk", "am/final.mdl"),
    "gigaam": ("gigaam", None),
}


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def test_the_registry_lists_every_recogniser() -> None:
    assert {"openai", "faster_whisper", "vosk", "gigaam"} <= set(recognisers.ids())
    assert recognisers.get("gigaam") is GigaAM


@pytest.mark.parametrize("name", sorted(LOCAL))
def test_without_a_model_path_the_setting_is_named(name: str) -> None:
    with pytest.raises(RecogniserUnavailable) as refused:
        recognisers.get(name)(RecogniserConfig(model_path=""))
    error = refused.value
    assert "KONTROL_SPEECH_MODEL_PATH" in str(error) and name in str(error)
    russian = error.text("ru")
    assert "KONTROL_SPEECH_MODEL_PATH" in russian and "модель" in russian
    assert russian != error.text("en")


@pytest.mark.parametrize("name", sorted(LOCAL))
def test_a_path_without_a_model_is_refused_with_the_path(name: str, tmp_path: Path) -> None:
    empty = tmp_path / "models" / "empty"
    empty.mkdir(parents=True)
    (tmp_path / "notes.txt").write_text("not a model")
    for wrong in (empty, tmp_path / "missing", tmp_path / "notes.txt"):
        with pytest.raises(RecogniserUnavailable) as refused:
            recognisers.get(name)(RecogniserConfig(model_path=str(wrong)))
        assert "KONTROL_SPEECH_MODEL_PATH" in str(refused.value)
        assert str(wrong) in str(refused.value)
        assert str(wrong) in refused.value.text("ru")


@pytest.mark.parametrize("name", sorted(LOCAL))
def test_a_missing_package_names_its_extra(name: str, tmp_path: Path) -> None:
    package, holds = LOCAL[name]
    if _installed(package):
        pytest.skip(f"{package} is installed here")
    if holds is None:
        model = tmp_path / "v2_rnnt.ckpt"
        model.write_bytes(b"\0")
    else:
        model = tmp_path / "model"
        (model / holds).parent.mkdir(parents=True, exist_ok=True)
        (model / holds).write_bytes(b"\0")
    with pytest.raises(RecogniserUnavailable) as refused:
        recognisers.get(name)(RecogniserConfig(model_path=str(model)))
    extra = name.replace("_", "-")
    assert f"pip install 'kontrol[{extra}]'" in str(refused.value)
    assert "KONTROL_SPEECH_RECOGNISER" in refused.value.text("ru")


# -- what the libraries return, in their own shapes -----------------------------------


@dataclass
class WhisperWord:
    """faster_whisper.transcribe.Word"""

    start: float
    end: float
    word: str
    probability: float


@dataclass
class WhisperSegment:
    """faster_whisper.transcribe.Segment"""

    id: int
    seek: int
    start: float
    end: float
    text: str
    tokens: list[int]
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float
    words: list[WhisperWord] | None
    temperature: float | None


@dataclass
class WhisperInfo:
    """faster_whisper.transcribe.TranscriptionInfo (the fields read)"""

    language: str
    language_probability: float
    duration: float
    duration_after_vad: float
    all_language_probs: list[tuple[str, float]] | None = None
    transcription_options: Any = None
    vad_options: Any = None


def _seg(index: int, start: float, end: float, words: list[tuple[float, float, str]]) -> Any:
    return WhisperSegment(
        index,
        0,
        start,
        end,
        "".join(w for _, _, w in words),
        [50364, 1000 + index],
        -0.2,
        1.3,
        0.01,
        [WhisperWord(a, b, w, 0.9) for a, b, w in words],
        0.0,
    )


def test_faster_whisper_segments_and_words_become_the_transcript() -> None:
    pieces = iter(  # a generator, as WhisperModel.transcribe returns it
        [
            _seg(0, 0.5, 3.5, [(0.5, 1.4, " Здравствуйте,"), (1.5, 2.0, " меня"),
                               (2.0, 2.6, " зовут"), (2.6, 3.5, " Анна.")]),
            _seg(1, 9.2, 10.8, [(9.2, 9.9, " Сейчас"), (9.9, 10.8, " проверю.")]),
        ]
    )  # fmt: skip
    transcript = faster_whisper_transcript(pieces, WhisperInfo("ru", 0.98, 26.0, 24.1))
    assert transcript.language == "ru" and transcript.duration == 26.0
    first, second = transcript.segments
    assert (first.start, first.end, first.text) == (0.5, 3.5, "Здравствуйте, меня зовут Анна.")
    assert [w.text for w in first.words] == ["Здравствуйте,", "меня", "зовут", "Анна."]
    assert (first.words[3].start, first.words[3].end) == (2.6, 3.5)
    assert (second.start, second.text) == (9.2, "Сейчас проверю.")


# Vosk's answers as KaldiRecognizer.Result() / FinalResult() print them (SetWords(True)).
VOSK_RESULT = """{
  "result" : [{
      "conf" : 1.000000,
      "end" : 5.310000,
      "start" : 4.620000,
      "word" : "добрый"
    }, {
      "conf" : 1.000000,
      "end" : 5.640000,
      "start" : 5.310000,
      "word" : "день"
    }, {
      "conf" : 0.874012,
      "end" : 7.900000,
      "start" : 7.120000,
      "word" : "интернет"
    }],
  "text" : "добрый день интернет"
}"""
VOSK_FINAL = '{\n  "text" : ""\n}'


def test_vosk_results_become_segments_split_at_long_pauses() -> None:
    transcript = vosk_transcript([json.loads(VOSK_RESULT), json.loads(VOSK_FINAL)], "ru", 26.0)
    assert [(s.start, s.end, s.text) for s in transcript.segments] == [
        (4.62, 5.64, "добрый день"),
        (7.12, 7.9, "интернет"),  # 1.48 s after "день": a new segment
    ]
    assert [w.text for w in transcript.segments[0].words] == ["добрый", "день"]


@dataclass
class GigaWord:
    text: str
    start: float
    end: float


@dataclass
class GigaResult:
    text: str
    words: list[GigaWord] = field(default_factory=list)


def test_gigaam_answers_are_placed_at_their_stretch_of_the_call() -> None:
    transcript = gigaam_transcript(
        [
            (0.4, 3.6, "здравствуйте меня зовут анна"),  # transcribe(): the text
            (9.1, 10.9, ""),  # nothing heard
            (
                14.0,
                17.0,
                GigaResult(
                    "это просто безобразие",
                    [GigaWord("это", 0.1, 0.3), GigaWord("просто", 0.3, 0.8),
                     GigaWord("безобразие", 0.8, 1.6)],
                ),
            ),
            (20.0, 23.0, [{"transcription": "спасибо", "boundaries": (0.2, 1.1)}]),
        ],
        "ru",
        26.0,
    )  # fmt: skip
    assert [(s.start, s.end, s.text) for s in transcript.segments] == [
        (0.4, 3.6, "здравствуйте меня зовут анна"),
        (14.1, 15.6, "это просто безобразие"),
        (20.2, 21.1, "спасибо"),
    ]
    assert transcript.segments[1].words[1].start == pytest.approx(14.3)


def test_speech_stretches_fit_gigaams_limit() -> None:
    turns = [(0.0, 3.0), (4.0, 12.0), (13.0, 21.5), (30.0, 75.0)]
    stretches = speech_stretches(turns, 20.0)
    assert stretches == [(0.0, 12.0), (13.0, 21.5), (30.0, 50.0), (50.0, 70.0), (70.0, 75.0)]
    assert all(end - start <= 20.0 for start, end in stretches)


class HeardStretches:
    """Stands in for a loaded GigaAM model: answers each file's length, and keeps
    what it was sent (the stretches GigaAM.transcribe cut)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, float]] = []

    def transcribe(self, path: str) -> str:
        import soundfile

        info = soundfile.info(path)
        self.sent.append((info.samplerate, info.duration))
        return f"stretch {len(self.sent)}"


def test_gigaam_hears_the_calls_speech_in_stretches_at_16_khz(built_call: BuiltCall) -> None:
    local = GigaAM.__new__(GigaAM)  # the model is not loaded: no library, no download
    model = HeardStretches()
    local.model = model
    transcript = local.transcribe(built_call.wav)
    assert model.sent and all(rate == 16000 for rate, _ in model.sent)
    assert all(seconds <= 20.0 + 0.01 for _, seconds in model.sent)
    spoken = [(p.start, p.end) for p in built_call.placed]
    assert transcript.segments[0].start == pytest.approx(min(a for a, _ in spoken), abs=0.3)
    assert transcript.segments[-1].end == pytest.approx(max(b for _, b in spoken), abs=0.3)
    assert transcript.language == "ru"


# -- through the recognition job -----------------------------------------------------


class CannedVosk:
    """A recogniser plug-in answering Vosk's own JSON, to show the path from a local
    recogniser's words to the call's segments (the agent's channel hears nothing)."""

    def __init__(self, config: RecogniserConfig) -> None:
        self.calls = 0

    def transcribe(self, audio: Path, language: str | None = None) -> Transcript:
        self.calls += 1
        results = [json.loads(VOSK_RESULT)] if self.calls % 2 == 0 else []
        return vosk_transcript([*results, json.loads(VOSK_FINAL)], language, 26.0)


@pytest.fixture
def canned_vosk() -> Iterator[None]:
    with recognisers.temporarily():
        recognisers.add("canned_vosk", CannedVosk)
        yield


@pytest.mark.slow
def test_a_local_recognisers_words_become_the_calls_segments(
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    built_call: BuiltCall,
    canned_vosk: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTROL_SPEECH_RECOGNISER", "canned_vosk")
    interaction_id = _stored_call(engine, workspace, tmp_path, built_call, monkeypatch)
    with engine.begin() as connection:
        row = measure(connection, workspace.id, interaction_id)
        assert queue_recognition(connection, workspace.id, row.id)
    run_due_jobs(engine)
    with engine.connect() as connection:
        stored = connection.execute(
            select(messages.c.role, messages.c.text, messages.c.start_s, messages.c.end_s)
            .where(messages.c.interaction_id == interaction_id)
            .order_by(messages.c.seq)
        ).all()
    assert [tuple(m) for m in stored] == [
        ("customer", "добрый день", 4.62, 5.64),
        ("customer", "интернет", 7.12, 7.9),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])  # the job's bookkeeping, not the database
def test_a_recogniser_that_cannot_start_is_retried_and_its_reason_shown_translated(
    backend: str,
    engine: Engine,
    workspace: Workspace,
    database_url: str,
    tmp_path: Path,
    built_call: BuiltCall,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONTROL_SPEECH_RECOGNISER", "vosk")
    monkeypatch.setenv("KONTROL_SPEECH_MODEL_PATH", str(tmp_path / "no-such-model"))
    monkeypatch.setenv("KONTROL_JOB_BACKOFF_SECONDS", "0")
    interaction_id = _stored_call(engine, workspace, tmp_path, built_call, monkeypatch)
    with engine.begin() as connection:
        row = measure(connection, workspace.id, interaction_id)
        assert queue_recognition(connection, workspace.id, row.id)
        add_people(connection, workspace, [("admin", WorkspaceRole.ADMIN, None, None)])
    run_due_jobs(engine)  # nothing crashes: every attempt is recorded
    with engine.connect() as connection:
        run = connection.execute(
            select(job_runs.c.status, job_runs.c.attempts, job_runs.c.last_error).where(
                job_runs.c.name == "speech.recognise"
            )
        ).one()
        after = recording_of(connection, workspace.id, interaction_id)
        lines = connection.execute(
            select(messages.c.id).where(messages.c.interaction_id == interaction_id)
        ).all()
    assert run.status == "dead" and run.attempts == 5
    assert "KONTROL_SPEECH_MODEL_PATH" in (run.last_error or "")
    assert "no-such-model" in (run.last_error or "")
    # after the last attempt the recording may be queued again once the model is there
    assert after is not None and after.recognition == "failed" and after.attempts == 5
    assert lines == []
    with TestClient(create_app(database_url)) as client:
        log_in(client, "admin")
        path = f"/api/v1/speech/interactions/{interaction_id}"
        russian = client.get(path).json()["error"]  # the account's language
        token = form_token(client, "/interactions")
        client.post("/locale", data={"locale": "en", "csrf_token": token})
        english = client.get(path).json()["error"]
    assert "KONTROL_SPEECH_MODEL_PATH" in russian and "не модель vosk" in russian
    assert "KONTROL_SPEECH_MODEL_PATH" in english and "is not a vosk model" in english
