"""Domain errors told in the reader's language."""

from __future__ import annotations

from kontrol.domain.errors import KontrolError
from kontrol.i18n import translate


def error_text(error: BaseException, locale: str) -> str:
    """The error's message in ``locale`` when it names one in the catalogue, else its text.

    A keyed error's place (``where_key``: file, line, field) comes first, then the
    message with its parameters filled in.
    """
    if not isinstance(error, KontrolError) or error.key is None:
        return str(error)
    message = translate(locale, error.key)
    if message == error.key:
        return str(error)
    if error.params:
        message = message.format(**{k: _nested(locale, v) for k, v in error.params.items()})
    if error.where_key is None:
        return message
    where = translate(locale, error.where_key)
    if error.where_params:
        where = where.format(**{k: _field(locale, v) for k, v in error.where_params.items()})
    return f"{where}: {message}"


def _nested(locale: str, value: object) -> object:
    """An error passed as a parameter (a rule's error inside "rule 'x': ...") in ``locale``."""
    return error_text(value, locale) if isinstance(value, BaseException) else value


def _field(locale: str, value: object) -> object:
    """A form field's name in ``locale`` when the catalogue has it (``field.<name>``)."""
    key = f"field.{value}"
    text = translate(locale, key)
    return value if text == key else text
