"""Call recordings and what was measured and recognised from them; retention
policies and the log of what retention and "forget this customer" deleted."""

from sqlalchemy import (
    JSON,
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

# One row per interaction with a recording Kontrol can read: the file, its
# audio figures (speech/analysis.py) and the state of its recognition.
speech_recordings = Table(
    "speech_recordings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False),
    # Path under the recordings directory; NULL once retention deleted the file.
    Column("path", Text),
    # The recording before the tone covered its personal data, kept only when the
    # workspace's policy keeps originals; served to admins only (docs/privacy.md).
    Column("original_path", Text),
    Column("sha256", String(64), nullable=False),
    Column("channels", SmallInteger, nullable=False),
    Column("duration_s", Float, nullable=False),
    Column("figures", JSON),
    Column("analysed_at", DateTime),
    # none, queued, running, done, failed, over_budget
    Column("recognition", String(12), nullable=False),
    Column("recogniser", String(50)),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("recognised_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("interaction_id"),
    Index("ix_speech_recordings_ws_sha", "workspace_id", "sha256"),
    Index("ix_speech_recordings_ws_recognised", "workspace_id", "recognised_at"),
)

# The original text of a message whose personal data was masked, kept only when
# the workspace's policy keeps originals; read by admins only (docs/privacy.md).
# Deleted with its message (retention, forgetting a customer, a new transcript).
message_originals = Table(
    "message_originals",
    metadata,
    Column("message_id", Id, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_message_originals_interaction", "interaction_id"),
)

# Per workspace: how long things are kept (NULL: for ever) and whether original
# personal data may be kept beside its redacted form (shown to admins only).
retention_policies = Table(
    "retention_policies",
    metadata,
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("recordings_days", Integer),
    Column("transcripts_days", Integer),
    Column("interactions_days", Integer),
    Column("customers_days", Integer),
    Column("keep_originals", Boolean, nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# What retention and "forget this customer" removed: the record that it was done.
# The customer is named by a salted hash, never by the id that was forgotten.
deletion_log = Table(
    "deletion_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime, nullable=False),
    # retention or forget
    Column("reason", String(12), nullable=False),
    # recordings, transcripts, interactions, customers
    Column("what", String(20), nullable=False),
    Column("count", Integer, nullable=False),
    Column("customer_hash", String(64)),
    Column("requested_by", String(100), nullable=False),
    Index("ix_deletion_log_ws_at", "workspace_id", "at"),
)
