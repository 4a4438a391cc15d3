"""customer surveys and alerts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

Reserved for survey links, places and alert rules.
"""

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
