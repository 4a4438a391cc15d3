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


HELD_TOTAL = 58.0
# The agent (left) talks over the customer (right) twice, then puts the call on a
# 30-odd second hold without a word and comes back.
HELD_UTTERANCES = [
    Utterance(1, 0.5, "Добрый день у меня уже целую неделю не работает домашний интернет", "ru+f3"),
    Utterance(0, 2.5, "Давайте я сразу проверю вашу линию", "ru"),
    Utterance(1, 8.0, "Я звоню уже третий раз и каждый раз одно и то же", "ru+f3"),
    Utterance(0, 9.5, "Сейчас посмотрю что случилось с вашим подключением", "ru"),
    Utterance(0, 50.0, "Спасибо за ожидание линия снова работает", "ru"),
    Utterance(1, 54.5, "Thank you goodbye", "en+f3"),
]


@pytest.fixture(scope="session")
def held_call(tmp_path_factory: pytest.TempPathFactory) -> BuiltCall:
    need_tools()
    folder = tmp_path_factory.mktemp("speech-held-call")
    wav, placed = build_call(HELD_UTTERANCES, folder, HELD_TOTAL, name="held")
    return BuiltCall(wav, placed, HELD_TOTAL)
