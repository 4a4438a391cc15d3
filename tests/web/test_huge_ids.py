"""Integers the database cannot hold (2**64) answer 404 or 422, never a server error."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from kontrol.accounts.workspaces import Workspace
from tests.factories import form_token, log_in

HUGE = 2**64


def _int_params(route: APIRoute, where: str) -> list[str]:
    found = getattr(route.dependant, f"{where}_params")
    return [field.name for field in found if field.field_info.annotation in (int, int | None)]


def _int_routes(client: TestClient) -> list[tuple[str, APIRoute]]:
    contexts = iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
    routes = [c.original_route for c in contexts if isinstance(c.original_route, APIRoute)]
    return [
        (method, route)
        for route in routes
        for method in sorted(route.methods - {"HEAD"})
        if _int_params(route, "path") or _int_params(route, "query")
    ]


def _call(client: TestClient, method: str, route: APIRoute) -> Any:
    ints = set(_int_params(route, "path"))
    values = {
        field.name: str(HUGE) if field.name in ints else "svg"
        for field in route.dependant.path_params
    }
    path = route.path_format.format(**values)
    query = {name: str(HUGE) for name in _int_params(route, "query")}
    if method == "GET":
        return client.get(path, params=query, follow_redirects=False)
    token = form_token(client, "/login")
    if path.startswith("/api/"):
        return client.request(method, path, params=query, json={}, follow_redirects=False)
    return client.request(
        method, path, params=query, data={"csrf_token": token}, follow_redirects=False
    )


def test_every_route_with_an_int_parameter_answers_404_or_422_for_2_to_the_64(
    client: TestClient, populated: Workspace
) -> None:
    log_in(client, "admin")
    routes = _int_routes(client)
    assert len(routes) > 20, "the walk found too few routes with an int parameter"
    failed = []
    for method, route in routes:
        try:
            response = _call(client, method, route)
        except Exception as error:  # the test client re-raises what the app did not answer
            failed.append(f"{method} {route.path}: {error!r}"[:200])
            continue
        if response.status_code >= 500:
            failed.append(f"{method} {route.path}: {response.status_code} {response.text[:100]!r}")
    assert not failed, "\n".join(failed)


def test_a_huge_id_in_a_path_is_not_found(client: TestClient, populated: Workspace) -> None:
    log_in(client, "admin")
    assert client.get(f"/api/v1/interactions/{HUGE}").status_code == 404
    page = client.get(f"/interactions/{HUGE}")
    assert page.status_code == 404
    assert "<html" in page.text.lower()


def test_huge_ids_in_json_bodies_are_invalid(client: TestClient, populated: Workspace) -> None:
    log_in(client, "admin")
    listed = client.get("/api/v1/interactions").json()["items"]
    interaction_id = listed[0]["id"]
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/api/v1/tasks", {"kind": "coaching", "title": "t", "owner_id": HUGE}),
        ("POST", "/api/v1/tasks", {"kind": "coaching", "title": "t", "interaction_id": HUGE}),
        (
            "POST",
            "/api/v1/calibration/sessions",
            {"name": "s", "scorecard_id": HUGE, "reviewer_ids": [HUGE]},
        ),
        (
            "POST",
            f"/api/v1/interactions/{interaction_id}/evaluations",
            {"answers": {}, "item_id": HUGE},
        ),
    ]
    for method, path, body in calls:
        try:
            response = client.request(method, path, json=body)
        except Exception as error:  # the test client re-raises what the app did not answer
            raise AssertionError(f"{method} {path} {body}: {error!r}") from None
        assert response.status_code in (404, 422), (method, path, body, response.text[:200])
        assert "detail" in response.json()


def test_a_huge_id_in_a_form_is_invalid(client: TestClient, populated: Workspace) -> None:
    log_in(client, "admin")
    form = {"kind": "coaching", "title": "t", "owner_id": str(HUGE)}
    try:
        response = client.post(
            "/tasks", data={**form, "csrf_token": form_token(client, "/tasks/new")}
        )
    except Exception as error:  # the test client re-raises what the app did not answer
        raise AssertionError(f"POST /tasks: {error!r}") from None
    assert response.status_code == 422
    assert "<html" in response.text.lower()
