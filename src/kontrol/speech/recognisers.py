"""Speech recognition as a plug-in (docs/speech.md).

A recogniser turns one mono audio file into timed words and segments. The
registry ``recognisers`` holds factories by id; built-ins are declared as entry
points in the ``kontrol.recognisers`` group exactly as a third-party package
declares its own:

- ``openai``: any server that speaks OpenAI's ``POST /v1/audio/transcriptions``
  with ``response_format=verbose_json`` (a whisper.cpp or faster-whisper server,
  vLLM, a cloud service);
- ``faster_whisper`` and ``vosk``: local recognisers, available when their
  optional extra is installed, loading a model from the path the operator gives.

A factory takes the :class:`RecogniserConfig` and returns a :class:`Recogniser`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from kontrol.domain.errors import InvalidInput
from kontrol.plugins import Registry


class RecognitionFailed(RuntimeError):
    """The recogniser could not transcribe the file (a retry may succeed)."""


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class SpokenSegment:
    """A stretch of speech with its words; ``speaker`` when the recogniser diarises."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    speaker: str | None = None


@dataclass(frozen=True)
class Transcript:
    language: str | None
    duration: float | None
    segments: tuple[SpokenSegment, ...]


@dataclass(frozen=True)
class RecogniserConfig:
    """What the operator configures (KONTROL_SPEECH_* settings)."""

    url: str = ""
    api_key: str = ""
    model: str = "whisper-1"
    model_path: str = ""
    timeout: float = 600.0
    extra: dict[str, str] = field(default_factory=dict)


class Recogniser(Protocol):
    def transcribe(self, audio: Path, language: str | None = None) -> Transcript: ...


RecogniserFactory = Callable[[RecogniserConfig], Recogniser]

recognisers: Registry[RecogniserFactory] = Registry(
    "speech recognisers", group="kontrol.recognisers"
)


def _float(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def parse_verbose_json(body: dict[str, Any]) -> Transcript:
    """A transcript from OpenAI's ``verbose_json`` answer (segments and/or words)."""
    words = [
        Word(str(w.get("word", "")).strip(), _float(w.get("start")), _float(w.get("end")))
        for w in body.get("words") or []
        if isinstance(w, dict) and str(w.get("word", "")).strip()
    ]
    segments: list[SpokenSegment] = []
    for raw in body.get("segments") or []:
        if not isinstance(raw, dict):
            continue
        start, end = _float(raw.get("start")), _float(raw.get("end"))
        inside = tuple(w for w in words if w.start >= start - 0.01 and w.end <= end + 0.01)
        text = str(raw.get("text", "")).strip()
        if not text:
            continue
        speaker = raw.get("speaker")
        segments.append(
            SpokenSegment(start, end, text, inside, str(speaker) if speaker is not None else None)
        )
    if not segments and words:
        # words only: one segment per run of words without a pause over 1 s
        run: list[Word] = []
        for word in words:
            if run and word.start - run[-1].end > 1.0:
                segments.append(_segment(run))
                run = []
            run.append(word)
        segments.append(_segment(run))
    if not segments and str(body.get("text", "")).strip():
        segments.append(SpokenSegment(0.0, _float(body.get("duration")), str(body["text"]).strip()))
    duration = body.get("duration")
    return Transcript(
        language=body.get("language") if isinstance(body.get("language"), str) else None,
        duration=_float(duration) if duration is not None else None,
        segments=tuple(segments),
    )


def _segment(run: list[Word]) -> SpokenSegment:
    return SpokenSegment(run[0].start, run[-1].end, " ".join(w.text for w in run), tuple(run))


class OpenAICompatible:
    """``POST {url}/v1/audio/transcriptions`` as OpenAI defines it."""

    def __init__(self, config: RecogniserConfig) -> None:
        if not config.url:
            raise InvalidInput("KONTROL_SPEECH_URL: the recognition server's address is not set")
        self.config = config

    def transcribe(self, audio: Path, language: str | None = None) -> Transcript:
        base = self.config.url.rstrip("/")
        endpoint = (
            base
            if base.endswith("/audio/transcriptions")
            else (
                base
                + ("/audio/transcriptions" if base.endswith("/v1") else "/v1/audio/transcriptions")
            )
        )
        data: dict[str, str | list[str]] = {
            "model": self.config.model,
            "response_format": "verbose_json",
            "timestamp_granularities[]": ["word", "segment"],
        }
        if language:
            data["language"] = language
        headers = {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
        try:
            with audio.open("rb") as handle:
                response = httpx.post(
                    endpoint,
                    data=data,
                    files={"file": (audio.name, handle, "audio/wav")},
                    headers=headers,
                    timeout=self.config.timeout,
                )
        except httpx.HTTPError as error:
            raise RecognitionFailed(f"{endpoint}: {type(error).__name__}: {error}") from None
        if response.status_code >= 400:
            raise RecognitionFailed(
                f"{endpoint}: HTTP {response.status_code}: {response.text[:200]}"
            )
        try:
            body = response.json()
        except ValueError:
            raise RecognitionFailed(f"{endpoint}: the answer is not JSON") from None
        if not isinstance(body, dict):
            raise RecognitionFailed(f"{endpoint}: the answer is not a JSON object")
        return parse_verbose_json(body)


class FasterWhisper:
    """faster-whisper (the ``speech-local`` extra) with a model from a local path."""

    def __init__(self, config: RecogniserConfig) -> None:
        if not config.model_path or not Path(config.model_path).is_dir():
            raise InvalidInput(
                f"KONTROL_SPEECH_MODEL_PATH: a directory with a faster-whisper model, "
                f"not {config.model_path!r}"
            )
        try:
            from faster_whisper import WhisperModel  # type: ignore[import-not-found]
        except ImportError:
            raise InvalidInput(
                "faster_whisper: install the extra: pip install 'kontrol[faster-whisper]'"
            ) from None
        self.model = WhisperModel(config.model_path, device="cpu", local_files_only=True)

    def transcribe(self, audio: Path, language: str | None = None) -> Transcript:
        pieces, info = self.model.transcribe(str(audio), language=language, word_timestamps=True)
        segments = tuple(
            SpokenSegment(
                float(p.start),
                float(p.end),
                str(p.text).strip(),
                tuple(
                    Word(str(w.word).strip(), float(w.start), float(w.end)) for w in p.words or []
                ),
            )
            for p in pieces
        )
        return Transcript(
            getattr(info, "language", None), getattr(info, "duration", None), segments
        )


class Vosk:
    """Vosk (the ``vosk`` extra) with a model from a local path."""

    def __init__(self, config: RecogniserConfig) -> None:
        if not config.model_path or not Path(config.model_path).is_dir():
            raise InvalidInput(
                "KONTROL_SPEECH_MODEL_PATH: a directory with a Vosk model, "
                f"not {config.model_path!r}"
            )
        try:
            import vosk  # type: ignore[import-not-found]
        except ImportError:
            raise InvalidInput("vosk: install the extra: pip install 'kontrol[vosk]'") from None
        self.vosk = vosk
        self.model = vosk.Model(config.model_path)

    def transcribe(self, audio: Path, language: str | None = None) -> Transcript:
        import json

        import numpy as np

        from kontrol.speech.audio import decode

        decoded = decode(audio)
        pcm = (np.clip(decoded.samples.mean(axis=0), -1, 1) * 32767).astype("<i2").tobytes()
        recogniser = self.vosk.KaldiRecognizer(self.model, decoded.rate)
        recogniser.SetWords(True)
        results = []
        step = int(decoded.rate) * 2 * 4
        for offset in range(0, len(pcm), step):
            if recogniser.AcceptWaveform(pcm[offset : offset + step]):
                results.append(json.loads(recogniser.Result()))
        results.append(json.loads(recogniser.FinalResult()))
        segments = []
        for result in results:
            words = tuple(
                Word(str(w["word"]), float(w["start"]), float(w["end"]))
                for w in result.get("result", [])
            )
            if words:
                segments.append(_segment(list(words)))
        return Transcript(language, decoded.duration, tuple(segments))
