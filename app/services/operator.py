"""What a village operator reads: a plan's villages and targets, only its own villages."""

from __future__ import annotations

from sqlmodel import Session

from app.processes import filework
from app.processes.bounded import building
from app.services import plans
from app.services.accounts import Principal
from models import Plan, VillagePlan
from models.tables import Page


def _own_plan(session: Session, who: Principal, plan_id: int) -> Plan:
    """The plan with only the operator's villages, and none of the kabupaten's totals."""
    plan = plans.load_plan(session, plan_id)
    own = [v for v in plan.villages if v.village_code in who.village_codes]
    return plan.model_copy(update={"villages": own, "totals": None, "pools": [], "explanations": []})


def operator_village_page(
    session: Session, who: Principal, plan_id: int, offset: int, limit: int
) -> Page[VillagePlan]:
    own = _own_plan(session, who, plan_id).villages
    return Page[VillagePlan](items=own[offset : offset + limit], total=len(own), offset=offset, limit=limit)


def operator_targets_file(
    session: Session, who: Principal, plan_id: int, file_format: str, time_limit_s: float = 0
) -> tuple[bytes, str]:
    plan = _own_plan(session, who, plan_id)
    name = f"targets_plan-{plan_id}_{who.name}.{file_format}"
    content = building(time_limit_s, name, filework.targets_bytes, plan, file_format)
    return content, name
