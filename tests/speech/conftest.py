"""A stereo call made once per test session (espeak-ng speaks, sox mixes)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.speech.calls import Placed, Utterance, build_call, need_tools, union

TOTAL = 26.0
# Agent on the left channel (Russian, male voice), customer on the right (female voice;
# one deliberately louder complaint, and English at the end). Known layout:
# silences 3.5-4.5-ish, a hold-like pause before the complaint, one interruption.
UTTERANCES = [
    Utterance(0, 0.5, "Здравствуйте, меня зовут Анна, чем могу помочь", "ru"),
    Utterance(1, 4.6, "Добрый день, у меня не работает интернет уже третий день", "ru+f3"),
    Utterance(0, 9.2, "Сейчас проверю вашу линию", "ru"),
    Utterance(1, 14.0, "Это просто безобразие, я плачу каждый месяц", "ru+f3", gain_db=10.0),
    Utterance(0, 15.0, "Понимаю вас, давайте разберёмся", "ru"),
    Utterance(1, 20.0, "Thank you very much for your help today", "en+f3"),
]


@dataclass(frozen=True)
class BuiltCall:
    wav: Path
    placed: list[Placed]
    total: float

    def talk(self, channel: int) -> float:
        return sum(
            b - a for a, b in union([(p.start, p.end) for p in self.placed if p.channel == channel])
        )

    def silences(self, minimum: float = 1.0) -> list[tuple[float, float]]:
        spoken = union([(p.start, p.end) for p in self.placed])
        gaps, position = [], 0.0
        for start, end in spoken:
            if start - position >= minimum:
                gaps.append((position, start))
            position = end
        if self.total - position >= minimum:
            gaps.append((position, self.total))
        return gaps


@pytest.fixture(scope="session")
def built_call(tmp_path_factory: pytest.TempPathFactory) -> BuiltCall:
    need_tools()
    folder = tmp_path_factory.mktemp("speech-call")
    wav, placed = build_call(UTTERANCES, folder, TOTAL)
    return BuiltCall(wav, placed, TOTAL)


@pytest.fixture(scope="session")
def call_formats(built_call: BuiltCall) -> dict[str, Path]:
    """The same call as MP3 and OGG/Opus (written by soundfile), FLAC (by sox)."""
    import soundfile

    folder = built_call.wav.parent
    data, rate = soundfile.read(str(built_call.wav), dtype="float32")
    out = {"wav": built_call.wav}
    out["mp3"] = folder / "call.mp3"
    soundfile.write(str(out["mp3"]), data, rate, format="MP3")
    out["opus"] = folder / "call.opus.ogg"
    soundfile.write(str(out["opus"]), data, rate, format="OGG", subtype="OPUS")
    out["flac"] = folder / "call.flac"
    subprocess.run(["sox", "-V1", str(built_call.wav), str(out["flac"])], check=True)
    return out
