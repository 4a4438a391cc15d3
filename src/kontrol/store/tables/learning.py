"""Checks that learn from reviewers: a text model per workspace and scorecard criterion
bound to a check, its agreement with reviewers on held-back reviews beside the rule's,
the QA lead's switch, and each model's verdict per interaction (docs/learning.md)."""

from sqlalchemy import (
    Boolean,
    Column,
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

learned_models = Table(
    "learned_models",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("scorecard", String(60), nullable=False),
    Column("criterion", String(60), nullable=False),
    # The check the criterion is bound to (the rule the model is measured against).
    Column("check_id", String(60), nullable=False),
    Column("trained_at", DateTime, nullable=False),
    # Reviews learned from and reviews held back to measure it.
    Column("samples", Integer, nullable=False),
    Column("held_back", Integer, nullable=False),
    # On the held-back reviews: how many the model and the rule agreed with, and kappa.
    Column("model_agreed", Integer, nullable=False),
    Column("rule_agreed", Integer, nullable=False),
    Column("model_kappa", Float),
    Column("rule_kappa", Float),
    # Vocabulary, idf and weights as JSON: no pickles in the database.
    Column("model", Text, nullable=False),
    # The QA lead's switch: the model's verdict counts for this criterion.
    Column("enabled", Boolean, nullable=False),
    Column("switched_at", DateTime),
    Column("switched_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    UniqueConstraint("workspace_id", "scorecard", "criterion"),
)

learned_verdicts = Table(
    "learned_verdicts",
    metadata,
    Column(
        "interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("model_id", Id, ForeignKey("learned_models.id", ondelete="CASCADE"), primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("verdict", String(4), nullable=False),
    # The model's probability of "pass", and how sure it is: |2p - 1| (0: a coin toss).
    Column("probability", Float, nullable=False),
    Column("margin", Float, nullable=False),
    Column("predicted_at", DateTime, nullable=False),
    # "Least sure first": the smallest margins of a workspace.
    Index("ix_learned_verdicts_ws_margin", "workspace_id", "margin"),
)
