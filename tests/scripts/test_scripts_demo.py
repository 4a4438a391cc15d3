"""The demo's script conversations: what they cover is found, agents differ, a step helps."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.demo.seed.scripts import seed_scripts_demo
from kontrol.scripts.library import get_script, script_versions
from kontrol.scripts.results import observations, script_results


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_demo_shows_agents_apart_and_a_step_that_helps(
    engine: Engine, workspace: Workspace, backend: str
) -> None:
    seed_scripts_demo(engine, workspace, count=200)
    with engine.connect() as connection:
        stored = get_script(connection, workspace.id, "delivery-question")
        versions = script_versions(connection, workspace.id, stored.name)
        results = script_results(
            stored, versions, observations(connection, workspace.id, stored.name)
        )
    assert [v.version for v in versions] == [2, 1]
    assert all(v.figures.n > 20 for v in results.versions)
    shares = [a.share.value or 0.0 for a in results.agents if a.n >= 5]
    assert max(shares) - min(shares) > 0.2
    confirm = next(s for s in results.steps if s.step_id == "confirm_contact")
    assert confirm.with_step["fcr"].n >= 10 and confirm.without_step["fcr"].n >= 10
    effect = confirm.effect("fcr")
    assert effect is not None and effect >= 0.1
