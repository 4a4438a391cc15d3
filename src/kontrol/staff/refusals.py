"""Refused input of the people feature, with the catalogue key of its message.

The English text is the error's message (the API answers it); pages show the
text of ``key`` in the reader's language.
"""

from __future__ import annotations

from kontrol.domain.errors import InvalidInput
from kontrol.i18n.messages import error_text


class StaffInputError(InvalidInput):
    """Input that breaks a rule of the people feature; ``key`` names its message."""

    key: str  # always set: the message in the catalogue

    def __init__(self, key: str, **values: object) -> None:
        self.values = values
        super().__init__(key=key, params=values)
        self.args = (error_text(self, "en"),)

    def text(self, locale: str) -> str:
        """The message in ``locale`` (as ``error_text`` tells it)."""
        return error_text(self, locale)
