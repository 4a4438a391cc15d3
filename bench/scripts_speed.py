"""The checks engine with and without scripts in force, in the same run (one core).

Uses the chats of ``bench.checks_speed`` (the demo generator, Russian and
English, with their topics) and times ``prepare`` + ``run_checks`` of every
interaction on CPU time:

- ``without scripts``: the engine as ``kontrol score`` runs it;
- ``with scripts``: the same settings plus the ``script_adherence`` check over
  the four example scripts (their phrases join the one automaton; the check
  runs in the same pass). Each interaction's topic is passed, as scoring does.

The machine is shared, so the timing is made robust to a busy neighbour: the
chats are cut into batches of ``--batch``; each batch is run ``--repeat`` times
with and without scripts, alternately, and the fastest run of each is kept;
the table sums those fastest runs over the batches.

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
    parser.add_argument("--batch", type=int, default=200, help="interactions per batch")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each batch")
    args = parser.parse_args(argv)
    records = chats(args.count)
    items = [(record_messages(r), r.get("language"), r.get("topic")) for r in records]
    with_scripts = script_settings()
    # Warm-up: word caches and both phrase books.
    _run(items, DEFAULT_SETTINGS)
    _run(items, with_scripts)
    plain = scripted = 0.0
    applicable = 0
    for start in range(0, len(items), args.batch):
        batch = items[start : start + args.batch]
        fastest = [float("inf"), float("inf")]
        for _ in range(args.repeat):
            fastest[0] = min(fastest[0], _run(batch, DEFAULT_SETTINGS)[0])
            seconds, found = _run(batch, with_scripts)
            fastest[1] = min(fastest[1], seconds)
        plain += fastest[0]
        scripted += fastest[1]
        applicable += found
    n = len(items)
    slower = (scripted / plain - 1) * 100
    lines = [
        "### Latest figures: the engine with and without scripts",
        "",
        f"{n:,} generated chats (Russian and English); {applicable:,} of them on a topic "
        f"with a script (delivery, refund, complaint; the demo has no card-blocked topic). "
        f"CPU time of one process after a warm-up; batches of {args.batch}, each run "
        f"{args.repeat} times with and without scripts alternately, the fastest run of each "
        f"summed. Command: `nice -n 10 .venv/bin/python -m bench.scripts_speed --count {n} "
        f"--repeat {args.repeat}`.",
        "",
        "| engine | CPU s | interactions/s |",
        "|---|---:|---:|",
        f"| without scripts | {plain:.2f} | {n / plain:,.0f} |",
        f"| with the 4 example scripts (`script_adherence`) | {scripted:.2f} | "
        f"{n / scripted:,.0f} |",
        "",
        f"Scripts in force make the engine {slower:+.1f}% slower (the limit is +10%).",
    ]
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
