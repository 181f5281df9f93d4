"""JSON rows counted before they are parsed: the seconds and the memory `app.web.json_rows.scan_rows`
spends on a body, against `json.loads` of the same body (what counting the rows cost before).

- junk: 16,000,000 empty rows (`{}`, 48 MB, within no limit but the upload size), refused at the
  200,001st row by the scan; `json.loads` builds every dict first;
- table: 200,000 village rows (about 35 MB), the most a table may have: scanned whole, then parsed.

    python -m bench.json_rows [--runs 3]

Runs alternate (scan, loads, scan, loads, ...) and the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from app.web.json_rows import scan_rows

ROW = {
    "village_code": "32.16.01.2001",
    "village_name": "Sagara Makmur",
    "kecamatan": "Tarumajaya",
    "dana_desa_idr": 1_500_000_000,
    "uninsured_farmers": 400,
    "uninsured_fishers": 120,
}


def bodies() -> dict[str, bytes]:
    row = json.dumps(ROW).encode()
    return {
        "junk 16M {}": b'{"name": "junk", "rows": [' + b",".join([b"{}"] * 16_000_000) + b"]}",
        "table 200k rows": b'{"name": "t", "rows": [' + b",".join([row] * 200_000) + b"]}",
    }


def _timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _peak_mb(work: Callable[[], Any]) -> float:
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for name, body in bodies().items():
        scan = lambda body=body: scan_rows(body, 200_000, 200)  # noqa: E731
        loads = lambda body=body: json.loads(body)  # noqa: E731
        scans, parses = [], []
        for _ in range(args.runs):
            scans.append(_timed(scan))
            parses.append(_timed(loads))
        print(
            f"{name} ({len(body) / 1e6:.0f} MB): scan {min(scans):.2f} s, json.loads {min(parses):.2f} s, "
            f"ratio {min(scans) / min(parses):.2f}; peak scan {_peak_mb(scan):.0f} MB, "
            f"json.loads {_peak_mb(loads):.0f} MB; refused: {scan() is not None}; "
            f"load {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
