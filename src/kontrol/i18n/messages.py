"""Domain errors told in the reader's language."""

from __future__ import annotations

from kontrol.domain.errors import KontrolError
from kontrol.i18n import translate


def error_text(error: KontrolError, locale: str) -> str:
    """The error's message in ``locale`` when it names one in the catalogue, else its text."""
    own = getattr(error, "text", None)
    if callable(own):
        # Feature errors that translate themselves (improvement, staff).
        return str(own(locale))
    if error.key is None:
        return str(error)
    message = translate(locale, error.key)
    if message == error.key:
        return str(error)
    return message.format(**error.params) if error.params else message
