"""How well the automatic checks agree with a human reviewer: the labelled evaluation set.

Runs ``kontrol.checks.engine.check_record`` over every conversation of
``tests/checks_eval/*.jsonl`` and compares each verdict with the label a
reviewer wrote in ``meta.expected`` (``pass`` / ``fail`` / ``na``). A check is
compared only on the channels CHECKS.md gives it (``hold_announced`` on calls,
``spelling`` on text channels, ...); the labels cover exactly those.

For every check it reports the agreement (share of identical verdicts), the
precision and recall of ``fail`` (the verdict a reviewer acts on) and of
``pass``, and the 3 x 3 confusion counts; then the exact signals
(``complaint``, ``pii`` kinds) and every disagreement with its conversation id.

    python -m bench.checks_quality                      # table + disagreements
    python -m bench.checks_quality --markdown out.md    # also write the Markdown table
    python -m bench.checks_quality --only greeting,empathy
    python -m bench.checks_quality --files 'heldout_*'   # the batch written after tuning
    python -m bench.checks_quality --write-docs          # refresh the table in docs/checks.md

The workspace lists the set is labelled with (jargon, upsell) are in
``tests/checks_eval/workspace.json``; a conversation with
``meta.eval_lists == "empty"`` is checked with both lists empty.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kontrol.checks.engine import CheckSettings, check_record

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = ROOT / "tests" / "checks_eval"
DOCS = ROOT / "docs" / "checks.md"
PARTS = {
    "Russian, the part the phrase lists were tuned on": "ru_*",
    "English, the part the phrase lists were tuned on": "en_*",
    "held-out batch 1 (written after the first tuning; fixes followed)": "heldout_*",
    "held-out batch 2 (written last, measured once)": "heldout2_*",
}
VERDICTS = ("pass", "fail", "na")
OVERALL_TARGET = 0.95
CHECK_TARGET = 0.85


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One verdict of the engine that differs from the reviewer's label."""

    record_id: str
    check: str
    expected: str
    got: str
    evidence: str


@dataclass(slots=True)
class CheckScore:
    """Confusion counts of one check: ``counts[(expected, got)]``."""

    check: str
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def agreed(self) -> int:
        return sum(n for (expected, got), n in self.counts.items() if expected == got)

    @property
    def agreement(self) -> float:
        return self.agreed / self.total if self.total else 1.0

    def labelled(self, verdict: str) -> int:
        return sum(n for (expected, _), n in self.counts.items() if expected == verdict)

    def predicted(self, verdict: str) -> int:
        return sum(n for (_, got), n in self.counts.items() if got == verdict)

    def precision(self, verdict: str) -> float | None:
        predicted = self.predicted(verdict)
        return self.counts[(verdict, verdict)] / predicted if predicted else None

    def recall(self, verdict: str) -> float | None:
        labelled = self.labelled(verdict)
        return self.counts[(verdict, verdict)] / labelled if labelled else None


@dataclass(slots=True)
class Report:
    """Everything one run over the evaluation set measured."""

    conversations: int = 0
    checks: dict[str, CheckScore] = field(default_factory=dict)
    disagreements: list[Disagreement] = field(default_factory=list)
    signals: dict[str, CheckScore] = field(default_factory=dict)
    signal_misses: list[Disagreement] = field(default_factory=list)
    outside_channel: list[Disagreement] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(score.total for score in self.checks.values())

    @property
    def agreed(self) -> int:
        return sum(score.agreed for score in self.checks.values())

    @property
    def agreement(self) -> float:
        return self.agreed / self.total if self.total else 1.0

    def below_target(self) -> list[CheckScore]:
        return [s for s in self.checks.values() if s.agreement < CHECK_TARGET]

    def meets_targets(self) -> bool:
        return self.agreement >= OVERALL_TARGET and not self.below_target()


def load_records(
    directory: Path = EVAL_DIR, pattern: str = "*.jsonl"
) -> Iterator[tuple[Path, int, dict[str, Any]]]:
    """Every labelled conversation: (file, line number, record)."""
    for path in sorted(p for p in directory.glob(pattern) if p.name.endswith(".jsonl")):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield path, number, json.loads(line)


def load_settings(directory: Path = EVAL_DIR) -> dict[str, CheckSettings]:
    """The workspace lists the set is labelled with, and the empty-lists variant."""
    lists = json.loads((directory / "workspace.json").read_text(encoding="utf-8"))
    empty = {name: [] for name in lists}
    return {
        "workspace": CheckSettings.with_lists(lists),
        "empty": CheckSettings.with_lists(empty, mode="replace"),
    }


def _evidence(verdict: dict[str, Any]) -> str:
    parts = []
    for item in verdict.get("evidence") or []:
        shown = item.get("text", item.get("value", ""))
        parts.append(f"#{item.get('message')}: {shown}")
    return "; ".join(parts)[:160]


def _pii(value: Any) -> list[str]:
    kinds = value or []
    return sorted({str(kind).replace("e-mail", "email") for kind in kinds})


def evaluate(
    directory: Path = EVAL_DIR, only: set[str] | None = None, pattern: str = "*.jsonl"
) -> Report:
    """Run the engine over the set (the files matching ``pattern``) and compare with the labels."""
    settings = load_settings(directory)
    report = Report()
    for path, number, record in load_records(directory, pattern):
        meta = record.get("meta") or {}
        expected: dict[str, str] = meta.get("expected") or {}
        if not expected:
            raise ValueError(f"{path.name}:{number}: meta.expected is missing")
        chosen = settings["empty"] if meta.get("eval_lists") == "empty" else settings["workspace"]
        result = check_record(record, settings=chosen)
        checks: dict[str, dict[str, Any]] = result["checks"]
        report.conversations += 1
        for check, verdict in checks.items():
            if check not in expected and verdict.get("result", "na") != "na":
                report.outside_channel.append(
                    Disagreement(record["id"], check, "na", verdict["result"], _evidence(verdict))
                )
        for check, label in expected.items():
            if only and check not in only:
                continue
            if label not in VERDICTS:
                raise ValueError(f"{path.name}:{number}: {check} label {label!r}")
            verdict = checks.get(check, {"result": "na"})
            got = verdict.get("result", "na")
            score = report.checks.setdefault(check, CheckScore(check))
            score.counts[(label, got)] += 1
            if got != label:
                report.disagreements.append(
                    Disagreement(record["id"], check, label, got, _evidence(verdict))
                )
        _compare_signals(report, record["id"], meta.get("expected_signals") or {}, result)
    return report


def _compare_signals(
    report: Report, record_id: str, expected: dict[str, Any], result: dict[str, Any]
) -> None:
    signals = result.get("signals") or {}
    if "complaint" in expected:
        want = "true" if expected["complaint"] else "false"
        got = "true" if signals.get("complaint") else "false"
        report.signals.setdefault("complaint", CheckScore("complaint")).counts[(want, got)] += 1
        if want != got:
            report.signal_misses.append(Disagreement(record_id, "complaint", want, got, ""))
    if "pii" in expected:
        want_kinds, got_kinds = _pii(expected["pii"]), _pii(signals.get("pii"))
        same = "exact" if want_kinds == got_kinds else "differs"
        report.signals.setdefault("pii", CheckScore("pii")).counts[("exact", same)] += 1
        if want_kinds != got_kinds:
            report.signal_misses.append(
                Disagreement(record_id, "pii", ",".join(want_kinds), ",".join(got_kinds), "")
            )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def markdown_table(report: Report) -> str:
    """The per-check table of docs/checks.md."""
    lines = [
        "| check | labels | agreement | fail precision | fail recall | pass precision "
        "| pass recall | labelled pass / fail / na | engine pass / fail / na |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for check in sorted(report.checks):
        s = report.checks[check]
        labelled = " / ".join(str(s.labelled(v)) for v in VERDICTS)
        predicted = " / ".join(str(s.predicted(v)) for v in VERDICTS)
        lines.append(
            f"| `{check}` | {s.total} | {_pct(s.agreement)} | {_pct(s.precision('fail'))} "
            f"| {_pct(s.recall('fail'))} | {_pct(s.precision('pass'))} "
            f"| {_pct(s.recall('pass'))} | {labelled} | {predicted} |"
        )
    lines.append(f"| **all checks** | {report.total} | **{_pct(report.agreement)}** | | | | | | |")
    for name, s in sorted(report.signals.items()):
        lines.append(f"| signal `{name}` | {s.total} | {_pct(s.agreement)} | | | | | | |")
    return "\n".join(lines)


def confusion_text(report: Report) -> str:
    """Per-check 3 x 3 confusion counts (rows: label, columns: engine)."""
    out = ["confusion (rows = label, columns = engine: pass fail na)"]
    for check in sorted(report.checks):
        s = report.checks[check]
        rows = [
            f"{label}:" + " ".join(f"{s.counts[(label, got)]:>3}" for got in VERDICTS)
            for label in VERDICTS
        ]
        out.append(f"  {check:<16} " + " | ".join(rows))
    return "\n".join(out)


def summary_text(report: Report, *, disagreements: bool = True) -> str:
    """The whole report as plain text (what the script prints)."""
    out = [
        f"{report.conversations} conversations, {report.total} labelled verdicts, "
        f"agreement {_pct(report.agreement)} (target {OVERALL_TARGET:.0%}, "
        f"every check {CHECK_TARGET:.0%})",
        "",
        markdown_table(report),
        "",
        confusion_text(report),
    ]
    if report.outside_channel:
        out += ["", "checks outside their channels that did not answer na:"]
        out += [f"  {d.record_id} {d.check}: {d.got}" for d in report.outside_channel]
    if disagreements and report.disagreements:
        out += ["", f"disagreements ({len(report.disagreements)}):"]
        for d in sorted(report.disagreements, key=lambda d: (d.check, d.record_id)):
            out.append(
                f"  {d.check:<16} {d.record_id:<14} label {d.expected:<4} engine {d.got:<4}"
                f" {d.evidence}"
            )
    if report.signal_misses:
        out += ["", "signals that differ:"]
        out += [
            f"  {d.check:<9} {d.record_id:<14} label [{d.expected}] engine [{d.got}]"
            for d in report.signal_misses
        ]
    return "\n".join(out)


def engine_commit() -> str:
    """The short commit of the working tree, marked when it has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}" or "unknown"


def docs_section(report: Report) -> str:
    """The "Precision and recall" block of docs/checks.md."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {stamp}, engine commit `{engine_commit()}`, with "
        "`python -m bench.checks_quality --write-docs`: "
        f"{report.conversations} conversations, {report.total} labelled verdicts, "
        f"agreement **{_pct(report.agreement)}** (target {OVERALL_TARGET:.0%}; "
        f"lowest check {_pct(min(s.agreement for s in report.checks.values()))}, "
        f"target {CHECK_TARGET:.0%}).",
        "",
        'Precision and recall of `fail` answer "when the engine says fail, is it a fail?" and',
        '"how many of the real fails does it find?"; the same for `pass`. Labelled and engine',
        "counts are pass / fail / na.",
        "",
        markdown_table(report),
        "",
        "| part of the set | conversations | labelled verdicts | agreement |",
        "|---|---|---|---|",
    ]
    for name, pattern in PARTS.items():
        part = evaluate(pattern=pattern)
        lines.append(f"| {name} | {part.conversations} | {part.total} | {_pct(part.agreement)} |")
    return "\n".join(lines)


def write_docs(section: str, docs: Path = DOCS) -> None:
    """Replace the text between the quality-table markers of docs/checks.md."""
    start, end = "<!-- quality-table -->", "<!-- /quality-table -->"
    text = docs.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{docs} has no {start} ... {end} markers")
    docs.write_text(pattern.sub(lambda _: f"{start}\n{section}\n{end}", text), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Print the report (``make bench`` runs it too; it writes no section of benchmarks.md)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated check ids")
    parser.add_argument("--markdown", type=Path, help="also write the Markdown table here")
    parser.add_argument("--quiet", action="store_true", help="no list of disagreements")
    parser.add_argument("--files", default="*.jsonl", help="which files of the set, e.g. heldout_*")
    parser.add_argument("--write-docs", action="store_true", help="refresh docs/checks.md")
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()} or None
    report = evaluate(only=only, pattern=args.files)
    print(summary_text(report, disagreements=not args.quiet))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    table = (
        f"Measured {stamp} on {report.conversations} conversations "
        f"({report.total} labelled verdicts): agreement {_pct(report.agreement)}.\n\n"
        + markdown_table(report)
    )
    if args.markdown:
        args.markdown.write_text(table + "\n", encoding="utf-8")
    if args.write_docs:
        write_docs(docs_section(report))


if __name__ == "__main__":
    main()
