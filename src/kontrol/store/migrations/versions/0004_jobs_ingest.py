"""job queue and ingest API

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Reserved for API keys, idempotency keys and job runs.
"""

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
