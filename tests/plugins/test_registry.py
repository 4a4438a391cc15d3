"""One registry type for every extension point: ids, entry points, freezing."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint

import pytest

from kontrol import plugins
from kontrol.domain.errors import InvalidInput
from kontrol.plugins import DuplicatePlugin, Registry, RegistryFrozen, UnknownPlugin

Greeting = Callable[[str], str]


def _no_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugins, "entry_points", lambda group: [])


def _shout(name: str) -> str:
    return name.upper()


def _whisper(name: str) -> str:
    return name.lower()


def test_plugins_are_found_by_id_in_registration_order(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_entry_points(monkeypatch)
    registry: Registry[Greeting] = Registry("greeting", group="tests.none")
    registry.register("shout")(_shout)
    registry.add("whisper", _whisper)
    assert registry.get("shout") is _shout
    assert registry["whisper"]("Ab") == "ab"
    assert registry.ids() == ["shout", "whisper"] == list(registry)
    assert registry.values() == [_shout, _whisper]
    assert "shout" in registry and "sing" not in registry and len(registry) == 2


def test_a_second_plugin_under_a_taken_id_is_refused_naming_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_entry_points(monkeypatch)
    registry: Registry[Greeting] = Registry("greeting", group="tests.none")
    registry.add("shout", _shout)
    registry.add("shout", _shout)  # the same object again: a module imported twice
    with pytest.raises(DuplicatePlugin) as refused:
        registry.add("shout", _whisper)
    assert "'shout'" in str(refused.value)
    assert "test_registry._shout" in str(refused.value)
    assert "test_registry._whisper" in str(refused.value)
    assert isinstance(refused.value, InvalidInput)
    assert registry.get("shout") is _shout


def test_an_unknown_id_names_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_entry_points(monkeypatch)
    registry: Registry[Greeting] = Registry("greeting", group="tests.none")
    registry.add("shout", _shout)
    with pytest.raises(UnknownPlugin, match=r"unknown greeting 'sing'; known: shout"):
        registry.get("sing")


def test_entry_points_name_a_module_or_one_plugin_and_load_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.plugins import sample_plugins

    calls: list[str] = []

    def declared(group: str) -> list[EntryPoint]:
        calls.append(group)
        return [
            EntryPoint("builtin", "tests.plugins.sample_plugins", group),
            EntryPoint("farewell", "tests.plugins.sample_plugins:farewell", group),
            EntryPoint("broken", "tests.plugins.no_such_module:nothing", group),
        ]

    monkeypatch.setattr(plugins, "entry_points", declared)
    registry = sample_plugins.greetings
    assert registry.ids() == ["hello", "farewell"]
    assert registry.get("farewell")("Ann") == "Goodbye, Ann"
    assert "ModuleNotFoundError" in registry.broken["broken"]
    with pytest.raises(UnknownPlugin, match="'broken' failed to load: ModuleNotFoundError"):
        registry.get("broken")
    registry.load_entry_points()
    assert calls == ["tests.greetings"], "the group is read once"


def test_a_frozen_registry_refuses_new_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_entry_points(monkeypatch)
    registry: Registry[Greeting] = Registry("greeting", group="tests.none")
    registry.add("shout", _shout)
    registry.freeze()
    registry.freeze()  # idempotent: every app a process creates may freeze
    assert registry.frozen
    registry.add("shout", _shout)  # nothing new: a module imported again changes nothing
    with pytest.raises(RegistryFrozen, match="'whisper'.*after start-up.*tests.none"):
        registry.add("whisper", _whisper)
    assert registry.ids() == ["shout"]


def test_freezing_loads_the_entry_points_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        plugins,
        "entry_points",
        lambda group: [EntryPoint("farewell", "tests.plugins.sample_plugins:farewell", group)],
    )
    registry: Registry[Greeting] = Registry("greeting", group="tests.late")
    registry.freeze()
    assert registry.ids() == ["farewell"]


def test_freeze_all_loads_every_registry_then_freezes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_entry_points(monkeypatch)
    first: Registry[Greeting] = Registry("greeting", group="tests.none")
    second: Registry[Greeting] = Registry("farewell", group="tests.none")
    # Only these two: the real registries of the test process stay open.
    monkeypatch.setattr(plugins, "_registries", [first, second])
    plugins.freeze_all()
    assert first.frozen and second.frozen
    with pytest.raises(RegistryFrozen):
        second.add("shout", _shout)


def test_a_test_may_add_a_plugin_for_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_entry_points(monkeypatch)
    registry: Registry[Greeting] = Registry("greeting", group="tests.none")
    registry.add("shout", _shout)
    registry.freeze()
    with registry.temporarily():
        registry.add("whisper", _whisper)
        assert registry.ids() == ["shout", "whisper"]
    assert registry.ids() == ["shout"] and registry.frozen
