"""Mystery shopping: programmes (as YAML), their shoppers, assignments, submissions,
checklist answers and the files a shopper uploads (docs/mystery-shopping.md)."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontrol.store.tables.schema import Id, metadata

mystery_programmes = Table(
    "mystery_programmes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(60), nullable=False),
    Column("title", String(200), nullable=False),
    Column("language", String(5), nullable=False),
    # The programme as written (scenarios, checklists, targets, plan): parsed on load.
    Column("yaml", Text, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

mystery_shoppers = Table(
    "mystery_shoppers",
    metadata,
    Column(
        "programme_id",
        Id,
        ForeignKey("mystery_programmes.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

mystery_assignments = Table(
    "mystery_assignments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column(
        "programme_id",
        Id,
        ForeignKey("mystery_programmes.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # YYYY-MM: the plan's month.
    Column("month", String(7), nullable=False),
    Column("target_key", String(60), nullable=False),
    Column("scenario_key", String(60), nullable=False),
    Column("visit_no", SmallInteger, nullable=False),
    Column("shopper_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    # open or done
    Column("status", String(10), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("programme_id", "month", "target_key", "visit_no"),
    Index("ix_mystery_assignments_shopper", "workspace_id", "shopper_id", "status"),
)

mystery_submissions = Table(
    "mystery_submissions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column(
        "programme_id",
        Id,
        ForeignKey("mystery_programmes.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "assignment_id",
        Id,
        ForeignKey("mystery_assignments.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("shopper_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("target_key", String(60), nullable=False),
    Column("scenario_key", String(60), nullable=False),
    # own or competitor, copied from the target when submitted
    Column("target_kind", String(12), nullable=False),
    Column("team", String(200)),
    # When the shop happened (naive UTC) and its month in the workspace's time zone.
    Column("happened_at", DateTime, nullable=False),
    Column("month", String(7), nullable=False),
    Column("channel", String(20), nullable=False),
    # How the shopper reached the company (phone, e-mail, chat name): matched to the
    # imported interaction's customer id or name.
    Column("contact", String(200)),
    Column("agent_name", String(200)),
    Column("transcript", Text),
    Column("comment", Text),
    Column("score", Float),
    Column("passed", Boolean),
    Column("critical_failed", Boolean, nullable=False),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="SET NULL")),
    Column("submitted_at", DateTime, nullable=False),
    Index("ix_mystery_submissions_programme", "programme_id", "month"),
    # The programme page lists its latest shops.
    Index("ix_mystery_submissions_programme_happened", "programme_id", "happened_at"),
    Index("ix_mystery_submissions_ws_submitted", "workspace_id", "submitted_at"),
    Index("ix_mystery_submissions_interaction", "interaction_id"),
)

mystery_answers = Table(
    "mystery_answers",
    metadata,
    Column(
        "submission_id",
        Id,
        ForeignKey("mystery_submissions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("criterion_key", String(60), primary_key=True),
    # pass, fail, na or 1-5
    Column("value", String(8), nullable=False),
    # How it counted (0-1), None when left out of the score.
    Column("fraction", Float),
)

mystery_files = Table(
    "mystery_files",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column(
        "submission_id",
        Id,
        ForeignKey("mystery_submissions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # recording, screenshot or transcript
    Column("kind", String(12), nullable=False),
    # The uploaded name, sanitised; the file on disk has a random name.
    Column("name", String(200), nullable=False),
    # Sniffed from the content, never taken from the upload.
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    # Relative to the data folder.
    Column("path", String(300), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_mystery_files_submission", "submission_id"),
)
