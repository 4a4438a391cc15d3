"""``script_adherence``: which steps of the topic's script a conversation covered.

The check is one :class:`~kontrol.checks.registry.DataCheck` holding the
workspace's scripts in force. Its phrase lists (the customer's trigger words
and each step's key phrases and wordings) go into the one automaton of the
engine, so they are found in the same pass as every other list. A step is
covered by an agent message that holds one of its phrases, or most of the
content words (lemmas) of one of its example wordings.

The script is the one whose ``topic`` is the interaction's topic; without a
stored topic, the one whose triggers the customer said most often. The value
(evidence item with ``value``) is the covered share of the script's units
(required steps; alternative solutions count as one), with the order the steps
were covered in, the skipped ones and a quote per covered step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kontrol.checks.registry import FAIL, NA, PASS, CheckSource, DataCheck, Verdict
from kontrol.checks.text import phrase_lemmas
from kontrol.scripts.model import ScriptSpec

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from kontrol.checks.conversation import Conversation, Message

CHECK_ID = "script_adherence"
# A wording counts as said when this share of its content words is in one message.
WORDING_SHARE = 0.6
MIN_CONTENT = 2
STOPWORDS = {
    "ru": frozenset(
        "и в во на с со по за к ко от до из у о об а но же ли бы не ни то это вы я мы он она "
        "они ваш ваше ваша ваши наш мой как что так если или да нет пожалуйста подсказать "
        "сейчас уже еще ещё вот для при быть весь свой который".split()
    ),
    "en": frozenset(
        "a an the and or but of to in on at for with by from is are be been am it this that "
        "you your we our i my me he she they them do does did can could would will please "
        "let just so if not no yes have has had there here what how".split()
    ),
}


def list_name(script: str, part: str) -> str:
    """The phrase list of one script's triggers (``part`` = ``:trigger``) or one step."""
    return f"script.{script}.{part}"


@dataclass(frozen=True, slots=True)
class ScriptInForce:
    """A script's version in force, as the check reads it (equal by name, version, text)."""

    name: str
    version: int
    digest: str
    script: ScriptSpec = field(compare=False, repr=False)


@dataclass(frozen=True)
class ScriptAdherence:
    """The ``script_adherence`` check over a workspace's scripts in force."""

    scripts: tuple[ScriptInForce, ...]
    id: str = CHECK_ID
    _wordings: dict[tuple[str, str], dict[str, list[frozenset[str]]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def applies_to(self, channel: str) -> bool:
        return any(channel in s.script.channels for s in self.scripts)

    def phrase_lists(self, language: str) -> dict[str, tuple[str, ...]]:
        lists: dict[str, tuple[str, ...]] = {}
        for entry in self.scripts:
            script = entry.script
            if language not in script.languages:
                continue
            triggers = script.triggers.get(language, ())
            if triggers:
                lists[list_name(script.name, ":trigger")] = triggers
            for step in script.steps:
                phrases = step.detect.get(language, ()) + step.wordings.get(language, ())
                if phrases:
                    lists[list_name(script.name, step.id)] = phrases
        return lists

    # --- choosing the script -------------------------------------------------------

    def choose(self, conversation: Conversation) -> ScriptInForce | None:
        """The script of the conversation's topic, else the one its customer's words name."""
        candidates = [
            s
            for s in self.scripts
            if conversation.channel in s.script.channels
            and conversation.language in s.script.languages
        ]
        if not candidates:
            return None
        topic = (conversation.topic or "").strip().lower()
        if topic:
            for entry in candidates:
                if entry.script.topic.lower() == topic:
                    return entry
        best: ScriptInForce | None = None
        best_hits = 0
        for entry in candidates:
            hits = len(conversation.find(list_name(entry.script.name, ":trigger"), role="customer"))
            if hits > best_hits:
                best, best_hits = entry, hits
        return best

    # --- steps ---------------------------------------------------------------------

    def _wording_sets(
        self, conversation: Conversation, script: ScriptSpec
    ) -> dict[str, list[frozenset[str]]]:
        key = (script.name, conversation.language)
        found = self._wordings.get(key)
        if found is None:
            reducer = conversation.book.reducer
            stop = STOPWORDS.get(conversation.language, frozenset())
            found = {}
            for step in script.steps:
                sets = []
                for wording in step.wordings.get(conversation.language, ()):
                    content = frozenset(
                        lemma
                        for lemma in phrase_lemmas(wording, reducer)
                        if len(lemma) > 2 and lemma not in stop and not lemma.startswith("{")
                    )
                    if len(content) >= MIN_CONTENT:
                        sets.append(content)
                found[step.id] = sets
            if len(self._wordings) > 256:
                self._wordings.clear()
            self._wordings[key] = found
        return found

    def covered_steps(
        self, conversation: Conversation, script: ScriptSpec
    ) -> dict[str, dict[str, Any]]:
        """Each covered step's first evidence: ``{"message": i, "text": quote}``."""
        agents = conversation.agent_messages
        sets = self._wording_sets(conversation, script)
        lemma_sets: list[tuple[Message, frozenset[str]]] | None = None
        covered: dict[str, dict[str, Any]] = {}
        for step in script.steps:
            hits = conversation.find(list_name(script.name, step.id), role="agent")
            if step.criterion and conversation.book.has(step.criterion):
                # A standard linked to a criterion also counts the built-in list of its check.
                hits = hits + conversation.find(step.criterion, role="agent")
            best: dict[str, Any] | None = None
            if hits:
                first = min(hits, key=lambda h: (h.message, h.first))
                best = conversation.span(first)
            wordings = sets.get(step.id) or []
            if wordings:
                if lemma_sets is None:
                    lemma_sets = [(m, frozenset(m.lemmas)) for m in agents]
                for message, lemmas in lemma_sets:
                    if best is not None and best["message"] <= message.index:
                        break
                    if any(len(w & lemmas) >= WORDING_SHARE * len(w) for w in wordings):
                        best = {"message": message.index, "text": message.text[:300]}
                        break
            if best is not None:
                covered[step.id] = best
        return covered

    def evaluate(self, conversation: Conversation) -> Verdict:
        entry = self.choose(conversation)
        if entry is None or not conversation.agent_messages:
            return Verdict(NA)
        script = entry.script
        covered = self.covered_steps(conversation, script)
        units = script.units()
        done = [unit for unit in units if any(s in covered for s in unit)]
        share = round(len(done) / len(units), 4) if units else 0.0
        order = sorted(covered, key=lambda s: (covered[s]["message"], _index(script, s)))
        positions = [_index(script, s) for s in order]
        in_order = all(a <= b for a, b in zip(positions, positions[1:], strict=False))
        skipped = [s for unit in units if unit not in done for s in unit]
        summary: dict[str, Any] = {
            "value": share,
            "script": script.name,
            "version": entry.version,
            "covered": order,
            "skipped": skipped,
            "in_order": in_order,
        }
        quotes = tuple({"step": s, **covered[s]} for s in order)
        return Verdict(PASS if share >= script.pass_share else FAIL, (summary, *quotes))


def _index(script: ScriptSpec, step_id: str) -> int:
    return next((i for i, s in enumerate(script.steps) if s.id == step_id), len(script.steps))


def adherence_check(scripts: tuple[ScriptInForce, ...]) -> ScriptAdherence:
    """The check over these scripts (cached by content: the engine caches by identity)."""
    found = _checks.get(scripts)
    if found is None:
        if len(_checks) > 64:
            _checks.clear()
        found = _checks[scripts] = ScriptAdherence(scripts)
    return found


_checks: dict[tuple[ScriptInForce, ...], ScriptAdherence] = {}


def _load(connection: Connection, workspace_id: int) -> tuple[DataCheck, ...]:
    from kontrol.scripts.library import scripts_in_force

    scripts = scripts_in_force(connection, workspace_id)
    if not scripts:
        return ()
    return (adherence_check(tuple(scripts)),)


# Registered through the ``kontrol.check_sources`` entry point (pyproject.toml).
SOURCE = CheckSource(check_ids=(CHECK_ID,), load=_load)
