"""Builders of conversations for the scripts' tests."""

from __future__ import annotations

from kontrol.checks.engine import CheckSettings, MessageTuple
from kontrol.scripts.adherence import ScriptInForce, adherence_check
from kontrol.scripts.library import EXAMPLES, example_text
from kontrol.scripts.model import parse_script


def example_settings() -> CheckSettings:
    """Check settings with the four example scripts in force (version 1)."""
    scripts = tuple(
        ScriptInForce(name, 1, name, parse_script(example_text(name))) for name in EXAMPLES
    )
    return CheckSettings(source_checks=(adherence_check(scripts),))


def turns(*pairs: tuple[str, str]) -> list[MessageTuple]:
    """Messages from (role, text) pairs."""
    return [(role, text, None, None, None) for role, text in pairs]
