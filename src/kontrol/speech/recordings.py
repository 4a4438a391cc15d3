"""Recordings in the store: measuring them, recognising them once, and writing the
recogniser's words as the call's timed segments (docs/speech.md)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from kontrol.checks.audio import local_recording
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.redaction import redact
from kontrol.settings import Settings, current_settings
from kontrol.speech.analysis import CallFigures, analyse
from kontrol.speech.audio import Audio, decode, file_digest
from kontrol.speech.recognisers import (
    RecogniserConfig,
    SpokenSegment,
    Transcript,
    recognisers,
)
from kontrol.speech.signals import fill_signals, rescore_if_untimed
from kontrol.store.tables import (
    interactions,
    message_originals,
    messages,
    retention_policies,
    speech_recordings,
)

STATES = ("none", "queued", "running", "done", "failed", "over_budget", "skipped")


@dataclass(frozen=True)
class RecordingRow:
    """What the store holds about one interaction's recording."""

    id: int
    interaction_id: int
    path: str | None
    sha256: str
    channels: int
    duration_s: float
    figures: dict[str, Any] | None
    recognition: str
    recogniser: str | None
    attempts: int
    error: str | None


def _row(row: Any) -> RecordingRow:
    return RecordingRow(
        id=row.id,
        interaction_id=row.interaction_id,
        path=row.path,
        sha256=row.sha256,
        channels=row.channels,
        duration_s=row.duration_s,
        figures=row.figures,
        recognition=row.recognition,
        recogniser=row.recogniser,
        attempts=row.attempts,
        error=row.error,
    )


def recording_of(
    connection: Connection, workspace_id: int, interaction_id: int
) -> RecordingRow | None:
    row = connection.execute(
        select(speech_recordings).where(
            speech_recordings.c.workspace_id == workspace_id,
            speech_recordings.c.interaction_id == interaction_id,
        )
    ).first()
    return _row(row) if row else None


def _interaction(connection: Connection, workspace_id: int, interaction_id: int) -> Any:
    row = connection.execute(
        select(
            interactions.c.id,
            interactions.c.channel,
            interactions.c.recording,
            interactions.c.message_count,
            interactions.c.language,
        ).where(interactions.c.workspace_id == workspace_id, interactions.c.id == interaction_id)
    ).first()
    if row is None:
        raise NotFound(
            f"interaction {interaction_id}: not found",
            key="interactions.error.no_interaction",
            params={"interaction_id": interaction_id},
        )
    return row


def measure(
    connection: Connection,
    workspace_id: int,
    interaction_id: int,
    *,
    recordings_dir: Path | None = None,
) -> RecordingRow:
    """Decode the interaction's recording, measure it and store the figures.

    The file must lie in the recordings directory (``recording`` comes from
    outside). Measuring again replaces the figures; recognition state stays.
    """
    base = recordings_dir or Path(current_settings().recordings_dir)
    row = _interaction(connection, workspace_id, interaction_id)
    path = local_recording(row.recording, base)
    if path is None:
        raise InvalidInput(
            f"recording: interaction {interaction_id} has no readable file in {base}",
            key="speech.error.no_file",
            params={"interaction_id": interaction_id, "base": base},
        )
    audio = decode(path)
    figures = analyse(audio)
    return store_figures(connection, workspace_id, interaction_id, path, base, audio, figures)


def store_figures(
    connection: Connection,
    workspace_id: int,
    interaction_id: int,
    path: Path,
    base: Path,
    audio: Audio,
    figures: CallFigures,
) -> RecordingRow:
    now = utcnow()
    values = {
        "path": str(path.resolve().relative_to(base.resolve())),
        "sha256": file_digest(path),
        "channels": audio.channels,
        "duration_s": round(audio.duration, 2),
        "figures": figures.as_json(),
        "analysed_at": now,
    }
    existing = recording_of(connection, workspace_id, interaction_id)
    if existing is None:
        connection.execute(
            insert(speech_recordings).values(
                workspace_id=workspace_id,
                interaction_id=interaction_id,
                recognition="none",
                attempts=0,
                created_at=now,
                **values,
            )
        )
    else:
        connection.execute(
            update(speech_recordings).where(speech_recordings.c.id == existing.id).values(**values)
        )
    fill_signals(connection, workspace_id, [interaction_id])
    rescore_if_untimed(connection, workspace_id, interaction_id)
    found = recording_of(connection, workspace_id, interaction_id)
    assert found is not None
    return found


def seconds_recognised_today(connection: Connection, workspace_id: int, now: datetime) -> float:
    """Audio seconds this workspace sent to recognition since 00:00 UTC."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    total = connection.execute(
        select(func.coalesce(func.sum(speech_recordings.c.duration_s), 0.0)).where(
            speech_recordings.c.workspace_id == workspace_id,
            speech_recordings.c.recognised_at >= midnight,
            speech_recordings.c.recognised_at < midnight + timedelta(days=1),
        )
    ).scalar_one()
    return float(total)


def recogniser_config(settings: Settings) -> RecogniserConfig:
    return RecogniserConfig(
        url=settings.speech_url,
        api_key=settings.speech_api_key,
        model=settings.speech_model,
        model_path=settings.speech_model_path,
        timeout=settings.speech_timeout,
    )


def _split_channels(audio: Audio, folder: Path) -> list[Path]:
    import soundfile

    paths = []
    for index in range(audio.channels):
        path = folder / f"channel-{index}.wav"
        soundfile.write(str(path), audio.samples[index], int(audio.rate), subtype="PCM_16")
        paths.append(path)
    return paths


def _roles_for(transcripts: list[Transcript], stereo: bool) -> list[tuple[str, SpokenSegment]]:
    """Each segment with its role: by channel on stereo calls; by the recogniser's
    speakers on mono ones (the first voice heard is the agent's, as calls to a
    contact centre open with the agent's greeting); ``system`` when unknown."""
    if stereo:
        return [
            (role, segment)
            for role, transcript in zip(("agent", "customer"), transcripts, strict=False)
            for segment in transcript.segments
        ]
    segments = list(transcripts[0].segments) if transcripts else []
    speakers: list[str] = []
    for segment in sorted(segments, key=lambda s: s.start):
        if segment.speaker is not None and segment.speaker not in speakers:
            speakers.append(segment.speaker)
    out = []
    for segment in segments:
        if segment.speaker is None:
            out.append(("system", segment))
        else:
            out.append(("agent" if segment.speaker == speakers[0] else "customer", segment))
    return out


def keeps_originals(connection: Connection, workspace_id: int) -> bool:
    """True when the workspace's policy keeps the originals of masked personal data
    (for its admins only: docs/privacy.md)."""
    keep = connection.execute(
        select(retention_policies.c.keep_originals).where(
            retention_policies.c.workspace_id == workspace_id
        )
    ).scalar_one_or_none()
    return bool(keep)


def _put_aside_original(
    connection: Connection,
    recording_id: int,
    path: Path,
    base: Path,
    keeping: bool,
    *,
    played: str,
) -> str | None:
    """What becomes of the recording before the tone once the call plays ``played``:
    its path under the recordings directory when the workspace keeps originals,
    else the file is deleted (unless another call plays or keeps the same file)."""
    from kontrol.speech.retention import files_in_use

    relative = str(path.resolve().relative_to(base.resolve()))
    if keeping:
        return relative
    connection.execute(
        update(speech_recordings)
        .where(speech_recordings.c.id == recording_id)
        .values(path=played, original_path=None)
    )
    if relative not in files_in_use(connection, {relative}):
        path.unlink(missing_ok=True)
    return None


def recognise(
    connection: Connection,
    workspace_id: int,
    recording_id: int,
    *,
    settings: Settings | None = None,
    recordings_dir: Path | None = None,
    now: datetime | None = None,
) -> str:
    """Recognise one recording and store its words as the call's segments.

    Returns the new state: ``done``, ``skipped`` (already recognised, or the call
    already has a transcript) or ``over_budget``. A recording whose file bytes
    were recognised before for another interaction gets that transcript copied,
    not recognised again. Raises :class:`RecognitionFailed` for a retry.
    """
    settings = settings or current_settings()
    now = now or utcnow()
    row = connection.execute(
        select(speech_recordings).where(
            speech_recordings.c.workspace_id == workspace_id,
            speech_recordings.c.id == recording_id,
        )
    ).first()
    if row is None:
        raise NotFound(
            f"recording {recording_id}: not found",
            key="speech.error.no_recording",
            params={"recording_id": recording_id},
        )
    if row.recognition in ("done", "skipped"):
        return str(row.recognition)
    call = _interaction(connection, workspace_id, row.interaction_id)

    def finish(state: str, **values: Any) -> str:
        connection.execute(
            update(speech_recordings)
            .where(speech_recordings.c.id == recording_id)
            .values(recognition=state, **values)
        )
        return state

    if call.message_count:
        return finish("skipped", error=None)
    twin = connection.execute(
        select(speech_recordings.c.interaction_id, speech_recordings.c.path).where(
            speech_recordings.c.workspace_id == workspace_id,
            speech_recordings.c.sha256 == row.sha256,
            speech_recordings.c.recognition == "done",
            speech_recordings.c.id != recording_id,
        )
    ).first()
    keeping = keeps_originals(connection, workspace_id)
    base = recordings_dir or Path(settings.recordings_dir)
    if twin is not None:
        copied = connection.execute(
            select(messages, message_originals.c.text.label("original"))
            .outerjoin(message_originals, message_originals.c.message_id == messages.c.id)
            .where(messages.c.interaction_id == twin.interaction_id)
            .order_by(messages.c.seq)
        ).all()
        _write_messages(
            connection,
            row.interaction_id,
            [(m.role, m.text, m.start_s, m.end_s) for m in copied],
            originals=[m.original if keeping else None for m in copied],
        )
        values: dict[str, Any] = {}
        if twin.path and twin.path != row.path:
            # The same bytes were covered by a tone for the other call: use that copy.
            connection.execute(
                update(interactions)
                .where(interactions.c.id == row.interaction_id)
                .values(recording=twin.path)
            )
            own = local_recording(row.path, base) if row.path else None
            values["path"] = twin.path
            values["original_path"] = (
                _put_aside_original(connection, recording_id, own, base, keeping, played=twin.path)
                if own is not None
                else None
            )
        return finish("done", recogniser="copy", recognised_at=now, error=None, **values)
    budget = settings.speech_daily_minutes * 60.0
    if seconds_recognised_today(connection, workspace_id, now) + row.duration_s > budget:
        return finish("over_budget")
    path = local_recording(row.path, base) if row.path else None
    if path is None:
        return finish("failed", error="recording: the file is no longer there")
    name = settings.speech_recogniser
    if not name:
        raise InvalidInput(
            "KONTROL_SPEECH_RECOGNISER: no recogniser is configured",
            key="speech.error.no_recogniser",
        )
    recogniser = recognisers.get(name)(recogniser_config(settings))
    language = settings.speech_language or call.language or None
    audio = decode(path)
    stereo = audio.channels == 2
    with tempfile.TemporaryDirectory(prefix="kontrol-speech-") as folder:
        parts = _split_channels(audio, Path(folder)) if stereo else [path]
        transcripts = [recogniser.transcribe(part, language) for part in parts]
    segments = sorted(_roles_for(transcripts, stereo), key=lambda item: item[1].start)
    masked = [redact(s.text) for _, s in segments]
    _write_messages(
        connection,
        row.interaction_id,
        [
            (role, text, round(s.start, 2), round(s.end, 2))
            for (role, s), text in zip(segments, masked, strict=True)
        ],
        originals=[
            s.text if keeping and text != s.text else None
            for (_, s), text in zip(segments, masked, strict=True)
        ],
    )
    spans = masked_word_spans(transcripts, stereo)
    if spans:
        kept = bleep_recording(path, audio, spans)
        relative = str(kept.resolve().relative_to(base.resolve()))
        connection.execute(
            update(interactions)
            .where(interactions.c.id == row.interaction_id)
            .values(recording=relative)
        )
        original = (
            _put_aside_original(connection, recording_id, path, base, keeping, played=relative)
            if kept != path
            else None
        )
        return finish(
            "done",
            recogniser=name,
            recognised_at=now,
            error=None,
            path=relative,
            original_path=original,
        )
    return finish("done", recogniser=name, recognised_at=now, error=None)


BLEEP_HZ = 1000.0
BLEEP_LEVEL = 0.1  # -20 dBFS


def masked_word_spans(
    transcripts: list[Transcript], stereo: bool
) -> list[tuple[int | None, float, float]]:
    """(channel or None for all, start, end) of every word that redaction masks.

    Each segment's words are joined with spaces and searched as text; a word
    that overlaps personal data is covered. Without word timings the whole
    segment is.
    """
    from kontrol.redaction import find

    covered: list[tuple[int | None, float, float]] = []
    for index, transcript in enumerate(transcripts):
        channel = index if stereo else None
        for segment in transcript.segments:
            if not segment.words:
                if find(segment.text):
                    covered.append((channel, segment.start, segment.end))
                continue
            offsets: list[tuple[int, int]] = []
            text = ""
            for word in segment.words:
                if text:
                    text += " "
                offsets.append((len(text), len(text) + len(word.text)))
                text += word.text
            for span in find(text):
                for word, (start, end) in zip(segment.words, offsets, strict=True):
                    if start < span.end and span.start < end:
                        covered.append((channel, word.start, word.end))
    return covered


def bleep_recording(path: Path, audio: Audio, spans: list[tuple[int | None, float, float]]) -> Path:
    """A copy of the recording (FLAC beside it) with a tone over each span."""
    import numpy as np
    import soundfile

    samples = np.array(audio.samples, dtype=np.float32, copy=True)
    rate = audio.rate
    for channel, start, end in spans:
        first = max(0, int(start * rate))
        last = min(samples.shape[1], int(np.ceil(end * rate)))
        if last <= first:
            continue
        t = np.arange(last - first) / rate
        tone = (BLEEP_LEVEL * np.sin(2 * np.pi * BLEEP_HZ * t)).astype(np.float32)
        rows = range(samples.shape[0]) if channel is None else [channel]
        for row in rows:
            samples[row, first:last] = tone
    target = path.with_name(path.stem + ".redacted.flac")
    soundfile.write(str(target), samples.T, int(rate), format="FLAC")
    return target


def _write_messages(
    connection: Connection,
    interaction_id: int,
    rows: list[tuple[str, str, float | None, float | None]],
    *,
    originals: list[str | None] | None = None,
) -> None:
    """Replace the call's messages; ``originals`` (one per row, None where nothing
    was masked or originals are not kept) go to ``message_originals``."""
    connection.execute(delete(messages).where(messages.c.interaction_id == interaction_id))
    if rows:
        connection.execute(
            insert(messages),
            [
                {
                    "interaction_id": interaction_id,
                    "seq": index,
                    "role": role,
                    "text": text,
                    "start_s": start,
                    "end_s": end,
                }
                for index, (role, text, start, end) in enumerate(rows)
            ],
        )
    kept = {seq: text for seq, text in enumerate(originals or []) if text is not None}
    if kept:
        ids = {
            row.seq: row.id
            for row in connection.execute(
                select(messages.c.seq, messages.c.id).where(
                    messages.c.interaction_id == interaction_id,
                    messages.c.seq.in_(list(kept)),
                )
            )
        }
        connection.execute(
            insert(message_originals),
            [
                {"message_id": ids[seq], "interaction_id": interaction_id, "text": text}
                for seq, text in kept.items()
            ],
        )
    connection.execute(
        update(interactions)
        .where(interactions.c.id == interaction_id)
        .values(message_count=len(rows), updated_at=utcnow())
    )


def queue_recognition(connection: Connection, workspace_id: int, recording_id: int) -> bool:
    """Mark a recording for recognition and queue its job; False when it needs none."""
    from kontrol.jobs import enqueue

    changed = connection.execute(
        update(speech_recordings)
        .where(
            and_(
                speech_recordings.c.workspace_id == workspace_id,
                speech_recordings.c.id == recording_id,
                speech_recordings.c.recognition.in_(("none", "failed", "over_budget")),
            )
        )
        .values(recognition="queued")
    ).rowcount
    if not changed:
        return False
    enqueue(
        connection.engine,
        "speech.recognise",
        connection=connection,
        dedup_key=f"speech:recognise:{recording_id}:{utcnow():%Y%m%d}",
        workspace_id=workspace_id,
        recording_id=recording_id,
    )
    return True


MAX_UPLOAD_BYTES = 512 * 1024 * 1024


def attach_upload(
    connection: Connection,
    workspace_id: int,
    *,
    source: str,
    external_id: str,
    data: bytes,
    recordings_dir: Path | None = None,
    recognise_now: bool | None = None,
) -> RecordingRow:
    """Store an uploaded recording for the interaction ``(source, external_id)``.

    The bytes must decode as audio (WAV, MP3, OGG/Opus, FLAC); they are kept
    under ``<recordings>/api/<sha256>.<format>``, the interaction's
    ``recording`` points there, the recording is measured and, when a
    recogniser is configured, queued for recognition (once).
    """
    import soundfile

    if not data:
        raise InvalidInput("body: the recording's bytes are missing", key="speech.error.no_body")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            f"body: a recording of at most {MAX_UPLOAD_BYTES // 2**20} MiB",
            key="speech.error.too_big",
            params={"limit": MAX_UPLOAD_BYTES // 2**20},
        )
    settings = current_settings()
    base = recordings_dir or Path(settings.recordings_dir)
    row = connection.execute(
        select(interactions.c.id).where(
            interactions.c.workspace_id == workspace_id,
            interactions.c.source == source,
            interactions.c.external_id == external_id,
        )
    ).first()
    if row is None:
        raise NotFound(
            f"interaction {source}/{external_id}: push the record first",
            key="speech.error.push_record",
            params={"source": source, "external_id": external_id},
        )
    import hashlib
    import io

    try:
        kind = str(soundfile.info(io.BytesIO(data)).format).lower()
    except (RuntimeError, OSError, ValueError, TypeError) as error:
        reason = (str(error).splitlines() or ["unknown format"])[0]
        raise InvalidInput(
            f"body: not a readable recording ({reason})",
            key="speech.error.body_unreadable",
            params={"reason": reason},
        ) from None
    suffix = {"ogg": ".ogg", "mp3": ".mp3", "flac": ".flac"}.get(kind, ".wav")
    digest = hashlib.sha256(data).hexdigest()
    relative = f"api/{digest}{suffix}"
    target = base / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(data)
    connection.execute(
        update(interactions).where(interactions.c.id == row.id).values(recording=relative)
    )
    audio = decode(target)
    stored = store_figures(connection, workspace_id, row.id, target, base, audio, analyse(audio))
    wanted = bool(settings.speech_recogniser) if recognise_now is None else recognise_now
    if wanted:
        queue_recognition(connection, workspace_id, stored.id)
    found = recording_of(connection, workspace_id, row.id)
    assert found is not None
    return found
