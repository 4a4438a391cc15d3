"""Domain errors; the web layer maps each to one HTTP status in one place."""

from collections.abc import Mapping
from types import MappingProxyType


class KontrolError(Exception):
    """Base of every error Kontrol raises on purpose.

    ``str(error)`` is the English text the API and the CLI show. ``key`` (with
    ``params``) names the same message in the translation catalogue, so a page
    tells it in the reader's language (``kontrol.i18n.messages.error_text``).
    ``where_key`` (with ``where_params``) names where the fault is (a file, its
    line, a field), told before the message.
    """

    key: str | None = None
    params: Mapping[str, object] = MappingProxyType({})
    where_key: str | None = None
    where_params: Mapping[str, object] = MappingProxyType({})

    def __init__(
        self,
        *args: object,
        key: str | None = None,
        params: Mapping[str, object] | None = None,
        where_key: str | None = None,
        where_params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(*args)
        if key is not None:
            self.key = key
        if params is not None:
            self.params = params
        if where_key is not None:
            self.where_key = where_key
        if where_params is not None:
            self.where_params = where_params


class NotFound(KontrolError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class InvalidInput(KontrolError):
    """Input that breaks a rule; the message says which field and why."""


class Conflict(KontrolError):
    """The change collides with the current state (duplicate name, stale edit)."""


class Forbidden(KontrolError):
    """The caller may not do this."""


class Unreadable(KontrolError):
    """A whole input file could not be read (missing, not text, not gzip...)."""
