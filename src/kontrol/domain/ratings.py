"""Ratings without a conversation: an answer left by QR code or at a kiosk.

Such an answer has no interaction to attach to, so it is stored as an inbound
``visit`` of this source with the rating inline: the KPIs, alerts and routing
count it like any rated visit. But there is no conversation in it, so the
automatic checks leave it alone and the pages show it as a rating at a place
(docs/surveys.md, "How answers are stored").
"""

from __future__ import annotations

RATING_SOURCE = "kontrol-survey"
"""The source of the interactions that carry a QR or kiosk rating and nothing else."""


def is_rating_only(source: str) -> bool:
    """True for an interaction that is a QR or kiosk rating, not a conversation."""
    return source == RATING_SOURCE
