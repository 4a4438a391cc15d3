"""Uploaded files are untrusted: their type is read from their bytes, their name cleaned.

Shared by every feature that takes files from people (audit evidence, mystery
shops, reports prepared by people). ``sniff`` says what the bytes really are, of
the types Kontrol ever accepts, whatever the name or the browser claimed; each
feature then accepts only the types it wants. Plain text is recognised only
when asked for, and text that carries markup (HTML, SVG, XML) never is: such a
file could run script if a browser ever rendered it. ``safe_name`` makes the
download name from the sent one: no folders, no control or odd characters, the
extension of the sniffed type.

``file_store`` says where accepted files are kept: a folder of the local disk
(the default) or a bucket of an S3-compatible store (``KONTROL_FILE_STORE=s3``).
Features store and read files only through it, by keys they make themselves.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from kontrol.domain.errors import NotFound
from kontrol.settings import Settings, current_settings

IMAGES = ("image/jpeg", "image/png", "image/gif", "image/webp")
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "audio/wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/mp4": ".m4a",
    "audio/webm": ".webm",
    "audio/flac": ".flac",
    "text/plain": ".txt",
}
_MARKUP = re.compile(rb"<\s*(!doctype|html|script|svg|body|iframe|\?xml)", re.IGNORECASE)


def sniff(content: bytes, *, text: bool = False) -> str | None:
    """The content type the bytes themselves show, or ``None`` for anything unknown.

    With ``text``, UTF-8 text without NUL characters or markup is ``text/plain``.
    """
    head = content[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    return _text(content) if text else None


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


def safe_name(name: str, content_type: str, *, default: str = "file") -> str:
    """The sent name reduced to letters, digits, spaces, '.', '-' and '_' (extension fixed)."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    cleaned = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in stem)
    cleaned = re.sub(r"[_ ]{2,}", "_", cleaned).strip(" _.-")[:80] or default
    return cleaned + EXTENSIONS[content_type]


# -- where accepted files are kept ------------------------------------------------------

_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")


class FileMissing(NotFound):
    """No stored file under that key (or a key Kontrol never makes)."""


def _checked_key(key: str) -> str:
    # Keys are made by Kontrol (workspace, record, random hex); anything else, such
    # as '..' or an absolute path, is refused before it reaches a folder or a bucket.
    if not _KEY.fullmatch(key) or ".." in key:
        raise FileMissing(
            f"not a storage key: {key!r}", key="uploads.error.bad_key", params={"key": key}
        )
    return key


class FileStore(Protocol):
    """Where a feature keeps the files people uploaded, by keys Kontrol chose."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Keep ``data`` under ``key`` (replacing a file already there)."""

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; ``FileMissing`` when there are none."""

    def delete(self, key: str) -> None:
        """Remove the file under ``key``; a file already gone is no error."""


class FolderStore:
    """Files in a folder of the local disk (relative to the working directory unless absolute)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).resolve()

    def path(self, key: str) -> Path:
        """The file behind a key; never outside the folder."""
        path = (self.folder / _checked_key(key)).resolve()
        if self.folder not in path.parents:
            raise FileMissing(
                f"not a storage key: {key!r}", key="uploads.error.bad_key", params={"key": key}
            )
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, path)

    def get(self, key: str) -> bytes:
        path = self.path(key)
        if not path.is_file():
            raise FileMissing(
                f"no stored file {key}", key="uploads.error.no_file", params={"key": key}
            )
        return path.read_bytes()

    def delete(self, key: str) -> None:
        try:
            self.path(key).unlink(missing_ok=True)
        except FileMissing:
            return


class BucketStore:
    """Files in a bucket of an S3-compatible store (AWS S3, MinIO, Ceph, Yandex Object Storage...).

    Objects are written with their checked content type and ``Content-Disposition:
    attachment``, so even a bucket opened to the web by mistake never renders one as
    a page. The keys are never logged with the credentials, and the credentials
    are never logged at all.
    """

    def __init__(self, settings: Settings, area: str) -> None:
        if not settings.s3_bucket:
            raise ValueError("KONTROL_S3_BUCKET must be set when KONTROL_FILE_STORE is s3")
        self.bucket = settings.s3_bucket
        prefix = settings.s3_prefix.strip("/")
        self.prefix = f"{prefix}/{area}/" if prefix else f"{area}/"
        self._client = _s3_client(
            settings.s3_endpoint_url or None,
            settings.s3_region or None,
            settings.s3_access_key_id or None,
            settings.s3_secret_access_key.get_secret_value() or None,
            settings.s3_path_style,
        )

    def _key(self, key: str) -> str:
        return self.prefix + _checked_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(
            Bucket=self.bucket,
            Key=self._key(key),
            Body=data,
            ContentType=content_type,
            ContentDisposition="attachment",
        )

    def get(self, key: str) -> bytes:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self._client.exceptions.NoSuchKey:
            raise FileMissing(
                f"no stored file {key}", key="uploads.error.no_file", params={"key": key}
            ) from None
        body: bytes = answer["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._key(key))


@lru_cache(maxsize=8)
def _s3_client(
    endpoint: str | None,
    region: str | None,
    access_key: str | None,
    secret_key: str | None,
    path_style: bool,
) -> Any:
    import boto3  # imported only by installations that keep files in a bucket
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(
            s3={"addressing_style": "path" if path_style else "auto"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
        ),
    )


def file_store(area: str, folder: str | Path) -> FileStore:
    """The store of one kind of file, as the settings say.

    ``KONTROL_FILE_STORE=local`` (the default) keeps the files in ``folder``;
    ``s3`` keeps them in the bucket under ``<prefix>/<area>/``.
    """
    settings = current_settings()
    if settings.file_store == "s3":
        return BucketStore(settings, area)
    return FolderStore(folder)
