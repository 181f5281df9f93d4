"""/rules: the contribution rules desaplan prices packages with, read-only."""

from __future__ import annotations

from fastapi import APIRouter, Path

from app.errors import NotFound
from app.i18n import N_
from models.rules import RuleParameterPublic, RuleSetPublic
from scenarios.rules import default_rules, describe

router = APIRouter(prefix="/rules", tags=["rules"])


@router.get("", summary="The contribution rules: every parameter, its dated values and references")
def get_rules() -> RuleSetPublic:
    return describe(default_rules())


@router.get("/{name}", summary="One parameter of the contribution rules")
def get_rule(
    name: str = Path(max_length=100, description="e.g. jkk_jkm_payable_share"),
) -> RuleParameterPublic:
    for parameter in describe(default_rules()).parameters:
        if parameter.name == name:
            return parameter
    raise NotFound(N_("The contribution rules have no parameter '%(name)s'."), name=name)
