"""Instructions the checks engine executes per interaction, counted by callgrind.

CPU time on this shared machine moves by ±25 % between runs; an instruction count
does not (or by well under 1 %), so a before/after comparison of the engine's own
work is made with it. Generates ``--count`` chat interactions as
``bench/checks_speed.py`` does, runs one warm-up pass (word caches filled), then
one pass of ``mode`` (``engine``: ``prepare`` + ``run_checks``; ``phrases``: words,
lemmas and one automaton pass) inside ``itertools.starmap``, which nothing in the
engine calls, so callgrind counts only that pass:

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=starmap_next \\
        .venv/bin/python -m bench.checks_instructions engine --count 400

and reads ``Collected`` (divide by the count). Method and figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
from itertools import starmap

from bench.checks_speed import chats
from kontrol.checks.engine import MessageTuple, prepare, record_messages, run_checks
from kontrol.checks.phrases import phrase_book
from kontrol.checks.text import words_of


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("engine", "phrases"))
    parser.add_argument("--count", type=int, default=400, help="chat interactions")
    args = parser.parse_args(argv)
    items = [(record_messages(r), r.get("language")) for r in chats(args.count)]
    books = {lang: phrase_book(lang) for lang in ("ru", "en")}

    def engine(messages: list[MessageTuple], language: str | None) -> None:
        run_checks(prepare(channel="chat", messages=messages, language=language))

    def phrases(messages: list[MessageTuple], language: str | None) -> None:
        book = books[language or "ru"]
        texts = [words_of(m[1]) for m in messages]
        book.find(texts, [book.reducer.lemmas(w) for w in texts])

    for messages, language in items:
        engine(messages, language)
    list(starmap(engine if args.mode == "engine" else phrases, items))


if __name__ == "__main__":
    main()
