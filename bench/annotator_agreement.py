"""How much two careful people agree: batch 5's annotator against a second one.

A second annotator, who saw neither the engine nor batch 5's labels, labelled 40 of batch 5's
100 conversations again from the same spec and written rules (every third Twitter thread of
``twitter_selected_batch5.txt``, every other Russian conversation of
``ru_colloquial_batch5.jsonl``): ``second_labels_batch5.jsonl`` and
``second_ru_labels_batch5.jsonl`` in tests/checks_eval/real/. Their agreement is the ceiling
an engine can be expected to reach against any one of them. On the same 40 conversations the
engine is compared with each annotator, with the same figures as ``bench.checks_agreement``
(overall, applied, Cohen's kappa, per check and for all checks).

    python -m bench.annotator_agreement
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from bench.checks_agreement import REAL, Case, Tally, _jsonl, _kappa, _pct, load_cases
from kontrol.checks.engine import check_record


@dataclass(frozen=True, slots=True)
class Overlap:
    """One conversation labelled twice, with the engine's verdicts."""

    ref: str
    first: dict[str, str]
    second: dict[str, str]
    engine: dict[str, str]


def _second_labels() -> dict[str, dict[str, str]]:
    rows = _jsonl(REAL / "second_labels_batch5.jsonl")
    rows += _jsonl(REAL / "second_ru_labels_batch5.jsonl")
    return {str(row.get("ref") or row["id"]): row["checks"] for row in rows}


def _engine(case: Case) -> dict[str, str]:
    result: dict[str, Any] = check_record(case.record, followups=case.followups)
    return {check: result["checks"].get(check, {}).get("result", "na") for check in case.labels}


def overlaps() -> list[Overlap]:
    """The conversations of batch 5 that the second annotator labelled too."""
    second = _second_labels()
    return [
        Overlap(case.ref, case.labels, second[case.ref], _engine(case))
        for case in load_cases()
        if case.batch == "5" and case.ref in second
    ]


def _tallies(pairs: list[tuple[dict[str, str], dict[str, str]]]) -> tuple[dict[str, Tally], Tally]:
    checks: dict[str, Tally] = {}
    overall = Tally()
    for left, right in pairs:
        for check, label in left.items():
            other = right.get(check, "na")
            checks.setdefault(check, Tally()).add(label, other)
            overall.add(label, other)
    return checks, overall


def table(items: list[Overlap]) -> str:
    """Per check: annotator against annotator, engine against each, overall and applied."""
    sides = {
        "first vs second annotator": [(o.first, o.second) for o in items],
        "first annotator vs engine": [(o.first, o.engine) for o in items],
        "second annotator vs engine": [(o.second, o.engine) for o in items],
    }
    tallies = {name: _tallies(pairs) for name, pairs in sides.items()}
    names = list(sides)
    head = "| check | " + " | ".join(f"{n}: overall / applied (n) / kappa" for n in names) + " |"
    lines = [
        f"**Batch 5, {len(items)} conversations labelled by two annotators**",
        "",
        head,
        "|---|" + "---|" * len(names),
    ]
    checks = sorted(tallies[names[0]][0])

    def cell(tally: Tally) -> str:
        return (
            f"{_pct(tally.overall_rate())} / {_pct(tally.applied_rate())} ({tally.applied})"
            f" / {_kappa(tally.kappa())}"
        )

    for check in checks:
        lines.append(
            f"| `{check}` | " + " | ".join(cell(tallies[n][0][check]) for n in names) + " |"
        )
    lines.append("| **all checks** | " + " | ".join(cell(tallies[n][1]) for n in names) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    print(table(overlaps()))


if __name__ == "__main__":
    main()
