"""A mistake on the targets form reads in Russian, the field named in Russian too."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kontrol.accounts.workspaces import Workspace
from tests.factories import log_in
from tests.metrics.test_targets_page import target_form


def test_a_target_that_is_not_a_number_is_refused_in_russian(
    client: TestClient, populated: Workspace
) -> None:
    log_in(client, "admin")
    answer = client.post("/targets", data=target_form(client, target="восемьдесят"))
    assert answer.status_code == 422
    assert "Цель: не число: «восемьдесят»" in answer.text
    assert "not a number" not in answer.text


def test_a_warning_on_the_wrong_side_of_the_target_is_explained_in_russian(
    client: TestClient, populated: Workspace
) -> None:
    log_in(client, "admin")
    answer = client.post("/targets", data=target_form(client, target="60", warning="80"))
    assert answer.status_code == 422
    assert "Порог предупреждения: когда лучше больше" in answer.text
    assert "warning threshold" not in answer.text
