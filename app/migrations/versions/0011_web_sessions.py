"""Page sessions kept by the service: the cookie holds a random id, a row its hash, the token
it was opened with and when it was last used (so it expires and signing out ends it).

Revision ID: 0011_sessions
Revises: 0010_headers
Create Date: 2026-12-08 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0011_sessions"
down_revision: str | None = "0010_headers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id_hash", AutoString(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_token.id"]),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index(op.f("ix_web_session_token_id"), "web_session", ["token_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_web_session_token_id"), table_name="web_session")
    op.drop_table("web_session")
