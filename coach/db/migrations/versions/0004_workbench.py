"""The lead's QI workbench: projects, their measures and the measures' data, PDSA cycles, and
progress scores, every row keyed by its owner's user name.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

USER, STAMP, DAY = 100, 40, 10


def _owned(name: str, *columns: sa.Column[object] | sa.CheckConstraint) -> None:
    """A table with an id and its owner's user name, then ``columns``."""
    op.create_table(
        name,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.String(USER), nullable=False),
        *columns)


def upgrade() -> None:
    _owned(
        "workbench_projects",
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("aim", sa.Text, nullable=False),
        sa.Column("team", sa.Text, nullable=False),
        sa.Column("sponsor", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(STAMP), nullable=False),
        sa.Column("updated_at", sa.String(STAMP), nullable=False))
    op.create_index("workbench_projects_user", "workbench_projects",
                    ["user_name", "updated_at"])
    _owned(
        "workbench_measures",
        sa.Column("project_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("chart", sa.String(8), nullable=False),
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("frequency", sa.Text, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("target", sa.Float, nullable=True),
        sa.Column("rebase", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(STAMP), nullable=False),
        sa.Column("updated_at", sa.String(STAMP), nullable=False),
        sa.CheckConstraint("kind IN ('outcome', 'process', 'balancing')",
                           name="workbench_measure_kind"),
        sa.CheckConstraint("direction IN ('up', 'down', 'neither')",
                           name="workbench_measure_direction"),
        sa.CheckConstraint("chart IN ('run', 'xmr')", name="workbench_measure_chart"))
    op.create_index("workbench_measures_project", "workbench_measures", ["project_id", "id"])
    op.create_index("workbench_measures_user", "workbench_measures", ["user_name"])
    _owned(
        "workbench_points",
        sa.Column("measure_id", sa.Integer, nullable=False),
        sa.Column("point_date", sa.String(DAY), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("note", sa.Text, nullable=False))
    op.create_index("workbench_points_measure", "workbench_points",
                    ["measure_id", "point_date"], unique=True)
    op.create_index("workbench_points_user", "workbench_points", ["user_name"])
    _owned(
        "workbench_cycles",
        sa.Column("project_id", sa.Integer, nullable=False),
        sa.Column("measure_id", sa.Integer, nullable=True),
        sa.Column("follows", sa.Integer, nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("prediction", sa.Text, nullable=False),
        sa.Column("do_text", sa.Text, nullable=False),
        sa.Column("study", sa.Text, nullable=False),
        sa.Column("act", sa.String(8), nullable=False),
        sa.Column("act_note", sa.Text, nullable=False),
        sa.Column("planned", sa.String(DAY), nullable=True),
        sa.Column("done", sa.String(DAY), nullable=True),
        sa.Column("studied", sa.String(DAY), nullable=True),
        sa.Column("acted", sa.String(DAY), nullable=True),
        sa.Column("created_at", sa.String(STAMP), nullable=False),
        sa.Column("updated_at", sa.String(STAMP), nullable=False),
        sa.CheckConstraint("act IN ('', 'adopt', 'adapt', 'abandon')",
                           name="workbench_cycle_act"))
    op.create_index("workbench_cycles_project", "workbench_cycles", ["project_id", "id"])
    op.create_index("workbench_cycles_user", "workbench_cycles", ["user_name"])
    _owned(
        "workbench_scores",
        sa.Column("project_id", sa.Integer, nullable=False),
        sa.Column("scored_on", sa.String(DAY), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.String(STAMP), nullable=False),
        sa.CheckConstraint("score >= 0.5 AND score <= 5", name="workbench_score_scale"))
    op.create_index("workbench_scores_project", "workbench_scores",
                    ["project_id", "scored_on", "id"])
    op.create_index("workbench_scores_user", "workbench_scores", ["user_name"])


def downgrade() -> None:
    for table in ("workbench_scores", "workbench_cycles", "workbench_points",
                  "workbench_measures", "workbench_projects"):
        op.drop_table(table)
