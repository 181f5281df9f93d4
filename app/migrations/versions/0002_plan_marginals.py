"""Plan villages: what one more million buys in workers and over which range; coverage may be empty.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan_village", schema=None) as batch_op:
        batch_op.add_column(sa.Column("marginal_enrollments_per_million", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("marginal_range_idr", sa.Float(), nullable=True))
        batch_op.alter_column("coverage_before", existing_type=sa.Float(), nullable=True)
        batch_op.alter_column("coverage_after", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("plan_village", schema=None) as batch_op:
        batch_op.alter_column("coverage_after", existing_type=sa.Float(), nullable=False)
        batch_op.alter_column("coverage_before", existing_type=sa.Float(), nullable=False)
        batch_op.drop_column("marginal_range_idr")
        batch_op.drop_column("marginal_enrollments_per_million")
