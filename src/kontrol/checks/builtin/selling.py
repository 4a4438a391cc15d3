"""Selling: the agent offers more (the workspace's upsell list)."""

from __future__ import annotations

from kontrol.checks.builtin.wording import (
    phrase_in,
)
from kontrol.checks.conversation import Conversation
from kontrol.checks.registry import NA, Verdict, check


@check("upsell")
def upsell(conversation: Conversation) -> Verdict:
    """The agent offers an additional product or service (workspace list)."""
    if not conversation.book.has("upsell"):
        return Verdict(NA)
    return phrase_in(conversation, "upsell", frozenset(m.index for m in conversation.messages))
