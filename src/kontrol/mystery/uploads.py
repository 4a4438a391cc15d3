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
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.settings import current_settings

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "audio/wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/mp4": ".m4a",
    "audio/webm": ".webm",
    "audio/flac": ".flac",
    "text/plain": ".txt",
}
KINDS = {"image": "screenshot", "audio": "recording", "text": "transcript"}
_MARKUP = re.compile(rb"<\s*(!doctype|html|script|svg|body|iframe|\?xml)", re.IGNORECASE)
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


def sniff(content: bytes) -> str | None:
    """The content type the bytes themselves show, or ``None`` for anything not accepted."""
    head = content[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    return _text(content)


def _text(content: bytes) -> str | None:
    if b"\x00" in content:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _MARKUP.search(content[:4096]):
        return None  # HTML or SVG dressed as text: refused, never stored
    return "text/plain"


def safe_name(name: str, content_type: str) -> str:
    """The uploaded name reduced to letters, digits, spaces, '.', '-' and '_' (extension fixed)."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    cleaned = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in stem)
    cleaned = re.sub(r"[_ ]{2,}", "_", cleaned).strip(" _.-")[:80] or "file"
    return cleaned + EXTENSIONS[content_type]


def check_upload(upload: Upload, index: int = 0) -> CheckedFile:
    """An upload checked for size and type; ``InvalidInput`` names the file."""
    label = f"files[{index}] ({safe_name(upload.name, 'text/plain')[:-4]})"
    if not upload.content:
        raise InvalidInput(f"{label}: the file is empty")
    if len(upload.content) > max_bytes():
        limit = current_settings().mystery_upload_max_mb
        raise InvalidInput(f"{label}: larger than {limit} MB")
    content_type = sniff(upload.content)
    if content_type is None:
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
