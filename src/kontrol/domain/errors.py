"""Domain errors; the web layer maps each to one HTTP status in one place."""


class KontrolError(Exception):
    """Base of every error Kontrol raises on purpose."""


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
