"""`kill -9` of a real `desaplan serve`: its solver processes end with it, and after a restart the
database is whole (integrity check ok, nothing half-written, cut-off jobs failed)."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from servers import Server

QUIET = {"DESAPLAN_LOAD_EXAMPLES": "false"}  # an empty database, one local user


def _ppid_and_state(pid: int) -> tuple[int, str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0]


def descendants(pid: int) -> set[int]:
    """Every living process below `pid` (the forkserver, the solver processes, ...)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _ppid_and_state(int(entry.name))) and found[1] != "Z":
            parents[int(entry.name)] = found[0]
    below: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - below
        below |= frontier
    return below


def alive(pids: set[int]) -> set[int]:
    """Those still running (a zombie waiting for its reaper has ended)."""
    return {pid for pid in pids if (found := _ppid_and_state(pid)) and found[1] != "Z"}


def village_csv(count: int) -> bytes:
    lines = [
        "village_code,village_name,kecamatan,dana_desa_idr,add_idr,uninsured_farmers,"
        "uninsured_fishers,uninsured_traders,enrolled_farmers,priority"
    ]
    for i in range(count):
        kecamatan, village = divmod(i, 100)
        lines.append(
            f"{11 + kecamatan // 9801:02d}.{kecamatan // 99 % 99 + 1:02d}.{kecamatan % 99 + 1:02d}."
            f"{2001 + village},Desa {i},Kecamatan {kecamatan},{1_000_000_000 + 7_919 * (i % 500) * 1000},"
            f"{400_000_000 + (i % 37) * 10_000_000},{200 + i % 300},{i % 90},{50 + i % 70},"
            f"{i % 40},{1 + (i % 7) / 10}"
        )
    return ("\n".join(lines) + "\n").encode()


def integrity(database: Path) -> tuple[str, list[tuple[Any, ...]]]:
    """SQLite's own check, and every dataset whose stored villages differ from its count."""
    with sqlite3.connect(database) as connection:
        check = connection.execute("PRAGMA integrity_check").fetchone()[0]
        uneven = connection.execute(
            "SELECT d.id, d.village_count, COUNT(v.position) FROM dataset d "
            "LEFT JOIN dataset_village v ON v.dataset_id = d.id GROUP BY d.id "
            "HAVING COUNT(v.position) != d.village_count"
        ).fetchall()
        orphans = connection.execute(
            "SELECT COUNT(*) FROM dataset_village WHERE dataset_id NOT IN (SELECT id FROM dataset)"
        ).fetchone()[0]
    assert orphans == 0
    return check, uneven


def test_kill_9_mid_solve_ends_the_solver_and_the_restart_fails_the_job(tmp_path: Path) -> None:
    server = Server(tmp_path, "first.log", **QUIET)
    try:
        dataset = server.http.post(
            "/datasets", files={"file": ("large.csv", village_csv(20_000), "text/csv")}
        ).json()
        scenario = server.http.post(
            "/scenarios",
            json={
                "dataset_id": dataset["id"],
                "scenario": {
                    "name": "long",
                    "packages": [
                        {"code": "JKK-JKM", "monthly_premium_idr": 16800},
                        {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3},
                    ],
                    "budget": {"dana_desa_share": 0.03, "apbd_pool_idr": 5_000_000_000},
                    "targets": {"min_coverage": 0.2},
                    "integer": True,
                },
            },
        ).json()
        job = server.http.post(
            "/solves?mode=async",
            json={"scenario_id": scenario["id"], "options": {"integer_method": "mip", "time_limit_s": 120}},
        ).json()
        # the solver's clock has started: its phases after "preparing the table" (one pool over
        # the whole table goes on to the pool's price at once, so "solving" itself may be missed)
        solving = ("solving", "the pool's price", "blocks solved", "settling ties")
        deadline = time.monotonic() + 120
        while not server.http.get(f"/jobs/{job['id']}").json()["phase"].startswith(solving):
            assert time.monotonic() < deadline, "the solve never started"
            time.sleep(0.1)
        children = descendants(server.process.pid)
        assert children, "no solver process to watch"

        server.kill()
        killed_at = time.monotonic()
        while alive(children) and time.monotonic() - killed_at < 10:
            time.sleep(0.1)
        assert not alive(children), "solver processes outlived the service"
    finally:
        for pid in alive(descendants(server.process.pid)):
            os.kill(pid, signal.SIGKILL)
        server.stop()

    # the restarted service fails the job once its holder has been silent past the heartbeat's
    # timeout (another service could still hold it, on a shared database)
    restarted = Server(tmp_path, "second.log", **QUIET, DESAPLAN_JOB_HEARTBEAT_TIMEOUT="2")
    try:
        deadline = time.monotonic() + 30
        while restarted.http.get(f"/jobs/{job['id']}").json()["status"] != "failed":
            assert time.monotonic() < deadline, "the cut-off job was left running"
            time.sleep(0.2)
    finally:
        restarted.stop()
    assert integrity(restarted.database) == ("ok", [])


def test_kill_9_mid_upload_leaves_the_database_whole(tmp_path: Path) -> None:
    server = Server(tmp_path, "first.log", **QUIET)
    wal = Path(f"{server.database}-wal")
    content = village_csv(60_000)
    answers: list[int] = []

    def upload() -> None:
        try:
            answers.append(
                server.http.post("/datasets", files={"file": ("big.csv", content, "text/csv")}).status_code
            )
        except httpx.TransportError:
            answers.append(0)

    before = wal.stat().st_size if wal.exists() else 0
    sender = threading.Thread(target=upload)
    sender.start()
    deadline = time.monotonic() + 120
    # kill while the villages are being written: the write-ahead log grows
    while (wal.stat().st_size if wal.exists() else 0) < before + 2_000_000 and not answers:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    server.kill()
    sender.join(30)
    assert answers == [0], "the upload finished before the kill: nothing was tested"

    assert integrity(server.database) == ("ok", [])
    restarted = Server(tmp_path, "second.log", **QUIET)
    try:
        assert restarted.http.get("/datasets").json()["total"] == 0
    finally:
        restarted.stop()


def test_kill_9_mid_export_and_the_restart_exports_again(tmp_path: Path) -> None:
    """The file is built in a process of its own (`app.processes.bounded`), which ends with the service; a
    download cut off leaves nothing behind, and after a restart the same file comes whole."""
    server = Server(tmp_path, "first.log", **QUIET)
    villages = 40_000
    answers: list[int] = []
    try:
        table = {"file": ("big.csv", village_csv(villages), "text/csv")}
        uploaded = server.http.post("/datasets", files=table)
        assert uploaded.status_code == 201, uploaded.text
        dataset = uploaded.json()
        files_before = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
        idle = descendants(server.process.pid)  # the forkserver, before any export

        def download() -> None:
            try:
                answers.append(server.http.get(f"/datasets/{dataset['id']}/download?format=xlsx").status_code)
            except httpx.TransportError:
                answers.append(0)

        fetcher = threading.Thread(target=download)
        fetcher.start()
        deadline = time.monotonic() + 60
        while not (exporting := descendants(server.process.pid) - idle) and not answers:
            assert time.monotonic() < deadline, "the export never started its process"
            time.sleep(0.01)
        server.kill()
        killed_at = time.monotonic()
        fetcher.join(30)
        assert answers == [0], "the export finished before the kill: nothing was tested"
        while alive(exporting) and time.monotonic() - killed_at < 10:
            time.sleep(0.1)
        assert not alive(exporting), "the export's process outlived the service"
    finally:
        for pid in alive(descendants(server.process.pid)):
            os.kill(pid, signal.SIGKILL)
        server.stop()

    assert integrity(server.database) == ("ok", [])
    left = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert set(left) - set(files_before) <= {"desaplan.sqlite-wal", "desaplan.sqlite-shm"}  # no part-file
    restarted = Server(tmp_path, "second.log", **QUIET)
    try:
        again = restarted.http.get(f"/datasets/{dataset['id']}/download?format=xlsx")
        assert again.status_code == 200
        assert 'filename="villages_big.xlsx"' in again.headers["content-disposition"]
        sheet = pd.read_excel(io.BytesIO(again.content), dtype={"village_code": str})
        assert len(sheet) == villages and sheet["village_code"].is_unique
        assert restarted.http.get("/datasets").json()["total"] == 1
    finally:
        restarted.stop()
    assert integrity(restarted.database) == ("ok", [])
