"""Domain errors told in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping

from kontrol.domain.errors import KontrolError
from kontrol.i18n import plural_entries, translate
from kontrol.i18n.plurals import plural_text


def error_text(error: BaseException, locale: str) -> str:
    """The error's message in ``locale`` when it names one in the catalogue, else its text.

    A keyed error's place (``where_key``: file, line, field) comes first, then the
    message with its parameters filled in.
    """
    if not isinstance(error, KontrolError) or error.key is None:
        return str(error)
    message = _message(error.key, error.params, locale)
    if message is None:
        return str(error)
    if error.where_key is None:
        return message
    where = translate(locale, error.where_key)
    if error.where_params:
        where = where.format(**{k: _field(locale, v) for k, v in error.where_params.items()})
    return f"{where}: {message}"


def _field(locale: str, value: object) -> object:
    """A form field's name in ``locale`` when the catalogue has it (``field.<name>``)."""
    key = f"field.{value}"
    text = translate(locale, key)
    return value if text == key else text


def _message(key: str, params: Mapping[str, object], locale: str) -> str | None:
    """The message of ``key`` with ``params``; None when the catalogue lacks it."""
    if key in plural_entries(locale):
        return plural_text(locale, key, params)
    message = translate(locale, key)
    if message == key:
        return None
    return message.format(**params) if params else message
