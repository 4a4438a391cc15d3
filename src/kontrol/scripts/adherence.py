"""``script_adherence``: which steps of the topic's script a conversation covered.

The check is one :class:`~kontrol.checks.registry.DataCheck` holding the
workspace's scripts in force. Its phrase lists (each step's key phrases and
short wordings) go into the one automaton of the engine, so they are found in
the same pass as every other list; the rest works on the words and lemmas the
engine has already computed. A step is covered by an agent message that holds
one of its phrases, or most of the content words (lemmas) of one of its
example wordings.

The script is the one whose ``topic`` is the interaction's topic (a topic no
script serves: ``na``); without a stored topic, the one whose triggers the
customer said most often. The value (evidence item with ``value``) is the
covered share of the script's units
(required steps; alternative solutions count as one), with the order the steps
were covered in, the skipped ones and a quote per covered step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kontrol.checks.registry import FAIL, NA, PASS, CheckSource, DataCheck, Verdict
from kontrol.checks.text import Lemmatizer, phrase_lemmas
from kontrol.scripts.model import ScriptSpec

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from kontrol.checks.conversation import Conversation

CHECK_ID = "script_adherence"
# A wording counts as said when this share of its content words is in one message.
WORDING_SHARE = 0.6
MIN_CONTENT = 2
# Wordings of at most this many words also go into the automaton as phrases.
SHORT_WORDING = 4
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
    _plans: dict[tuple[str, int, str, str], _Plan] = field(
        default_factory=dict, repr=False, compare=False
    )
    _trigger_keys: dict[tuple[str, int, str, str], tuple[str, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _candidates: dict[
        tuple[str, str], tuple[tuple[ScriptInForce, ...], dict[str, ScriptInForce]]
    ] = field(default_factory=dict, repr=False, compare=False)

    def applies_to(self, channel: str) -> bool:
        return any(channel in s.script.channels for s in self.scripts)

    def phrase_lists(self, language: str) -> dict[str, tuple[str, ...]]:
        lists: dict[str, tuple[str, ...]] = {}
        for entry in self.scripts:
            script = entry.script
            if language not in script.languages:
                continue
            for step in script.steps:
                # Long wordings are found by their content words (``_Plan``); short ones
                # ("Hello!") only as phrases.
                # A step linked to a criterion also counts that check's own list.
                short = tuple(
                    w
                    for w in step.wordings.get(language, ())
                    if len(w.split()) <= SHORT_WORDING and not step.criterion
                )
                phrases = step.detect.get(language, ()) + short
                if phrases:
                    lists[list_name(script.name, step.id)] = phrases
        return lists

    # --- choosing the script -------------------------------------------------------

    def choose(self, conversation: Conversation) -> ScriptInForce | None:
        """The script of the conversation's topic, else the one its customer's words name."""
        key = (conversation.channel, conversation.language)
        found = self._candidates.get(key)
        if found is None:
            candidates = tuple(
                s
                for s in self.scripts
                if conversation.channel in s.script.channels
                and conversation.language in s.script.languages
            )
            by_topic = {}
            for entry in reversed(candidates):
                by_topic[entry.script.topic.lower()] = entry
            found = self._candidates[key] = (candidates, by_topic)
        candidates, by_topic = found
        if not candidates:
            return None
        topic = conversation.topic
        if topic:
            # A stored topic decides: no script serves it, no adherence.
            return by_topic.get(topic.strip().lower())
        # No stored topic: the script whose triggers the customer says most often
        # (compared on the lemmas the engine already has).
        said = "\n".join(" " + " ".join(m.lemmas) + " " for m in conversation.customer_messages)
        best: ScriptInForce | None = None
        best_hits = 0
        for entry in candidates:
            hits = sum(said.count(t) for t in self._triggers(conversation, entry))
            if hits > best_hits:
                best, best_hits = entry, hits
        return best

    def _triggers(self, conversation: Conversation, entry: ScriptInForce) -> tuple[str, ...]:
        """The script's triggers as `` lemma lemma `` strings, once per process."""
        key = (entry.name, entry.version, entry.digest, conversation.language)
        found = self._trigger_keys.get(key)
        if found is None:
            reducer = conversation.book.reducer
            found = tuple(
                " " + " ".join(phrase_lemmas(t, reducer)) + " "
                for t in entry.script.triggers.get(conversation.language, ())
                if phrase_lemmas(t, reducer)
            )
            if len(self._trigger_keys) > 256:
                self._trigger_keys.clear()
            self._trigger_keys[key] = found
        return found

    # --- steps ---------------------------------------------------------------------

    def _plan(self, conversation: Conversation, entry: ScriptInForce) -> _Plan:
        """What detection needs of a script in a language, worked out once per process."""
        key = (entry.name, entry.version, entry.digest, conversation.language)
        plan = self._plans.get(key)
        if plan is None:
            plan = _Plan.of(entry.script, conversation.language, conversation.book.reducer)
            if len(self._plans) > 256:
                self._plans.clear()
            self._plans[key] = plan
        return plan

    def covered_steps(
        self, conversation: Conversation, entry: ScriptInForce
    ) -> dict[int, dict[str, Any]]:
        """Each covered step (by its index) with its first evidence ``{"message", "text"}``."""
        plan = self._plan(conversation, entry)
        messages = conversation.messages
        found_hits = conversation.hits
        firsts: dict[int, tuple[int, Any]] = {}
        for i, name in enumerate(plan.lists):
            hits = found_hits.get(name)
            criterion = plan.criteria[i]
            if criterion is not None:
                extra = found_hits.get(criterion)
                if extra:
                    hits = (hits or []) + extra
            if not hits:
                continue
            best = None
            for hit in hits:
                if messages[hit.message].role == "agent" and (
                    best is None or (hit.message, hit.first) < (best.message, best.first)
                ):
                    best = hit
            if best is not None:
                firsts[i] = (best.message, best)
        if plan.by_lemma:
            vocabulary = plan.vocabulary
            by_lemma = plan.by_lemma
            for message in conversation.agent_messages:
                shared = vocabulary.intersection(message.lemmas)
                if not shared:
                    continue
                counts: dict[tuple[int, int], int] = {}
                for lemma in shared:
                    for key in by_lemma[lemma]:
                        counts[key] = counts.get(key, 0) + 1
                for (step, wording), count in counts.items():
                    if count >= plan.need[step][wording]:
                        known = firsts.get(step)
                        if known is None or known[0] > message.index:
                            firsts[step] = (message.index, None)
        covered: dict[int, dict[str, Any]] = {}
        for step, (index, hit) in firsts.items():
            # The quote: the words found as written (the interaction page highlights
            # them), or the message that says the wording in other words.
            covered[step] = (
                conversation.span(hit)
                if hit is not None
                else {"message": index, "text": messages[index].text[:300]}
            )
        return covered

    def evaluate(self, conversation: Conversation) -> Verdict:
        entry = self.choose(conversation)
        if entry is None or not conversation.agent_messages:
            return Verdict(NA)
        plan = self._plan(conversation, entry)
        covered = self.covered_steps(conversation, entry)
        ids = plan.ids
        done = 0
        skipped: list[str] = []
        for unit in plan.units:
            if any(s in covered for s in unit):
                done += 1
            else:
                skipped.extend(ids[s] for s in unit)
        share = round(done / len(plan.units), 4) if plan.units else 0.0
        order = sorted(covered, key=lambda s: (covered[s]["message"], s))
        in_order = all(a <= b for a, b in zip(order, order[1:], strict=False))
        quotes = []
        for s in order:
            quote = covered[s]
            quote["step"] = ids[s]
            quotes.append(quote)
        summary: dict[str, Any] = {
            "value": share,
            "script": entry.name,
            "version": entry.version,
            "covered": [ids[s] for s in order],
            "skipped": skipped,
            "in_order": in_order,
        }
        passed = share >= entry.script.pass_share
        return Verdict(PASS if passed else FAIL, (summary, *quotes))


@dataclass(frozen=True, slots=True)
class _Plan:
    """A script's steps by index, their list names, units, and its wordings' lemma index."""

    ids: tuple[str, ...]
    lists: tuple[str, ...]
    criteria: tuple[str | None, ...]
    units: tuple[tuple[int, ...], ...]
    # content lemma -> (step, wording) holding it; and per step, per wording, how many
    # of its content lemmas a message must hold.
    by_lemma: dict[str, tuple[tuple[int, int], ...]]
    need: tuple[tuple[int, ...], ...]
    vocabulary: frozenset[str]

    @classmethod
    def of(cls, script: ScriptSpec, language: str, reducer: Lemmatizer) -> _Plan:
        index = {step.id: i for i, step in enumerate(script.steps)}
        stop = STOPWORDS.get(language, frozenset())
        by_lemma: dict[str, list[tuple[int, int]]] = {}
        need: list[tuple[int, ...]] = []
        for i, step in enumerate(script.steps):
            counts = []
            for j, wording in enumerate(step.wordings.get(language, ())):
                content = {
                    lemma
                    for lemma in phrase_lemmas(wording, reducer)
                    if len(lemma) > 2 and lemma not in stop and not lemma.startswith("{")
                }
                if len(content) < MIN_CONTENT:
                    counts.append(1 << 30)  # too short to tell by its words
                    continue
                counts.append(math.ceil(WORDING_SHARE * len(content)))
                for lemma in content:
                    by_lemma.setdefault(lemma, []).append((i, j))
            need.append(tuple(counts))
        return cls(
            ids=tuple(step.id for step in script.steps),
            lists=tuple(list_name(script.name, step.id) for step in script.steps),
            criteria=tuple(step.criterion for step in script.steps),
            units=tuple(tuple(index[s] for s in unit) for unit in script.units()),
            by_lemma={k: tuple(v) for k, v in by_lemma.items()},
            need=tuple(need),
            vocabulary=frozenset(by_lemma),
        )


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
