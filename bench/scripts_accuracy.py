"""Step detection of ``script_adherence`` against 60 hand-labelled conversations.

The labelled set is ``tests/scripts/eval/conversations_{ru,en}.txt`` (30 Russian,
30 English, over the four example scripts), with two sets of labels: the
author's (in the conversation files) and an independent annotator's
(``independent_labels_{ru,en}.txt``, made from the scripts' YAML and the bare
conversations, without seeing the engine or its output). Prints precision and
recall per step kind and per language against each, their agreement with each
other, and every disagreement.

    python -m bench.scripts_accuracy
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from bench.scripts_speed import script_settings
from kontrol.scripts.evaluation import Labelled, read_labelled, score_detection
from kontrol.scripts.library import EXAMPLES, example_text
from kontrol.scripts.model import parse_script

EVAL = Path(__file__).resolve().parents[1] / "tests" / "scripts" / "eval"


def independent(labelled: list[Labelled], language: str) -> list[Labelled]:
    """The same conversations with the independent annotator's labels."""
    steps: dict[str, frozenset[str]] = {}
    path = EVAL / f"independent_labels_{language}.txt"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 3:
            raise ValueError(f"{path.name}, line {number}: expected 'id | script | steps'")
        chosen = [] if parts[2] == "-" else [s.strip() for s in parts[2].split(",")]
        steps[parts[0]] = frozenset(s for s in chosen if s)
    return [
        dataclasses.replace(item, covered=steps[item.id])
        for item in labelled
        if item.language == language
    ]


def _agreement(author: list[Labelled], other: list[Labelled]) -> tuple[int, int]:
    """Steps both annotators marked covered, and steps only one did."""
    theirs = {item.id: item.covered for item in other}
    both = sum(len(item.covered & theirs[item.id]) for item in author)
    one = sum(len(item.covered ^ theirs[item.id]) for item in author)
    return both, one


def main(argv: list[str] | None = None) -> str:
    """Run the evaluation; return the Markdown for docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="print every disagreement")
    args = parser.parse_args(argv)
    labelled = read_labelled(EVAL / "conversations_ru.txt", "ru") + read_labelled(
        EVAL / "conversations_en.txt", "en"
    )
    scripts = [parse_script(example_text(name)) for name in EXAMPLES]
    other = independent(labelled, "ru") + independent(labelled, "en")
    both, one = _agreement(labelled, other)
    lines = [
        "### Latest figures: step detection against the labelled set",
        "",
        f"{len(labelled)} conversations (tests/scripts/eval/), every step of the "
        "conversation's script counted. Command: `.venv/bin/python -m bench.scripts_accuracy`.",
        f"The two annotators agree on {both} covered steps and differ on {one} "
        f"(agreement {both / max(both + one, 1):.0%} of the steps either marked).",
    ]
    for title, labels in (
        ("the independent annotator's labels (never tuned on)", other),
        ("the author's labels", labelled),
    ):
        score = score_detection(labels, scripts, script_settings())
        lines += [
            "",
            f"Against {title}:",
            "",
            "| steps | found and labelled | found, not labelled | labelled, not found "
            "| precision | recall |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for group, groups in (("kind", score.by_kind), ("language", score.by_language)):
            for key in sorted(groups):
                c = groups[key]
                lines.append(
                    f"| {group}: {key} | {c.tp} | {c.fp} | {c.fn} "
                    f"| {c.precision:.0%} | {c.recall:.0%} |"
                )
        if args.misses or score.misses:
            lines += [
                "",
                "Disagreements: " + ("; ".join(score.misses) if score.misses else "none") + ".",
            ]
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
