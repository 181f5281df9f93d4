"""The shapes every layer uses: the village table, the scenario, solve options, the plan."""

from models.errors import (
    DesaplanError,
    InputError,
    InputIssue,
    ScenarioError,
    VillageTableError,
)
from models.insights import Curve, CurvePoint, Lever, LeverKind, Remedy
from models.plan import (
    Explanation,
    GroupReason,
    Method,
    Plan,
    PlanCheck,
    PoolUse,
    Shortfall,
    Status,
    Totals,
    VillagePlan,
)
from models.scenario import (
    Budget,
    IntegerMethod,
    Objective,
    Package,
    Problem,
    Scenario,
    SolveOptions,
    Targets,
)
from models.village import DEFAULT_KABUPATEN, Village, VillageTable

__all__ = [
    "DEFAULT_KABUPATEN",
    "Budget",
    "Curve",
    "CurvePoint",
    "DesaplanError",
    "Explanation",
    "GroupReason",
    "InputError",
    "InputIssue",
    "IntegerMethod",
    "Lever",
    "LeverKind",
    "Method",
    "Objective",
    "Package",
    "Plan",
    "PlanCheck",
    "PoolUse",
    "Problem",
    "Remedy",
    "Scenario",
    "ScenarioError",
    "Shortfall",
    "SolveOptions",
    "Status",
    "Targets",
    "Totals",
    "Village",
    "VillagePlan",
    "VillageTable",
    "VillageTableError",
]
