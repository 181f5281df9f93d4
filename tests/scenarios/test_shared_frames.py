"""A plan's six stored files written together (`scenarios.plan_files`, as its solver process does)
are the same as each written alone, and the tables they come from are built once."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from scenario_helpers import small_plan

from app.i18n import gettext_for
from models import Scenario
from scenarios import (
    csv_for_indonesian_excel,
    plan_files,
    plan_writers,
    targets_csv_bytes,
    targets_csv_excel_id_bytes,
    targets_frame,
    targets_workbook_bytes,
    targets_xlsx_bytes,
)

SCENARIO = Scenario.model_validate(
    {
        "name": "Test scenario",
        "packages": [
            {"code": "JKK-JKM", "monthly_premium_idr": 16800},
            {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3},
        ],
        "budget": {"dana_desa_share": 0.03, "apbd_pool_idr": 2_000_000},
    }
)


def _six(plan: object) -> list[bytes]:
    tr = {lang: gettext_for(lang) for lang in ("id", "en")}  # type: ignore[arg-type]
    return [
        targets_workbook_bytes(plan, tr["id"], SCENARIO, [("Plan", 7)], "Plan 7"),  # type: ignore[arg-type]
        targets_csv_bytes(plan),  # type: ignore[arg-type]
        targets_xlsx_bytes(plan),  # type: ignore[arg-type]
        targets_csv_excel_id_bytes(plan, tr["id"]),  # type: ignore[arg-type]
        targets_workbook_bytes(plan, tr["en"], SCENARIO, [("Plan", 7)], "Plan 7"),  # type: ignore[arg-type]
        targets_csv_excel_id_bytes(plan, tr["en"]),  # type: ignore[arg-type]
    ]


def _parts(content: bytes) -> dict[str, bytes]:
    if not content.startswith(b"PK"):
        return {"": content}
    archive = zipfile.ZipFile(io.BytesIO(content))
    # the workbook's creation time aside
    return {n: archive.read(n) for n in archive.namelist() if n != "docProps/core.xml"}


def test_files_written_together_are_those_written_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = small_plan()
    plan.villages[0].village_name = "=HYPERLINK(1)"  # a cell made safe, once for every file
    alone = _six(plan)
    built: list[object] = []
    made = plan_writers._targets_frame
    monkeypatch.setattr(plan_writers, "_targets_frame", lambda p: built.append(p) or made(p))
    with plan_files(plan):
        together = _six(plan)
        assert targets_frame(plan) is targets_frame(plan)
    assert built == [plan]  # one targets table for the six files
    assert [_parts(c) for c in together] == [_parts(c) for c in alone]
    assert targets_frame(plan) is not targets_frame(plan)  # nothing kept after the block


def test_indonesian_excel_decimals_are_pandas_own() -> None:
    numbers = np.array([0.5, 1e-7, 1.25e-7, 1e17, 123456.654321, -0.0, np.nan, np.inf, 3.0])
    frame = pd.DataFrame({"x": numbers, "name": ["a"] * len(numbers)})
    expected = frame.to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n")
    assert csv_for_indonesian_excel(frame) == "\ufeff".encode() + expected.encode("utf-8")
