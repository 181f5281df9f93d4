"""/sweeps and /plans/{id}/marginals: budget-outcome curves and the next rupiah."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.db import SessionDep
from app.responses import MEDIA_TYPES, ItemId, file_response
from app.services import insights as service
from app.settings import SettingsDep
from models import Curve
from models.tables import FairnessCreate, SweepCreate
from scenarios import insights_io

router = APIRouter(tags=["insights"])

ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": Curve, "content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {},
                                      "image/png": {}},
          "description": "The curve as JSON, its points as CSV, a workbook, or a chart."}
}


@router.post("/sweeps", responses=ANSWERS, summary="A budget-outcome curve of a scenario")
def create_sweep(body: SweepCreate, session: SessionDep, settings: SettingsDep,
                 format: Literal["json", "csv", "xlsx", "png"] = "json") -> Any:
    """Move one lever (dana_desa_share, add_share, apbd_pool, premium, min_coverage) over a range
    or a list of points: per point the status, objective, new enrolments, coverage, spend by
    source and marginal value; for continuous plans the curve's exact breakpoints, where a plan
    starts to exist and where more money stops helping. Answered in the request for tables up to
    the service's synchronous limit."""
    curve, name = service.sweep(session, body, settings)
    if format == "csv":
        return file_response(insights_io.curve_csv_bytes(curve), "curve.csv", "csv")
    if format == "xlsx":
        return file_response(insights_io.curve_xlsx_bytes(curve), "curve.xlsx", "xlsx")
    if format == "png":
        return Response(insights_io.curve_png_bytes(curve, name), media_type="image/png",
                        headers={"Content-Disposition": 'attachment; filename="curve.png"'})
    return curve


@router.post("/fairness", summary="The cost of each floor of a scenario")
def cost_of_fairness(body: FairnessCreate, session: SessionDep, settings: SettingsDep,
                     format: Literal["json", "csv", "xlsx"] = "json") -> Any:
    """The scenario solved with every floor and without each floor family (coverage floor, group
    floors, table-wide target): objective and enrolments given up, rupiah moved, villages that
    gain and lose; JSON (with the village tables), the summary as CSV, or a workbook."""
    summary, villages = service.fairness(session, body.scenario_id, body.version, settings)
    if format == "csv":
        return file_response(summary.to_csv(index=False).encode("utf-8"), "fairness.csv", "csv")
    if format == "xlsx":
        import io

        import pandas as pd

        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            summary.to_excel(writer, sheet_name="cost_of_each_floor", index=False)
            for family, frame in villages.items():
                frame.to_excel(writer, sheet_name=family[:31], index=False)
        return file_response(buffer.getvalue(), "fairness.xlsx", "xlsx")
    return {"floors": _records(summary),
            "villages": {family: _records(frame) for family, frame in villages.items()}}


Table = Literal["top", "villages", "kecamatan", "pools"]


@router.get("/plans/{plan_id}/marginals", summary="The next rupiah: what Rp1 million more buys")
def plan_marginals(plan_id: ItemId, session: SessionDep,
                   format: Literal["json", "csv", "xlsx"] = "json",
                   table: Annotated[Table, Query(description="the table a CSV holds")] = "top",
                   top: Annotated[int, Query(ge=1, le=1000)] = 20) -> Any:
    """Per village (its own cap), per kecamatan and per APBD pool: objective points and new
    enrolments one more Rp1 million buys and over which range; the villages where it does most."""
    plan = service.plan_for_marginals(session, plan_id)
    frames = {"top": lambda: insights_io.top_villages(plan, top),
              "villages": lambda: insights_io.village_marginals(plan),
              "kecamatan": lambda: insights_io.kecamatan_marginals(plan),
              "pools": lambda: insights_io.pool_marginals(plan)}
    if format == "xlsx":
        return file_response(insights_io.marginals_xlsx_bytes(plan, top),
                             f"marginals_{plan_id}.xlsx", "xlsx")
    if format == "csv":
        return file_response(frames[table]().to_csv(index=False).encode("utf-8"),
                             f"marginals_{plan_id}_{table}.csv", "csv")
    return {name: _records(make()) for name, make in frames.items()} | {
        "marginals_from": plan.marginals_from}


def _records(frame: Any) -> list[dict[str, Any]]:
    import math

    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for k, v in row.items():
            if hasattr(v, "item"):
                v = v.item()
            if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
                v = None
            clean[str(k)] = v
        out.append(clean)
    return out
