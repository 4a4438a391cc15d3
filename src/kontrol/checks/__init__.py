"""Automatic checks: phrase lists, the checks of spec/CHECKS.md, signals, custom checks."""
