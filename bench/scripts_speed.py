"""The checks engine with and without scripts in force, in the same run (one core).

Uses the chats of ``bench.checks_speed`` (the demo generator, Russian and
English, with their topics) and times ``prepare`` + ``run_checks`` of every
interaction on CPU time:

- ``without scripts``: the engine as ``kontrol score`` runs it;
- ``with scripts``: the same settings plus the ``script_adherence`` check over
  the four example scripts (their phrases join the one automaton; the check
  runs in the same pass). Each interaction's topic is passed, as scoring does.

The two are run alternately ``--rounds`` times and the fastest round of each
is kept, so a busy neighbour on the machine slows both alike.

    python -m bench.scripts_speed --count 4000
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench.checks_speed import chats
from kontrol.checks.engine import (
    DEFAULT_SETTINGS,
    CheckSettings,
    prepare,
    record_messages,
    run_checks,
)
from kontrol.scripts.adherence import ScriptInForce, adherence_check
from kontrol.scripts.library import EXAMPLES, example_text
from kontrol.scripts.model import parse_script


def script_settings() -> CheckSettings:
    """The default settings plus the four example scripts in force."""
    scripts = tuple(
        ScriptInForce(name, 1, name, parse_script(example_text(name))) for name in EXAMPLES
    )
    return CheckSettings(source_checks=(adherence_check(scripts),))


def _run(items: list[tuple[Any, ...]], settings: CheckSettings) -> tuple[float, int]:
    began = time.process_time()
    applicable = 0
    for messages, language, topic in items:
        outcome = run_checks(
            prepare(
                channel="chat", messages=messages, language=language, topic=topic, settings=settings
            ),
            settings,
        )
        verdict = outcome.verdicts.get("script_adherence")
        if verdict is not None and verdict.result != "na":
            applicable += 1
    return time.process_time() - began, applicable


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; return the Markdown for docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=4000, help="chat interactions")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    args = parser.parse_args(argv)
    records = chats(args.count)
    items = [(record_messages(r), r.get("language"), r.get("topic")) for r in records]
    with_scripts = script_settings()
    # Warm-up: word caches and both phrase books.
    _run(items, DEFAULT_SETTINGS)
    _run(items, with_scripts)
    plain: list[float] = []
    scripted: list[float] = []
    applicable = 0
    for _ in range(args.rounds):
        plain.append(_run(items, DEFAULT_SETTINGS)[0])
        seconds, applicable = _run(items, with_scripts)
        scripted.append(seconds)
    n = len(items)
    best_plain, best_scripted = min(plain), min(scripted)
    slower = (best_scripted / best_plain - 1) * 100
    lines = [
        "### Latest figures: the engine with and without scripts",
        "",
        f"{n:,} generated chats (Russian and English); {applicable:,} of them on a topic "
        f"with a script (delivery, refund, complaint; the demo has no card-blocked topic). "
        f"Fastest of {args.rounds} alternating rounds, CPU time of one process after a "
        f"warm-up. Command: `nice -n 10 .venv/bin/python -m bench.scripts_speed --count {n}`.",
        "",
        "| engine | CPU s (fastest round) | all rounds | interactions/s |",
        "|---|---:|---|---:|",
        f"| without scripts | {best_plain:.2f} | {', '.join(f'{s:.2f}' for s in plain)} | "
        f"{n / best_plain:,.0f} |",
        f"| with the 4 example scripts (`script_adherence`) | {best_scripted:.2f} | "
        f"{', '.join(f'{s:.2f}' for s in scripted)} | {n / best_scripted:,.0f} |",
        "",
        f"Scripts in force make the engine {slower:+.1f}% slower (the limit is +10%).",
    ]
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
