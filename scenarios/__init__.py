"""Files in and out: village tables, scenarios, plans and targets; the example data sets.

Pure: data in, data out (files are written whole or not at all)."""

from scenarios.excel_id_csv import csv_for_indonesian_excel, targets_csv_excel_id_bytes
from scenarios.plan_writers import (
    kecamatan_summary,
    plan_json,
    targets_csv_bytes,
    targets_frame,
    targets_xlsx_bytes,
    totals_frame,
    write_plan_json,
    write_targets_csv,
    write_targets_xlsx,
)
from scenarios.scenario_io import check_scenario_fits, read_scenario, scenario_from_dict
from scenarios.shared_frames import plan_files
from scenarios.targets_workbook import contributions_frame, split_targets_zip, targets_workbook_bytes
from scenarios.village_reader import read_villages, villages_from_rows
from scenarios.village_writers import (
    villages_csv_bytes,
    villages_frame,
    villages_xlsx_bytes,
    write_villages_csv,
    write_villages_xlsx,
)

__all__ = [
    "check_scenario_fits",
    "contributions_frame",
    "csv_for_indonesian_excel",
    "split_targets_zip",
    "targets_csv_excel_id_bytes",
    "targets_workbook_bytes",
    "kecamatan_summary",
    "plan_files",
    "plan_json",
    "read_scenario",
    "read_villages",
    "scenario_from_dict",
    "targets_csv_bytes",
    "targets_frame",
    "targets_xlsx_bytes",
    "totals_frame",
    "villages_csv_bytes",
    "villages_frame",
    "villages_from_rows",
    "villages_xlsx_bytes",
    "write_plan_json",
    "write_targets_csv",
    "write_targets_xlsx",
    "write_villages_csv",
    "write_villages_xlsx",
]
