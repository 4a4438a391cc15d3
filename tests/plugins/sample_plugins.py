"""Plugins of a made-up extension point, declared the way a package declares its own."""

from __future__ import annotations

from collections.abc import Callable

from kontrol.plugins import Registry

Greeting = Callable[[str], str]

greetings: Registry[Greeting] = Registry("greeting", group="tests.greetings")


@greetings.register("hello")
def hello(name: str) -> str:
    """Registered by the decorator when an entry point names this module."""
    return f"Hello, {name}"


def farewell(name: str) -> str:
    """Not decorated: an entry point names this function itself."""
    return f"Goodbye, {name}"
