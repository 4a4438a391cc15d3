"""The demo's calls from the recording: a few demo calls get a stereo recording
synthesised from their timed segments (a voice-like tone per speaker, the agent
on the left, the customer on the right; one complaint louder), measured as any
recording is; and a retention policy on the privacy page."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from kontrol.speech.recordings import measure
from kontrol.speech.retention import RetentionPolicy, set_policy
from kontrol.store.tables import interactions, messages

RATE = 8000
CALLS = 8


def _voice(seconds: float, pitch: float, loud: float, seed: int) -> list[float]:
    import numpy as np

    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    wobble = pitch * (1.0 + 0.06 * np.sin(2 * np.pi * rng.uniform(0.5, 1.2) * t))
    phase = 2 * np.pi * np.cumsum(wobble) / RATE
    tone = sum(np.sin(k * phase) / k for k in range(1, 6))
    syllables = np.clip(np.sin(2 * np.pi * rng.uniform(3.5, 5.5) * t) * 0.8 + 0.4, 0.0, 1.0)
    return list(loud * syllables * tone)


def _recording(rows: list[tuple[str, float, float, str]], path: Path, seed: int) -> bool:
    import numpy as np
    import soundfile

    end = max(stop for _, _, stop, _ in rows) + 1.0
    audio = np.random.default_rng(seed).normal(0.0, 0.0006, size=(int(end * RATE), 2))
    for index, (role, start, stop, text) in enumerate(rows):
        channel = 0 if role == "agent" else 1
        loud = 0.3 if role == "customer" and "!" in text else 0.1
        voice = np.asarray(
            _voice(stop - start, 115.0 if channel == 0 else 205.0, loud, seed + index)
        )
        first = int(start * RATE)
        audio[first : first + len(voice), channel] += voice
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), np.clip(audio, -1, 1), RATE, format="MP3")
    return True


def seed_speech_demo(
    engine: Engine, workspace_id: int, recordings_dir: Path, *, calls: int = CALLS
) -> int:
    """Recordings for ``calls`` of the newest demo calls, one agent's at most once (written
    under ``recordings_dir``); how many."""
    done = 0
    with engine.begin() as connection:
        set_policy(
            connection,
            workspace_id,
            RetentionPolicy(recordings_days=365, transcripts_days=730, customers_days=1095),
            by="demo",
        )
        newest = connection.execute(
            select(interactions.c.id, interactions.c.recording, interactions.c.agent_external_id)
            .where(
                interactions.c.workspace_id == workspace_id,
                interactions.c.channel == "call",
                interactions.c.recording.is_not(None),
            )
            .order_by(interactions.c.started_at.desc())
            .limit(calls * 6)
        ).all()
        heard: set[str | None] = set()
        for call in newest:
            if done >= calls:
                break
            if call.agent_external_id in heard:
                continue
            rows = [
                (m.role, float(m.start_s), float(m.end_s), m.text)
                for m in connection.execute(
                    select(messages.c.role, messages.c.start_s, messages.c.end_s, messages.c.text)
                    .where(messages.c.interaction_id == call.id)
                    .order_by(messages.c.seq)
                )
                if m.start_s is not None and m.end_s is not None and m.end_s > m.start_s
            ]
            if len(rows) < 2 or not call.recording:
                continue
            target = recordings_dir / call.recording
            if not target.resolve().is_relative_to(recordings_dir.resolve()):
                continue
            if not target.exists():
                _recording(rows, target, seed=call.id)
            measure(connection, workspace_id, call.id, recordings_dir=recordings_dir)
            heard.add(call.agent_external_id)
            done += 1
    return done
