"""Precision and recall of redaction per kind on a labelled set (docs/privacy.md).

An item is ``{"text", "language", "spans": [{"start", "end", "kind"}]}``. A found
span counts as right when it overlaps a labelled span of the same kind by at
least half of the longer of the two; recall is over labelled spans.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kontrol.redaction.rules import KINDS, Span, find


@dataclass
class Tally:
    """Counts of one kind: found and right, found, labelled."""

    right: int = 0
    found: int = 0
    labelled: int = 0
    covered: int = 0

    @property
    def precision(self) -> float | None:
        return self.right / self.found if self.found else None

    @property
    def recall(self) -> float | None:
        return self.covered / self.labelled if self.labelled else None


@dataclass
class RedactionReport:
    """Tallies per (language, kind)."""

    tallies: dict[tuple[str, str], Tally] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def tally(self, language: str, kind: str) -> Tally:
        return self.tallies.setdefault((language, kind), Tally())


def _matches(a: Span, b: Span) -> bool:
    overlap = min(a.end, b.end) - max(a.start, b.start)
    return overlap > 0 and overlap * 2 >= max(a.end - a.start, b.end - b.start)


def read_set(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def evaluate_set(items: Iterable[dict[str, Any]]) -> RedactionReport:
    report = RedactionReport()
    for item in items:
        text = item["text"]
        truth = [Span(s["start"], s["end"], s["kind"]) for s in item["spans"]]
        found = find(text)
        for language in (item["language"], "all"):
            for span in found:
                tally = report.tally(language, span.kind)
                tally.found += 1
                tally.right += any(t.kind == span.kind and _matches(t, span) for t in truth)
            for span in truth:
                tally = report.tally(language, span.kind)
                tally.labelled += 1
                tally.covered += any(f.kind == span.kind and _matches(f, span) for f in found)
        for span in truth:
            if not any(f.kind == span.kind and _matches(f, span) for f in found):
                report.misses.append(
                    f"{item['id']} miss {span.kind}: {text[span.start : span.end]!r}"
                )
        for span in found:
            if not any(t.kind == span.kind and _matches(t, span) for t in truth):
                report.misses.append(
                    f"{item['id']} extra {span.kind}: {text[span.start : span.end]!r}"
                )
    return report


def table(report: RedactionReport, languages: tuple[str, ...] = ("ru", "en", "all")) -> str:
    """A Markdown table: precision / recall (labelled count) per kind and language."""

    def cell(tally: Tally | None) -> str:
        if tally is None or (tally.labelled == 0 and tally.found == 0):
            return "–"
        p = "–" if tally.precision is None else f"{tally.precision:.2f}"
        r = "–" if tally.recall is None else f"{tally.recall:.2f}"
        return f"{p} / {r} ({tally.labelled})"

    lines = ["| kind | " + " | ".join(languages) + " |", "|---" * (len(languages) + 1) + "|"]
    for kind in KINDS:
        lines.append(
            f"| {kind} | "
            + " | ".join(cell(report.tallies.get((lang, kind))) for lang in languages)
            + " |"
        )
    return "\n".join(lines)
