"""Files a shopper uploads: a recording, chat screenshots or a transcript.

Uploads are untrusted. Each one is limited in size, its type is sniffed from its
first bytes (the name and the browser's content type are ignored), HTML, SVG
and anything else unknown is refused, its name is reduced to safe characters,
and it is kept under a random name in the data folder or in the S3-compatible
bucket the settings name (``kontrol.uploads.file_store``). Pages serve
recordings and transcripts as downloads and images with ``nosniff`` and a
sandboxing content security policy, never as HTML.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from kontrol.domain.errors import InvalidInput
from kontrol.settings import current_settings
from kontrol.uploads import EXTENSIONS, FileStore, file_store, safe_name, sniff

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
        raise InvalidInput(
            f"{label}: the file is empty",
            key="mystery.error.file_empty",
            where_key="error.where.field",
            where_params={"field": label},
        )
    if len(upload.content) > max_bytes():
        limit = current_settings().mystery_upload_max_mb
        raise InvalidInput(
            f"{label}: larger than {limit} MB",
            key="mystery.error.file_too_large",
            params={"limit": limit},
            where_key="error.where.field",
            where_params={"field": label},
        )
    content_type = sniff(upload.content, text=True)
    if content_type is None or content_type.split("/")[0] not in KINDS:
        raise InvalidInput(
            f"{label}: not an accepted file (images PNG, JPEG, GIF, WebP; audio WAV, MP3, "
            "OGG, M4A, WebM, FLAC; plain text)",
            key="mystery.error.file_kind",
            where_key="error.where.field",
            where_params={"field": label},
        )
    return CheckedFile(
        name=safe_name(upload.name, content_type),
        content_type=content_type,
        kind=KINDS[content_type.split("/")[0]],
        content=upload.content,
        sha256=hashlib.sha256(upload.content).hexdigest(),
    )


def upload_store() -> FileStore:
    """Where shoppers' files are kept: the data folder or the bucket, by setting."""
    return file_store("data", current_settings().data_dir)


def write_file(checked: CheckedFile, workspace_id: int) -> str:
    """Keep a checked file; returns its key (its path under the data folder)."""
    relative = (
        f"mystery/{int(workspace_id)}/{secrets.token_hex(16)}{EXTENSIONS[checked.content_type]}"
    )
    upload_store().put(relative, checked.content, checked.content_type)
    return relative


def read_stored(relative: str) -> bytes:
    """The bytes of a kept file; ``NotFound`` when it is gone or the key is not one of ours."""
    return upload_store().get(relative)


def remove_file(relative: str) -> None:
    """Delete a stored file (already gone: nothing to do)."""
    upload_store().delete(relative)
