"""Initial schema: datasets, scenarios and their versions, plans, solve jobs, comparisons.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 08:56:58.036307
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dataset",
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", AutoString(), nullable=False),
        sa.Column("source_filename", AutoString(), nullable=True),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("kabupaten", sa.JSON(), nullable=False),
        sa.Column("village_count", sa.Integer(), nullable=False),
        sa.Column("kecamatan_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "dataset_village",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("village_code", AutoString(), nullable=False),
        sa.Column("village_name", AutoString(), nullable=False),
        sa.Column("kecamatan", AutoString(), nullable=False),
        sa.Column("kabupaten", AutoString(), nullable=False),
        sa.Column("dana_desa_idr", sa.Float(), nullable=False),
        sa.Column("add_idr", sa.Float(), nullable=False),
        sa.Column("uninsured", sa.JSON(), nullable=False),
        sa.Column("enrolled", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("max_share", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
        ),
        sa.PrimaryKeyConstraint("dataset_id", "position"),
        sa.UniqueConstraint("dataset_id", "village_code"),
    )
    with op.batch_alter_table("dataset_village", schema=None) as batch_op:
        batch_op.create_index("ix_dataset_village_kecamatan", ["dataset_id", "kecamatan"], unique=False)

    op.create_table(
        "scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("slug", AutoString(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scenario_dataset_id"), ["dataset_id"], unique=False)

    op.create_table(
        "scenario_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("note", AutoString(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenario.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scenario_id", "version"),
    )
    with op.batch_alter_table("scenario_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scenario_version_scenario_id"), ["scenario_id"], unique=False)

    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("scenario_version_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("status", AutoString(), nullable=False),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("objective_name", AutoString(), nullable=False),
        sa.Column("scenario_name", AutoString(), nullable=False),
        sa.Column("village_count", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenario.id"],
        ),
        sa.ForeignKeyConstraint(
            ["scenario_version_id"],
            ["scenario_version.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_dataset_id"), ["dataset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_scenario_id"), ["scenario_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_scenario_version_id"), ["scenario_version_id"], unique=False
        )

    op.create_table(
        "comparison",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("baseline_plan_id", sa.Integer(), nullable=False),
        sa.Column("plan_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["baseline_plan_id"],
            ["plan.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("scenario_version_id", sa.Integer(), nullable=False),
        sa.Column("status", AutoString(), nullable=False),
        sa.Column("mode", AutoString(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("phase", AutoString(), nullable=False),
        sa.Column("error", AutoString(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenario.id"],
        ),
        sa.ForeignKeyConstraint(
            ["scenario_version_id"],
            ["scenario_version.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_scenario_id"), ["scenario_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_status"), ["status"], unique=False)

    op.create_table(
        "plan_village",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("village_code", AutoString(), nullable=False),
        sa.Column("village_name", AutoString(), nullable=False),
        sa.Column("kecamatan", AutoString(), nullable=False),
        sa.Column("kabupaten", AutoString(), nullable=False),
        sa.Column("new_enrollments", sa.Float(), nullable=False),
        sa.Column("enrollments", sa.JSON(), nullable=False),
        sa.Column("spend_dana_desa_idr", sa.Float(), nullable=False),
        sa.Column("spend_add_idr", sa.Float(), nullable=False),
        sa.Column("spend_apbd_idr", sa.Float(), nullable=False),
        sa.Column("spend_total_idr", sa.Float(), nullable=False),
        sa.Column("workers_enrolled_before", sa.Integer(), nullable=False),
        sa.Column("workers_total", sa.Integer(), nullable=False),
        sa.Column("coverage_before", sa.Float(), nullable=False),
        sa.Column("coverage_after", sa.Float(), nullable=False),
        sa.Column("marginal_value_per_million", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.PrimaryKeyConstraint("plan_id", "position"),
    )
    with op.batch_alter_table("plan_village", schema=None) as batch_op:
        batch_op.create_index("ix_plan_village_kecamatan", ["plan_id", "kecamatan"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_village", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_village_kecamatan")

    op.drop_table("plan_village")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_status"))
        batch_op.drop_index(batch_op.f("ix_job_scenario_id"))

    op.drop_table("job")
    op.drop_table("comparison")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_scenario_version_id"))
        batch_op.drop_index(batch_op.f("ix_plan_scenario_id"))
        batch_op.drop_index(batch_op.f("ix_plan_dataset_id"))

    op.drop_table("plan")
    with op.batch_alter_table("scenario_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_version_scenario_id"))

    op.drop_table("scenario_version")
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_dataset_id"))

    op.drop_table("scenario")
    with op.batch_alter_table("dataset_village", schema=None) as batch_op:
        batch_op.drop_index("ix_dataset_village_kecamatan")

    op.drop_table("dataset_village")
    op.drop_table("dataset")
