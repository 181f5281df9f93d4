"""Jobs: a heartbeat (a running job whose worker went silent is failed), the worker that holds
the job, and the solver's input error.

Revision ID: 0003
Revises: 0001 (a branch of its own beside 0002, which touches only plan villages; `upgrade`
runs every head)
Create Date: 2026-12-01 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("worker", AutoString(), nullable=True))
        batch_op.add_column(sa.Column("input_error", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("input_error")
        batch_op.drop_column("worker")
        batch_op.drop_column("heartbeat_at")
