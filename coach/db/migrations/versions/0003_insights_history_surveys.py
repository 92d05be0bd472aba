"""Insights, history and team surveys: the question log, each user's saved conversations, and
team readiness surveys with their (never individually shown) responses.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

USER, STAMP = 100, 40


def upgrade() -> None:
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(STAMP), nullable=False),
        sa.Column("user_name", sa.String(USER), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("refused", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("cited", sa.Text, nullable=False),
        sa.Column("answerer", sa.String(32), nullable=False),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("conversation", sa.String(40), nullable=False))
    op.create_index("question_log_at", "question_log", ["at"])
    op.create_index("question_log_user", "question_log", ["user_name", "id"])
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("user_name", sa.String(USER), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(STAMP), nullable=False),
        sa.Column("updated_at", sa.String(STAMP), nullable=False),
        sa.Column("turns", sa.Text, nullable=False))
    op.create_index("conversations_user", "conversations", ["user_name", "updated_at"])
    op.create_table(
        "surveys",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("owner", sa.String(USER), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(STAMP), nullable=False),
        sa.Column("closed_at", sa.String(STAMP), nullable=True))
    op.create_index("surveys_owner", "surveys", ["owner"])
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("at", sa.String(STAMP), nullable=False),
        sa.Column("user_name", sa.String(USER), nullable=True),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("level", sa.String(64), nullable=False),
        sa.Column("scores", sa.Text, nullable=False))
    op.create_index("survey_responses_code", "survey_responses", ["code"])


def downgrade() -> None:
    for table in ("survey_responses", "surveys", "conversations", "question_log"):
        op.drop_table(table)
