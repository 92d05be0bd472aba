"""Limits that hold across replicas: the questions each user asked recently, counted in the
shared database (coach/access/limits.py).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.Column("at", sa.Float, nullable=False))
    op.create_index("rate_events_user", "rate_events", ["user_name", "at"])


def downgrade() -> None:
    op.drop_index("rate_events_user", table_name="rate_events")
    op.drop_table("rate_events")
