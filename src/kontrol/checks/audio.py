"""How loud each call segment is, read from the call recording (``calm_tone``).

CHECKS.md: "on calls with audio, agent loudness does not rise above the agent's
own baseline by more than 6 dB". This module measures; the check decides.

Recordings are PCM WAV files (8, 16, 24 or 32 bit, mono or more channels,
mixed down to one). A segment's level is the energy mean, in dB relative to
full scale, of its voiced 50 ms frames (frames within 40 dB of the segment's
loudest frame): pauses inside a segment do not make it quieter. Seconds where
the agent's and the customer's segments overlap are left out, so that the
customer's voice in cross-talk is not taken for the agent's.

MP3, OGG/Opus and FLAC are read through soundfile (its wheels bundle libsndfile
with the codecs). Remote URLs are not read: the check then reads the text
alone, as on a chat.
"""

from __future__ import annotations

import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kontrol.plugins import Registry

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from sqlalchemy import Connection

    Samples = npt.NDArray[np.float64]

# numpy is imported where samples are read, not here: every process imports the
# checks engine, and only calls with a recording need it (about 50 ms at start-up).

FRAME_SECONDS = 0.05
# Frames quieter than this below the segment's loudest frame are pauses, not speech.
VOICED_RANGE_DB = 40.0
# Below this the frame is digital silence whatever the segment.
SILENCE_DBFS = -70.0
SAMPLE_TYPES = {1: "uint8", 2: "int16", 4: "int32"}


class UnreadableRecording(Exception):
    """The recording is not a PCM WAV file this module can read."""


def read_wav(path: Path) -> tuple[Samples, int]:
    """The recording as mono samples in [-1, 1] and its sample rate."""
    try:
        with wave.open(str(path), "rb") as audio:
            width = audio.getsampwidth()
            channels = audio.getnchannels()
            rate = audio.getframerate()
            raw = audio.readframes(audio.getnframes())
    except (OSError, EOFError, wave.Error) as error:
        return _read_compressed(path, error)
    import numpy as np

    if width == 3:
        # 24-bit little-endian: widen each sample to 32 bits (sign in the top byte).
        bytes3 = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        wide = np.zeros((bytes3.shape[0], 4), dtype=np.uint8)
        wide[:, 1:] = bytes3
        data = wide.view("<i4").reshape(-1).astype(np.float64) / 2**31
    elif width in SAMPLE_TYPES:
        values = np.frombuffer(raw, dtype=SAMPLE_TYPES[width]).astype(np.float64)
        data = (values - 128.0) / 128.0 if width == 1 else values / float(2 ** (8 * width - 1))
    else:
        raise UnreadableRecording(f"{path}: {8 * width}-bit samples are not supported")
    if channels > 1:
        usable = len(data) - len(data) % channels
        data = data[:usable].reshape(-1, channels).mean(axis=1)
    return data, rate


def _read_compressed(path: Path, wave_error: Exception) -> tuple[Samples, int]:
    """MP3, OGG/Opus or FLAC through soundfile, mixed down to mono."""
    import numpy as np

    try:
        import soundfile

        data, rate = soundfile.read(str(path), dtype="float64", always_2d=True)
    except (ImportError, RuntimeError, OSError, ValueError, TypeError):
        raise UnreadableRecording(f"{path}: {wave_error}") from None
    if data.shape[0] == 0:
        raise UnreadableRecording(f"{path}: no samples")
    return np.asarray(data.mean(axis=1), dtype=np.float64), int(rate)


def _frame_levels(samples: Samples, rate: int) -> Samples:
    import numpy as np

    size = max(1, int(rate * FRAME_SECONDS))
    count = len(samples) // size
    if count == 0:
        return np.empty(0)
    frames = samples[: count * size].reshape(count, size)
    power = np.mean(frames * frames, axis=1)
    return np.asarray(10.0 * np.log10(np.maximum(power, 1e-12)), dtype=np.float64)


def level_db(samples: Samples, rate: int) -> float | None:
    """The speech level of a stretch of audio in dBFS; ``None`` if it is all silence."""
    import numpy as np

    levels = _frame_levels(samples, rate)
    if levels.size == 0:
        return None
    loudest = float(levels.max())
    if loudest < SILENCE_DBFS:
        return None
    voiced = levels[levels >= loudest - VOICED_RANGE_DB]
    return float(10.0 * np.log10(np.mean(10.0 ** (voiced / 10.0))))


def _without(
    span: tuple[float, float], others: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """``span`` minus every overlap with ``others``."""
    pieces = [span]
    for other_start, other_end in others:
        cut: list[tuple[float, float]] = []
        for start, end in pieces:
            if other_end <= start or other_start >= end:
                cut.append((start, end))
                continue
            if other_start > start:
                cut.append((start, other_start))
            if other_end < end:
                cut.append((other_end, end))
        pieces = cut
    return pieces


def segment_levels(
    samples: Samples,
    rate: int,
    segments: Sequence[tuple[str, float | None, float | None]],
    role: str = "agent",
) -> list[float | None]:
    """The level (dBFS) of each ``role`` segment; ``None`` for the others and silent ones.

    ``segments`` are (role, start, end) in seconds from the start of the recording.
    """
    import numpy as np

    others = [
        (start, end)
        for who, start, end in segments
        if who != role and start is not None and end is not None
    ]
    out: list[float | None] = []
    for who, start, end in segments:
        if who != role or start is None or end is None or end <= start:
            out.append(None)
            continue
        pieces = [samples[int(a * rate) : int(b * rate)] for a, b in _without((start, end), others)]
        joined = np.concatenate(pieces) if pieces else np.empty(0)
        out.append(level_db(joined, rate) if joined.size else None)
    return out


def recording_levels(
    path: Path, segments: Sequence[tuple[str, float | None, float | None]]
) -> list[float | None] | None:
    """Agent segment levels from the WAV file at ``path``; ``None`` if it cannot be read."""
    try:
        samples, rate = read_wav(path)
    except UnreadableRecording:
        return None
    return segment_levels(samples, rate, segments)


def local_recording(value: str | None, base: Path) -> Path | None:
    """The local file a ``recording`` field names, or ``None``.

    Only files inside the recordings directory ``base`` are read (a relative path
    is taken under it; an absolute one must lie in it): the field comes from
    outside, and must not make Kontrol open other files. URLs are not fetched.
    """
    if not value or "://" in value:
        return None
    root = base.resolve()
    path = Path(value)
    path = (path if path.is_absolute() else root / path).resolve()
    if not path.is_relative_to(root):
        return None
    return path if path.is_file() else None


@dataclass(frozen=True, slots=True)
class AudioTurns:
    """A stereo call's speech turns measured from its recording, without words.

    ``agent`` and ``customer``: (start, end) seconds of each channel's turns, in
    order. The call checks read them when the call has no timed transcript
    (``no_interruption``, ``hold_announced``): the same definitions as on timed
    segments, applied to turns.
    """

    agent: tuple[tuple[float, float], ...]
    customer: tuple[tuple[float, float], ...]
    duration: float


# Turns by interaction id for the given calls of a workspace (those with a measured
# stereo recording); a higher feature (speech) registers one through the
# ``kontrol.audio_sources`` entry point.
AudioSource = Callable[["Connection", int, Sequence[int]], dict[int, AudioTurns]]

audio_sources: Registry[AudioSource] = Registry("audio source", group="kontrol.audio_sources")


def audio_turns(
    connection: Connection, workspace_id: int, interaction_ids: Sequence[int]
) -> dict[int, AudioTurns]:
    """The measured turns of these calls from every audio source (first source wins)."""
    found: dict[int, AudioTurns] = {}
    if not interaction_ids:
        return found
    for _name, source in audio_sources.items():
        for interaction_id, turns in source(connection, workspace_id, interaction_ids).items():
            found.setdefault(interaction_id, turns)
    return found
