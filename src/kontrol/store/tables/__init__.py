"""The tables, one module per feature.

Core, not ORM: imports write tens of thousands of rows a second.

Every table and ``metadata`` are re-exported here, so ``from kontrol.store.tables
import interactions`` works wherever the table lives; importing this package
registers every table in ``metadata`` (the schema test and ``TRUNCATE`` rely on it).
"""

from kontrol.store.tables.accounts import api_keys, app_settings, memberships, users, workspaces
from kontrol.store.tables.alerts import alert_deliveries, alert_rules, alerts
from kontrol.store.tables.checks import (
    check_failures,
    check_outcomes,
    custom_checks,
    evaluations,
    interaction_signals,
    phrase_overrides,
    scorecards,
)
from kontrol.store.tables.feedback import corrective_tasks, disputes
from kontrol.store.tables.ingest import (
    effects_backlog,
    idempotency_keys,
    import_batches,
    import_rejects,
)
from kontrol.store.tables.interactions import agents, interactions, messages, orders
from kontrol.store.tables.jobs import job_runs
from kontrol.store.tables.metrics import (
    ROLLUP_PARTS,
    business_calendars,
    interaction_facts,
    kpi_rollup_buckets,
    kpi_rollups,
    kpi_targets,
    order_facts,
)
from kontrol.store.tables.reports import report_definitions, report_files, report_runs
from kontrol.store.tables.review import (
    calibration_items,
    calibration_participants,
    calibration_scores,
    calibration_sessions,
    review_events,
    review_items,
    review_queues,
    review_rules,
)
from kontrol.store.tables.schema import Id, metadata
from kontrol.store.tables.surveys import survey_links, survey_places, surveys

__all__ = [
    "ROLLUP_PARTS",
    "Id",
    "agents",
    "alert_deliveries",
    "alert_rules",
    "alerts",
    "api_keys",
    "app_settings",
    "business_calendars",
    "calibration_items",
    "calibration_participants",
    "calibration_scores",
    "calibration_sessions",
    "check_failures",
    "check_outcomes",
    "corrective_tasks",
    "custom_checks",
    "disputes",
    "effects_backlog",
    "evaluations",
    "idempotency_keys",
    "import_batches",
    "import_rejects",
    "interaction_facts",
    "interaction_signals",
    "interactions",
    "job_runs",
    "kpi_rollup_buckets",
    "kpi_rollups",
    "kpi_targets",
    "memberships",
    "messages",
    "metadata",
    "order_facts",
    "orders",
    "phrase_overrides",
    "report_definitions",
    "report_files",
    "report_runs",
    "review_events",
    "review_items",
    "review_queues",
    "review_rules",
    "scorecards",
    "survey_links",
    "survey_places",
    "surveys",
    "users",
    "workspaces",
]
