"""Agreement of the automatic checks with independent hand labels on real conversations.

Two labelled sets, fixed before tuning (tests/checks_eval/real/):

- ``labels.jsonl``: 152 public conversations (IBM Twitter customer care, Harper Valley
  calls, ABCD chats) read from ``../shared/data`` exactly as the annotator's README.md
  says (the conversations are never copied into the repository);
- ``ru_labels.jsonl``: the 52 colloquial Russian conversations of ``ru_colloquial.jsonl``;
- batch 3 (README_batch3.md), labelled later by the same kind of annotator:
  ``labels_batch3.jsonl`` (60 more Twitter threads) and ``ru_labels_batch3.jsonl`` (the 56
  Russian conversations of ``ru_colloquial_batch3.jsonl``);
- batch 5 (README_batch5.md), labelled by a new annotator who saw only the spec:
  ``labels_batch5.jsonl`` (60 Twitter threads) and ``ru_labels_batch5.jsonl`` (the 40 Russian
  conversations of ``ru_colloquial_batch5.jsonl``), and batch 6 (README_batch6.md), by a
  third: ``labels_batch6.jsonl`` (30) and ``ru_labels_batch6.jsonl`` (30 Russian). Batches 5
  and 6 are **not split**: round 5 tuned on both halves of batches 1-2 and 3, so batch 5 was
  held out whole, measured once, then read by round 6; batch 6 is held out (docs/checks.md).

Each set is split into a tuning part and a held-out part by a fixed rule (``split_of``):
within each source of a batch, conversations are ordered by the SHA-256 of their reference
and the first half is the tuning part (batch 3 is split on its own, so the first split
stays as it was). Up to round 4 the engine's phrase lists and rules were changed only
after reading the tuning part; round 5 read the held-out halves of batches 1-2 and 3 too,
so since then only the unsplit batches are held out (batch 5 until round 6 read it, then
batch 6), each read only to measure.

Per check it reports agreement over all labels, agreement over the labels where either
side applies the check (the free ``na``/``na`` agreements left out), Cohen's kappa over
pass / fail / na, and the confusion (label -> engine); the same figures over all checks;
and for the signals ``complaint``, ``dissatisfied`` and ``pii``, agreement and kappa.

    python -m bench.checks_agreement                 # both parts, table per check
    python -m bench.checks_agreement --part tuning --verbose     # + every disagreement
    python -m bench.checks_agreement --batch 3       # only batch 3 (1-2: the first sets)
    python -m bench.checks_agreement --batch 6 --part held-out   # the measure-only set
    python -m bench.checks_agreement --write-docs    # the tables into docs/checks.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kontrol.checks.engine import check_record, parse_time

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "checks_eval" / "real"
DATA = ROOT.parent / "shared" / "data"
DOCS = ROOT / "docs" / "checks.md"
VERDICTS = ("pass", "fail", "na")
PARTS = ("tuning", "held-out")
BATCHES = ("1-2", "3", "5", "6")
UNSPLIT = frozenset({"5", "6"})
"""Batches not split into halves (docs/checks.md says which were read for tuning)."""
UNSPLIT_STATE = {
    "5": "measured once after round 5, read for tuning in round 6",
    "6": "held out, measured only",
}
SIGNALS = ("complaint", "dissatisfied", "pii")
DOC_START = "<!-- agreement:start -->"
DOC_END = "<!-- agreement:end -->"
TAG = re.compile(r"\[[^\]]*\]|<unk>|<[^>]*>")


def split_of(source: str, refs: Iterable[str]) -> dict[str, str]:
    """The part (tuning / held-out) of each reference: within a source, the first half by
    SHA-256 of the reference is tuning (the rule is fixed; it never looks at the text)."""
    ordered = sorted(refs, key=lambda ref: hashlib.sha256(f"{source}:{ref}".encode()).hexdigest())
    half = (len(ordered) + 1) // 2
    return {ref: ("tuning" if i < half else "held-out") for i, ref in enumerate(ordered)}


def _parts(batch: str, source: str, refs: list[str]) -> dict[str, str]:
    """``split_of`` for a split batch; every reference held out for an unsplit one."""
    if batch in UNSPLIT:
        return dict.fromkeys(refs, "held-out")
    return split_of(source, refs)


def _tweet_time(tweet_id: int) -> str:
    millis = (tweet_id >> 22) + 1288834974657
    return datetime.fromtimestamp(millis / 1000, tz=UTC).isoformat()


def twitter_record(ref: str) -> dict[str, Any]:
    """A Twitter thread as the annotator read it (README 2.1): dialogContent in order, then
    the brand's final reply (``agentURL``) with its time from the tweet id."""
    name, index = ref.split("#")
    thread = _load(DATA / "ibm_twitter_customer_care" / name)[int(index)]
    messages = []
    for item in thread["dialogContent"]:
        role = "agent" if "agent" in item else "customer"
        messages.append({"role": role, "text": item["message"], "at": item["datetime"]})
    reply = thread.get("agentURL") or {}
    if reply.get("url_utterance"):
        at = _tweet_time(int(reply["tweet_ID"])) if reply.get("tweet_ID") else None
        messages.append({"role": "agent", "text": reply["url_utterance"], "at": at})
    return {
        "id": ref,
        "channel": "social",
        "language": "en",
        "started_at": thread["dialogHeader"]["conversationDateTime"],
        "messages": messages,
    }


def harper_valley_record(sid: str) -> dict[str, Any]:
    """A Harper Valley call (README 2.2): human transcript, tag-only segments dropped."""
    folder = DATA / "harper_valley"
    meta = _load(folder / f"metadata_{sid}.json")
    segments = _load(folder / f"transcript_{sid}.json")
    messages = []
    for segment in sorted(segments, key=lambda s: s["start_ms"]):
        text = " ".join(TAG.sub(" ", segment.get("human_transcript") or "").split())
        if not re.search(r"\w", text):
            continue
        start = segment["start_ms"] / 1000
        messages.append(
            {
                "role": "agent" if segment["speaker_role"] == "agent" else "customer",
                "text": text,
                "start": round(start, 3),
                "end": round(start + segment["duration_ms"] / 1000, 3),
            }
        )
    started = datetime.fromtimestamp(meta["start_time_ms"] / 1000, tz=UTC)
    ended = datetime.fromtimestamp(meta["end_time_ms"] / 1000, tz=UTC)
    caller = (meta.get("caller") or {}).get("metadata") or {}
    agent = (meta.get("agent") or {}).get("metadata") or {}
    return {
        "id": sid,
        "channel": "call",
        "language": "en",
        "started_at": started.isoformat(),
        "ended_at": ended.isoformat(),
        "customer_name": caller.get("first and last name"),
        "agent_name": agent.get("agent_name"),
        "messages": messages,
    }


def abcd_record(ref: str) -> dict[str, Any]:
    """An ABCD chat (README 2.3): agent and customer turns, action lines left out."""
    name, rest = ref.split("#")
    index = int(rest.split(":")[0])
    convo = _load(DATA / "abcd" / name)[index]
    messages = [
        {"role": role, "text": text} for role, text in convo["original"] if role != "action"
    ]
    return {
        "id": ref,
        "channel": "chat",
        "language": "en",
        "customer_name": convo["scenario"]["personal"].get("customer_name"),
        "messages": messages,
    }


_loaded: dict[Path, Any] = {}


def _load(path: Path) -> Any:
    if path not in _loaded:
        _loaded[path] = json.loads(path.read_text(encoding="utf-8"))
    return _loaded[path]


READERS = {"twitter": twitter_record, "harper_valley": harper_valley_record, "abcd": abcd_record}


@dataclass(slots=True)
class Case:
    """One labelled conversation: its record, the labels, the part it belongs to."""

    source: str
    ref: str
    part: str
    record: dict[str, Any]
    labels: dict[str, str]
    signals: dict[str, Any]
    followups: list[datetime] = field(default_factory=list)
    batch: str = "1-2"


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def load_cases(*, public: bool = True) -> list[Case]:
    """Every labelled conversation with its part; the public sets only when the data is here."""
    cases: list[Case] = []
    if public and (DATA / "ibm_twitter_customer_care").exists():
        cases += _public_cases(REAL / "labels.jsonl", "1-2")
        cases += _public_cases(REAL / "labels_batch3.jsonl", "3")
        cases += _public_cases(REAL / "labels_batch5.jsonl", "5")
        cases += _public_cases(REAL / "labels_batch6.jsonl", "6")
    cases += _russian_cases(REAL / "ru_colloquial.jsonl", REAL / "ru_labels.jsonl", "1-2")
    cases += _russian_cases(
        REAL / "ru_colloquial_batch3.jsonl", REAL / "ru_labels_batch3.jsonl", "3"
    )
    cases += _russian_cases(
        REAL / "ru_colloquial_batch5.jsonl", REAL / "ru_labels_batch5.jsonl", "5"
    )
    cases += _russian_cases(
        REAL / "ru_colloquial_batch6.jsonl", REAL / "ru_labels_batch6.jsonl", "6"
    )
    return cases


def _public_cases(path: Path, batch: str) -> list[Case]:
    rows = _jsonl(path)
    by_source: dict[str, list[str]] = {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(row["ref"])
    parts = {s: _parts(batch, s, refs) for s, refs in by_source.items()}
    return [
        Case(
            source=row["source"],
            ref=row["ref"],
            part=parts[row["source"]][row["ref"]],
            record=READERS[row["source"]](row["ref"]),
            labels=row["checks"],
            signals=row["signals"],
            batch=batch,
        )
        for row in rows
    ]


def _russian_cases(conversations: Path, label_path: Path, batch: str) -> list[Case]:
    records = {r["id"]: r for r in _jsonl(conversations)}
    labels = _jsonl(label_path)
    parts = _parts(batch, "ru_colloquial", [row["id"] for row in labels])
    cases = []
    for row in labels:
        record = records[row["id"]]
        cases.append(
            Case(
                source="ru_colloquial",
                ref=row["id"],
                part=parts[row["id"]],
                record=record,
                labels=row["checks"],
                signals=row["signals"],
                followups=_outbound_followups(record, records.values()),
                batch=batch,
            )
        )
    return cases


def _outbound_followups(record: dict[str, Any], others: Iterable[dict[str, Any]]) -> list[datetime]:
    """Start times of later outbound interactions with the same customer (promise_kept)."""
    start = parse_time(record.get("started_at"))
    out = []
    for other in others:
        if other is record or other.get("customer_id") != record.get("customer_id"):
            continue
        if other.get("direction") != "outbound":
            continue
        at = parse_time(other.get("started_at"))
        if at is not None and (start is None or at > start):
            out.append(at)
    return out


@dataclass(slots=True)
class Tally:
    """Label -> engine counts of one check (or of all checks together)."""

    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, label: str, engine: str) -> None:
        self.confusion[(label, engine)] += 1

    @property
    def total(self) -> int:
        return sum(self.confusion.values())

    @property
    def agree(self) -> int:
        return sum(n for (a, b), n in self.confusion.items() if a == b)

    @property
    def applied(self) -> int:
        return self.total - self.confusion[("na", "na")]

    @property
    def applied_agree(self) -> int:
        return self.agree - self.confusion[("na", "na")]

    def overall_rate(self) -> float | None:
        return self.agree / self.total if self.total else None

    def applied_rate(self) -> float | None:
        return self.applied_agree / self.applied if self.applied else None

    def kappa(self) -> float | None:
        """Cohen's kappa; ``None`` when chance agreement is total (one class on both sides)."""
        total = self.total
        if not total:
            return None
        labels = sorted({k for pair in self.confusion for k in pair})
        expected = sum(
            sum(n for (a, _), n in self.confusion.items() if a == k)
            * sum(n for (_, b), n in self.confusion.items() if b == k)
            for k in labels
        ) / (total * total)
        if expected >= 1.0:
            return None
        return (self.agree / total - expected) / (1 - expected)

    def confusion_text(self) -> str:
        wrong = [f"{a}→{b} {n}" for (a, b), n in sorted(self.confusion.items()) if a != b and n]
        return ", ".join(wrong) or "-"


@dataclass(slots=True)
class Report:
    """Figures of one part: per check, all checks together, per signal, and disagreements."""

    cases: int = 0
    checks: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    signals: dict[str, Tally] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)


def _signal_value(name: str, value: Any) -> str:
    if name == "pii":
        return ",".join(sorted(value or [])) or "none"
    return "true" if value else "false"


def measure(cases: Iterable[Case]) -> Report:
    """Run the engine on every case and compare with the labels."""
    report = Report()
    for case in cases:
        report.cases += 1
        result = check_record(case.record, followups=case.followups)
        for check, label in case.labels.items():
            verdict = result["checks"].get(check, {}).get("result", "na")
            report.checks.setdefault(check, Tally()).add(label, verdict)
            report.overall.add(label, verdict)
            if label != verdict:
                report.misses.append(
                    f"{case.source} {case.ref} {check}: label {label}, engine {verdict}"
                )
        for name in SIGNALS:
            if name not in case.signals:
                continue
            label_value = _signal_value(name, case.signals[name])
            engine_value = _signal_value(name, result["signals"].get(name))
            report.signals.setdefault(name, Tally()).add(label_value, engine_value)
            if label_value != engine_value:
                report.misses.append(
                    f"{case.source} {case.ref} signal {name}: "
                    f"label {label_value}, engine {engine_value}"
                )
    return report


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _kappa(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(report: Report, title: str) -> str:
    """Markdown table of one part."""
    lines = [
        f"**{title}** ({report.cases} conversations)",
        "",
        "| check | labels | overall | applied (n) | kappa | disagreements (label→engine) |",
        "|---|---|---|---|---|---|",
    ]
    for check in sorted(report.checks):
        t = report.checks[check]
        lines.append(
            f"| `{check}` | {t.total} | {_pct(t.overall_rate())} | {_pct(t.applied_rate())} "
            f"({t.applied}) | {_kappa(t.kappa())} | {t.confusion_text()} |"
        )
    t = report.overall
    lines.append(
        f"| **all checks** | {t.total} | {_pct(t.overall_rate())} | {_pct(t.applied_rate())} "
        f"({t.applied}) | {_kappa(t.kappa())} | |"
    )
    for name in SIGNALS:
        if name in report.signals:
            s = report.signals[name]
            wrong = s.confusion_text() if name != "pii" else f"{s.total - s.agree} differ"
            lines.append(
                f"| signal `{name}` | {s.total} | {_pct(s.overall_rate())} | | "
                f"{_kappa(s.kappa())} | {wrong} |"
            )
    return "\n".join(lines)


def reports(cases: list[Case]) -> dict[str, Report]:
    """One report per part."""
    return {part: measure(c for c in cases if c.part == part) for part in PARTS}


def write_docs(text: str) -> None:
    """Put ``text`` between the agreement markers of docs/checks.md."""
    doc = DOCS.read_text(encoding="utf-8")
    if DOC_START not in doc:
        doc = doc.rstrip("\n") + f"\n\n{DOC_START}\n{DOC_END}\n"
    head, rest = doc.split(DOC_START, 1)
    _, tail = rest.split(DOC_END, 1)
    DOCS.write_text(f"{head}{DOC_START}\n{text}\n{DOC_END}{tail}", encoding="utf-8")


def _title(part: str, batches: list[str]) -> str:
    """A table's title; the held-out halves of the split batches say they were read."""
    if len(batches) == 1 and batches[0] in UNSPLIT:
        return f"batch {batches[0]} (not split: {UNSPLIT_STATE[batches[0]]})"
    which = f"batch {batches[0]}" if len(batches) == 1 else "batches " + " and ".join(batches)
    if part == "held-out":
        return f"held-out half, {which} (read for tuning since round 5)"
    return f"tuning part, {which}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=PARTS, action="append")
    parser.add_argument("--batch", choices=BATCHES, action="append")
    parser.add_argument("--verbose", action="store_true", help="print every disagreement")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    cases = load_cases()
    if not any(c.source != "ru_colloquial" for c in cases):
        print(f"{DATA} is absent: only the Russian set is measured")
    batches = args.batch or BATCHES
    out = []
    for part in args.part or PARTS:
        for batch in batches:
            if not any(c.part == part and c.batch == batch for c in cases):
                continue  # an unsplit batch has no tuning part
            report = measure(c for c in cases if c.part == part and c.batch == batch)
            out.append(table(report, _title(part, [batch])))
            if args.verbose:
                print("\n".join(report.misses))
        split = [b for b in batches if b not in UNSPLIT]
        if len(split) > 1:
            report = measure(c for c in cases if c.part == part and c.batch in split)
            out.append(table(report, _title(part, split)))
    text = "\n\n".join(out)
    print(text)
    if args.write_docs:
        write_docs(text)


if __name__ == "__main__":
    main()
