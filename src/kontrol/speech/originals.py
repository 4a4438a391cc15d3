"""The originals of masked personal data, for workspace admins (docs/privacy.md).

When a workspace's policy keeps originals, recognition stores the masked text as
the call's messages (what every page, API answer and export shows) and the text
before masking in ``message_originals``; the recording keeps its tone and the
file before the tone is kept as ``speech_recordings.original_path``. Only the
routes that require :attr:`Action.VIEW_PERSONAL_ORIGINALS` read them, through
this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, select

from kontrol.checks.audio import local_recording
from kontrol.store.tables import message_originals, messages, speech_recordings


@dataclass(frozen=True)
class OriginalLine:
    """One message as shown (masked) and, when it was masked and kept, as it was."""

    seq: int
    role: str
    start: float | None
    end: float | None
    masked: str
    original: str | None


@dataclass(frozen=True)
class PersonalOriginals:
    lines: tuple[OriginalLine, ...]
    # the recording before the tone, under the recordings directory
    recording: str | None

    @property
    def kept(self) -> bool:
        return self.recording is not None or any(line.original for line in self.lines)


def personal_originals(
    connection: Connection, workspace_id: int, interaction_id: int
) -> PersonalOriginals:
    """The call's messages beside their originals (the caller checked the viewer)."""
    rows = connection.execute(
        select(
            messages.c.seq,
            messages.c.role,
            messages.c.start_s,
            messages.c.end_s,
            messages.c.text,
            message_originals.c.text.label("original"),
        )
        .outerjoin(message_originals, message_originals.c.message_id == messages.c.id)
        .where(messages.c.interaction_id == interaction_id)
        .order_by(messages.c.seq)
    ).all()
    recording = connection.execute(
        select(speech_recordings.c.original_path).where(
            speech_recordings.c.workspace_id == workspace_id,
            speech_recordings.c.interaction_id == interaction_id,
        )
    ).scalar_one_or_none()
    return PersonalOriginals(
        tuple(OriginalLine(r.seq, r.role, r.start_s, r.end_s, r.text, r.original) for r in rows),
        recording,
    )


def has_personal_originals(connection: Connection, workspace_id: int, interaction_id: int) -> bool:
    """True when originals were kept for this call (admins get a link to them)."""
    text = connection.execute(
        select(message_originals.c.message_id)
        .where(message_originals.c.interaction_id == interaction_id)
        .limit(1)
    ).first()
    if text is not None:
        return True
    recording = connection.execute(
        select(speech_recordings.c.original_path).where(
            speech_recordings.c.workspace_id == workspace_id,
            speech_recordings.c.interaction_id == interaction_id,
        )
    ).scalar_one_or_none()
    return recording is not None


def original_recording_file(
    connection: Connection, workspace_id: int, interaction_id: int, base: Path
) -> Path | None:
    """The recording before the tone, only inside the recordings directory."""
    found = personal_originals(connection, workspace_id, interaction_id).recording
    return local_recording(found, base) if found else None


def audio_type(path: Path) -> str:
    """The media type a browser plays the file as."""
    return {
        ".wav": "audio/wav",
        ".mp3": "audio/mpeg",
        ".ogg": "audio/ogg",
        ".opus": "audio/ogg",
        ".flac": "audio/flac",
    }.get(path.suffix.lower(), "application/octet-stream")
