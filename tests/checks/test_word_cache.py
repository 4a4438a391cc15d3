"""The dictionaries' answers kept on disk between commands (checks/word_cache.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kontrol.checks import text, word_cache
from kontrol.checks.text import Lemmatizer


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KONTROL_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(text, "WORDS", word_cache.WordCache())
    return tmp_path


def _file() -> Path:
    found = word_cache.cache_file()
    assert found is not None
    return found


def _lemmas(language: str, words: list[str]) -> list[str]:
    return Lemmatizer(language).lemmas(words)


def test_a_second_process_reads_the_words_the_first_saved(fresh_cache: Path) -> None:
    words = ["благодарим", "ожидайте", "Заказы", "thanking", "waiting"]
    first = _lemmas("ru", words[:3]) + _lemmas("en", words[3:])
    assert first == ["благодарить", "ожидать", "заказ", "thank", "wait"]
    text.WORDS.save()
    saved = json.loads(_file().read_text(encoding="utf-8"))
    assert saved["ru_normal"]["благодарим"] == "благодарить"
    assert saved["ru_known"]["благодарим"] is True
    assert saved["en_stem"]["thanking"] == "thank"

    # The next command answers from the file: the dictionaries are not asked again.
    later = word_cache.WordCache()
    text.WORDS = later

    def never(word: str) -> object:
        raise AssertionError(f"looked up again: {word}")

    assert later.get("ru_normal", "благодарим", never) == "благодарить"
    assert _lemmas("ru", words[:3]) + _lemmas("en", words[3:]) == first


def test_saving_merges_with_what_another_process_saved(fresh_cache: Path) -> None:
    one, two = word_cache.WordCache(), word_cache.WordCache()
    one.get("ru_normal", "окна", lambda word: "окно")
    two.get("ru_normal", "двери", lambda word: "дверь")
    one.save()
    two.save()
    merged = word_cache.WordCache()
    assert merged.get("ru_normal", "окна", str.upper) == "окно"
    assert merged.get("ru_normal", "двери", str.upper) == "дверь"


def test_a_damaged_file_is_ignored(fresh_cache: Path) -> None:
    _file().write_text(
        '{"ru_normal": {"окна": 5, "двери": "дверь"}, "ru_known": [1]}', encoding="utf-8"
    )
    cache = word_cache.WordCache()
    # A value of the wrong type is looked up again; the rest is read.
    assert cache.get("ru_normal", "окна", lambda word: "окно") == "окно"
    assert cache.get("ru_normal", "двери", str.upper) == "дверь"
    assert cache.get("ru_known", "окна", lambda word: True) is True
    _file().write_text("{not json", encoding="utf-8")
    assert word_cache.WordCache().get("ru_normal", "окна", lambda word: "окно") == "окно"


def test_the_file_is_named_after_the_dictionaries_versions(
    fresh_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _file().name
    word_cache._versions.cache_clear()
    real = word_cache.metadata.version
    monkeypatch.setattr(
        word_cache.metadata,
        "version",
        lambda name: "99.0" if name == "pymorphy3-dicts-ru" else real(name),
    )
    try:
        assert _file().name != before
    finally:
        monkeypatch.undo()
        word_cache._versions.cache_clear()
    assert _file().name == before


def test_a_process_holds_a_bounded_number_of_words(
    fresh_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(word_cache, "MAX_HELD", 2)
    cache = word_cache.WordCache()
    asked: list[str] = []

    def normal(word: str) -> str:
        asked.append(word)
        return word[:-1]

    for word in ("окна", "двери", "стены", "стены"):
        assert cache.get("ru_normal", word, normal) == word[:-1]
    # The third word did not fit: it is looked up each time, the first two once.
    assert asked == ["окна", "двери", "стены", "стены"]
    assert cache.get("ru_normal", "окна", normal) == "окн"
    assert asked.count("окна") == 1


def test_without_a_home_folder_nothing_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KONTROL_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(word_cache.Path, "home", no_home)
    cache = word_cache.WordCache()
    assert cache.get("ru_normal", "окна", lambda word: "окно") == "окно"
    cache.save()  # nowhere to write: no error
    assert word_cache.cache_file() is None
