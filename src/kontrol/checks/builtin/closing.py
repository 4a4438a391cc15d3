"""The closing: thanks, an offer of more help, a request to rate the service."""

from __future__ import annotations

from kontrol.checks.builtin.wording import (
    phrase_in,
)
from kontrol.checks.conversation import Conversation
from kontrol.checks.registry import Verdict, check


@check("closing_thanks")
def closing_thanks(conversation: Conversation) -> Verdict:
    """The agent thanks the customer in the closing."""
    return phrase_in(conversation, "closing_thanks", conversation.closing())


@check("offer_more_help")
def offer_more_help(conversation: Conversation) -> Verdict:
    """The agent offers further help in the closing."""
    return phrase_in(conversation, "offer_more_help", conversation.closing())


@check("rating_request")
def rating_request(conversation: Conversation) -> Verdict:
    """The agent asks the customer to rate the service."""
    return phrase_in(
        conversation, "rating_request", frozenset(m.index for m in conversation.messages)
    )
