"""Reading call recordings: WAV, MP3, OGG/Opus and FLAC, mono or stereo.

soundfile (libsndfile, bundled in its wheels with MP3, Vorbis and Opus) reads every
format; PCM WAV is also read by the standard library when soundfile is missing.
Samples come back per channel, in [-1, 1], as float32.
"""

from __future__ import annotations

import hashlib
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kontrol.domain.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Samples = npt.NDArray[np.float32]

FORMATS = ("wav", "mp3", "ogg", "opus", "flac")


class UnreadableAudio(InvalidInput):
    """The file is not audio this module can read; the message names the file."""


@dataclass(frozen=True)
class Audio:
    """Decoded audio: ``samples[channel, index]`` at ``rate`` samples a second."""

    samples: Samples
    rate: float

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        return float(self.samples.shape[1]) / self.rate if self.rate else 0.0


def file_digest(path: Path) -> str:
    """sha256 of the file's bytes: one recording is recognised once whatever its name."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_wave(path: Path) -> Audio:
    import numpy as np

    try:
        with wave.open(str(path), "rb") as source:
            width = source.getsampwidth()
            channels = source.getnchannels()
            rate = source.getframerate()
            raw = source.readframes(source.getnframes())
    except (OSError, EOFError, wave.Error) as error:
        raise UnreadableAudio(
            f"{path}: not a readable recording ({error})",
            key="speech.error.unreadable",
            params={"path": path, "error": error},
        ) from None
    if width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 4:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2.0**31
    else:
        raise UnreadableAudio(
            f"{path}: {8 * width}-bit samples are not supported",
            key="speech.error.bits",
            params={"path": path, "bits": 8 * width},
        )
    usable = len(data) - len(data) % channels
    return Audio(np.ascontiguousarray(data[:usable].reshape(-1, channels).T), float(rate))


def decode(path: Path) -> Audio:
    """The recording at ``path`` as float32 samples per channel.

    Raises :class:`UnreadableAudio` naming the file when it is not audio.
    """
    try:
        import soundfile
    except ImportError:  # pragma: no cover - soundfile is a dependency
        return _read_wave(path)
    import numpy as np

    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, OSError, ValueError, TypeError) as error:
        if path.suffix.lower() == ".wav":
            return _read_wave(path)
        reason = (str(error).splitlines() or ["unknown format"])[0]
        raise UnreadableAudio(
            f"{path}: not a readable recording ({reason})",
            key="speech.error.unreadable",
            params={"path": path, "error": reason},
        ) from None
    if data.shape[0] == 0:
        raise UnreadableAudio(
            f"{path}: the recording has no samples",
            key="speech.error.no_samples",
            params={"path": path},
        )
    return Audio(np.ascontiguousarray(data.T), float(rate))


def downsample(audio: Audio, target: float = 8000.0) -> Audio:
    """Block-average to about ``target`` Hz: enough for speech energy and pitch."""
    factor = int(audio.rate // target)
    if factor <= 1:
        return audio
    usable = audio.samples.shape[1] - audio.samples.shape[1] % factor
    blocks = audio.samples[:, :usable].reshape(audio.channels, -1, factor)
    return Audio(blocks.mean(axis=2, dtype="float32"), audio.rate / factor)
