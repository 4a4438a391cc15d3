"""The targets page: admins and QA leads set targets, team leads read them, agents not;
targets appear beside the values on the dashboard with a colour and a text cue."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kontrol.accounts.workspaces import Workspace
from kontrol.metrics import figures
from tests.factories import form_token, log_in


@pytest.fixture(autouse=True)
def judge_small_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    """These pages judge four contacts: the badge's sample floor (30) is lowered to one."""
    monkeypatch.setattr(figures, "MIN_SAMPLE", 1)


NOVEMBER = "period=month&date_from=2026-11-01&date_to=2026-11-30"


def target_form(client: TestClient, **fields: str) -> dict[str, str]:
    data = {
        "metric": "csat",
        "scope": "company",
        "scope_value": "",
        "target": "80",
        "warning": "60",
        "direction": "higher",
        "owner": "Наталья Орлова",
        "period": "month",
        "csrf_token": form_token(client, "/targets/new"),
    }
    data.update(fields)
    return data


def tile(page: str, metric: str) -> str:
    found = re.search(
        rf'<article class="tile[^"]*" data-metric="{metric}">(.*?)</article>', page, re.S
    )
    assert found, f"no tile for {metric}"
    return found.group(0)


def test_admin_sets_a_target_and_the_dashboard_judges_by_it(
    client: TestClient, populated: Workspace
) -> None:
    log_in(client, "admin")
    saved = client.post("/targets", data=target_form(client), follow_redirects=False)
    assert saved.status_code == 303
    listing = client.get("/targets").text
    assert "Наталья Орлова" in listing
    # CSAT in November: one 5 and one 1, so 50 %: below the 60 % warning level.
    csat = tile(client.get(f"/dashboard?{NOVEMBER}").text, "csat")
    assert "tile-bad" in csat
    assert "не достигнута" in csat  # a text cue, not colour alone
    assert "80,0 %" in csat

    # A team target is more specific than the company's: L1 has the same 50 %.
    client.post(
        "/targets",
        data=target_form(client, scope="team", scope_value="L1", target="50", warning="40"),
    )
    l1 = tile(client.get(f"/dashboard?{NOVEMBER}&team=L1").text, "csat")
    assert "tile-ok" in l1
    assert "в норме" in l1


def test_between_target_and_warning_is_amber(client: TestClient, populated: Workspace) -> None:
    log_in(client, "qa")
    client.post(
        "/targets",
        data=target_form(client, metric="contacts", target="5", warning="3", direction="higher"),
    )
    contacts = tile(client.get(f"/dashboard?{NOVEMBER}").text, "contacts")
    # Four contacts: short of 5 but above the warning level 3.
    assert "tile-warning" in contacts
    assert "близко к порогу" in contacts


def test_edit_and_delete(client: TestClient, populated: Workspace) -> None:
    log_in(client, "admin")
    client.post("/targets", data=target_form(client))
    edit_link = re.search(r'href="(/targets/(\d+)/edit)"', client.get("/targets").text)
    assert edit_link
    form = client.get(edit_link.group(1))
    assert form.status_code == 200
    assert 'value="80.0"' in form.text
    target_id = edit_link.group(2)
    changed = client.post(
        f"/targets/{target_id}", data=target_form(client, target="90", warning="70")
    )
    assert changed.status_code == 200
    assert "≥ 90,0 %" in client.get("/targets").text
    removed = client.post(
        f"/targets/{target_id}/delete", data={"csrf_token": form_token(client, "/targets")}
    )
    assert removed.status_code == 200
    assert "≥ 90,0 %" not in removed.text


def test_bad_target_is_refused_with_the_field_named(
    client: TestClient, populated: Workspace
) -> None:
    log_in(client, "admin")
    answer = client.post("/targets", data=target_form(client, target="80", warning="95"))
    assert answer.status_code == 422
    assert "Порог предупреждения:" in answer.text
    # What was typed stays in the form.
    assert 'value="95"' in answer.text
    answer = client.post("/targets", data=target_form(client, target="lots"))
    assert answer.status_code == 422
    assert "Цель: не число" in answer.text
    answer = client.post("/targets", data=target_form(client, scope="team", scope_value=""))
    assert answer.status_code == 422
    assert "Значение области:" in answer.text
    assert "Наталья" not in client.get("/targets").text


def test_who_may_see_and_set_targets(client: TestClient, populated: Workspace) -> None:
    log_in(client, "admin")
    client.post("/targets", data=target_form(client))
    client.post("/logout", data={"csrf_token": form_token(client, "/targets")})

    log_in(client, "lead")
    page = client.get("/targets")
    assert page.status_code == 200
    assert "Наталья Орлова" in page.text
    assert 'id="new-target"' not in page.text
    assert client.get("/targets/new").status_code == 403
    token = form_token(client, "/dashboard")
    refused = client.post(
        "/targets", data={**target_form(client, target="1", warning="0"), "csrf_token": token}
    )
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": token})

    log_in(client, "agent1")
    assert client.get("/targets").status_code == 403
    # The agent still sees the target beside their own figure.
    assert "80,0 %" in tile(client.get(f"/dashboard?{NOVEMBER}").text, "csat")


def test_a_form_without_the_token_is_refused(client: TestClient, populated: Workspace) -> None:
    log_in(client, "admin")
    data = target_form(client)
    del data["csrf_token"]
    assert client.post("/targets", data=data).status_code == 403
