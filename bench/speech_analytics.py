"""How fast the audio analytics run: an hour of stereo call audio on one core.

Builds a synthetic stereo call of ``--minutes`` (default 60) at 8 kHz: speech-like
turns (a voiced, pitch-varying harmonic tone with a syllable envelope, 1-9 s long)
alternating between the agent's and the customer's channel, with pauses, some
cross-talk and line noise; writes it as 16-bit WAV (and, for the decoding cost,
FLAC and MP3). Then times, in CPU seconds of this process (numpy's FFT and the
rest run on one core), ``decode`` + ``analyse`` (voice activity per channel,
silences, overlaps, speech rate, loudness and pitch). The target of issue 19:
at least 100x real time, an hour in under 36 s.

    python -m bench.speech_analytics --minutes 60
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from kontrol.speech.analysis import analyse
from kontrol.speech.audio import decode

RATE = 8000


def synthetic_call(minutes: float, seed: int = 3) -> np.ndarray:
    """Stereo samples (2, n) in [-1, 1] of a long call with known-ish turn taking."""
    rng = np.random.default_rng(seed)
    total = int(minutes * 60 * RATE)
    out = rng.normal(0.0, 0.0008, size=(2, total)).astype(np.float32)
    position, speaker = int(0.5 * RATE), 0
    while position < total:
        length = int(rng.uniform(1.0, 9.0) * RATE)
        end = min(total, position + length)
        t = np.arange(end - position) / RATE
        pitch = (120.0 if speaker == 0 else 210.0) * (1.0 + 0.08 * np.sin(2 * np.pi * 0.7 * t))
        phase = 2 * np.pi * np.cumsum(pitch) / RATE
        voice = sum(np.sin(k * phase) / k for k in range(1, 6))
        envelope = np.clip(np.sin(2 * np.pi * 4.5 * t) * 0.8 + 0.4, 0.0, 1.0)
        out[speaker, position:end] += (0.12 * envelope * voice).astype(np.float32)
        overlap = rng.random() < 0.1
        position = end + int(rng.uniform(-1.2 if overlap else 0.3, 2.5) * RATE)
        position = max(position, end - int(1.2 * RATE))
        speaker = 1 - speaker
    return np.clip(out, -1.0, 1.0)


def _time(path: Path) -> tuple[float, float, int]:
    began_cpu, began = time.process_time(), time.perf_counter()
    figures = analyse(decode(path))
    return (
        time.process_time() - began_cpu,
        time.perf_counter() - began,
        len(figures.speakers[0].turns),
    )


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; return the Markdown table for docs/benchmarks.md."""
    import soundfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the call")
    args = parser.parse_args(argv)
    samples = synthetic_call(args.minutes)
    seconds = samples.shape[1] / RATE
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for kind, fmt in (("WAV 16-bit", "WAV"), ("FLAC", "FLAC"), ("MP3", "MP3")):
            path = Path(folder) / f"call.{fmt.lower()}"
            soundfile.write(str(path), samples.T, RATE, format=fmt)
            _time(path) if kind == "WAV 16-bit" else None  # warm-up: imports, caches
            cpu, wall, turns = _time(path)
            rows.append(
                f"| {kind} | {seconds / 60:.0f} min | {cpu:.1f} s | {wall:.1f} s |"
                f" {seconds / cpu:.0f}x | {turns} |"
            )
    return "\n".join(
        [
            "### Speech analytics (issue 19): decode + analyse, one core",
            "",
            "Synthetic stereo call at 8 kHz (`python -m bench.speech_analytics`);",
            "target: at least 100x real time (an hour in under 36 s).",
            "",
            "| file | audio | CPU | wall | real time | agent turns found |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(main())
