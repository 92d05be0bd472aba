"""The review queue: answers to review (rated not helpful, sampled, or flagged by the pipeline)
and the reviewers' verdicts on them.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

USER, STAMP = 100, 40


def upgrade() -> None:
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created", sa.String(STAMP), nullable=False),
        sa.Column("user_name", sa.String(USER), nullable=False),
        sa.Column("kinds", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("log_id", sa.Integer, nullable=True),
        sa.Column("feedback_id", sa.Integer, nullable=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("history", sa.Text, nullable=False),
        sa.Column("reply", sa.Text, nullable=False),
        sa.Column("refused", sa.Integer, nullable=False),
        sa.Column("refusal", sa.String(32), nullable=False),
        sa.Column("passages", sa.Text, nullable=False))
    op.create_index("review_items_log", "review_items", ["log_id"], unique=True)
    op.create_index("review_items_feedback", "review_items", ["feedback_id"], unique=True)
    op.create_index("review_items_user", "review_items", ["user_name", "id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("user_name", sa.String(USER), nullable=False),
        sa.Column("at", sa.String(STAMP), nullable=False),
        sa.Column("correct", sa.Integer, nullable=False),
        sa.Column("grounded", sa.Integer, nullable=False),
        sa.Column("right_source", sa.Integer, nullable=False),
        sa.Column("should_refuse", sa.Integer, nullable=False),
        sa.Column("must_include", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("case_suite", sa.Text, nullable=False))
    op.create_index("reviews_item", "reviews", ["item_id"], unique=True)
    op.create_index("reviews_user", "reviews", ["user_name"])
    op.create_index("reviews_at", "reviews", ["at"])


def downgrade() -> None:
    op.drop_table("reviews")
    op.drop_table("review_items")
