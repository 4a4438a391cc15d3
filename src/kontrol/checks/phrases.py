"""Phrase lists: data files a QA lead can read, compiled into one automaton.

Each list is a text file ``phrases/<lang>/<list>.txt``: one phrase per line,
``#`` starts a comment. Phrases are written the way people say them; they are
compared on lemmas, so one line ``благодарю за обращение`` also finds
"благодарим за обращение". A trailing ``{name}`` slot stands for a person's
name (``это {name}`` finds "Это Анна", not "это важно").

All lists of one language (built-in, replaced or extended by the workspace,
and the phrases of custom checks) go into ONE Aho-Corasick automaton over
lemma sequences: a conversation is read in one pass whatever the number of
lists and phrases.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import ahocorasick

from kontrol.checks.text import Lemmatizer, fold, lemmatizer, phrase_lemmas

NAME_SLOT = "{name}"
# Capitalised English words that follow "this is" without being a name.
_NOT_NAMES_EN = frozenset(
    "i the a an it is not my our your this that customer support service team".split()
)


@dataclass(frozen=True, slots=True)
class PhraseOverride:
    """A workspace's change to one list: ``extend`` adds phrases, ``replace`` swaps the list."""

    language: str
    list_name: str
    mode: str
    phrases: tuple[str, ...]


def parse_list(text: str) -> list[str]:
    """Phrases of a list file: non-empty lines, ``#`` comments dropped."""
    phrases = []
    for line in text.splitlines():
        phrase = line.split("#", 1)[0].strip()
        if phrase:
            phrases.append(phrase)
    return phrases


@lru_cache(maxsize=4)
def builtin_lists(language: str) -> dict[str, tuple[str, ...]]:
    """The lists shipped with Kontrol for ``language``, by list name."""
    folder = resources.files("kontrol.checks").joinpath("phrases").joinpath(language)
    lists: dict[str, tuple[str, ...]] = {}
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".txt"):
            lists[entry.name[:-4]] = tuple(parse_list(entry.read_text(encoding="utf-8")))
    return lists


def builtin_list_text(language: str, list_name: str) -> str:
    """The file text of one built-in list (comments included), for showing it."""
    entry = (
        resources.files("kontrol.checks")
        .joinpath("phrases")
        .joinpath(language)
        .joinpath(f"{list_name}.txt")
    )
    return entry.read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Hit:
    """A phrase of a list found in a message, tokens ``first``..``last`` inclusive."""

    list_name: str
    message: int
    first: int
    last: int


@dataclass(slots=True)
class PhraseBook:
    """Every list of one language compiled into one automaton."""

    language: str
    lists: dict[str, tuple[str, ...]]
    reducer: Lemmatizer
    automaton: Any = None
    slotted: set[str] = field(default_factory=set)

    def compile(self) -> PhraseBook:
        """Build the automaton (keys are `` lemma lemma ``, padded by spaces)."""
        words = {
            fold(w)
            for phrases in self.lists.values()
            for phrase in phrases
            for w in phrase.split()
            if not w.startswith("{")
        }
        self.reducer.add_vocabulary(w.strip('.,!?;:«»"()') for w in words)
        automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[str, int, bool]]] = {}
        for list_name, phrases in self.lists.items():
            for phrase in phrases:
                lemmas = phrase_lemmas(phrase, self.reducer)
                slot = bool(lemmas) and lemmas[-1] == NAME_SLOT
                if slot:
                    lemmas = lemmas[:-1]
                if not lemmas or any(lemma.startswith("{") for lemma in lemmas):
                    continue
                key = " " + " ".join(lemmas) + " "
                payload = (list_name, len(lemmas), slot)
                bucket = entries.setdefault(key, [])
                if payload not in bucket:
                    bucket.append(payload)
        for key, payloads in entries.items():
            automaton.add_word(key, (len(key), tuple(payloads)))
        if entries:
            automaton.make_automaton()
            self.automaton = automaton
        return self

    def has(self, list_name: str) -> bool:
        """Whether the list exists and holds at least one phrase."""
        return bool(self.lists.get(list_name))

    def find(self, words: list[list[str]], lemmas: list[list[str]]) -> dict[str, list[Hit]]:
        """Every hit of every list in the messages, in one pass, by list name.

        The messages' lemmas are joined into one line (`` a b c `` per message, messages
        separated by a newline) and run through the automaton once; a hit's message and
        word are recovered by counting newlines and spaces before it.
        """
        found: dict[str, list[Hit]] = {}
        if self.automaton is None:
            return found
        parts = [" " + " ".join(message) + " " for message in lemmas]
        line = "\n".join(parts)
        starts = []  # where each message's part of the line begins
        offset = 0
        for part in parts:
            starts.append(offset)
            offset += len(part) + 1
        for end, (length, payloads) in self.automaton.iter(line):
            begin = end - length + 1
            message = bisect_right(starts, begin) - 1
            first = line.count(" ", starts[message], begin)
            for list_name, count, slot in payloads:
                last = first + count - 1
                if slot:
                    if not self._name_follows(words[message], last + 1):
                        continue
                    last += 1
                found.setdefault(list_name, []).append(Hit(list_name, message, first, last))
        return found

    def _name_follows(self, message_words: list[str], position: int) -> bool:
        if position >= len(message_words):
            return False
        original = message_words[position]
        if not original[:1].isupper() or len(original) < 2:
            return False
        form = fold(original)
        if self.language == "ru":
            return _is_russian_name(form)
        return form not in _NOT_NAMES_EN


@lru_cache(maxsize=4096)
def _is_russian_name(form: str) -> bool:
    from kontrol.checks.text import _morph

    parses = _morph().parse(form)
    return any("Name" in p.tag or "Surn" in p.tag for p in parses) or not _morph().word_is_known(
        form
    )


def overrides_key(overrides: Iterable[PhraseOverride]) -> str:
    """A stable digest of a set of overrides, to cache compiled books by."""
    payload = sorted((o.language, o.list_name, o.mode, list(o.phrases)) for o in overrides)
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def effective_lists(
    language: str,
    overrides: Iterable[PhraseOverride] = (),
    extra: Mapping[str, tuple[str, ...]] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Built-in lists with a workspace's overrides applied, plus ``extra`` lists."""
    lists = dict(builtin_lists(language))
    for override in overrides:
        if override.language != language:
            continue
        if override.mode == "replace":
            lists[override.list_name] = tuple(override.phrases)
        else:
            lists[override.list_name] = lists.get(override.list_name, ()) + tuple(override.phrases)
    if extra:
        lists.update(extra)
    return lists


_books: dict[tuple[str, str], PhraseBook] = {}


def phrase_book(
    language: str,
    overrides: tuple[PhraseOverride, ...] = (),
    extra: Mapping[str, tuple[str, ...]] | None = None,
) -> PhraseBook:
    """The compiled book of a language with these overrides (cached per process)."""
    extra_items = sorted((extra or {}).items())
    key = (language, overrides_key(overrides) + json.dumps(extra_items, ensure_ascii=False))
    book = _books.get(key)
    if book is None:
        if len(_books) > 64:
            _books.clear()
        lists = effective_lists(language, overrides, dict(extra_items))
        book = PhraseBook(language, lists, lemmatizer(language)).compile()
        _books[key] = book
    return book
