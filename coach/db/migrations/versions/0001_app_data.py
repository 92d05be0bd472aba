"""App data: coaching progress, assessments, the archive, chat dialogue, feedback, and a record
of the SQLite files of earlier versions that were imported.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

USER, STAMP = 100, 40


def upgrade() -> None:
    op.create_table(
        "progress",
        sa.Column("user_name", sa.String(USER), primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(STAMP), nullable=False))
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.String(USER), nullable=False),
        sa.Column("taken_at", sa.String(STAMP), nullable=False),
        sa.Column("scores", sa.Text, nullable=False))
    op.create_index("assessments_user", "assessments", ["user_name", "id"])
    op.create_table(
        "progress_archive",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.String(USER), nullable=False),
        sa.Column("archived_at", sa.String(STAMP), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False))
    op.create_index("progress_archive_user", "progress_archive", ["user_name", "id"])
    op.create_table(
        "chat_dialogue",
        sa.Column("user_name", sa.String(USER), primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(STAMP), nullable=False))
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created", sa.String(STAMP), nullable=False),
        sa.Column("updated", sa.String(STAMP), nullable=False),
        sa.Column("user_name", sa.String(USER), nullable=False),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("sources", sa.Text, nullable=False),
        sa.Column("refused", sa.Integer, nullable=False),
        sa.Column("redacted", sa.Text, nullable=False),
        sa.CheckConstraint("rating IN ('up', 'down')", name="feedback_rating"))
    op.create_index("feedback_user", "feedback", ["user_name", "id"])
    op.create_table(
        "legacy_imports",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("imported_at", sa.String(STAMP), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False))


def downgrade() -> None:
    for table in ("legacy_imports", "feedback", "chat_dialogue", "progress_archive",
                  "assessments", "progress"):
        op.drop_table(table)
