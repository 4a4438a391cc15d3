"""What the dictionaries say of a word, kept on disk between commands.

A command starts with its word caches empty and pays the first look-up of every
word: pymorphy3 walks its dictionary in pure Python (about half a millisecond a
word), the English word list and stemmer have to load. Their answers depend on
nothing but the word and the dictionaries' versions, so they are kept in a file
named after those versions (``KONTROL_CACHE_DIR``, else ``$XDG_CACHE_HOME/kontrol``,
else ``~/.cache/kontrol``): a new dictionary version starts a new file. What
depends on the phrase lists (the repair of a typo towards their words) is never
kept here. ``save`` merges with what other processes saved meanwhile and
replaces the file at once, so readers never see half a file; a file that cannot
be read or written is ignored (the words are looked up again).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

# What the file keeps for each word: known to the Russian dictionary, its Russian
# normal form, known to the English word list, its English stem.
KINDS = ("ru_known", "ru_normal", "en_known", "en_stem")
# Entries kept per kind: a contact centre's vocabulary fits; names, typos and codes
# keep coming, and the file (read whole by every process that checks) stays small.
MAX_SAVED = 50_000
# Entries held per kind in a process: past this, new words are looked up each time
# (a worker that runs for weeks must not grow with every name it meets).
MAX_HELD = 300_000

_DISTRIBUTIONS = ("pymorphy3", "pymorphy3-dicts-ru", "pyspellchecker", "snowballstemmer")


def cache_dir() -> Path | None:
    """Where the file lives (None: no home folder to keep it in)."""
    chosen = os.environ.get("KONTROL_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "kontrol"


@lru_cache(maxsize=1)
def _versions() -> str:
    found = []
    for name in _DISTRIBUTIONS:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=-")
    return hashlib.sha256("\n".join(found).encode()).hexdigest()[:16]


def cache_file() -> Path | None:
    """The file of the installed dictionaries' versions (None: nowhere to keep it)."""
    folder = cache_dir()
    return None if folder is None else folder / f"words-{_versions()}.json"


class WordCache:
    """The answers of the dictionaries, read from the file on first use."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, object]] | None = None
        self._new = 0

    def _loaded(self) -> dict[str, dict[str, object]]:
        if self._entries is None:
            self._entries = {kind: {} for kind in KINDS}
            for kind, values in _read(cache_file()).items():
                self._entries[kind].update(values)
        return self._entries

    def get(self, kind: str, word: str, compute: Callable[[str], object]) -> object:
        """The cached answer of ``kind`` for ``word``, computed (and kept) on a miss."""
        entries = self._loaded()[kind]
        found = entries.get(word)
        if found is None:
            found = compute(word)
            if len(entries) < MAX_HELD:
                entries[word] = found
                self._new += 1
        return found

    def save(self) -> None:
        """Write the file if this process learnt new words (merged with the file's)."""
        if not self._new or self._entries is None:
            return
        path = cache_file()
        if path is None:
            return
        merged = _read(path)
        for kind in KINDS:
            values = merged.setdefault(kind, {})
            for word, answer in self._entries[kind].items():
                if len(values) >= MAX_SAVED:
                    break
                values.setdefault(word, answer)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=path.parent, prefix=".words-", suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(merged, out, ensure_ascii=False, separators=(",", ":"))
            os.replace(name, path)
        except OSError:
            return  # a read-only home: the words are looked up again next time
        self._new = 0


def _read(path: Path | None) -> dict[str, dict[str, object]]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    found: dict[str, dict[str, object]] = {}
    for kind in KINDS:
        values = data.get(kind)
        if isinstance(values, dict):
            wanted = bool if kind.endswith("_known") else str
            found[kind] = {
                word: answer for word, answer in values.items() if type(answer) is wanted
            }
    return found


WORDS = WordCache()


def save_words() -> None:
    """Keep the words this process looked up for the next command."""
    WORDS.save()
