"""Access tokens of the read-only MCP server (`coach tokens`): each with a name, the SHA-256
digest of the token (the token itself is shown once and never stored), a role, the owner its
calls are logged as, who issued it and when, and when it was revoked.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

USER, STAMP = 100, 40


def upgrade() -> None:
    op.create_table(
        "mcp_tokens",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(USER), nullable=False),
        sa.Column("created_at", sa.String(STAMP), nullable=False),
        sa.Column("created_by", sa.String(USER), nullable=False),
        sa.Column("revoked_at", sa.String(STAMP), nullable=True),
        sa.CheckConstraint("role IN ('staff', 'editor', 'admin')", name="mcp_tokens_role"))
    op.create_index("mcp_tokens_hash", "mcp_tokens", ["token_hash"], unique=True)
    op.create_index("mcp_tokens_owner", "mcp_tokens", ["owner"])


def downgrade() -> None:
    op.drop_table("mcp_tokens")
