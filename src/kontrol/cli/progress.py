"""A progress bar on stderr for commands that import and score a file.

stdout carries the command's output (JSON lines), so the bar goes to stderr, and
only when stderr is a terminal and the file is big: a small file is done before
a bar would be read, and a redirected stderr gets no control codes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

# From how many interactions a file counts as big enough for a bar.
BIG = 500


class FileProgressBar:
    """Shows "stored N" while the file is read, then a bar of the scoring (FileProgress)."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        )
        self._shown = False
        self._reading: TaskID | None = None
        self._scoring: TaskID | None = None

    def stored(self, interactions: int) -> None:
        """Interactions stored so far; the bar appears once the file is big."""
        if not self._show(interactions):
            return
        if self._reading is None:
            self._reading = self._progress.add_task("importing", total=None)
        self._progress.update(self._reading, completed=interactions)

    def processed(self, done: int, total: int) -> None:
        """Interactions scored of those stored."""
        if not self._show(total):
            return
        if self._scoring is None:
            if self._reading is not None:
                self._progress.update(self._reading, total=total, completed=total)
            self._scoring = self._progress.add_task("scoring", total=total)
        self._progress.update(self._scoring, completed=done)

    def _show(self, size: int) -> bool:
        if not self._shown and size > BIG:
            self._progress.start()
            self._shown = True
        return self._shown

    def close(self) -> None:
        """Take the bar off the terminal."""
        if self._shown:
            self._progress.stop()


@contextmanager
def file_progress() -> Iterator[FileProgressBar | None]:
    """A progress bar on stderr when stderr is a terminal, else ``None``."""
    if not sys.stderr.isatty():
        yield None
        return
    bar = FileProgressBar(Console(stderr=True))
    try:
        yield bar
    finally:
        bar.close()
