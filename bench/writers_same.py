"""`python -m bench.writers_same`: the six files of `bench.writers` written by this tree and by a
reference commit (`--ref`, default `integ2`) hold the same: the CSVs byte for byte, each workbook
part for part (its XML unzipped; the creation time of docProps/core.xml aside) and, opened with
openpyxl, cell for cell with the same number formats and fonts.

    python -m bench.writers_same --scales bekasi,westjava"""

from __future__ import annotations

import argparse
import io
import re
import tempfile
import zipfile
from pathlib import Path

from bench.writers import FILES, ROOT, _plan_json, _reference_tree, _run


def _parts(content: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    parts = {name: archive.read(name) for name in archive.namelist()}
    if "docProps/core.xml" in parts:
        parts["docProps/core.xml"] = re.sub(
            rb"<dcterms:(created|modified)[^<]*<", b"", parts["docProps/core.xml"]
        )
    return parts


def _cells(content: bytes) -> list[tuple[str, str, object, str, bool]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content))
    return [
        (sheet.title, cell.coordinate, cell.value, cell.number_format, bool(cell.font.b))
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
    ]


def differences(before: Path, after: Path) -> list[str]:
    found = []
    for variant in FILES:
        old, new = (before / variant).read_bytes(), (after / variant).read_bytes()
        if not variant.startswith("xlsx"):
            if old != new:
                found.append(f"{variant}: the bytes differ")
            continue
        if _parts(old) != _parts(new):
            found.append(f"{variant}: a part of the workbook differs")
        if _cells(old) != _cells(new):
            found.append(f"{variant}: a cell differs (value, format or font)")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.writers_same", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="bekasi,westjava")
    parser.add_argument("--ref", default="integ2")
    parser.add_argument("--work", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    reference = _reference_tree(args.ref)
    (reference / "bench").symlink_to(ROOT / "bench")
    for scale in args.scales.split(","):
        plan = _plan_json(scale, args.work).resolve()
        scenario = (args.work / f"writers_{scale}_scenario.json").resolve()
        with tempfile.TemporaryDirectory() as before, tempfile.TemporaryDirectory() as after:
            _run(reference, plan, scenario, Path(before))
            _run(ROOT, plan, scenario, Path(after))
            found = differences(Path(before), Path(after))
        print(f"{scale}: " + ("the six files hold the same" if not found else "; ".join(found)), flush=True)


if __name__ == "__main__":
    main()
