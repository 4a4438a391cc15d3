"""Personal-data redaction in text (docs/privacy.md).

``redact(text)`` replaces phone numbers (digits and words), card numbers (Luhn),
passports, СНИЛС and ИНН (checksums), e-mail addresses, names and addresses by
typed masks such as ``[PHONE]``; ``find(text)`` tells where they are. Pure
functions: no I/O, no model, usable by ingest at store time and by checks
before text goes to a language model.
"""

from __future__ import annotations

from collections.abc import Iterable

from kontrol.redaction.rules import KINDS, Span, find

__all__ = ["KINDS", "MASKS", "Span", "find", "mask_spans", "redact"]

MASKS = {kind: f"[{kind.upper()}]" for kind in KINDS}


def mask_spans(text: str, spans: Iterable[Span]) -> str:
    """``text`` with each span replaced by its kind's mask."""
    out: list[str] = []
    position = 0
    for span in sorted(spans):
        if span.start < position:
            continue
        out.append(text[position : span.start])
        out.append(MASKS[span.kind])
        position = span.end
    out.append(text[position:])
    return "".join(out)


def redact(text: str, kinds: Iterable[str] = KINDS) -> str:
    """``text`` with the personal data of ``kinds`` replaced by typed masks."""
    wanted = set(kinds)
    return mask_spans(text, [span for span in find(text) if span.kind in wanted])
