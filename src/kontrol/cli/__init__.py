"""The ``kontrol`` command."""
