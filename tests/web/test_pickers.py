"""Name pickers offer only the people the viewer may see, and send ids (issue 15, item 8)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import log_in


def _offered(page: str, list_id: str) -> set[str]:
    found = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', page, re.S)
    assert found, f"no {list_id} on the page"
    return set(re.findall(r'data-id="([^"]+)"', found.group(1)))


def test_a_team_lead_picks_among_their_team_only(client: TestClient) -> None:
    log_in(client, "lead")
    page = client.get("/tasks/new").text
    assert _offered(page, "picker-agents") == {"a1", "a2"}
    assert _offered(page, "picker-teams") == {"L1"}
    # The form sends the id in a hidden field; the visible one shows the name.
    assert 'type="hidden" name="agent"' in page
    assert 'list="picker-agents"' in page and 'data-picker-for="agent"' in page


def test_a_qa_lead_picks_among_everyone_and_a_kept_id_shows_as_its_name(
    client: TestClient,
) -> None:
    log_in(client, "qa")
    page = client.get("/tasks/new").text
    assert _offered(page, "picker-agents") == {"a1", "a2", "a3"}
    assert _offered(page, "picker-teams") == {"L1", "L2"}
    filtered = client.get("/tasks?agent=a3").text
    assert re.search(r'name="agent" value="a3"', filtered)
    assert 'lang="ru"' in filtered.split(">", 2)[1]
