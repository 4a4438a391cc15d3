"""The top bar's menu: who sees which link, and which one is lit."""

from __future__ import annotations

import pytest

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account, Membership
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.web.navigation import MENU, menu_for
from tests.accounts.routes import ROUTES

WORKSPACE = Workspace(1, "default", "UTC")


def viewer(role: WorkspaceRole) -> Viewer:
    return Viewer(Account(1, "someone", "Someone", "ru"), Membership(WORKSPACE, role, None, None))


def lit(role: WorkspaceRole, path: str) -> list[str]:
    return [
        link.href for group in menu_for(viewer(role), path) for link in group.links if link.current
    ]


def shown(role: WorkspaceRole) -> set[str]:
    return {link.href for group in menu_for(viewer(role), "/") for link in group.links}


@pytest.mark.parametrize("role", list(WorkspaceRole))
def test_every_link_a_role_sees_lights_itself_and_nothing_else(role: WorkspaceRole) -> None:
    for href in shown(role):
        assert lit(role, href) == [href]
        assert lit(role, href + "/7") == [href]


@pytest.mark.parametrize(
    ("path", "link"),
    [
        ("/interactions/12/evaluate", "/review"),
        ("/interactions/12", "/interactions"),
        ("/review-rules", "/queues"),
        ("/review/next", "/review"),
        ("/disputes", "/evaluations"),
        ("/phrases", "/scorecards"),
        ("/work/rules", "/work"),
        ("/audit-templates", "/audits"),
    ],
)
def test_one_link_is_lit_for_a_page_that_two_could_claim(path: str, link: str) -> None:
    assert lit(WorkspaceRole.ADMIN, path) == [link]


def test_a_page_outside_the_menu_lights_nothing() -> None:
    assert lit(WorkspaceRole.ADMIN, "/account") == []
    assert lit(WorkspaceRole.ADMIN, "/home") == []


def test_an_agent_sees_their_work_and_of_the_settings_only_the_scorecards() -> None:
    agent = shown(WorkspaceRole.AGENT)
    assert {"/interactions", "/evaluations", "/dashboard"} <= agent
    assert not agent & {"/admin/people", "/admin/api-keys", "/queues", "/review", "/rejects"}
    settings = {
        group.label: [link.href for link in group.links]
        for group in menu_for(viewer(WorkspaceRole.AGENT), "/")
    }["nav.group.settings"]
    assert settings == ["/scorecards"]


def test_an_admin_sees_the_settings_and_a_shopper_only_their_visits() -> None:
    assert {"/admin/people", "/admin/api-keys", "/scorecards"} <= shown(WorkspaceRole.ADMIN)
    assert shown(WorkspaceRole.SHOPPER) == {"/shop"}


def test_every_link_of_the_menu_is_a_page_of_the_app() -> None:
    # tests/accounts/routes.py lists every route the app serves (the matrix test holds it).
    pages = {route.path for route in ROUTES if route.method == "GET"}
    for group in MENU:
        for link in group.links:
            assert link.href in pages, link.href
