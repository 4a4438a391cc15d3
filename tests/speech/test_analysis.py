"""Audio analytics measured against calls whose layout the test built."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontrol.speech.analysis import analyse
from kontrol.speech.audio import Audio, UnreadableAudio, decode
from tests.speech.conftest import BuiltCall

TOLERANCE = 0.3


def test_talk_time_per_channel_is_within_tolerance_of_what_was_built(built_call: BuiltCall) -> None:
    figures = analyse(decode(built_call.wav))
    agent, customer = figures.speakers
    assert (agent.role, customer.role) == ("agent", "customer")
    assert agent.talk_seconds == pytest.approx(built_call.talk(0), abs=TOLERANCE)
    assert customer.talk_seconds == pytest.approx(built_call.talk(1), abs=TOLERANCE)
    assert len(agent.turns) == 3 and len(customer.turns) == 3


def test_silences_are_found_where_nobody_speaks(built_call: BuiltCall) -> None:
    figures = analyse(decode(built_call.wav))
    built = built_call.silences()
    assert len(figures.silences) == len(built)
    for (start, end), (true_start, true_end) in zip(figures.silences, built, strict=True):
        assert start == pytest.approx(true_start, abs=TOLERANCE)
        assert end == pytest.approx(true_end, abs=TOLERANCE)


def test_the_agent_talking_over_the_customer_is_one_interruption_by_the_agent(
    built_call: BuiltCall,
) -> None:
    figures = analyse(decode(built_call.wav))
    complaint = next(p for p in built_call.placed if p.text.startswith("Это просто"))
    answer = next(p for p in built_call.placed if p.text.startswith("Понимаю"))
    assert figures.overlaps is not None and len(figures.overlaps) == 1
    overlap = figures.overlaps[0]
    assert overlap.start == pytest.approx(answer.start, abs=TOLERANCE)
    assert overlap.end == pytest.approx(min(answer.end, complaint.end), abs=TOLERANCE)
    assert (overlap.by, overlap.over, overlap.interruption) == ("agent", "customer", True)
    assert figures.interruptions == {"agent": 1, "customer": 0}


def test_the_louder_complaint_is_the_customers_raised_voice_and_the_agent_stays_calm(
    built_call: BuiltCall,
) -> None:
    figures = analyse(decode(built_call.wav))
    complaint = next(p for p in built_call.placed if p.text.startswith("Это просто"))
    customer = figures.speaker("customer")
    agent = figures.speaker("agent")
    assert customer is not None and agent is not None
    assert customer.raised, "the louder segment was not found"
    for start, end in customer.raised:
        assert complaint.start - 1.0 <= start and end <= complaint.end + 1.0
    assert agent.raised == []
    assert figures.calm_under_pressure is True


def test_pitch_tells_the_female_customer_voice_from_the_male_agent(built_call: BuiltCall) -> None:
    figures = analyse(decode(built_call.wav))
    agent, customer = figures.speaker("agent"), figures.speaker("customer")
    assert agent is not None and customer is not None
    assert agent.pitch_hz is not None and customer.pitch_hz is not None
    assert customer.pitch_hz > agent.pitch_hz * 1.3
    assert agent.speech_rate is not None and 2.0 < agent.speech_rate < 9.0


@pytest.mark.parametrize("kind", ["mp3", "opus", "flac"])
def test_compressed_formats_measure_like_the_wav(
    kind: str, call_formats: dict[str, Path], built_call: BuiltCall
) -> None:
    figures = analyse(decode(call_formats[kind]))
    assert figures.channels == 2
    assert figures.duration == pytest.approx(built_call.total, abs=0.1)
    agent, customer = figures.speakers
    assert agent.talk_seconds == pytest.approx(built_call.talk(0), abs=TOLERANCE)
    assert customer.talk_seconds == pytest.approx(built_call.talk(1), abs=TOLERANCE)


def test_a_mono_recording_gives_the_figures_without_roles_or_overlaps(
    built_call: BuiltCall,
) -> None:
    stereo = decode(built_call.wav)
    mono = Audio(stereo.samples.mean(axis=0, keepdims=True), stereo.rate)
    figures = analyse(mono)
    assert [s.role for s in figures.speakers] == ["speaker"]
    assert figures.overlaps is None and figures.talk_ratio is None
    spoken = sum(b - a for a, b in _union(built_call))
    assert figures.speakers[0].talk_seconds == pytest.approx(spoken, abs=TOLERANCE)


def _union(call: BuiltCall) -> list[tuple[float, float]]:
    from tests.speech.calls import union

    return union([(p.start, p.end) for p in call.placed])


def test_a_file_that_is_not_audio_is_refused_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "call-17.mp3"
    broken.write_bytes(b"this is not audio at all")
    with pytest.raises(UnreadableAudio, match="call-17.mp3"):
        decode(broken)


def test_calm_tone_reads_the_agents_loudness_from_an_mp3_too(
    call_formats: dict[str, Path], built_call: BuiltCall
) -> None:
    from kontrol.checks.audio import recording_levels

    segments = [
        ("agent" if p.channel == 0 else "customer", p.start, p.end) for p in built_call.placed
    ]
    from_wav = recording_levels(call_formats["wav"], segments)
    from_mp3 = recording_levels(call_formats["mp3"], segments)
    assert from_wav is not None and from_mp3 is not None
    for wav_level, mp3_level, (role, _, _) in zip(from_wav, from_mp3, segments, strict=True):
        if role == "agent":
            assert wav_level is not None and mp3_level == pytest.approx(wav_level, abs=1.5)
        else:
            assert mp3_level is None
