"""How many interactions per second one core checks, against the straightforward way.

Generates N chat interactions with the demo generator (Russian and English, as
the demo makes them), warms the word caches with one pass, then times on CPU
time of this process (one core):

- ``engine``: everything ``kontrol score`` runs per interaction once the rows are
  read: words, lemmas, the one Aho-Corasick pass over every phrase list, all
  18 checks and the signals (``prepare`` + ``run_checks``);
- ``check_record``: the same from a FORMAT.md dict (parsing its times too);
- ``phrases: automaton``: only finding every phrase of every list (words,
  cached lemmas, one automaton pass);
- ``phrases: one re.search per phrase``: the straightforward way: for every
  message, ``re.search`` of each phrase of each list of its language
  (``(?<!\\w)phrase(?!\\w)``, case-insensitive, precompiled), which still finds
  no inflected form.

    python -m bench.checks_speed --count 100000
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from typing import Any

from kontrol.checks.engine import check_record, prepare, record_messages, run_checks
from kontrol.checks.phrases import builtin_lists, phrase_book
from kontrol.checks.text import lemmatizer, words_of
from kontrol.demo.generator import generate


def chats(count: int, seed: int = 11) -> list[dict[str, Any]]:
    """``count`` generated chat interactions (Russian and English)."""
    found: list[dict[str, Any]] = []
    asked = count * 3
    while len(found) < count:
        for record in generate(seed=seed, interactions=asked):
            if record.get("kind", "interaction") == "interaction" and record["channel"] == "chat":
                found.append(record)
                if len(found) == count:
                    break
        seed += 1
    return found


def _cpu(run: Callable[[], None]) -> float:
    began = time.process_time()
    run()
    return time.process_time() - began


def naive_patterns(language: str) -> list[re.Pattern[str]]:
    """One compiled regular expression per phrase of every built-in list."""
    return [
        re.compile(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", re.IGNORECASE)
        for phrases in builtin_lists(language).values()
        for phrase in phrases
        if "{" not in phrase
    ]


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; return the Markdown table for docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100000, help="chat interactions")
    parser.add_argument(
        "--naive-count", type=int, default=2000, help="interactions for the slow way"
    )
    args = parser.parse_args(argv)
    records = chats(args.count)
    messages = [record_messages(r) for r in records]
    languages = [r.get("language") for r in records]
    words = [sum(len(words_of(m[1])) for m in ms) for ms in messages]
    # Warm-up: the word caches fill on first sight of a word, as in a long import.
    for ms, lang in zip(messages, languages, strict=True):
        run_checks(prepare(channel="chat", messages=ms, language=lang))

    def engine() -> None:
        for ms, lang in zip(messages, languages, strict=True):
            run_checks(prepare(channel="chat", messages=ms, language=lang))

    def from_records() -> None:
        for record in records:
            check_record(record)

    books = {lang: phrase_book(lang) for lang in ("ru", "en")}

    def automaton() -> None:
        for ms, lang in zip(messages, languages, strict=True):
            book = books[lang or "ru"]
            texts = [words_of(m[1]) for m in ms]
            book.find(texts, [book.reducer.lemmas(w) for w in texts])

    patterns = {lang: naive_patterns(lang) for lang in ("ru", "en")}
    subset = list(zip(messages[: args.naive_count], languages, strict=False))

    def naive() -> None:
        for ms, lang in subset:
            for pattern in patterns[lang or "ru"]:
                for message in ms:
                    pattern.search(message[1])

    n = len(records)
    rows = [
        ("engine: all checks and signals", n, _cpu(engine)),
        ("check_record (from a FORMAT.md dict)", n, _cpu(from_records)),
        ("phrases: words + lemmas + one automaton pass", n, _cpu(automaton)),
        ("phrases: one re.search per phrase per message", len(subset), _cpu(naive)),
    ]
    rates = {name: count / seconds for name, count, seconds in rows}
    per_message = sum(len(ms) for ms in messages) / n
    phrase_count = {lang: len(p) for lang, p in patterns.items()}
    lines = [
        "### Latest figures: interactions per second on one core",
        "",
        f"{n:,} generated chat interactions ({per_message:.1f} messages, "
        f"{sum(words) / n:.0f} words each on average; phrase lists: "
        f"{phrase_count['ru']} Russian and {phrase_count['en']} English phrases); "
        f"CPU time of one process after one warm-up pass; the straightforward way "
        f"timed on the first {len(subset):,}. Command: "
        f"`nice -n 10 .venv/bin/python -m bench.checks_speed --count {n}`.",
        "",
        "| what | interactions | CPU s | interactions/s |",
        "|---|---:|---:|---:|",
    ]
    for name, count, seconds in rows:
        lines.append(f"| {name} | {count:,} | {seconds:.2f} | {count / seconds:,.0f} |")
    naive_rate = rates["phrases: one re.search per phrase per message"]
    lines += [
        "",
        f"Phrase finding: the automaton is "
        f"{rates['phrases: words + lemmas + one automaton pass'] / naive_rate:.0f}× the "
        f"straightforward way (which also misses inflected forms); the whole engine, all "
        f"checks included, is {rates['engine: all checks and signals'] / naive_rate:.0f}× "
        f"the straightforward phrase search alone.",
    ]
    lemma_cache = len(lemmatizer("ru")._raw) + len(lemmatizer("en")._raw)
    lines.append(f"Distinct words lemmatised (cache size): {lemma_cache:,}.")
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
