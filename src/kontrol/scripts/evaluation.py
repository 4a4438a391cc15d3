"""Step detection measured against hand-labelled conversations.

A labelled file holds conversations, each headed by ``## <id> | <script> |
<covered steps or ->`` and followed by ``C: `` (customer) and ``A: `` (agent)
lines. :func:`score_detection` runs the engine (``prepare`` + ``run_checks``
with the scripts in force) on each, the script chosen by its topic, and counts
per step kind the steps found and labelled.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kontrol.checks.engine import CheckSettings, prepare, run_checks
from kontrol.domain.errors import InvalidInput
from kontrol.scripts.adherence import CHECK_ID
from kontrol.scripts.model import ScriptSpec

ROLES = {"C": "customer", "A": "agent"}


@dataclass(frozen=True, slots=True)
class Labelled:
    """One labelled conversation."""

    id: str
    script: str
    language: str
    covered: frozenset[str]
    messages: tuple[tuple[str, str], ...]


def read_labelled(path: Path, language: str) -> list[Labelled]:
    """The conversations of a labelled file; a fault names the file and line."""
    found: list[Labelled] = []
    head: tuple[str, str, frozenset[str]] | None = None
    lines: list[tuple[str, str]] = []

    def close() -> None:
        if head is not None:
            found.append(Labelled(head[0], head[1], language, head[2], tuple(lines)))

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("# "):
            continue
        if line.startswith("## "):
            close()
            parts = [p.strip() for p in line[3:].split("|")]
            if len(parts) != 3:
                raise InvalidInput(
                    f"{path.name}, line {number}: expected '## id | script | steps'",
                    key="scripts.error.eval_header",
                    params={"name": path.name, "number": number},
                )
            steps = (
                frozenset()
                if parts[2] == "-"
                else frozenset(s.strip() for s in parts[2].split(",") if s.strip())
            )
            head, lines = (parts[0], parts[1], steps), []
            continue
        role, _, text = line.partition(": ")
        if role not in ROLES or head is None:
            raise InvalidInput(
                f"{path.name}, line {number}: expected 'C: ' or 'A: '",
                key="scripts.error.eval_turn",
                params={"name": path.name, "number": number},
            )
        lines.append((ROLES[role], text))
    close()
    return found


@dataclass
class Counts:
    """Steps found and labelled: true positives, false positives, false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class DetectionScore:
    """Counts per step kind and per language, and the disagreements."""

    by_kind: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    by_language: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    misses: list[str] = field(default_factory=list)
    conversations: int = 0


def score_detection(
    labelled: Iterable[Labelled], scripts: Sequence[ScriptSpec], settings: CheckSettings
) -> DetectionScore:
    """Run the engine on each labelled conversation and compare its steps with the labels."""
    by_name = {s.name: s for s in scripts}
    score = DetectionScore()
    for item in labelled:
        script = by_name.get(item.script)
        if script is None:
            raise InvalidInput(
                f"{item.id}: unknown script {item.script}",
                key="scripts.error.eval_script",
                params={"id": item.id, "script": item.script},
            )
        unknown = item.covered - {s.id for s in script.steps}
        if unknown:
            raise InvalidInput(
                f"{item.id}: unknown steps {sorted(unknown)}",
                key="scripts.error.eval_steps",
                params={"id": item.id, "steps": sorted(unknown)},
            )
        conversation = prepare(
            channel="chat",
            messages=[(role, text, None, None, None) for role, text in item.messages],
            language=item.language,
            topic=script.topic,
            settings=settings,
        )
        verdict = run_checks(conversation, settings).verdicts.get(CHECK_ID)
        found: set[str] = set()
        if verdict is not None and verdict.evidence:
            found = set(verdict.evidence[0].get("covered") or ())
        score.conversations += 1
        for step in script.steps:
            said, labelled_as = step.id in found, step.id in item.covered
            for counts in (score.by_kind[step.kind], score.by_language[item.language]):
                if said and labelled_as:
                    counts.tp += 1
                elif said:
                    counts.fp += 1
                elif labelled_as:
                    counts.fn += 1
            if said != labelled_as:
                score.misses.append(
                    f"{item.id}: {step.id} "
                    + ("found, not labelled" if said else "labelled, not found")
                )
    return score
