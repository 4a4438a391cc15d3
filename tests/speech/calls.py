"""Recordings the tests make: espeak-ng speaks, sox trims, levels and mixes.

A call is built from utterances placed on the agent's (left) or customer's
(right) channel at known times, so the test knows the true talk time, silences
and overlaps of what it measures.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

RATE = 8000


def need_tools() -> None:
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run 'make speech-tools'")


@dataclass(frozen=True)
class Utterance:
    channel: int  # 0 agent (left), 1 customer (right)
    at: float
    text: str
    voice: str = "ru"
    gain_db: float = 0.0


@dataclass(frozen=True)
class Placed:
    channel: int
    start: float
    end: float
    text: str


def speak(text: str, voice: str, folder: Path, name: str, gain_db: float = 0.0) -> Path:
    """One utterance: spoken, resampled to 8 kHz mono, leading and trailing silence cut."""
    raw = folder / f"{name}.raw.wav"
    out = folder / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", str(raw), text], check=True)
    subprocess.run(
        ["sox", "-V1", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out),
         "silence", "1", "0.02", "1%", "reverse", "silence", "1", "0.02", "1%", "reverse",
         "vol", f"{gain_db - 10.0}dB"],
        check=True,
    )  # fmt: skip
    return out


def duration(path: Path) -> float:
    result = subprocess.run(["soxi", "-D", str(path)], check=True, capture_output=True, text=True)
    return float(result.stdout.strip())


def build_call(
    utterances: list[Utterance], folder: Path, total: float, name: str = "call"
) -> tuple[Path, list[Placed]]:
    """A stereo 8 kHz WAV with each utterance at its time; returns what was placed."""
    folder.mkdir(parents=True, exist_ok=True)
    placed: list[Placed] = []
    channel_parts: dict[int, list[str]] = {0: [], 1: []}
    for index, utterance in enumerate(utterances):
        path = speak(utterance.text, utterance.voice, folder, f"{name}-u{index}", utterance.gain_db)
        length = duration(path)
        placed.append(
            Placed(utterance.channel, utterance.at, utterance.at + length, utterance.text)
        )
        # each utterance padded to the call's length, then the channel's parts mixed
        padded = folder / f"{name}-p{index}.wav"
        subprocess.run(
            ["sox", "-V1", str(path), str(padded), "pad", f"{utterance.at}", "0"],
            check=True,
        )  # fmt: skip
        channel_parts[utterance.channel].append(str(padded))
    channels = []
    for channel in (0, 1):
        out = folder / f"{name}-ch{channel}.wav"
        silence = folder / f"{name}-silence.wav"
        subprocess.run(
            ["sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(silence),
             "trim", "0", f"{total}"],
            check=True,
        )  # fmt: skip
        parts = channel_parts[channel] or []
        subprocess.run(
            ["sox", "-V1", "-m", str(silence), *parts, str(out), "trim", "0", f"{total}"]
            if parts
            else ["sox", str(silence), str(out)],
            check=True,
        )
        channels.append(str(out))
    call = folder / f"{name}.wav"
    subprocess.run(["sox", "-M", *channels, str(call)], check=True)
    return call, placed


def union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]
