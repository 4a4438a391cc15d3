"""Step detection of ``script_adherence`` against 60 hand-labelled conversations.

The labelled set is ``tests/scripts/eval/conversations_{ru,en}.txt`` (30 Russian,
30 English, over the four example scripts). Prints precision and recall per step
kind and per language, and every disagreement.

    python -m bench.scripts_accuracy
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.scripts_speed import script_settings
from kontrol.scripts.evaluation import read_labelled, score_detection
from kontrol.scripts.library import EXAMPLES, example_text
from kontrol.scripts.model import parse_script

EVAL = Path(__file__).resolve().parents[1] / "tests" / "scripts" / "eval"


def main(argv: list[str] | None = None) -> str:
    """Run the evaluation; return the Markdown for docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="print every disagreement")
    args = parser.parse_args(argv)
    labelled = read_labelled(EVAL / "conversations_ru.txt", "ru") + read_labelled(
        EVAL / "conversations_en.txt", "en"
    )
    scripts = [parse_script(example_text(name)) for name in EXAMPLES]
    score = score_detection(labelled, scripts, script_settings())
    lines = [
        "### Latest figures: step detection against the labelled set",
        "",
        f"{score.conversations} conversations (tests/scripts/eval/), every step of the "
        f"conversation's script counted. Command: `.venv/bin/python -m bench.scripts_accuracy`.",
        "",
        "| steps | found and labelled | found, not labelled | labelled, not found "
        "| precision | recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for title, groups in (("kind", score.by_kind), ("language", score.by_language)):
        for key in sorted(groups):
            c = groups[key]
            lines.append(
                f"| {title}: {key} | {c.tp} | {c.fp} | {c.fn} "
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
