"""The built-in checks of spec/CHECKS.md, one small function each.

Importing this package registers them, module by module in the order of
``MODULES``: the order the engine runs them and reports their verdicts in.
"""

from importlib import import_module

MODULES = ("opening", "answers", "handling", "closing", "spelling", "tone", "selling")

for _module in MODULES:
    import_module(f"{__name__}.{_module}")
