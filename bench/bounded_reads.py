"""Reads bounded before they are done: the seconds and the peak memory a refusal of an oversized
table costs, through `desaplan solve` (exit 2) and through the service (422). The tables are built
here, small files that would unpack to millions of cells:

- `far_row_xlsx()`: about 2.5 kB, cells written without their `r` address and a `<row
  r="1048576">` after a few villages (openpyxl would yield a million rows, pandas pad them);
- `rless_rows_xlsx(300_000)`: about 44 kB, 300,000 villages whose rows and cells carry no `r`;
- `many_rows_csv(n)`: n villages of a plain CSV (1,000,000: over the service's upload limit, so
  413 there; 300,000: within it, refused for its rows).

The service's figure is the upload request of a running service (one small table read first, so
its reading processes are warm); the command's includes starting Python and importing pandas.

    python -m bench.bounded_reads [--rows 300000] [--csv-rows 1000000]

Each case runs in a process of its own; its peak memory is that process's (ru_maxrss).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

HEADER = ["village_code", "village_name", "kecamatan", "dana_desa_idr", "add_idr", "uninsured_farmers"]
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="villages" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _text(value: str) -> str:
    return f'<c t="inlineStr"><is><t>{value}</t></is></c>'


def _row(values: list[Any], r: int | None = None) -> str:
    cells = "".join(_text(v) if isinstance(v, str) else f"<c><v>{v}</v></c>" for v in values)
    return f'<row r="{r}">{cells}</row>' if r is not None else f"<row>{cells}</row>"


def _village(number: int) -> list[Any]:
    code = f"32.16.{number // 10_000 % 100:02d}.{number % 10_000 + 1:04d}"
    return [code, f"Desa {number}", "Tarumajaya", 1_500_000_000, 600_000_000, 400]


def sheet_xlsx(rows: str) -> bytes:
    """A workbook of one sheet whose `<sheetData>` is `rows`, written by hand (no `<dimension>`),
    packed at the highest compression."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def far_row_xlsx(villages: int = 3) -> bytes:
    """A few villages in r-less cells, then a `<row r="1048576">` holding r-less cells too."""
    rows = _row(HEADER) + "".join(_row(_village(i)) for i in range(villages))
    return sheet_xlsx(rows + _row(_village(villages), r=1_048_576))


def rless_rows_xlsx(villages: int) -> bytes:
    """`villages` rows of one village, neither rows nor cells carrying an `r` address: a few
    tens of kilobytes packed."""
    return sheet_xlsx(_row(HEADER) + _row(_village(0)) * villages)


def many_rows_csv(villages: int) -> bytes:
    lines = [",".join(HEADER)]
    lines.extend(",".join(str(v) for v in _village(i)) for i in range(villages))
    return ("\n".join(lines) + "\n").encode()


SCENARIO = {
    "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
    "budget": {"dana_desa_share": 0.03},
}

_SERVICE_CASE = """
import sys, time, resource, json
from pathlib import Path
from fastapi.testclient import TestClient
from app.main import create_app
from app.settings import Settings
path = Path(sys.argv[1])
settings = Settings(database_url="sqlite:///" + sys.argv[2], load_examples=False, auth="off")
with TestClient(create_app(settings)) as client:
    # a running service: its reading process pool is warm (one small table read before)
    warm = "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers\\n32.16.01.2001,A,B,1000,1\\n"
    assert client.post("/datasets", files={"file": ("warm.csv", warm.encode())}).status_code == 201
    start = time.perf_counter()
    response = client.post("/datasets", files={"file": (path.name, path.read_bytes())})
    seconds = time.perf_counter() - start
print(json.dumps({"status": response.status_code, "seconds": seconds,
                  "message": response.json()["errors"][0]["message"] if response.status_code == 422 else "",
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _cli(path: Path, workdir: Path) -> dict[str, Any]:
    scenario = workdir / "scenario.json"
    scenario.write_text(json.dumps(SCENARIO))
    desaplan = Path(sys.executable).with_name("desaplan")
    start = time.perf_counter()
    done = subprocess.run(
        [
            str(desaplan),
            "solve",
            "--villages",
            str(path),
            "--scenario",
            str(scenario),
            "--out",
            str(workdir / "out"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "exit": done.returncode,
        "seconds": round(seconds, 2),
        "max_rss_mb": round(rss),
        "message": done.stderr.strip().splitlines()[-1:],
    }


def _service(path: Path, workdir: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _SERVICE_CASE, str(path), str(workdir / "service.db")],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["seconds"] = round(result["seconds"], 2)
    result["max_rss_mb"] = round(result["max_rss_mb"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    cases = {
        "far_row.xlsx": far_row_xlsx(),
        f"rless_{args.rows}.xlsx": rless_rows_xlsx(args.rows),
        f"villages_{args.csv_rows}.csv": many_rows_csv(args.csv_rows),
        # within the service's 50 MB upload limit, so its rows are what refuses it
        f"villages_{args.rows}.csv": many_rows_csv(args.rows),
    }
    print(f"load {os.getloadavg()[0]:.1f}")
    for name, content in cases.items():
        with tempfile.TemporaryDirectory() as folder:
            workdir = Path(folder)
            path = workdir / name
            path.write_bytes(content)
            for side in ("cli", "service"):
                # ru_maxrss of children is the largest child so far: one process per figure
                figures = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        "import json, sys; from pathlib import Path; import bench.bounded_reads as b; "
                        f"print(json.dumps(b._{side}(Path(sys.argv[1]), Path(sys.argv[2]))))",
                        str(path),
                        str(workdir),
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                print(
                    f"{name} ({len(content):,} bytes) {side}: "
                    f"{figures.stdout.strip() or figures.stderr.strip()[-300:]}"
                )


if __name__ == "__main__":
    main()
