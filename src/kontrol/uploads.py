"""Uploaded files are untrusted: their type is read from their bytes, their name cleaned.

Shared by every feature that takes files from people (audit evidence, mystery
shops, reports prepared by people). ``sniff`` says what the bytes really are, of
the types Kontrol ever accepts, whatever the name or the browser claimed; each
feature then accepts only the types it wants. Plain text is recognised only
when asked for, and text that carries markup (HTML, SVG, XML) never is: such a
file could run script if a browser ever rendered it. ``safe_name`` makes the
download name from the sent one: no folders, no control or odd characters, the
extension of the sniffed type.
"""

from __future__ import annotations

import re
import unicodedata

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
