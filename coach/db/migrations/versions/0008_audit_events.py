"""The security audit log: sign-ins, role changes, accounts, forget, exports, tokens
(coach/access/audit.py).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False, server_default=""),
        sa.Column("peer", sa.String(64), nullable=False, server_default=""),
        sa.Column("how", sa.String(16), nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default=""))
    op.create_index("audit_events_at", "audit_events", ["at"])


def downgrade() -> None:
    op.drop_index("audit_events_at", table_name="audit_events")
    op.drop_table("audit_events")
