"""Domain errors told in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping

from kontrol.domain.errors import KontrolError
from kontrol.i18n import plural_entries, translate
from kontrol.i18n.plurals import plural_text


def error_text(error: BaseException, locale: str) -> str:
    """The error's message in ``locale`` when it names one in the catalogue, else its text.

    A keyed error's place (``where_key``: file, line, field) comes first, then the
    message with its parameters filled in; an error passed as a parameter (a rule's
    error inside "rule 'x': ...") is told in ``locale`` too.
    """
    if not isinstance(error, KontrolError) or error.key is None:
        return str(error)
    params = {k: _named(locale, k, _nested(locale, v)) for k, v in error.params.items()}
    message = _message(error.key, params, locale)
    if message is None:
        return str(error)
    if error.where_key is None:
        return message
    where = translate(locale, error.where_key)
    if error.where_params:
        where = where.format(**{k: _field(locale, v) for k, v in error.where_params.items()})
    return f"{where}: {message}"


def _nested(locale: str, value: object) -> object:
    """An error passed as a parameter, in ``locale``; any other value as it is."""
    return error_text(value, locale) if isinstance(value, BaseException) else value


# Parameters that hold a code the catalogue names (``channel.self_service``: Самообслуживание).
NAMED_CODES = ("channel", "language")


def _named(locale: str, name: str, value: object) -> object:
    """A channel or language code as the catalogue names it; other values as they are."""
    if name not in NAMED_CODES or not isinstance(value, str):
        return value
    key = f"{name}.{value}"
    text = translate(locale, key)
    return value if text == key else text


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
