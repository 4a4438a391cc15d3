"""Vendor values -> FORMAT.md values: times, ids, text, HTML, language codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from kontrol.ingest.vendors.payloads import VendorReject


def to_time(value: object, field: str) -> str:
    """ISO-8601 with an offset from a vendor time (epoch seconds/ms or ISO text).

    Vendor APIs send UTC; a time without an offset is therefore read as UTC.
    """
    moment: datetime
    if isinstance(value, bool) or value is None or value == "":
        raise VendorReject(f"no time in {field}", field)
    if isinstance(value, int | float):
        seconds = float(value) / 1000 if value > 100_000_000_000 else float(value)
        try:
            moment = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise VendorReject(f"{value!r} is not a valid time", field) from None
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
            return to_time(float(text), field)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise VendorReject(f"{value!r} is not an ISO-8601 time", field) from None
    else:
        raise VendorReject(f"{value!r} is not a time", field)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def maybe_time(value: object, field: str) -> str | None:
    """Like :func:`to_time`, but ``None`` for an absent or unreadable time."""
    if value is None or value == "":
        return None
    try:
        return to_time(value, field)
    except VendorReject:
        return None


def as_id(value: object) -> str | None:
    """A vendor id as a non-empty string, or ``None``."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def as_dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """``value`` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def as_text(value: object) -> str | None:
    """A non-empty stripped string, or ``None``."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, blocks on their own lines."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def compact(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` without ``None`` values, empty lists and empty ``meta``."""
    return {
        key: value
        for key, value in record.items()
        if value is not None and not (key in ("tags", "meta") and not value)
    }


def language_code(value: object) -> str | None:
    """``en-US`` -> ``en``; ``None`` when absent."""
    text = as_text(value)
    if text is None:
        return None
    primary = text.replace("_", "-").split("-")[0].lower()
    return primary if 2 <= len(primary) <= 10 else None
