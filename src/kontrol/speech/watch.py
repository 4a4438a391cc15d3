"""``kontrol speech watch DIR``: recordings dropped into a folder become calls.

Each audio file (WAV, MP3, OGG/Opus, FLAC) may have a sidecar ``<name>.json``
with the interaction's fields as FORMAT.md defines them (``id``, ``agent_id``,
``customer_id``, ``started_at``...; ``messages`` may be left out). Without one,
the file's name is the id and its modification time the start. The file is
moved into the recordings directory, the call is imported as any record is
(same validation, rejects kept), measured, and queued for recognition when a
recogniser is configured. A file that cannot be used is moved to
``DIR/rejected/`` with a ``.reason.txt`` naming the file and the field.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import KontrolError
from kontrol.ingest.importing import import_records
from kontrol.ingest.registry import SourceRecord
from kontrol.settings import current_settings
from kontrol.speech.analysis import analyse
from kontrol.speech.audio import FORMATS, decode, file_digest
from kontrol.speech.recordings import queue_recognition, store_figures
from kontrol.store.tables import interactions

SOURCE = "speech-watch"


@dataclass
class WatchReport:
    imported: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    queued: int = 0


def _is_audio(path: Path) -> bool:
    return path.is_file() and path.suffix.lower().lstrip(".") in FORMATS


def _settled(path: Path, now: float, quiet_seconds: float) -> bool:
    """A file still being written is left for the next pass."""
    return now - path.stat().st_mtime >= quiet_seconds


def _reject(folder: Path, path: Path, reason: str, report: WatchReport) -> None:
    rejected = folder / "rejected"
    rejected.mkdir(exist_ok=True)
    shutil.move(str(path), rejected / path.name)
    sidecar = path.with_suffix(".json")
    if sidecar.exists():
        shutil.move(str(sidecar), rejected / sidecar.name)
    (rejected / f"{path.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
    report.rejected.append(f"{path.name}: {reason}")


def _record(path: Path, relative: str) -> dict[str, Any]:
    sidecar = path.with_suffix(".json")
    record: dict[str, Any] = {}
    if sidecar.exists():
        try:
            loaded = json.loads(sidecar.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{sidecar.name}: not JSON ({error})") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"{sidecar.name}: a JSON object is expected")
        record = loaded
    record.setdefault("id", path.stem)
    record.setdefault("source", SOURCE)
    record.setdefault("channel", "call")
    record.setdefault("started_at", datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat())
    record.setdefault("messages", [])
    record["recording"] = relative
    return record


def scan(
    engine: Engine,
    workspace: Workspace,
    folder: Path,
    *,
    recordings_dir: Path | None = None,
    recognise: bool | None = None,
    quiet_seconds: float = 2.0,
    now: float | None = None,
) -> WatchReport:
    """One pass over ``folder``: import, measure and queue every settled recording."""
    import time

    settings = current_settings()
    base = recordings_dir or Path(settings.recordings_dir)
    recognise = bool(settings.speech_recogniser) if recognise is None else recognise
    report = WatchReport()
    moment = time.time() if now is None else now
    for path in sorted(folder.iterdir()):
        if not _is_audio(path) or not _settled(path, moment, quiet_seconds):
            continue
        try:
            audio = decode(path)
            figures = analyse(audio)
        except KontrolError as error:
            _reject(folder, path, str(error), report)
            continue
        digest = file_digest(path)
        relative = f"{SOURCE}/{digest[:2]}/{digest}{path.suffix.lower()}"
        try:
            record = _record(path, relative)
        except ValueError as error:
            _reject(folder, path, str(error), report)
            continue
        result = import_records(
            engine=engine,
            workspace=workspace,
            records=[SourceRecord(1, json.dumps(record, ensure_ascii=False), record)],
            label=f"{SOURCE}:{path.name}",
            importer=SOURCE,
        )
        if result.rejected:
            reject = result.rejects[0]
            _reject(
                folder, path, f"{path.name}: {reject.field or ''} {reject.error}".strip(), report
            )
            continue
        target = base / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target)
        sidecar = path.with_suffix(".json")
        if sidecar.exists():
            sidecar.unlink()
        with engine.begin() as connection:
            interaction_id = connection.execute(
                select(interactions.c.id).where(
                    interactions.c.workspace_id == workspace.id,
                    interactions.c.source == str(record["source"]),
                    interactions.c.external_id == str(record["id"]),
                )
            ).scalar_one()
            row = store_figures(
                connection, workspace.id, interaction_id, target, base, audio, figures
            )
            if recognise and queue_recognition(connection, workspace.id, row.id):
                report.queued += 1
        report.imported.append(path.name)
    return report
