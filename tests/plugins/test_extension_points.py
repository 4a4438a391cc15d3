"""Kontrol's own extension points: built-ins come through entry points, all documented."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from kontrol import events
from kontrol.alerts.notifiers import notifiers
from kontrol.ingest.registry import importers
from kontrol.plugins import REGISTRIES_GROUP, Registry

DEVELOPMENT = Path(__file__).resolve().parents[2] / "docs" / "development.md"


def _registries() -> dict[str, Registry[object]]:
    found = {entry.name: entry.load() for entry in entry_points(group=REGISTRIES_GROUP)}
    assert all(isinstance(registry, Registry) for registry in found.values()), found
    return found


def test_every_extension_point_is_declared_loads_cleanly_and_is_documented() -> None:
    registries = _registries()
    assert {"importers", "checks", "metrics", "notifiers", "jobs", "subscribers"} <= set(registries)
    section = DEVELOPMENT.read_text("utf-8").split("## Extension points", 1)[1]
    for name, registry in registries.items():
        assert len(registry) > 0, f"{name}: no built-in plugin was loaded"
        assert registry.broken == {}, name
        assert f"`{registry.group}`" in section, f"{registry.group} is not documented"


def test_built_ins_are_registered_under_the_names_of_their_entry_points() -> None:
    for registry in (importers, notifiers):
        declared = {entry.name for entry in entry_points(group=registry.group)}
        assert declared == set(registry), registry.group
        assert all(registry[name].name == name for name in registry), registry.group


def test_scoring_is_the_first_subscriber_of_stored_interactions() -> None:
    # The calling order, whichever subscriber module this process imported first.
    stored = [s for s in events.calling_order() if s.event_type is events.InteractionsStored]
    first = stored[0]
    assert first.handler.__module__ == "kontrol.checks.scoring"


def test_after_start_up_every_registry_is_frozen() -> None:
    # In a process of its own: freezing this one would refuse the tests' own plugins.
    script = """
from importlib.metadata import entry_points
from kontrol.jobs.registry import register_job
from kontrol.plugins import RegistryFrozen, freeze_all
freeze_all()
registries = [entry.load() for entry in entry_points(group="kontrol.registries")]
assert all(registry.frozen for registry in registries)
try:
    register_job("late", lambda ctx: None)
except RegistryFrozen as error:
    print(error)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert "job 'late'" in done.stdout and "after start-up" in done.stdout, done.stdout
