"""People: competencies, training modules, training rules and assignments."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontrol.store.tables.schema import Id, metadata

# What a workspace expects of its people: empathy, product knowledge, literacy...
staff_competencies = Table(
    "staff_competencies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(60), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "key"),
)

# What measures a competency: a scorecard criterion id, a quiz topic or an
# interview question, by its reference in that source.
staff_competency_links = Table(
    "staff_competency_links",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "competency_id",
        Id,
        ForeignKey("staff_competencies.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # criterion, topic or question
    Column("source", String(12), nullable=False),
    Column("ref", String(120), nullable=False),
    UniqueConstraint("competency_id", "source", "ref"),
)

# A training module of the catalogue: text, a file, a video link or role-play instructions.
staff_modules = Table(
    "staff_modules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("competency_id", Id, ForeignKey("staff_competencies.id", ondelete="SET NULL")),
    Column("title", String(200), nullable=False),
    # text, file, video or roleplay
    Column("kind", String(10), nullable=False),
    Column("body", Text),
    Column("url", String(500)),
    # The scorecard criterion the module is meant to move (its effect is measured on it).
    Column("criterion", String(80)),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "title"),
)

# A QA lead's rule: below ``threshold`` on ``criterion`` over the last ``window``
# evaluations proposes ``module_id``.
staff_training_rules = Table(
    "staff_training_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("criterion", String(80), nullable=False),
    Column("threshold", Float, nullable=False),
    Column("window", Integer, nullable=False),
    Column("module_id", Id, ForeignKey("staff_modules.id", ondelete="CASCADE"), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "criterion", "module_id"),
)

# A module assigned to an agent, with the criterion whose before/after is measured.
staff_assignments = Table(
    "staff_assignments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("module_id", Id, ForeignKey("staff_modules.id", ondelete="CASCADE"), nullable=False),
    Column("agent_external_id", String(200), nullable=False),
    Column("criterion", String(80)),
    Column("rule_id", Id, ForeignKey("staff_training_rules.id", ondelete="SET NULL")),
    Column("assigned_by", String(100), nullable=False),
    Column("assigned_at", DateTime, nullable=False),
    Column("due_at", DateTime),
    Column("completed_at", DateTime),
    Column("note", Text),
    Index("ix_staff_assignments_agent", "workspace_id", "agent_external_id"),
)

# A question of the bank: single or multiple choice, or free text a lead grades.
staff_questions = Table(
    "staff_questions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # The quiz topic a competency links to.
    Column("topic", String(120), nullable=False),
    # single, multiple or text
    Column("kind", String(10), nullable=False),
    Column("text", Text, nullable=False),
    # The choices as typed, and the indexes of the right ones (empty for text).
    Column("options", JSON, nullable=False),
    Column("correct", JSON, nullable=False),
    Column("points", Integer, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_staff_questions_topic", "workspace_id", "topic"),
)

# A knowledge test: questions, pass mark, time limit, attempts, shuffling.
staff_tests = Table(
    "staff_tests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("question_ids", JSON, nullable=False),
    # A fraction of the points (0.8 = 80%).
    Column("pass_mark", Float, nullable=False),
    Column("time_limit_minutes", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("shuffle", Boolean, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "title"),
)

# One agent's attempt at a test; the deadline is the server's, not the browser's.
staff_attempts = Table(
    "staff_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("test_id", Id, ForeignKey("staff_tests.id", ondelete="CASCADE"), nullable=False),
    Column("agent_external_id", String(200), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("started_at", DateTime, nullable=False),
    Column("deadline_at", DateTime, nullable=False),
    Column("submitted_at", DateTime),
    # The questions (and their choices) in the order this attempt shows them.
    Column("layout", JSON, nullable=False),
    # question id -> {"choices": [...], "text": "...", "points": awarded or null}
    Column("answers", JSON),
    # in_progress, to_grade (free text waits for a lead), graded or expired
    Column("status", String(12), nullable=False),
    Column("score", Float),
    Column("passed", Boolean),
    Column("graded_by", String(100)),
    Index("ix_staff_attempts_agent", "workspace_id", "agent_external_id"),
)

# A certification: a set of tests to pass, valid for a period, with reminders before expiry.
staff_certifications = Table(
    "staff_certifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("test_ids", JSON, nullable=False),
    Column("valid_days", Integer, nullable=False),
    Column("remind_days", Integer, nullable=False),
    # Where reminders go: an alert channel (email, telegram, webhook) and its target.
    Column("channel", String(20)),
    Column("target", String(500)),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

# An agent certified: when, until when, and when the reminder before expiry went out.
staff_certificates = Table(
    "staff_certificates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column(
        "certification_id",
        Id,
        ForeignKey("staff_certifications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("agent_external_id", String(200), nullable=False),
    Column("granted_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("reminded_at", DateTime),
    Index("ix_staff_certificates_expiry", "expires_at"),
)

# A job profile: the competencies and requirements a candidate is interviewed against.
staff_job_profiles = Table(
    "staff_job_profiles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("requirements", Text),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "title"),
)

# The interview guide: a question per competency with what a 1, 3 and 5 answer sounds like.
staff_interview_questions = Table(
    "staff_interview_questions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "profile_id", Id, ForeignKey("staff_job_profiles.id", ondelete="CASCADE"), nullable=False
    ),
    Column("competency_id", Id, ForeignKey("staff_competencies.id", ondelete="SET NULL")),
    Column("text", Text, nullable=False),
    Column("anchor_1", Text, nullable=False),
    Column("anchor_3", Text, nullable=False),
    Column("anchor_5", Text, nullable=False),
)

# A candidate; the personal data (name, contact, notes) is erased after the retention period.
staff_candidates = Table(
    "staff_candidates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column(
        "profile_id", Id, ForeignKey("staff_job_profiles.id", ondelete="CASCADE"), nullable=False
    ),
    Column("name", String(200)),
    Column("contact", String(300)),
    Column("notes", Text),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    # hire or reject, with the reason
    Column("decision", String(10)),
    Column("decision_reason", Text),
    Column("decided_by", String(100)),
    Column("decided_at", DateTime),
    Column("erased_at", DateTime),
    # the agent a hired candidate became: their interview ratings join the agent's profile
    Column("agent_external_id", String(200)),
)

# Who interviews a candidate, and when they handed in their scores.
staff_interviewers = Table(
    "staff_interviewers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "candidate_id", Id, ForeignKey("staff_candidates.id", ondelete="CASCADE"), nullable=False
    ),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("submitted_at", DateTime),
    UniqueConstraint("candidate_id", "user_id"),
)

# One interviewer's rating (1-5) of one answer.
staff_interview_scores = Table(
    "staff_interview_scores",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "interviewer_id",
        Id,
        ForeignKey("staff_interviewers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "question_id",
        Id,
        ForeignKey("staff_interview_questions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("rating", Integer, nullable=False),
    Column("note", Text),
    UniqueConstraint("interviewer_id", "question_id"),
)

# A role-play scenario: a scripted customer (steps with keyword branches), in ru or en.
staff_scenarios = Table(
    "staff_scenarios",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("language", String(5), nullable=False),
    # The script as the lead typed it, and its parsed steps.
    Column("script", Text, nullable=False),
    Column("steps", JSON, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "title"),
)

# One practice chat: an agent's, or a candidate's through a single-use public link.
staff_roleplays = Table(
    "staff_roleplays",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("scenario_id", Id, ForeignKey("staff_scenarios.id", ondelete="CASCADE"), nullable=False),
    Column("agent_external_id", String(200)),
    Column("candidate_id", Id, ForeignKey("staff_candidates.id", ondelete="CASCADE")),
    # sha256 of the public link's token (candidates); the token itself is never stored.
    Column("token_hash", String(64), unique=True),
    Column("expires_at", DateTime),
    Column("transcript", JSON, nullable=False),
    Column("step", Integer, nullable=False),
    # open or finished
    Column("status", String(10), nullable=False),
    Column("score", Float),
    Column("results", JSON),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
)

# A role play a certification requires: a finished practice chat of the scenario
# scoring at least ``pass_mark`` (0-100, the checks' score of the transcript).
staff_certification_roleplays = Table(
    "staff_certification_roleplays",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "certification_id",
        Id,
        ForeignKey("staff_certifications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("scenario_id", Id, ForeignKey("staff_scenarios.id", ondelete="CASCADE"), nullable=False),
    Column("pass_mark", Float, nullable=False),
    UniqueConstraint("certification_id", "scenario_id"),
)

# A new agent's onboarding: the first 90 days from ``started_on``, with a mentor.
staff_onboardings = Table(
    "staff_onboardings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("agent_external_id", String(200), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("mentor_user_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "agent_external_id"),
)

# A feedback session held with the new agent: who led it, notes, agreed next steps.
staff_onboarding_sessions = Table(
    "staff_onboarding_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "onboarding_id", Id, ForeignKey("staff_onboardings.id", ondelete="CASCADE"), nullable=False
    ),
    Column("held_on", Date, nullable=False),
    Column("led_by", String(100), nullable=False),
    Column("notes", Text, nullable=False),
    Column("next_steps", Text),
    Column("created_at", DateTime, nullable=False),
    Index("ix_staff_onboarding_sessions_onboarding", "onboarding_id", "held_on"),
)
