"""The QA lead's start page: what needs attention today, each item one click from its work.

Open alerts, disputes waiting for a decision, the review queues with their
overdue and unassigned items, and the KPIs off target this month. Every
figure is the viewer's own reach (the same service calls as the pages it
links to), so the page never shows a number the link behind it would not.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter
from fastapi.responses import Response

from kontrol.accounts.policy import Action, allowed, require
from kontrol.alerts.raising import count_open, list_alerts
from kontrol.domain.clock import utcnow
from kontrol.feedback.disputes import list_disputes
from kontrol.metrics.dashboard import DashboardQuery, build_dashboard
from kontrol.review.routing.queues import can_see_queues, list_queues
from kontrol.web.deps import CurrentPage
from kontrol.web.pages.metrics.dashboard import format_value
from kontrol.web.security import locale_of

router = APIRouter(include_in_schema=False)

# How many of each kind the page lists; the count beside each heading is exact
# up to DISPUTES_COUNTED.
LISTED = 5
DISPUTES_COUNTED = 100


@router.get("/home")
def attention_page(page: CurrentPage) -> Response:
    """Alerts, disputes, queues and KPIs off target: the day's work of a QA lead."""
    viewer, db = page.viewer, page.connection
    require(viewer, Action.VIEW_ATTENTION)
    alerts = list_alerts(db, viewer, limit=LISTED) if allowed(viewer, Action.VIEW_ALERTS) else []
    open_alerts = count_open(db, viewer)
    disputes = (
        list_disputes(db, viewer, limit=DISPUTES_COUNTED)
        if allowed(viewer, Action.VIEW_EVALUATIONS)
        else []
    )
    queues = list_queues(db, viewer) if can_see_queues(viewer) else []
    off_target = []
    if allowed(viewer, Action.VIEW_KPIS):
        dashboard = build_dashboard(db, viewer, DashboardQuery(), now=utcnow())
        off_target = [tile for tile in dashboard.tiles if tile.figure.status in ("bad", "warning")]
        off_target.sort(key=lambda tile: tile.figure.status != "bad")
    return page.render(
        "home/attention.html",
        {
            "alerts": alerts,
            "open_alerts": open_alerts,
            "disputes": disputes[:LISTED],
            "dispute_count": len(disputes),
            "disputes_capped": len(disputes) == DISPUTES_COUNTED,
            "queues": [queue for queue in queues if queue.open],
            "open_items": sum(queue.open for queue in queues),
            "overdue_items": sum(queue.overdue for queue in queues),
            "unassigned_items": sum(queue.unassigned for queue in queues),
            "off_target": off_target,
            "fmt": partial(format_value, locale=locale_of(page.request)),
        },
    )
