"""An interaction prepared for the checks: messages with their words and phrase hits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kontrol.checks.audio import AudioTurns
from kontrol.checks.phrases import Hit, PhraseBook
from kontrol.checks.text import mask_all, spans_of, words_of

OPENING_MESSAGES = 2
CLOSING_MESSAGES = 2
OPENING_SPEECH_SECONDS = 20.0
CLOSING_SECONDS = 30.0


@dataclass(slots=True)
class Message:
    """One message (or call segment) of the conversation."""

    index: int
    role: str
    text: str
    at: datetime | None = None
    start: float | None = None
    end: float | None = None
    # The text the checks read: ``text`` with links, quoted lines and quoted tails blanked.
    view: str = ""
    words: list[str] = field(default_factory=list)
    lemmas: list[str] = field(default_factory=list)
    _spans: list[tuple[int, int]] | None = None

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Where each word starts and ends (computed on demand: only evidence needs it)."""
        if self._spans is None:
            self._spans = spans_of(self.view)
        return self._spans


@dataclass(slots=True)
class Conversation:
    """What every check reads: the interaction's facts, messages, and phrase hits."""

    channel: str
    language: str
    messages: list[Message]
    book: PhraseBook
    direction: str = "inbound"
    started_at: datetime | None = None
    # When the interaction ended (the call's clock runs to it; ``None`` when unknown).
    ended_at: datetime | None = None
    customer_name: str | None = None
    agent_name: str | None = None
    followups: tuple[datetime, ...] = ()
    hits: dict[str, list[Hit]] = field(default_factory=dict)
    _opening: frozenset[int] | None = None
    _closing: frozenset[int] | None = None
    _by_role: dict[str, list[Message]] | None = None
    # Results several checks share (computed by the first that needs them).
    memo: dict[str, Any] = field(default_factory=dict)
    _timed: bool | None = None
    # Per message: the agent's speech level in dBFS read from the call recording
    # (checks/audio.py); ``None`` when there is no readable recording.
    loudness: list[float | None] | None = None
    # The interaction's topic as stored (``None`` when unknown), for topic-bound checks.
    topic: str | None = None
    # A call without a timed transcript: its speech turns measured from the stereo
    # recording (checks/audio.py), read by ``no_interruption`` and ``hold_announced``.
    audio: AudioTurns | None = None

    @classmethod
    def prepare(
        cls,
        *,
        channel: str,
        language: str,
        messages: Sequence[tuple[str, str, datetime | None, float | None, float | None]],
        book: PhraseBook,
        direction: str = "inbound",
        started_at: datetime | None = None,
        customer_name: str | None = None,
        agent_name: str | None = None,
        followups: Iterable[datetime] = (),
        ended_at: datetime | None = None,
    ) -> Conversation:
        """Tokenise the messages (role, text, at, start, end) and find every phrase hit."""
        lemmas = book.reducer.lemmas
        prepared = []
        views = mask_all([message[1] or "" for message in messages])
        for i, (role, text, at, start, end) in enumerate(messages):
            view = views[i]
            words = words_of(view)
            prepared.append(
                Message(i, role, text or "", at, start, end, view, words, lemmas(words))
            )
        conversation = cls(
            channel=channel,
            language=language,
            messages=prepared,
            book=book,
            direction=direction,
            started_at=started_at,
            ended_at=ended_at,
            customer_name=customer_name,
            agent_name=agent_name,
            followups=tuple(followups),
        )
        conversation.hits = book.find([m.words for m in prepared], [m.lemmas for m in prepared])
        return conversation

    # --- who said what -------------------------------------------------------------

    def by_role(self, role: str) -> list[Message]:
        """The messages of one role, in order."""
        if self._by_role is None:
            grouped: dict[str, list[Message]] = {}
            for message in self.messages:
                grouped.setdefault(message.role, []).append(message)
            self._by_role = grouped
        return self._by_role.get(role, [])

    @property
    def agent_messages(self) -> list[Message]:
        return self.by_role("agent")

    @property
    def customer_messages(self) -> list[Message]:
        return self.by_role("customer")

    @property
    def unpunctuated(self) -> bool:
        """A transcript without punctuation (speech recognition output): no "?" or "." at all."""
        found: bool | None = self.memo.get("unpunctuated")
        if found is None:
            found = self.memo["unpunctuated"] = not any(
                "?" in m.view or "." in m.view for m in self.messages
            )
        return found

    @property
    def timed(self) -> bool:
        """Whether the messages are call segments with start and end seconds."""
        if self._timed is None:
            spoken = [m for m in self.messages if m.role in ("agent", "customer")]
            self._timed = bool(spoken) and all(
                m.start is not None and m.end is not None for m in spoken
            )
        return self._timed

    # --- parts of the conversation ------------------------------------------------

    def opening(self) -> frozenset[int]:
        """The first two agent messages; on a timed call the agent segments that start
        within its first 20 s (CHECKS.md v1.1: on the call's clock)."""
        if self._opening is None:
            agents = self.agent_messages
            if self.timed and self.channel == "call":
                chosen = {m.index for m in agents if (m.start or 0.0) < OPENING_SPEECH_SECONDS}
                if not chosen and agents:
                    # The customer spoke first for over 20 s: the agent's first turn opens.
                    chosen = {agents[0].index}
            else:
                chosen = {m.index for m in agents[:OPENING_MESSAGES]}
            self._opening = frozenset(chosen)
        return self._opening

    def closing(self) -> frozenset[int]:
        """The last two agent messages; on a timed call the agent segments that end within
        its last 30 s (CHECKS.md v1.1)."""
        if self._closing is None:
            agents = self.agent_messages
            if self.timed and self.channel == "call" and agents:
                finish = max((m.end or 0.0) for m in self.messages if m.end is not None)
                if self.started_at is not None and self.ended_at is not None:
                    # Round 6: the call's clock runs to its end, not to its last word
                    # (CHECKS.md v1.1; README_batch5.md 7: an offer 36 s before the end of a
                    # 120 s call is outside the closing).
                    finish = max(finish, (self.ended_at - self.started_at).total_seconds())
                chosen = {m.index for m in agents if (m.end or 0.0) >= finish - CLOSING_SECONDS}
            else:
                chosen = {m.index for m in agents[-CLOSING_MESSAGES:]}
            self._closing = frozenset(chosen)
        return self._closing

    # --- phrase hits -------------------------------------------------------------

    def find(
        self,
        list_name: str,
        *,
        role: str | None = None,
        within: Iterable[int] | None = None,
    ) -> list[Hit]:
        """Hits of a list, optionally only in messages of ``role`` or among ``within``."""
        hits = self.hits.get(list_name)
        if not hits:
            return []
        if role is not None:
            messages = self.messages
            hits = [h for h in hits if messages[h.message].role == role]
        if within is not None:
            if type(within) is tuple and len(within) == 1:
                # One message (the checks' usual question): no set to build.
                only = within[0]
                return [h for h in hits if h.message == only]
            allowed = within if isinstance(within, (frozenset, set)) else frozenset(within)
            hits = [h for h in hits if h.message in allowed]
        return hits

    def span(self, hit: Hit) -> dict[str, Any]:
        """Evidence for a hit: the message index and the words as written."""
        message = self.messages[hit.message]
        start = message.spans[hit.first][0]
        end = message.spans[hit.last][1]
        return {"message": hit.message, "text": message.text[start:end]}

    def evidence(self, hits: Iterable[Hit], limit: int = 5) -> tuple[dict[str, Any], ...]:
        """Spans of the hits, at most one per message and ``limit`` in all."""
        seen: set[int] = set()
        out = []
        for hit in sorted(hits, key=lambda h: (h.message, h.first, h.first - h.last)):
            if hit.message in seen:
                continue
            seen.add(hit.message)
            out.append(self.span(hit))
            if len(out) >= limit:
                break
        return tuple(out)
