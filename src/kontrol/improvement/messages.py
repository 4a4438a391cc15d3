"""Refusals that carry a translation key, so every language reads them in its own words."""

from __future__ import annotations

from kontrol.domain.errors import InvalidInput
from kontrol.i18n import translate


class KeyedInvalid(InvalidInput):
    """Input that breaks a rule, told by a message key (and the field it is about).

    ``str(error)`` is the English text (the API and the CLI show it); pages call
    :meth:`text` with the reader's language.
    """

    key: str  # always set: the message in the catalogue

    def __init__(self, key: str, field: str = "", **params: object) -> None:
        self.key = key
        self.field = field
        self.params = params
        super().__init__(self.text("en"))

    def text(self, locale: str) -> str:
        """The message in ``locale``, prefixed by the field it is about."""
        message = translate(locale, self.key)
        if self.params:
            message = message.format(**self.params)
        return f"{self.field}: {message}" if self.field else message


def refusal_text(error: Exception, locale: str) -> str:
    """What to show a person for a refused input: translated when it carries a key."""
    if isinstance(error, KeyedInvalid):
        return error.text(locale)
    return str(error)
