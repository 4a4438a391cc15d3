"""Phrase rules: which taxonomy entry a conversation's text names.

A phrase matches whole words; a trailing ``*`` on a word matches any ending, so
``доставк*`` covers the Russian cases of one stem. Lower case, ``ё`` read as
``е``. The entry with the most distinct matching phrases wins; a tie goes to
the entry listed first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kontrol.analysis.taxonomy import Reason


def normalize(text: str) -> str:
    """Lower case with ё as е: how texts and phrases are compared."""
    return text.lower().replace("ё", "е")


def compile_phrase(phrase: str) -> re.Pattern[str]:
    """The regular expression of one phrase (words in order, any spacing between)."""
    words = normalize(phrase).split()
    parts = []
    for word in words:
        if word.endswith("*"):
            parts.append(re.escape(word.rstrip("*")) + r"\w*")
        else:
            parts.append(re.escape(word))
    return re.compile(r"(?<!\w)" + r"[\s,.!?;:\-]+".join(parts) + r"(?!\w)")


@dataclass(frozen=True)
class RuleMatch:
    """The winning entry and the phrases that matched it."""

    code: str
    phrases: tuple[str, ...]


class PhraseRules:
    """The compiled phrase rules of one kind of taxonomy entries."""

    def __init__(self, entries: Sequence[Reason]) -> None:
        self._rules = [
            (
                entry.code,
                [
                    (phrase, compile_phrase(phrase))
                    for language in sorted(entry.phrases)
                    for phrase in entry.phrases[language]
                ],
            )
            for entry in entries
        ]

    def match(self, text: str) -> RuleMatch | None:
        """The entry the text names most, or None when no phrase matches."""
        normalized = normalize(text)
        best: RuleMatch | None = None
        for code, rules in self._rules:
            found = tuple(phrase for phrase, pattern in rules if pattern.search(normalized))
            if found and (best is None or len(found) > len(best.phrases)):
                best = RuleMatch(code, found)
        return best
