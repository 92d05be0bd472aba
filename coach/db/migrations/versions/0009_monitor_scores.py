"""Answers in use, scored: the monitor's scores of queued answers (coach/review/monitor.py).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_scores",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("scored_at", sa.String(40), nullable=False),
        sa.Column("answered_at", sa.String(40), nullable=False),
        sa.Column("groundedness", sa.Float, nullable=True),
        sa.Column("citation_validity", sa.Float, nullable=True),
        sa.Column("reply_chars", sa.Integer, nullable=False),
        sa.Column("refused", sa.Integer, nullable=False),
        sa.Column("refusal", sa.String(32), nullable=False, server_default=""),
        sa.Column("low", sa.Integer, nullable=False))
    op.create_index("monitor_scores_item", "monitor_scores", ["item_id"], unique=True)
    op.create_index("monitor_scores_answered", "monitor_scores", ["answered_at"])


def downgrade() -> None:
    op.drop_index("monitor_scores_answered", table_name="monitor_scores")
    op.drop_index("monitor_scores_item", table_name="monitor_scores")
    op.drop_table("monitor_scores")
