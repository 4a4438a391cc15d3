"""The closing: thanks, an offer of more help, a request to rate the service."""

from __future__ import annotations

import re

from kontrol.checks.builtin.wording import (
    phrase_in,
)
from kontrol.checks.conversation import Conversation
from kontrol.checks.registry import PASS, Verdict, check

# "Обращайтесь!" on its own is an offer of more help; "обращайтесь к продавцу" is a redirect.
STANDALONE_OFFER = re.compile(
    r"(?:^|[.!?]\s*)(?:если что,?\s*)?(?:обращайтесь|пишите|звоните)(?:,?\s*если что)?"
    r"\s*(?:[!.)]|$)",
    re.IGNORECASE,
)


# Round 6: "Если снова начнёт вылетать — пишите, разберёмся.", "Если надумаете — пишите,
# запишем.": a condition, then the invitation and at most a word of what follows (README_batch5.md
# 5.7, README_batch3.md 13: conditional offers count); "— звоните на горячую линию" redirects.
CONDITIONAL_OFFER = re.compile(
    r"(?:^|[.!?]\s*)(?:а\s+)?если\b[^.!?\n]{1,80}?(?:\s[—–-]|,)\s*(?:обращайтесь|пишите|звоните)"
    r"(?:,?\s*[^\W\d_]+)?\s*(?:[!.)]|$)",
    re.IGNORECASE,
)


@check("closing_thanks")
def closing_thanks(conversation: Conversation) -> Verdict:
    """The agent thanks the customer in the closing."""
    return phrase_in(conversation, "closing_thanks", conversation.closing())


@check("offer_more_help")
def offer_more_help(conversation: Conversation) -> Verdict:
    """The agent offers further help in the closing."""
    verdict = phrase_in(conversation, "offer_more_help", conversation.closing())
    if verdict.result != PASS and conversation.language == "ru":
        for index in sorted(conversation.closing()):
            view = conversation.messages[index].view
            lowered = view.lower()
            if (
                "обращайтесь" not in lowered
                and "пишите" not in lowered
                and "звоните" not in lowered
            ):
                continue
            found = STANDALONE_OFFER.search(view) or CONDITIONAL_OFFER.search(view)
            if found:
                text = found.group().strip(" .!")
                return Verdict(PASS, ({"message": index, "text": text},))
    return verdict


@check("rating_request")
def rating_request(conversation: Conversation) -> Verdict:
    """The agent asks the customer to rate the service."""
    return phrase_in(
        conversation, "rating_request", frozenset(m.index for m in conversation.messages)
    )
