"""Refusals that carry a translation key, so every language reads them in its own words."""

from __future__ import annotations

from kontrol.domain.errors import InvalidInput
from kontrol.i18n.messages import error_text


class KeyedInvalid(InvalidInput):
    """Input that breaks a rule, told by a message key (and the field it is about).

    ``str(error)`` is the English text (the API and the CLI show it); pages tell
    it in the reader's language with ``kontrol.i18n.messages.error_text``.
    """

    key: str  # always set: the message in the catalogue

    def __init__(self, key: str, field: str = "", **params: object) -> None:
        self.field = field
        super().__init__(
            key=key,
            params=params,
            where_key="error.where.field" if field else None,
            where_params={"field": field} if field else None,
        )
        self.args = (error_text(self, "en"),)
