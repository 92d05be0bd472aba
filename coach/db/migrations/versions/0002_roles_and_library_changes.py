"""Roles (staff, editor, admin) for signed-in users, and the library's audit trail: who added,
replaced or removed which document when, with the chunk counts before and after.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

USER, STAMP = 100, 40


def upgrade() -> None:
    op.create_table(
        "user_roles",
        sa.Column("user_name", sa.String(USER), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.String(STAMP), nullable=False),
        sa.Column("updated_by", sa.String(USER), nullable=False),
        sa.CheckConstraint("role IN ('staff', 'editor', 'admin')", name="user_roles_role"))
    op.create_table(
        "library_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(STAMP), nullable=False),
        sa.Column("user_name", sa.String(USER), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("chunks_before", sa.Integer, nullable=False),
        sa.Column("chunks_after", sa.Integer, nullable=False),
        sa.Column("detail", sa.Text, nullable=False))
    op.create_index("library_changes_at", "library_changes", ["id"])


def downgrade() -> None:
    op.drop_table("library_changes")
    op.drop_table("user_roles")
