"""The status vocabularies: a job's status and kind, a user's role."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class JobKind(StrEnum):
    solve = "solve"  # a plan
    sweep = "sweep"  # a budget-outcome curve
    letters = "letters"  # a plan's letters to its villages, one zip per kabupaten in the plan's files


FINISHED_JOB_STATUSES = frozenset({JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled})


class Role(StrEnum):
    admin = "admin"  # users, tokens, the audit trail, and every write
    planner = "planner"  # datasets, scenarios, solves, comparisons of its kabupaten
    viewer = "viewer"  # reads
    operator = "operator"  # a village operator: its own villages' targets and plans
