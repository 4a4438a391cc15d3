"""Speech recognition as a plug-in (docs/speech.md).

A recogniser turns one mono audio file into timed words and segments. The
registry ``recognisers`` holds factories by id; built-ins are declared as entry
points in the ``kontrol.recognisers`` group exactly as a third-party package
declares its own:

- ``openai``: any server that speaks OpenAI's ``POST /v1/audio/transcriptions``
  with ``response_format=verbose_json`` (a whisper.cpp or faster-whisper server,
  vLLM, a cloud service);
- ``faster_whisper``, ``vosk`` and ``gigaam``: local recognisers, available when
  their optional extra is installed, loading a model from the path the operator
  gives (never downloading one). Without the package or the model they refuse
  with :class:`RecogniserUnavailable`, a translated message naming the setting.

A factory takes the :class:`RecogniserConfig` and returns a :class:`Recogniser`.
What each library returns is turned into a :class:`Transcript` by a pure
function (``faster_whisper_transcript``, ``vosk_transcript``,
``gigaam_transcript``) that reads only the attributes and keys the library's
documented results have, so it is tested without the library.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from kontrol.domain.errors import InvalidInput
from kontrol.i18n import translate
from kontrol.plugins import Registry


class RecognitionFailed(RuntimeError):
    """The recogniser could not transcribe the file (a retry may succeed)."""


class RecogniserUnavailable(RecognitionFailed):
    """A local recogniser cannot start: its package or its model is missing.

    ``key`` is a translation (``speech.recogniser.error.*`` in locales/*/speech.json)
    and ``values`` fill it; ``str()`` is the English text (job runs and logs),
    :meth:`text` the text in a person's language.
    """

    def __init__(self, key: str, **values: str) -> None:
        self.key = key
        self.values = values
        super().__init__(self.text("en"))

    def text(self, locale: str) -> str:
        return translate(locale, self.key).format(**self.values)

    def stored(self) -> str:
        """The form kept on the recording, translated again when shown."""
        return json.dumps({"key": self.key, "values": self.values}, ensure_ascii=False)


def recognition_error_text(stored: str | None, locale: str) -> str | None:
    """A recording's stored error in ``locale`` (a plain text error stays as it is)."""
    if not stored:
        return None
    try:
        data = json.loads(stored)
    except ValueError:
        return stored
    if not isinstance(data, dict) or not isinstance(data.get("key"), str):
        return stored
    values = {str(k): str(v) for k, v in (data.get("values") or {}).items()}
    try:
        return translate(locale, data["key"]).format(**values)
    except (KeyError, IndexError):
        return stored


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
            raise InvalidInput(
                "KONTROL_SPEECH_URL: the recognition server's address is not set",
                key="speech.error.no_url",
            )
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


# -- local recognisers -----------------------------------------------------------------

MODEL_PATH_SETTING = "KONTROL_SPEECH_MODEL_PATH"
# A pause longer than this between two words starts a new segment.
SEGMENT_PAUSE_SECONDS = 1.0


def _model_path(config: RecogniserConfig, name: str, must_hold: Sequence[str]) -> Path:
    """The operator's model directory, refused unless it holds one of ``must_hold``."""
    if not config.model_path:
        raise RecogniserUnavailable(
            "speech.recogniser.error.no_model_path", recogniser=name, setting=MODEL_PATH_SETTING
        )
    path = Path(config.model_path)
    if not path.is_dir() or not any((path / part).exists() for part in must_hold):
        raise RecogniserUnavailable(
            "speech.recogniser.error.bad_model_path",
            recogniser=name,
            setting=MODEL_PATH_SETTING,
            path=str(path),
            expected=", ".join(must_hold),
        )
    return path


def _missing_package(name: str, package: str, extra: str) -> RecogniserUnavailable:
    return RecogniserUnavailable(
        "speech.recogniser.error.no_package",
        recogniser=name,
        package=package,
        extra=extra,
        setting="KONTROL_SPEECH_RECOGNISER",
    )


def _words_into_segments(words: Sequence[Word]) -> list[SpokenSegment]:
    """One segment per run of words without a pause over SEGMENT_PAUSE_SECONDS."""
    segments: list[SpokenSegment] = []
    run: list[Word] = []
    for word in words:
        if run and word.start - run[-1].end > SEGMENT_PAUSE_SECONDS:
            segments.append(_segment(run))
            run = []
        run.append(word)
    if run:
        segments.append(_segment(run))
    return segments


def faster_whisper_transcript(pieces: Iterable[Any], info: Any) -> Transcript:
    """faster-whisper's ``(segments, info)`` from ``WhisperModel.transcribe(...,
    word_timestamps=True)``: each segment has ``start``, ``end``, ``text`` and
    ``words`` (each with ``word``, ``start``, ``end``; the word's text starts with
    a space); ``info`` has ``language`` and ``duration``."""
    segments = []
    for piece in pieces:
        text = str(piece.text).strip()
        words = tuple(
            Word(str(w.word).strip(), float(w.start), float(w.end))
            for w in (getattr(piece, "words", None) or [])
            if str(w.word).strip()
        )
        if text or words:
            segments.append(
                SpokenSegment(
                    float(piece.start),
                    float(piece.end),
                    text or " ".join(w.text for w in words),
                    words,
                )
            )
    language = getattr(info, "language", None)
    duration = getattr(info, "duration", None)
    return Transcript(
        str(language) if language else None,
        float(duration) if duration is not None else None,
        tuple(segments),
    )


def vosk_transcript(
    results: Iterable[dict[str, Any]], language: str | None, duration: float | None
) -> Transcript:
    """Vosk's results (``json.loads`` of ``KaldiRecognizer.Result()`` and
    ``FinalResult()`` with ``SetWords(True)``): ``{"result": [{"word", "start",
    "end", "conf"}...], "text"}``; one segment per utterance, split at long pauses."""
    segments: list[SpokenSegment] = []
    for result in results:
        words = [
            Word(str(w["word"]).strip(), float(w["start"]), float(w["end"]))
            for w in result.get("result") or []
            if isinstance(w, dict) and str(w.get("word", "")).strip()
        ]
        segments.extend(_words_into_segments(words))
    return Transcript(language, duration, tuple(segments))


def gigaam_transcript(
    pieces: Iterable[tuple[float, float, Any]], language: str | None, duration: float | None
) -> Transcript:
    """GigaAM's answers for the stretches of speech sent to it, as ``(start, end,
    answer)``: ``model.transcribe(path)`` answers the text (``str``) of the
    stretch, or, in versions with word timestamps, an object with ``text`` and
    ``words`` (each with ``text``, ``start``, ``end``, relative to the stretch);
    ``transcribe_longform`` answers a list of ``{"transcription", "boundaries":
    (start, end)}`` relative to the stretch. Times become the call's."""
    segments: list[SpokenSegment] = []
    for start, end, answer in pieces:
        if isinstance(answer, str):
            if answer.strip():
                segments.append(SpokenSegment(start, end, answer.strip()))
            continue
        if isinstance(answer, list):
            for part in answer:
                text = str(part.get("transcription", "")).strip()
                bounds = part.get("boundaries") or (0.0, end - start)
                if text:
                    segments.append(
                        SpokenSegment(start + float(bounds[0]), start + float(bounds[1]), text)
                    )
            continue
        words = [
            Word(str(w.text).strip(), start + float(w.start), start + float(w.end))
            for w in (getattr(answer, "words", None) or [])
            if str(w.text).strip()
        ]
        if words:
            segments.extend(_words_into_segments(words))
        elif str(getattr(answer, "text", "") or "").strip():
            segments.append(SpokenSegment(start, end, str(answer.text).strip()))
    return Transcript(language, duration, tuple(segments))


class FasterWhisper:
    """faster-whisper (the ``faster-whisper`` extra) with a CTranslate2 model directory."""

    def __init__(self, config: RecogniserConfig) -> None:
        path = _model_path(config, "faster_whisper", ("model.bin",))
        try:
            from faster_whisper import WhisperModel  # type: ignore[import-not-found]
        except ImportError:
            raise _missing_package("faster_whisper", "faster-whisper", "faster-whisper") from None
        self.model = WhisperModel(str(path), device="cpu", local_files_only=True)

    def transcribe(self, audio: Path, language: str | None = None) -> Transcript:
        pieces, info = self.model.transcribe(str(audio), language=language, word_timestamps=True)
        return faster_whisper_transcript(pieces, info)


class Vosk:
    """Vosk (the ``vosk`` extra) with a model directory (``am/``, ``conf/``...)."""

    def __init__(self, config: RecogniserConfig) -> None:
        path = _model_path(config, "vosk", ("am/final.mdl", "final.mdl", "conf/model.conf"))
        try:
            import vosk  # type: ignore[import-not-found]
        except ImportError:
            raise _missing_package("vosk", "vosk", "vosk") from None
        self.vosk = vosk
        try:
            self.model = vosk.Model(str(path))
        except Exception:  # noqa: BLE001 - Vosk raises a bare Exception for a bad model
            raise RecogniserUnavailable(
                "speech.recogniser.error.bad_model_path",
                recogniser="vosk",
                setting=MODEL_PATH_SETTING,
                path=str(path),
                expected="am/final.mdl, conf/model.conf",
            ) from None

    def transcribe(self, audio: Path, language: str | None = None) -> Transcript:
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
        return vosk_transcript(results, language, decoded.duration)


# GigaAM refuses a file longer than about 25 s; stretches of speech are cut below it.
GIGAAM_MAX_SECONDS = 20.0
GIGAAM_RATE = 16000
Span = tuple[float, float]


def speech_stretches(turns: Sequence[tuple[float, float]], longest: float) -> list[Span]:
    """The voice-activity turns joined while they fit ``longest``, longer ones cut."""
    stretches: list[Span] = []
    for start, end in turns:
        while end - start > longest:
            stretches.append((start, start + longest))
            start += longest
        if stretches and end - stretches[-1][0] <= longest:
            stretches[-1] = (stretches[-1][0], end)
        else:
            stretches.append((start, end))
    return stretches


class GigaAM:
    """GigaAM (the ``gigaam`` extra, Russian) with a checkpoint file the operator
    downloaded (``KONTROL_SPEECH_MODEL_PATH=/models/gigaam/v2_rnnt.ckpt``; the file
    name is the model's name, as ``gigaam.load_model`` expects it).

    GigaAM reads at most about 25 s at once; the audio is cut into stretches of
    speech (Kontrol's own voice activity, no second model) of at most 20 s, each
    recognised on its own, its times shifted to the call's.
    """

    def __init__(self, config: RecogniserConfig) -> None:
        if not config.model_path:
            raise RecogniserUnavailable(
                "speech.recogniser.error.no_model_path",
                recogniser="gigaam",
                setting=MODEL_PATH_SETTING,
            )
        path = Path(config.model_path)
        if not path.is_file() or path.suffix != ".ckpt":
            raise RecogniserUnavailable(
                "speech.recogniser.error.bad_model_path",
                recogniser="gigaam",
                setting=MODEL_PATH_SETTING,
                path=str(path),
                expected="<model>.ckpt",
            )
        try:
            import gigaam  # type: ignore[import-not-found]
        except ImportError:
            raise _missing_package("gigaam", "gigaam", "gigaam") from None
        # The checkpoint is in download_root already, so nothing is downloaded.
        self.model = gigaam.load_model(path.stem, device="cpu", download_root=str(path.parent))

    def transcribe(self, audio: Path, language: str | None = None) -> Transcript:
        import tempfile

        import numpy as np
        import soundfile

        from kontrol.speech.analysis import analyse
        from kontrol.speech.audio import Audio, decode

        decoded = decode(audio)
        mono = decoded.samples.mean(axis=0, dtype="float32")
        turns = analyse(Audio(mono[np.newaxis, :], decoded.rate)).speakers[0].turns
        pieces: list[tuple[float, float, Any]] = []
        with tempfile.TemporaryDirectory(prefix="kontrol-gigaam-") as folder:
            for start, end in speech_stretches(turns, GIGAAM_MAX_SECONDS):
                part = mono[int(start * decoded.rate) : int(np.ceil(end * decoded.rate))]
                count = max(1, round(len(part) * GIGAAM_RATE / decoded.rate))
                resampled = np.interp(
                    np.linspace(0, len(part) - 1, count), np.arange(len(part)), part
                ).astype("float32")
                target = Path(folder) / "stretch.wav"
                soundfile.write(str(target), resampled, GIGAAM_RATE, subtype="PCM_16")
                pieces.append((start, end, self.model.transcribe(str(target))))
        return gigaam_transcript(pieces, language or "ru", decoded.duration)
