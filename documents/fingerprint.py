"""A plan's fingerprint: the first 12 hex digits of a SHA-256 over its canonical JSON, printed on
every letter so a village can check that its letter comes from the plan the district approved.

Canonical: the plan's JSON fields with sorted keys and no spaces, so the plan read back from its
plan.json (or from the service's database) gives the same fingerprint as the plan solved.
"""

from __future__ import annotations

import hashlib
import json

from models import Plan

FINGERPRINT_HEX = 12


def plan_sha256(plan: Plan) -> str:
    canonical = json.dumps(
        plan.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def plan_fingerprint(plan: Plan) -> str:
    """`3f9a0c1d2e4b`: short enough to read over the phone, long enough not to collide."""
    return plan_sha256(plan)[:FINGERPRINT_HEX]
