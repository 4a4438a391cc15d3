"""Russian texts read the same for everyone: no gendered «(а)» endings."""

from __future__ import annotations

import re

from kontrol.i18n import plural_entries, translations

# «оценил(а)», «ознакомился(-ась)»: a word with a bracketed feminine ending.
GENDERED = re.compile(r"[а-яё]\(-?[а-яё]{1,3}\)", re.IGNORECASE)


def _russian_texts() -> dict[str, str]:
    texts = dict(translations("ru"))
    for key, forms in plural_entries("ru").items():
        texts.update({f"{key}#{name}": text for name, text in forms.items()})
    return texts


def test_the_pattern_finds_a_gendered_ending() -> None:
    assert GENDERED.search("оценил(а)") and GENDERED.search("ознакомился(-ась)")
    assert not GENDERED.search("ответ (а) или (б)") and not GENDERED.search("(а)")


def test_no_russian_text_has_a_gendered_ending() -> None:
    found = {key: text for key, text in _russian_texts().items() if GENDERED.search(text)}
    assert found == {}
