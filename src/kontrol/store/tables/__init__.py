"""The tables, one module per feature.

Core, not ORM: imports write tens of thousands of rows a second.

Every table and ``metadata`` are re-exported here, so ``from kontrol.store.tables
import interactions`` works wherever the table lives; importing this package
registers every table in ``metadata`` (the schema test and ``TRUNCATE`` rely on it).
"""

from kontrol.store.tables.accounts import (
    api_keys,
    app_settings,
    audit_log,
    invitations,
    login_sessions,
    memberships,
    personal_tokens,
    users,
    workspaces,
)
from kontrol.store.tables.alerts import alert_deliveries, alert_rules, alerts
from kontrol.store.tables.analysis import (
    analysis_settings,
    contact_reasons,
    reason_assignments,
    reason_models,
)
from kontrol.store.tables.audits import audit_answers, audit_evidence, audit_templates, audits
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
from kontrol.store.tables.improvement import improvement_actions
from kontrol.store.tables.ingest import (
    effects_backlog,
    idempotency_keys,
    import_batches,
    import_rejects,
    import_uploads,
)
from kontrol.store.tables.interactions import agents, interactions, messages, orders
from kontrol.store.tables.jobs import job_runs
from kontrol.store.tables.judging import (
    judging_answers,
    judging_criteria,
    judging_endpoints,
    judging_usage,
)
from kontrol.store.tables.learning import learned_models, learned_verdicts
from kontrol.store.tables.metrics import (
    ROLLUP_PARTS,
    business_calendars,
    interaction_facts,
    kpi_rollup_buckets,
    kpi_rollups,
    kpi_targets,
    order_facts,
)
from kontrol.store.tables.mystery import (
    mystery_answers,
    mystery_assignments,
    mystery_files,
    mystery_programmes,
    mystery_shoppers,
    mystery_submissions,
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
from kontrol.store.tables.scripts import script_feedback, script_widget_tokens, scripts
from kontrol.store.tables.speech import (
    deletion_log,
    message_originals,
    retention_policies,
    speech_recordings,
)
from kontrol.store.tables.staff import (
    staff_assignments,
    staff_attempts,
    staff_candidates,
    staff_certificates,
    staff_certification_roleplays,
    staff_certifications,
    staff_competencies,
    staff_competency_links,
    staff_interview_questions,
    staff_interview_scores,
    staff_interviewers,
    staff_job_profiles,
    staff_modules,
    staff_onboarding_sessions,
    staff_onboardings,
    staff_questions,
    staff_roleplays,
    staff_scenarios,
    staff_tests,
    staff_training_rules,
)
from kontrol.store.tables.surveys import survey_links, survey_places, surveys
from kontrol.store.tables.worktools import work_items, work_rules, work_violations

__all__ = [
    "import_uploads",
    "script_feedback",
    "script_widget_tokens",
    "scripts",
    "ROLLUP_PARTS",
    "Id",
    "agents",
    "alert_deliveries",
    "alert_rules",
    "alerts",
    "analysis_settings",
    "api_keys",
    "app_settings",
    "audit_answers",
    "audit_evidence",
    "audit_log",
    "audit_templates",
    "audits",
    "business_calendars",
    "calibration_items",
    "calibration_participants",
    "calibration_scores",
    "calibration_sessions",
    "check_failures",
    "check_outcomes",
    "contact_reasons",
    "corrective_tasks",
    "custom_checks",
    "deletion_log",
    "disputes",
    "effects_backlog",
    "evaluations",
    "idempotency_keys",
    "import_batches",
    "import_rejects",
    "improvement_actions",
    "interaction_facts",
    "interaction_signals",
    "interactions",
    "job_runs",
    "judging_answers",
    "judging_criteria",
    "judging_endpoints",
    "judging_usage",
    "learned_models",
    "learned_verdicts",
    "invitations",
    "login_sessions",
    "kpi_rollup_buckets",
    "kpi_rollups",
    "kpi_targets",
    "memberships",
    "message_originals",
    "messages",
    "metadata",
    "mystery_answers",
    "mystery_assignments",
    "mystery_files",
    "mystery_programmes",
    "mystery_shoppers",
    "mystery_submissions",
    "order_facts",
    "orders",
    "personal_tokens",
    "phrase_overrides",
    "retention_policies",
    "reason_assignments",
    "reason_models",
    "report_definitions",
    "report_files",
    "report_runs",
    "review_events",
    "review_items",
    "review_queues",
    "review_rules",
    "scorecards",
    "speech_recordings",
    "staff_assignments",
    "staff_attempts",
    "staff_candidates",
    "staff_certificates",
    "staff_certification_roleplays",
    "staff_certifications",
    "staff_competencies",
    "staff_competency_links",
    "staff_interview_questions",
    "staff_interview_scores",
    "staff_interviewers",
    "staff_job_profiles",
    "staff_modules",
    "staff_onboarding_sessions",
    "staff_onboardings",
    "staff_questions",
    "staff_roleplays",
    "staff_scenarios",
    "staff_tests",
    "staff_training_rules",
    "survey_links",
    "survey_places",
    "surveys",
    "users",
    "work_items",
    "work_rules",
    "work_violations",
    "workspaces",
]
