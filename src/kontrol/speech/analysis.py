"""What the audio itself says about a call, without a transcript (docs/speech.md).

Per channel: voice activity (speech turns), talk time, speech rate, loudness and
pitch over the call. Between the channels of a stereo call (agent and customer
recorded apart): silences, overlaps and who interrupted whom. On a mono
recording the same figures without roles and without overlaps.

Voice activity: 20 ms frames; a frame is speech when its energy is above a
threshold set per channel from that channel's own noise floor and peak level;
pauses shorter than ``BRIDGE_SECONDS`` inside speech are bridged and bursts
shorter than ``MIN_TURN_SECONDS`` dropped. Everything is vectorised numpy over
audio averaged down to about 8 kHz, so an hour of stereo audio takes seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kontrol.checks.builtin.wording import HOLD_SILENCE_SECONDS, INTERRUPTION_SECONDS
from kontrol.speech.audio import Audio, downsample

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]
    Bools = npt.NDArray[np.bool_]

FRAME_SECONDS = 0.02
# Pauses shorter than this inside speech belong to the turn (between words).
BRIDGE_SECONDS = 0.35
# Bursts shorter than this are clicks, not speech.
MIN_TURN_SECONDS = 0.12
# Silences (nobody speaks) at least this long are listed.
MIN_SILENCE_SECONDS = 1.0
# Overlaps at least this long are listed (shorter ones are back-channel noise).
MIN_OVERLAP_SECONDS = 0.2
# A speaker's voice is raised where a second's level is this far above their median
# (the calm_tone threshold of CHECKS.md).
RAISED_DB = 6.0
# Intonation narrower than this (semitones between the 10th and 90th percentile of
# pitch) is flat.
FLAT_SEMITONES = 2.5
ENVELOPE_BINS = 600
PITCH_HOP_SECONDS = 0.05
PITCH_MIN_HZ = 70.0
PITCH_MAX_HZ = 400.0
VOICING = 0.45

Span = tuple[float, float]


@dataclass
class SpeakerFigures:
    """One channel (or one diarised speaker) over the whole call."""

    role: str
    talk_seconds: float
    turns: list[Span]
    speech_rate: float | None  # syllable nuclei a second of speech
    level_db: float | None  # median level of speech, dBFS
    level_p90_db: float | None
    raised: list[Span]  # seconds where the level is RAISED_DB above the median
    pitch_hz: float | None  # median pitch of voiced frames
    pitch_range_st: float | None  # 10th to 90th percentile, semitones
    flat: bool | None
    loudness_track: list[float | None] = field(default_factory=list)  # level per 5 s
    # The waveform the player draws: peak level per bin (ENVELOPE_BINS over the call),
    # 0..1 relative to the loudest channel.
    envelope: list[float] = field(default_factory=list)


@dataclass
class Overlap:
    """Both speak at once from ``start`` to ``end``; ``by`` started second."""

    start: float
    end: float
    by: str
    over: str
    interruption: bool


@dataclass
class CallFigures:
    """Everything measured from one recording."""

    duration: float
    channels: int
    speakers: list[SpeakerFigures]
    silences: list[Span]
    overlaps: list[Overlap] | None
    talk_ratio: float | None  # agent talk / (agent + customer talk)
    silence_ratio: float
    long_silences: int  # silences over the hold threshold (30 s)
    interruptions: dict[str, int]  # per role: how often they interrupted
    calm_under_pressure: bool | None  # the customer raised their voice, the agent did not

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def speaker(self, role: str) -> SpeakerFigures | None:
        return next((s for s in self.speakers if s.role == role), None)


def _frame_db(samples: npt.NDArray[Any], size: int) -> Floats:
    import numpy as np

    count = len(samples) // size
    frames = samples[: count * size].reshape(count, size).astype(np.float64)
    power = np.einsum("ij,ij->i", frames, frames) / size
    return np.asarray(10.0 * np.log10(np.maximum(power, 1e-12)))


def _spans(mask: Bools, frame: float) -> list[Span]:
    import numpy as np

    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [
        (float(a) * frame, float(b) * frame) for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]


def voice_activity(levels: Floats) -> Bools:
    """Speech frames of one channel from its frame levels (dBFS)."""
    import numpy as np

    if levels.size == 0:
        return np.zeros(0, dtype=bool)
    noise = float(np.percentile(levels, 10))
    peak = float(np.percentile(levels, 99))
    threshold = max(noise + 12.0, peak - 30.0, -60.0)
    active = levels > threshold
    # bridge short pauses, then drop short bursts
    bridge = int(round(BRIDGE_SECONDS / FRAME_SECONDS))
    spans = _spans(active, 1.0)
    merged: list[list[float]] = []
    for start, end in spans:
        if merged and start - merged[-1][1] <= bridge:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    out = np.zeros_like(active)
    shortest = MIN_TURN_SECONDS / FRAME_SECONDS
    for start, end in merged:
        if end - start >= shortest:
            out[int(start) : int(end)] = True
    return out


def _union(spans: Sequence[Span]) -> list[Span]:
    out: list[list[float]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def _gaps(spans: Sequence[Span], duration: float, minimum: float) -> list[Span]:
    gaps: list[Span] = []
    position = 0.0
    for start, end in _union(spans):
        if start - position >= minimum:
            gaps.append((round(position, 2), round(start, 2)))
        position = max(position, end)
    if duration - position >= minimum:
        gaps.append((round(position, 2), round(duration, 2)))
    return gaps


def _speech_rate(levels: Floats, active: Bools) -> float | None:
    """Syllable nuclei a second: peaks of the smoothed energy inside speech."""
    import numpy as np

    talk = float(active.sum()) * FRAME_SECONDS
    if talk < 1.0:
        return None
    smooth = np.convolve(levels, np.ones(3) / 3.0, mode="same")
    peak = float(np.percentile(smooth[active], 95))
    middle = smooth[1:-1]
    is_peak = (
        (middle > smooth[:-2]) & (middle >= smooth[2:]) & active[1:-1] & (middle > peak - 12.0)
    )
    # a dip of at least 2 dB on both sides separates two syllables
    indices = np.flatnonzero(is_peak) + 1
    count = 0
    last = -10
    for index in indices.tolist():
        if index - last >= 4:  # at most one nucleus per 80 ms
            count += 1
            last = index
    return round(count / talk, 2)


def _pitch(samples: npt.NDArray[Any], rate: float, active: Bools) -> Floats:
    """Pitch (Hz) of voiced frames every PITCH_HOP_SECONDS inside speech."""
    import numpy as np

    window = int(rate * 0.04)
    hop = int(rate * PITCH_HOP_SECONDS)
    if window < 16 or len(samples) < window:
        return np.empty(0)
    starts = np.arange(0, len(samples) - window, hop)
    frame_of = (starts / (rate * FRAME_SECONDS)).astype(int)
    frame_of = np.minimum(frame_of, len(active) - 1)
    starts = starts[active[frame_of]] if len(active) else starts[:0]
    if starts.size == 0:
        return np.empty(0)
    low = int(rate / PITCH_MAX_HZ)
    high = min(int(rate / PITCH_MIN_HZ), window - 1)
    size = 1 << int(np.ceil(np.log2(2 * window)))
    found: list[Floats] = []
    hann = np.hanning(window).astype(np.float32)
    for chunk in range(0, starts.size, 4096):
        part = starts[chunk : chunk + 4096]
        frames = samples[part[:, None] + np.arange(window)[None, :]] * hann
        frames = frames - frames.mean(axis=1, keepdims=True)
        spectrum = np.fft.rfft(frames, n=size, axis=1)
        corr = np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=1)[:, : high + 1]
        energy = corr[:, 0] + 1e-9
        lags = np.argmax(corr[:, low:high], axis=1) + low
        strength = corr[np.arange(len(lags)), lags] / energy
        voiced = strength > VOICING
        found.append(np.asarray(rate / lags[voiced], dtype=np.float64))
    return np.concatenate(found) if found else np.empty(0)


def _speaker(role: str, samples: npt.NDArray[Any], rate: float) -> SpeakerFigures:
    import numpy as np

    size = max(1, int(round(rate * FRAME_SECONDS)))
    levels = _frame_db(samples, size)
    active = voice_activity(levels)
    turns = [(round(a, 2), round(b, 2)) for a, b in _spans(active, FRAME_SECONDS)]
    talk = round(sum(b - a for a, b in turns), 2)
    voiced_levels = levels[active]
    level = float(np.median(voiced_levels)) if voiced_levels.size else None
    p90 = float(np.percentile(voiced_levels, 90)) if voiced_levels.size else None
    raised: list[Span] = []
    track: list[float | None] = []
    per_second = int(round(1.0 / FRAME_SECONDS))
    if level is not None:
        seconds = len(levels) // per_second
        if seconds:
            grid_levels = levels[: seconds * per_second].reshape(seconds, per_second)
            grid_active = active[: seconds * per_second].reshape(seconds, per_second)
            power = np.where(grid_active, 10.0 ** (grid_levels / 10.0), 0.0).sum(axis=1)
            voiced = grid_active.sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                second_db = 10.0 * np.log10(power / np.maximum(voiced, 1))
            enough = voiced >= per_second // 4
            baseline = float(np.median(second_db[enough])) if enough.any() else level
            loud = enough & (second_db > baseline + RAISED_DB)
            raised = [(round(a, 2), round(b, 2)) for a, b in _spans(loud, 1.0)]
            for block in range(0, seconds, 5):
                v = voiced[block : block + 5].sum()
                p = power[block : block + 5].sum()
                track.append(round(float(10.0 * np.log10(p / v)), 1) if v else None)
    envelope = _envelope(levels)
    pitches = _pitch(samples, rate, active)
    if pitches.size >= 5:
        pitch = float(np.median(pitches))
        low, high = np.percentile(pitches, [10, 90])
        spread = float(12.0 * np.log2(high / low))
    else:
        pitch = None
        spread = None
    return SpeakerFigures(
        role=role,
        talk_seconds=talk,
        turns=turns,
        speech_rate=_speech_rate(levels, active),
        level_db=None if level is None else round(level, 1),
        level_p90_db=None if p90 is None else round(p90, 1),
        raised=raised,
        pitch_hz=None if pitch is None else round(pitch, 1),
        pitch_range_st=None if spread is None else round(spread, 1),
        flat=None if spread is None else spread < FLAT_SEMITONES,
        loudness_track=track,
        envelope=envelope,
    )


def _envelope(levels: Floats) -> list[float]:
    """Peak amplitude (linear) per bin; scaled to 0..1 across channels in ``analyse``."""
    import numpy as np

    if levels.size == 0:
        return []
    bins = min(ENVELOPE_BINS, levels.size)
    edges = np.linspace(0, levels.size, bins + 1).astype(int)
    peaks = np.maximum.reduceat(levels, edges[:-1])
    return [float(v) for v in np.sqrt(10.0 ** (peaks / 10.0))]


def _overlaps(first: SpeakerFigures, second: SpeakerFigures) -> list[Overlap]:
    found: list[Overlap] = []
    j = 0
    b_turns = second.turns
    for a_start, a_end in first.turns:
        while j < len(b_turns) and b_turns[j][1] <= a_start:
            j += 1
        k = j
        while k < len(b_turns) and b_turns[k][0] < a_end:
            b_start, b_end = b_turns[k]
            start, end = max(a_start, b_start), min(a_end, b_end)
            if end - start >= MIN_OVERLAP_SECONDS:
                later, earlier = (first, second) if a_start > b_start else (second, first)
                found.append(
                    Overlap(
                        start=round(start, 2),
                        end=round(end, 2),
                        by=later.role,
                        over=earlier.role,
                        interruption=end - start >= INTERRUPTION_SECONDS,
                    )
                )
            k += 1
    return found


def analyse(audio: Audio, roles: Sequence[str] | None = None) -> CallFigures:
    """The figures of one recording; ``roles`` names the channels (default: a
    stereo call is agent on the left channel and customer on the right)."""
    small = downsample(audio)
    if roles is None:
        roles = ("agent", "customer") if small.channels == 2 else ("speaker",)
    if small.channels == 1 or len(roles) == 1:
        mono = small.samples.mean(axis=0) if small.channels > 1 else small.samples[0]
        channels = [(roles[0], mono)]
    else:
        channels = [(roles[i], small.samples[i]) for i in range(min(len(roles), small.channels))]
    speakers = [_speaker(role, samples, small.rate) for role, samples in channels]
    loudest = max((max(s.envelope) for s in speakers if s.envelope), default=0.0)
    for speaker in speakers:
        speaker.envelope = [round(v / loudest, 3) if loudest else 0.0 for v in speaker.envelope]
    duration = round(audio.duration, 2)
    everyone = [turn for s in speakers for turn in s.turns]
    silences = _gaps(everyone, duration, MIN_SILENCE_SECONDS)
    spoken = sum(b - a for a, b in _union(everyone))
    overlaps = _overlaps(speakers[0], speakers[1]) if len(speakers) == 2 else None
    agent = next((s for s in speakers if s.role == "agent"), None)
    customer = next((s for s in speakers if s.role == "customer"), None)
    talk_ratio = None
    if agent and customer and agent.talk_seconds + customer.talk_seconds > 0:
        talk_ratio = round(agent.talk_seconds / (agent.talk_seconds + customer.talk_seconds), 3)
    interruptions = {s.role: 0 for s in speakers}
    for overlap in overlaps or []:
        if overlap.interruption:
            interruptions[overlap.by] += 1
    calm = None
    if agent and customer:
        calm = bool(customer.raised) and not agent.raised
    return CallFigures(
        duration=duration,
        channels=audio.channels,
        speakers=speakers,
        silences=silences,
        overlaps=overlaps,
        talk_ratio=talk_ratio,
        silence_ratio=round(max(0.0, 1.0 - spoken / duration), 3) if duration else 0.0,
        long_silences=sum(1 for a, b in silences if b - a > HOLD_SILENCE_SECONDS),
        interruptions=interruptions,
        calm_under_pressure=calm,
    )
