"""The engine's output on a fixed corpus is exactly what it was: a guard for speed work.

Every record of the evaluation set (tests/checks_eval, real conversations and labelled
ones) is checked as written, as a speech transcript would have it (lower case, no
punctuation) and in capitals, and a digest of each ``check_record`` output (verdicts,
evidence and signals) is compared with ``verdict_digests.json``. A change that is only
meant to make the engine faster must leave every digest alone; a change of a rule
changes some on purpose: regenerate the file and look at which records moved:

    .venv/bin/python -m tests.checks.test_verdicts_unchanged --update

The digests are computed in a fresh process: the lemmatizer's typo repair reads the
words of every phrase book compiled before, so other tests' workspace lists must not
leak in.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EVAL_DIR = ROOT / "tests" / "checks_eval"
DIGESTS = Path(__file__).with_name("verdict_digests.json")

VARIANTS: dict[str, Callable[[str], str]] = {
    "as written": lambda text: text,
    "transcript": lambda text: re.sub(r"[^\w\s]", "", text.lower()),
    "capitals": str.upper,
}


def corpus() -> list[tuple[str, dict[str, Any]]]:
    """(name, record) of every conversation of the evaluation set, in each variant."""
    out = []
    for path in sorted(EVAL_DIR.rglob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if "messages" not in record:
                continue
            for variant, change in VARIANTS.items():
                messages = [
                    dict(message, text=change(message.get("text") or ""))
                    for message in record["messages"]
                ]
                name = f"{path.relative_to(EVAL_DIR)}:{number} {variant}"
                out.append((name, dict(record, messages=messages)))
    return out


def digests() -> dict[str, str]:
    """The digest of the engine's output for every record of :func:`corpus`."""
    from kontrol.checks.engine import check_record

    found = {}
    for name, record in corpus():
        output = json.dumps(check_record(record), ensure_ascii=False, sort_keys=True)
        found[name] = hashlib.sha256(output.encode()).hexdigest()[:16]
    return found


def _fresh_digests() -> dict[str, str]:
    run = subprocess.run(
        [sys.executable, "-m", "tests.checks.test_verdicts_unchanged", "--print"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, str] = json.loads(run.stdout)
    return result


def test_every_verdict_and_evidence_is_unchanged_on_the_fixed_corpus() -> None:
    expected = json.loads(DIGESTS.read_text(encoding="utf-8"))
    found = _fresh_digests()
    assert len(found) >= 600
    changed = sorted(
        name for name in found.keys() | expected.keys() if found.get(name) != expected.get(name)
    )
    assert not changed, (
        f"{len(changed)} records now score differently, e.g. {changed[:10]}; if the rules "
        "changed on purpose: python -m tests.checks.test_verdicts_unchanged --update"
    )


def main(argv: list[str]) -> None:
    if "--update" in argv:
        DIGESTS.write_text(
            json.dumps(digests(), ensure_ascii=False, indent=0, sort_keys=True) + "\n",
            encoding="utf-8",
        )
    elif "--print" in argv:
        print(json.dumps(digests(), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
