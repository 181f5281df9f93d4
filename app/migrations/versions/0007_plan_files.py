"""Plan files: a plan's targets files stored as first written, served on every later download.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_file",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("variant", AutoString(length=80), nullable=False),
        sa.Column("file_name", AutoString(), nullable=False),
        sa.Column("file_format", AutoString(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("plan_id", "variant"),
    )


def downgrade() -> None:
    op.drop_table("plan_file")
