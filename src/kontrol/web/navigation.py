"""The top bar's menu: every page a person reaches from the nav, grouped by what they do.

The links are declared once here, each with the policy question that shows it
and the paths that light it. :func:`menu_for` gives a viewer the groups they
may open; exactly one link (and its group) is lit for the current path: the
one whose path matches most specifically, so a conversation's evaluate page
lights "Review" and not "Conversations" as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kontrol.accounts.access import Viewer, can_see_rejects
from kontrol.accounts.policy import Action, allowed
from kontrol.review.calibration.sessions import can_calibrate
from kontrol.review.evaluations import can_review
from kontrol.review.routing.queues import can_see_queues


def _may(action: Action) -> Callable[[Viewer], bool]:
    return lambda viewer: allowed(viewer, action)


def _may_shop_only(viewer: Viewer) -> bool:
    return allowed(viewer, Action.SHOP) and not allowed(viewer, Action.VIEW_MYSTERY)


def _may_train_or_interview(viewer: Viewer) -> bool:
    return allowed(viewer, Action.VIEW_TRAINING) or allowed(viewer, Action.INTERVIEW)


@dataclass(frozen=True)
class NavLink:
    """One page of the menu: its label's key, address, who sees it and what lights it.

    ``lights`` are path prefixes; ``ends`` path endings (``/evaluate``), which
    are more specific than any prefix; ``exact`` whole paths.
    """

    label: str
    href: str
    shows: Callable[[Viewer], bool]
    lights: tuple[str, ...] = ()
    ends: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    badge: str | None = None

    def match(self, path: str) -> int:
        """How specifically ``path`` belongs to this link (0: not at all)."""
        if path in self.exact:
            return 10_000
        if any(path.endswith(end) for end in self.ends):
            return 5_000
        return max((len(prefix) for prefix in self.lights if path.startswith(prefix)), default=0)


@dataclass(frozen=True)
class NavGroup:
    """A heading of the menu and its links."""

    label: str
    links: tuple[NavLink, ...]


@dataclass(frozen=True)
class ShownLink:
    """A link as one viewer sees it on one page."""

    label: str
    href: str
    current: bool
    badge: str | None


@dataclass(frozen=True)
class ShownGroup:
    """A group as one viewer sees it: only the links they may open."""

    label: str
    links: tuple[ShownLink, ...]

    @property
    def current(self) -> bool:
        """Whether the page shown is one of this group's."""
        return any(link.current for link in self.links)


MENU: tuple[NavGroup, ...] = (
    NavGroup(
        "nav.group.work",
        (
            NavLink(
                "nav.interactions",
                "/interactions",
                _may(Action.VIEW_INTERACTIONS),
                lights=("/interactions",),
            ),
            NavLink(
                "review.nav",
                "/review",
                can_review,
                lights=("/review/",),
                ends=("/evaluate",),
                exact=("/review",),
            ),
            NavLink("routing.nav", "/queues", can_see_queues, lights=("/queues", "/review-rules")),
            NavLink(
                "feedback.nav.evaluations",
                "/evaluations",
                _may(Action.VIEW_EVALUATIONS),
                lights=("/evaluations", "/disputes"),
            ),
            NavLink("feedback.nav.tasks", "/tasks", _may(Action.VIEW_TASKS), lights=("/tasks",)),
            NavLink(
                "feedback.nav.coaching",
                "/coaching",
                _may(Action.VIEW_COACHING),
                lights=("/coaching",),
            ),
            NavLink("calibration.nav", "/calibration", can_calibrate, lights=("/calibration",)),
            NavLink("scripts.nav", "/scripts", _may(Action.VIEW_SCRIPTS), lights=("/scripts",)),
            NavLink("mystery.nav_shopper", "/shop", _may_shop_only, lights=("/shop", "/mystery")),
        ),
    ),
    NavGroup(
        "nav.group.analytics",
        (
            NavLink(
                "dashboard.nav",
                "/dashboard",
                _may(Action.VIEW_KPIS),
                lights=("/dashboard", "/targets"),
            ),
            NavLink(
                "analysis.nav",
                "/analysis/reasons",
                _may(Action.VIEW_ANALYSIS),
                lights=("/analysis",),
            ),
            NavLink("reports.nav", "/reports", _may(Action.VIEW_REPORTS), lights=("/reports",)),
            NavLink(
                "alerts.nav",
                "/alerts",
                _may(Action.VIEW_ALERTS),
                lights=("/alerts",),
                badge="/alerts/badge",
            ),
            NavLink(
                "worktools.nav",
                "/work",
                _may(Action.VIEW_WORK_QUALITY),
                lights=("/work/",),
                exact=("/work",),
            ),
        ),
    ),
    NavGroup(
        "nav.group.improvement",
        (
            NavLink("audits.nav", "/audits", _may(Action.VIEW_AUDITS), lights=("/audit",)),
            NavLink("improvement.nav", "/actions", _may(Action.VIEW_ACTIONS), lights=("/actions",)),
            NavLink("mystery.nav", "/mystery", _may(Action.VIEW_MYSTERY), lights=("/mystery",)),
            NavLink("staff.nav", "/staff", _may_train_or_interview, lights=("/staff",)),
        ),
    ),
    NavGroup(
        "nav.group.settings",
        (
            NavLink(
                "checks.nav.scorecards",
                "/scorecards",
                _may(Action.VIEW_SCORECARDS),
                lights=("/scorecards", "/phrases"),
            ),
            NavLink("judging.nav", "/judging", _may(Action.MANAGE_CHECKS), lights=("/judging",)),
            NavLink("learning.nav", "/learning", _may(Action.MANAGE_CHECKS), lights=("/learning",)),
            NavLink(
                "surveys.nav",
                "/surveys/places",
                _may(Action.MANAGE_PLACES),
                lights=("/surveys",),
            ),
            NavLink(
                "people.nav",
                "/admin/people",
                _may(Action.MANAGE_USERS),
                lights=("/admin/people",),
            ),
            NavLink(
                "brand.nav",
                "/admin/brand",
                _may(Action.MANAGE_WORKSPACE),
                lights=("/admin/brand",),
            ),
            NavLink(
                "ingest.nav.api_keys",
                "/admin/api-keys",
                _may(Action.MANAGE_INTEGRATIONS),
                lights=("/admin/api-keys",),
            ),
            NavLink(
                "ingest.nav.jobs",
                "/admin/jobs",
                _may(Action.MANAGE_INTEGRATIONS),
                lights=("/admin/jobs",),
            ),
            NavLink("import.nav", "/import", _may(Action.IMPORT_FILES), lights=("/import",)),
            NavLink("nav.rejects", "/rejects", can_see_rejects, lights=("/rejects",)),
            NavLink(
                "speech.nav.privacy", "/privacy", _may(Action.MANAGE_PRIVACY), lights=("/privacy",)
            ),
            NavLink(
                "audit.nav", "/admin/audit", _may(Action.VIEW_AUDIT_LOG), lights=("/admin/audit",)
            ),
        ),
    ),
)


def menu_for(viewer: Viewer, path: str) -> tuple[ShownGroup, ...]:
    """The groups ``viewer`` may open (empty groups left out), the one link for ``path`` lit."""
    visible = [(group, tuple(link for link in group.links if link.shows(viewer))) for group in MENU]
    best = max(
        ((link.match(path), link.href) for _, links in visible for link in links),
        default=(0, ""),
    )
    lit = best[1] if best[0] > 0 else ""
    return tuple(
        ShownGroup(
            group.label,
            tuple(ShownLink(link.label, link.href, link.href == lit, link.badge) for link in links),
        )
        for group, links in visible
        if links
    )
