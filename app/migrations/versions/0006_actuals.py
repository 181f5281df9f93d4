"""Plan against actual: what was enrolled per village and month against a plan, and the link from
a re-plan to the plan and the actuals it came from.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actuals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=True),
        sa.Column("source_filename", AutoString(), nullable=True),
        sa.Column("through_month", sa.Integer(), nullable=False),
        sa.Column("start", AutoString(), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("actual_enrollments", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_actuals_plan_id"), "actuals", ["plan_id"], unique=False)
    op.create_table(
        "plan_replan",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("source_plan_id", sa.Integer(), nullable=False),
        sa.Column("actuals_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.ForeignKeyConstraint(["source_plan_id"], ["plan.id"]),
        sa.ForeignKeyConstraint(["actuals_id"], ["actuals.id"]),
        sa.PrimaryKeyConstraint("plan_id"),
    )
    op.create_index(op.f("ix_plan_replan_source_plan_id"), "plan_replan", ["source_plan_id"], unique=False)
    op.create_index(op.f("ix_plan_replan_actuals_id"), "plan_replan", ["actuals_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_replan_actuals_id"), table_name="plan_replan")
    op.drop_index(op.f("ix_plan_replan_source_plan_id"), table_name="plan_replan")
    op.drop_table("plan_replan")
    op.drop_index(op.f("ix_actuals_plan_id"), table_name="actuals")
    op.drop_table("actuals")
