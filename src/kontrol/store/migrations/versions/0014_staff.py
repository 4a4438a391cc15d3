"""staff: competencies, training, knowledge tests and certification

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

The people feature (src/kontrol/staff): competencies and what measures them,
the training catalogue, QA leads' training rules and assignments; question
banks, tests and attempts; certifications and the certificates agents hold; job profiles, interview
guides, candidates, interviewers and their scores; role-play scenarios and
practice chats.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The tables as they were at this revision, frozen here: a migration never imports
# today's table definitions, which move on while this revision must not.
_metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
# Referred to by their keys only: never created here.
sa.Table("workspaces", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("users", _metadata, sa.Column("id", _ID, primary_key=True))


# What a workspace expects of its people: empathy, product knowledge, literacy...
staff_competencies = sa.Table(
    "staff_competencies",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("key", sa.String(60), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "key"),
)

# What measures a competency: a scorecard criterion id, a quiz topic or an
# interview question, by its reference in that source.
staff_competency_links = sa.Table(
    "staff_competency_links",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "competency_id",
        _ID,
        sa.ForeignKey("staff_competencies.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # criterion, topic or question
    sa.Column("source", sa.String(12), nullable=False),
    sa.Column("ref", sa.String(120), nullable=False),
    sa.UniqueConstraint("competency_id", "source", "ref"),
)

# A training module of the catalogue: text, a file, a video link or role-play instructions.
staff_modules = sa.Table(
    "staff_modules",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("competency_id", _ID, sa.ForeignKey("staff_competencies.id", ondelete="SET NULL")),
    sa.Column("title", sa.String(200), nullable=False),
    # text, file, video or roleplay
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("body", sa.Text),
    sa.Column("url", sa.String(500)),
    # The scorecard criterion the module is meant to move (its effect is measured on it).
    sa.Column("criterion", sa.String(80)),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "title"),
)

# A QA lead's rule: below ``threshold`` on ``criterion`` over the last ``window``
# evaluations proposes ``module_id``.
staff_training_rules = sa.Table(
    "staff_training_rules",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("criterion", sa.String(80), nullable=False),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("window", sa.Integer, nullable=False),
    sa.Column(
        "module_id", _ID, sa.ForeignKey("staff_modules.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "criterion", "module_id"),
)

# A module assigned to an agent, with the criterion whose before/after is measured.
staff_assignments = sa.Table(
    "staff_assignments",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "module_id", _ID, sa.ForeignKey("staff_modules.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("agent_external_id", sa.String(200), nullable=False),
    sa.Column("criterion", sa.String(80)),
    sa.Column("rule_id", _ID, sa.ForeignKey("staff_training_rules.id", ondelete="SET NULL")),
    sa.Column("assigned_by", sa.String(100), nullable=False),
    sa.Column("assigned_at", sa.DateTime, nullable=False),
    sa.Column("due_at", sa.DateTime),
    sa.Column("completed_at", sa.DateTime),
    sa.Column("note", sa.Text),
    sa.Index("ix_staff_assignments_agent", "workspace_id", "agent_external_id"),
)

# A question of the bank: single or multiple choice, or free text a lead grades.
staff_questions = sa.Table(
    "staff_questions",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    # The quiz topic a competency links to.
    sa.Column("topic", sa.String(120), nullable=False),
    # single, multiple or text
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    # The choices as typed, and the indexes of the right ones (empty for text).
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("correct", sa.JSON, nullable=False),
    sa.Column("points", sa.Integer, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_staff_questions_topic", "workspace_id", "topic"),
)

# A knowledge test: questions, pass mark, time limit, attempts, shuffling.
staff_tests = sa.Table(
    "staff_tests",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("question_ids", sa.JSON, nullable=False),
    # A fraction of the points (0.8 = 80%).
    sa.Column("pass_mark", sa.Float, nullable=False),
    sa.Column("time_limit_minutes", sa.Integer, nullable=False),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("shuffle", sa.Boolean, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "title"),
)

# One agent's attempt at a test; the deadline is the server's, not the browser's.
staff_attempts = sa.Table(
    "staff_attempts",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("test_id", _ID, sa.ForeignKey("staff_tests.id", ondelete="CASCADE"), nullable=False),
    sa.Column("agent_external_id", sa.String(200), nullable=False),
    sa.Column("user_id", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("deadline_at", sa.DateTime, nullable=False),
    sa.Column("submitted_at", sa.DateTime),
    # The questions (and their choices) in the order this attempt shows them.
    sa.Column("layout", sa.JSON, nullable=False),
    # question id -> {"choices": [...], "text": "...", "points": awarded or null}
    sa.Column("answers", sa.JSON),
    # in_progress, to_grade (free text waits for a lead), graded or expired
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("passed", sa.Boolean),
    sa.Column("graded_by", sa.String(100)),
    sa.Index("ix_staff_attempts_agent", "workspace_id", "agent_external_id"),
)

# A certification: a set of tests to pass, valid for a period, with reminders before expiry.
staff_certifications = sa.Table(
    "staff_certifications",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("test_ids", sa.JSON, nullable=False),
    sa.Column("valid_days", sa.Integer, nullable=False),
    sa.Column("remind_days", sa.Integer, nullable=False),
    # Where reminders go: an alert channel (email, telegram, webhook) and its target.
    sa.Column("channel", sa.String(20)),
    sa.Column("target", sa.String(500)),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "name"),
)

# An agent certified: when, until when, and when the reminder before expiry went out.
staff_certificates = sa.Table(
    "staff_certificates",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "certification_id",
        _ID,
        sa.ForeignKey("staff_certifications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("agent_external_id", sa.String(200), nullable=False),
    sa.Column("granted_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("reminded_at", sa.DateTime),
    sa.Index("ix_staff_certificates_expiry", "expires_at"),
)

# A job profile: the competencies and requirements a candidate is interviewed against.
staff_job_profiles = sa.Table(
    "staff_job_profiles",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("requirements", sa.Text),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "title"),
)

# The interview guide: a question per competency with what a 1, 3 and 5 answer sounds like.
staff_interview_questions = sa.Table(
    "staff_interview_questions",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "profile_id",
        _ID,
        sa.ForeignKey("staff_job_profiles.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("competency_id", _ID, sa.ForeignKey("staff_competencies.id", ondelete="SET NULL")),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("anchor_1", sa.Text, nullable=False),
    sa.Column("anchor_3", sa.Text, nullable=False),
    sa.Column("anchor_5", sa.Text, nullable=False),
)

# A candidate; the personal data (name, contact, notes) is erased after the retention period.
staff_candidates = sa.Table(
    "staff_candidates",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "profile_id",
        _ID,
        sa.ForeignKey("staff_job_profiles.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(200)),
    sa.Column("contact", sa.String(300)),
    sa.Column("notes", sa.Text),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # hire or reject, with the reason
    sa.Column("decision", sa.String(10)),
    sa.Column("decision_reason", sa.Text),
    sa.Column("decided_by", sa.String(100)),
    sa.Column("decided_at", sa.DateTime),
    sa.Column("erased_at", sa.DateTime),
)

# Who interviews a candidate, and when they handed in their scores.
staff_interviewers = sa.Table(
    "staff_interviewers",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "candidate_id",
        _ID,
        sa.ForeignKey("staff_candidates.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("user_id", _ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("submitted_at", sa.DateTime),
    sa.UniqueConstraint("candidate_id", "user_id"),
)

# One interviewer's rating (1-5) of one answer.
staff_interview_scores = sa.Table(
    "staff_interview_scores",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "interviewer_id",
        _ID,
        sa.ForeignKey("staff_interviewers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "question_id",
        _ID,
        sa.ForeignKey("staff_interview_questions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("rating", sa.Integer, nullable=False),
    sa.Column("note", sa.Text),
    sa.UniqueConstraint("interviewer_id", "question_id"),
)

# A role-play scenario: a scripted customer (steps with keyword branches), in ru or en.
staff_scenarios = sa.Table(
    "staff_scenarios",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("language", sa.String(5), nullable=False),
    # The script as the lead typed it, and its parsed steps.
    sa.Column("script", sa.Text, nullable=False),
    sa.Column("steps", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "title"),
)

# One practice chat: an agent's, or a candidate's through a single-use public link.
staff_roleplays = sa.Table(
    "staff_roleplays",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "scenario_id", _ID, sa.ForeignKey("staff_scenarios.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("agent_external_id", sa.String(200)),
    sa.Column("candidate_id", _ID, sa.ForeignKey("staff_candidates.id", ondelete="CASCADE")),
    # sha256 of the public link's token (candidates); the token itself is never stored.
    sa.Column("token_hash", sa.String(64), unique=True),
    sa.Column("expires_at", sa.DateTime),
    sa.Column("transcript", sa.JSON, nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    # open or finished
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("results", sa.JSON),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
)

_TABLES = (
    staff_competencies,
    staff_competency_links,
    staff_modules,
    staff_training_rules,
    staff_assignments,
    staff_questions,
    staff_tests,
    staff_attempts,
    staff_certifications,
    staff_certificates,
    staff_job_profiles,
    staff_interview_questions,
    staff_candidates,
    staff_interviewers,
    staff_interview_scores,
    staff_scenarios,
    staff_roleplays,
)


def upgrade() -> None:
    bind = op.get_bind()
    for table in _TABLES:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_TABLES):
        table.drop(bind)
