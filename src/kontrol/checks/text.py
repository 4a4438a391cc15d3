"""Words of a text, reduced to what a phrase list compares: lemmas.

Russian words go through pymorphy3 (``благодарим`` → ``благодарить``), English
through the Snowball stemmer (``thanking`` → ``thank``). Case, ``ё``/``е`` and
punctuation are ignored. A word the dictionary does not know (a typo such as
``здраствуйте``) is matched to the nearest word of the phrase lists when it is
one or two edits away. Every word is reduced once per process: a cache maps the
surface form to its lemma, so a large import mostly pays for dictionary
look-ups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kontrol.checks.word_cache import WORDS

WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")
LATIN = re.compile(r"[a-zA-Z]")

LANGUAGES = ("ru", "en")
# Distinct words kept per language (a real vocabulary is far smaller; typos and names
# keep coming, so the cache starts afresh past this size).
MAX_CACHED_WORDS = 300_000


def detect_language(texts: Iterable[str]) -> str:
    """``ru`` when at least a third of the letters are Cyrillic, else ``en``."""
    cyrillic = latin = 0
    for text in texts:
        cyrillic += len(CYRILLIC.findall(text))
        latin += len(LATIN.findall(text))
        if cyrillic + latin > 2000:
            break
    if cyrillic and cyrillic * 2 >= latin:
        return "ru"
    return "en"


def fold(word: str) -> str:
    """Lower case, ``ё`` as ``е``, typographic apostrophes as ``'``."""
    return word.lower().replace("ё", "е").replace("’", "'")


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a message: where it stands, its folded form and its lemma."""

    start: int
    end: int
    form: str
    lemma: str


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=1)
def _english_stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


class Lemmatizer:
    """Reduces folded words to lemmas for one language, with a cache and typo repair.

    ``vocabulary`` holds the folded words of the phrase lists: an unknown word
    within one edit (two for words of eight letters or more) of one of them is
    read as that word.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self._cache: dict[str, str] = {}
        self._raw: dict[str, str] = {}
        self._known: dict[str, bool] = {}
        self._spelling: dict[str, int] = {}
        self._spelling_codes: dict[str, int] = {}
        # Every word of every phrase list (workspace jargon included): never a misspelling.
        self.listed_words: set[str] = set()
        self._vocabulary: dict[str, list[str]] = {}

    def add_vocabulary(self, words: Iterable[str]) -> None:
        """Words that typos are repaired towards (the phrase lists' own words)."""
        changed = False
        for word in words:
            self.listed_words.add(word)
            if len(word) >= 5 and not word.isdigit():
                bucket = self._vocabulary.setdefault(word[0], [])
                if word not in bucket:
                    bucket.append(word)
                    changed = True
        if changed:
            # Earlier repairs may have missed the new words.
            self._cache.clear()
            self._raw.clear()

    def lemmas(self, words: list[str]) -> list[str]:
        """Lemmas of words as written (not folded): one dictionary look-up per known word."""
        found: list[str | None] = list(map(self._raw.get, words))
        if None in found:
            return [lemma or self._raw_miss(word) for lemma, word in zip(found, words, strict=True)]
        return found  # type: ignore[return-value]  # no None left

    def _raw_miss(self, word: str) -> str:
        if not word.isalpha():
            # Numbers and codes ("28937539", "A-123") are endless and their own lemma:
            # caching them would grow memory with the size of an import.
            return fold(word) if any(c.isdigit() for c in word) else self.lemma(fold(word))
        if len(self._raw) >= MAX_CACHED_WORDS:
            self._raw.clear()
            self._cache.clear()
        found = self._raw[word] = self.lemma(fold(word))
        return found

    def lemma(self, form: str) -> str:
        """The lemma of a folded word."""
        cached = self._cache.get(form)
        if cached is None:
            cached = self._reduce(form)
            self._cache[form] = cached
        return cached

    def spelling_class(self, word: str) -> int:
        """For the spelling check, a word as written: 0 not checked, 1 known, 2 unknown."""
        found = self._spelling.get(word)
        if found is None:
            if not word.isalpha():
                return 0
            if len(self._spelling) >= MAX_CACHED_WORDS:
                self._spelling.clear()
            form = fold(word)
            script = CYRILLIC if self.language == "ru" else LATIN
            if (
                len(word) < 3
                or not word.isalpha()
                # iPhone, WhatsApp, SMS: brand names and abbreviations, not dictionary words.
                or not word[1:].islower()
                or not script.search(word)
                or (self.language == "ru" and LATIN.search(word))
            ):
                found = 0
            else:
                found = 1 if self.is_known(form) else 2
            self._spelling[word] = found
        return found

    def spelling_codes(self, words: list[str]) -> list[int]:
        """:meth:`spelling_class` of each word, plus 2 when a checked word is capitalised
        (0 not checked, 1 known, 2 unknown, 3 known and capitalised, 4 unknown and
        capitalised): one dictionary look-up per word already seen."""
        found: list[int | None] = list(map(self._spelling_codes.get, words))
        if None in found:
            return [
                self._spelling_code(word) if code is None else code
                for code, word in zip(found, words, strict=True)
            ]
        return found  # type: ignore[return-value]  # no None left

    def _spelling_code(self, word: str) -> int:
        kind = self.spelling_class(word)
        code = kind + 2 if kind and word[0].isupper() else kind
        if word.isalpha():  # cached like spelling_class: never numbers and codes
            if len(self._spelling_codes) >= MAX_CACHED_WORDS:
                self._spelling_codes.clear()
            self._spelling_codes[word] = code
        return code

    def is_known(self, form: str) -> bool:
        """Whether the dictionary of the language knows the folded word."""
        known = self._known.get(form)
        if known is None:
            if CYRILLIC.search(form):
                known = _ru_known(form)
            else:
                known = _english_known(form)
            self._known[form] = known
        return known

    def _reduce(self, form: str) -> str:
        if form.isdigit():
            return form
        if self.language == "ru" and CYRILLIC.search(form):
            if not _ru_known(form):
                repaired = self._repair(form)
                if repaired is not None:
                    form = repaired
            return _ru_normal(form)
        if LATIN.search(form):
            if len(form) >= 5 and not _english_known(form):
                repaired = self._repair(form)
                if repaired is not None:
                    form = repaired
            word = form.replace("'", "")
            if len(word) >= 6 and word.endswith(("ful", "fully")):
                # The stemmer reduces "helpful" to "help" and "wonderful" to "wonder":
                # an adjective is kept whole so that it never meets an unrelated stem.
                return word.removesuffix("ly")
            return _en_stem(word)
        return form

    def _repair(self, form: str) -> str | None:
        if len(form) < 5:
            return None
        from rapidfuzz.distance import Levenshtein
        from rapidfuzz.process import extractOne

        limit = 2 if len(form) >= 8 else 1
        candidates = list(self._vocabulary.get(form[0], ()))
        if len(form) >= 8:
            # A typo in the first letter is rare but happens in long words.
            candidates += [
                w
                for k, bucket in self._vocabulary.items()
                if k != form[0]
                for w in bucket
                if abs(len(w) - len(form)) <= 1 and w[1:3] == form[1:3]
            ]
        if not candidates:
            return None
        found = extractOne(form, candidates, scorer=Levenshtein.distance, score_cutoff=limit)
        return None if found is None else str(found[0])


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    from spellchecker import SpellChecker

    return frozenset(SpellChecker(language="en").word_frequency.dictionary)


def _english_known(form: str) -> bool:
    return bool(WORDS.get("en_known", form, _english_listed))


def _english_listed(form: str) -> bool:
    word = form.replace("'", "")
    return form in _english_words() or word in _english_words()


# The dictionaries' answers, kept on disk between commands (word_cache.py).
def _ru_known(form: str) -> bool:
    return bool(WORDS.get("ru_known", form, lambda w: bool(_morph().word_is_known(w))))


def _ru_normal(form: str) -> str:
    return fold(str(WORDS.get("ru_normal", form, lambda w: _morph().parse(w)[0].normal_form)))


def _en_stem(word: str) -> str:
    return str(WORDS.get("en_stem", word, lambda w: str(_english_stemmer().stemWord(w))))


_lemmatizers: dict[str, Lemmatizer] = {}


def lemmatizer(language: str) -> Lemmatizer:
    """The process-wide lemmatizer of a language (its cache is shared by every text)."""
    found = _lemmatizers.get(language)
    if found is None:
        found = _lemmatizers[language] = Lemmatizer(language)
    return found


URL = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.-]+|(?<![\w.])@\w+|"
    r"\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|ru|рф|io|co|uk|de)\b(?:/\S*)?",
    re.IGNORECASE,
)
_LINK_HINTS = ("www.", ".com", ".org", ".net", ".ru", ".io", ".co", ".uk", ".de", ".рф")
# One C-level search decides whether a text may hold a link at all (most do not).
_MAY_LINK = re.compile("|".join(re.escape(hint) for hint in ("://", "@", *_LINK_HINTS)))
QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
QUOTE_HEADER = re.compile(
    r"^[ \t]*(?:On .{0,200}wrote:|-{2,}\s*Original Message\s*-{2,}|.{0,200}пишет:|"
    r"-{2,}\s*Исходное сообщение\s*-{2,})[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def mask(text: str) -> str:
    """``text`` with what nobody said in this message blanked out, same length.

    Links and @handles, lines quoted with ``>``, and an e-mail's quoted tail
    (from "On ... wrote:" on) become spaces, so that character offsets still
    point into the original text.
    """
    if _MAY_LINK.search(text):
        text = URL.sub(_blank, text)
    if ">" in text:
        text = QUOTED_LINE.sub(_blank, text)
    header = QUOTE_HEADER.search(text) if "\n" in text else None
    if header is not None:
        text = text[: header.start()] + " " * (len(text) - header.start())
    return text


def mask_all(texts: list[str]) -> list[str]:
    """:func:`mask` of each text; one look at them all together (joined by NUL, which
    no hint holds) skips the texts of a conversation that has nothing to blank."""
    joined = "\0".join(texts)
    if _MAY_LINK.search(joined) or ">" in joined or "\n" in joined:
        return [mask(text) for text in texts]
    return texts


def words_of(text: str) -> list[str]:
    """The words of ``text`` as written (the same words :func:`tokenize` finds)."""
    return WORD.findall(text)


def spans_of(text: str) -> list[tuple[int, int]]:
    """Where each word of ``text`` starts and ends (the words of :func:`words_of`)."""
    return [match.span() for match in WORD.finditer(text)]


def tokenize(text: str, reducer: Lemmatizer) -> list[Token]:
    """The words of ``text`` with their spans and lemmas."""
    lemma = reducer.lemma
    tokens = []
    for match in WORD.finditer(text):
        form = fold(match.group())
        tokens.append(Token(match.start(), match.end(), form, lemma(form)))
    return tokens


def phrase_lemmas(phrase: str, reducer: Lemmatizer) -> list[str]:
    """The lemma sequence of a phrase written in a list (``{name}`` slots kept)."""
    out = []
    for part in phrase.split():
        if part.startswith("{") and part.endswith("}"):
            out.append(part)
            continue
        out.extend(reducer.lemma(fold(m.group())) for m in WORD.finditer(part))
    return out
