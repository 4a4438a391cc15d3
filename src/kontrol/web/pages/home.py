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
from kontrol.alerts.delivery import alert_link, describe
from kontrol.alerts.raising import alert_groups, count_open
from kontrol.domain.clock import utcnow
from kontrol.feedback.disputes import count_open_disputes, list_disputes
from kontrol.metrics.dashboard import DashboardQuery, dashboard_tiles
from kontrol.review.routing.queues import can_see_queues, list_queues
from kontrol.web.deps import CurrentPage
from kontrol.web.pages.metrics.dashboard import format_value
from kontrol.web.security import locale_of

router = APIRouter(include_in_schema=False)

# How many of each kind the page lists; the counts on the tiles are exact.
LISTED = 5


@router.get("/home")
def attention_page(page: CurrentPage) -> Response:
    """Alerts, disputes, queues and KPIs off target: the day's work of a QA lead."""
    viewer, db = page.viewer, page.connection
    require(viewer, Action.VIEW_ATTENTION)
    # Open alerts by rule, as the alerts page groups them: 40 critics are one line.
    sees_alerts = allowed(viewer, Action.VIEW_ALERTS)
    alert_rows = alert_groups(db, viewer, peek=1)[:LISTED] if sees_alerts else []
    alerts = [group.latest[0] for group in alert_rows]
    open_alerts = count_open(db, viewer)
    sees_evaluations = allowed(viewer, Action.VIEW_EVALUATIONS)
    disputes = list_disputes(db, viewer, limit=LISTED) if sees_evaluations else []
    dispute_count = count_open_disputes(db, viewer) if sees_evaluations else 0
    queues = list_queues(db, viewer) if can_see_queues(viewer) else []
    off_target = []
    if allowed(viewer, Action.VIEW_KPIS):
        tiles = dashboard_tiles(db, viewer, DashboardQuery(), now=utcnow())
        off_target = [tile for tile in tiles if tile.figure.status in ("bad", "warning")]
        off_target.sort(key=lambda tile: tile.figure.status != "bad")
    locale = locale_of(page.request)
    return page.render(
        "home/attention.html",
        {
            "alert_groups": alert_rows,
            # What each alert is about, in words (the alerts page's text), never its subject key.
            "alert_texts": {a.id: describe(a.kind, a.details, locale) for a in alerts},
            # Where each leads: the conversation, the mystery shop, the action, the targets.
            "alert_links": {a.id: alert_link(a.kind, a.details, a.interaction_id) for a in alerts},
            "open_alerts": open_alerts,
            "disputes": disputes,
            "dispute_count": dispute_count,
            "queues": [queue for queue in queues if queue.open],
            "open_items": sum(queue.open for queue in queues),
            "overdue_items": sum(queue.overdue for queue in queues),
            "unassigned_items": sum(queue.unassigned for queue in queues),
            "off_target": off_target,
            "fmt": partial(format_value, locale=locale),
        },
    )
