"""Files a shopper uploads: a recording, chat screenshots or a transcript.

Uploads are untrusted. Each one is limited in size, its type is sniffed from its
first bytes (the name and the browser's content type are ignored), HTML, SVG
and anything else unknown is refused, its name is reduced to safe characters,
and it is written under the data folder with a random name. Pages serve
recordings and transcripts as downloads and images with ``nosniff`` and a
sandboxing content security policy, never as HTML.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.settings import current_settings
from kontrol.uploads import EXTENSIONS, safe_name, sniff

KINDS = {"image": "screenshot", "audio": "recording", "text": "transcript"}
MAX_FILES = 10


@dataclass(frozen=True)
class Upload:
    """An uploaded file as received: its name as the browser sent it, and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, ready to be written."""

    name: str
    content_type: str
    kind: str
    content: bytes
    sha256: str


def max_bytes() -> int:
    """The size limit of one upload."""
    return current_settings().mystery_upload_max_mb * 1024 * 1024


def check_upload(upload: Upload, index: int = 0) -> CheckedFile:
    """An upload checked for size and type; ``InvalidInput`` names the file."""
    label = f"files[{index}] ({safe_name(upload.name, 'text/plain')[:-4]})"
    if not upload.content:
        raise InvalidInput(f"{label}: the file is empty")
    if len(upload.content) > max_bytes():
        limit = current_settings().mystery_upload_max_mb
        raise InvalidInput(f"{label}: larger than {limit} MB")
    content_type = sniff(upload.content, text=True)
    if content_type is None or content_type.split("/")[0] not in KINDS:
        raise InvalidInput(
            f"{label}: not an accepted file (images PNG, JPEG, GIF, WebP; audio WAV, MP3, "
            "OGG, M4A, WebM, FLAC; plain text)"
        )
    return CheckedFile(
        name=safe_name(upload.name, content_type),
        content_type=content_type,
        kind=KINDS[content_type.split("/")[0]],
        content=upload.content,
        sha256=hashlib.sha256(upload.content).hexdigest(),
    )


def data_folder() -> Path:
    """The folder uploads are kept under."""
    return Path(current_settings().data_dir).resolve()


def write_file(checked: CheckedFile, workspace_id: int) -> str:
    """Write a checked file under the data folder; returns its path relative to the folder."""
    relative = (
        f"mystery/{int(workspace_id)}/{secrets.token_hex(16)}{EXTENSIONS[checked.content_type]}"
    )
    target = data_folder() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(checked.content)
    partial.replace(target)
    return relative


def stored_path(relative: str) -> Path:
    """The file behind a stored relative path; refuses a path that leaves the data folder."""
    folder = data_folder()
    path = (folder / relative).resolve()
    if folder not in path.parents:
        raise NotFound("no such file")
    if not path.is_file():
        raise NotFound("the file is no longer in the data folder")
    return path


def remove_file(relative: str) -> None:
    """Delete a stored file (already gone: nothing to do)."""
    try:
        stored_path(relative).unlink()
    except (NotFound, FileNotFoundError):
        pass
