"""Reads bounded before they are done: an XLSX is measured however its rows and cells are written
(without `r`, with `r` jumps, a `<dimension>` that lies, shared strings and parts that unpack to
much), a CSV's rows are counted while they are read, and either is refused at the first row past
the limit, with the file and the limit named."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bench.bounded_reads import (
    HEADER,
    far_row_xlsx,
    many_rows_csv,
    rless_rows_xlsx,
    sheet_xlsx,
)
from models import ActualsError, VillageTableError
from scenarios import read_villages
from scenarios.actuals_reader import PlanFrame, read_actuals
from scenarios.limits import ReadLimits


def _refusal(path: Path, limits: ReadLimits | None = None) -> str:
    with pytest.raises(VillageTableError) as refused:
        read_villages(path, limits=limits)
    issue = refused.value.issues[0]
    assert issue.file == str(path)
    return issue.message


def _cells(values: list[object]) -> str:
    return "".join(
        f'<c t="inlineStr"><is><t>{v}</t></is></c>' if isinstance(v, str) else f"<c><v>{v}</v></c>"
        for v in values
    )


def _village(number: int) -> list[object]:
    return [f"32.16.01.{number + 1:04d}", f"Desa {number}", "Tarumajaya", 1_500_000_000, 600_000_000, 400]


def test_a_small_workbook_naming_row_1048576_in_r_less_cells_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "far.xlsx"
    path.write_bytes(far_row_xlsx())
    assert path.stat().st_size < 2_600

    message = _refusal(path)

    assert "1,048,576 rows" in message
    assert "at most 200,000 villages" in message


def test_300000_r_less_rows_are_refused_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "rows.xlsx"
    path.write_bytes(rless_rows_xlsx(300_000))

    message = _refusal(path)

    assert "at least" in message and "rows" in message
    assert "at most 200,000 villages" in message


def test_r_less_rows_within_a_raised_limit_are_read(tmp_path: Path) -> None:
    rows = "<row>" + _cells(list(HEADER)) + "</row>"
    rows += "".join("<row>" + _cells(_village(i)) + "</row>" for i in range(30))
    path = tmp_path / "villages.xlsx"
    path.write_bytes(sheet_xlsx(rows))

    assert "31 rows" in _refusal(path, ReadLimits(max_rows=20))
    table = read_villages(path, limits=ReadLimits(max_rows=30))

    assert len(table.villages) == 30
    assert table.villages[-1].village_code == "32.16.01.0030"


@pytest.mark.parametrize("row_number", ["1e6", "1048576.0", "1_048_576", "&#49;048576", " 1048576 "])
def test_a_row_number_is_read_as_openpyxl_reads_it(tmp_path: Path, row_number: str) -> None:
    rows = "<row>" + _cells(list(HEADER)) + "</row>"
    rows += f"<row r='{row_number}'>" + _cells(_village(0)) + "</row>"
    path = tmp_path / "jump.xlsx"
    path.write_bytes(sheet_xlsx(rows))

    assert "rows" in _refusal(path, ReadLimits(max_rows=1000))


def test_a_quoted_angle_bracket_does_not_hide_a_row_number(tmp_path: Path) -> None:
    rows = "<row>" + _cells(list(HEADER)) + "</row>"
    rows += '<row x14ac:dyDescent=">" r="900000">' + _cells(_village(0)) + "</row>"
    path = tmp_path / "quoted.xlsx"
    path.write_bytes(sheet_xlsx(rows))

    assert "900,000 rows" in _refusal(path)


def test_r_less_cells_after_an_addressed_one_are_counted_from_it(tmp_path: Path) -> None:
    row = '<row><c r="GR1"><v>1</v></c>' + "<c><v>1</v></c>" * 3 + "</row>"  # GR = column 200
    path = tmp_path / "wide.xlsx"
    path.write_bytes(sheet_xlsx(row))

    assert "201 columns" in _refusal(path)  # the first past 200


def test_a_dimension_that_understates_the_sheet_does_not_hide_its_rows(tmp_path: Path) -> None:
    rows = "<row>" + _cells(list(HEADER)) + "</row>" + ("<row>" + _cells(_village(0)) + "</row>") * 60
    content = sheet_xlsx(rows).replace(b"", b"")
    content = _replace_part(
        content,
        "xl/worksheets/sheet1.xml",
        lambda sheet: sheet.replace(b"<sheetData>", b'<dimension ref="A1:B2"/><sheetData>'),
    )
    path = tmp_path / "lies.xlsx"
    path.write_bytes(content)

    assert "61 rows" in _refusal(path, ReadLimits(max_rows=50))


def test_the_rectangle_a_sheet_spans_is_bounded_in_cells(tmp_path: Path) -> None:
    # every row is padded to the widest: 100 rows and one of 150 columns make 15,000 cells
    rows = "<row>" + _cells(list(HEADER)) + "</row>" + "<row><c><v>1</v></c></row>" * 99
    rows += "<row>" + "<c><v>1</v></c>" * 150 + "</row>"
    path = tmp_path / "padded.xlsx"
    path.write_bytes(sheet_xlsx(rows))

    message = _refusal(path, ReadLimits(max_rows=1000, max_cells=10_000))

    assert "150 columns" in message and "10,000 cells in all" in message


def test_more_shared_texts_than_a_table_holds_are_refused(tmp_path: Path) -> None:
    strings = "<si><t>a</t></si>" * 5_000
    shared = (
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>'
    ).encode()
    path = tmp_path / "strings.xlsx"
    path.write_bytes(_add_part(sheet_xlsx("<row><c><v>1</v></c></row>"), "xl/sharedStrings.xml", shared))

    message = _refusal(path, ReadLimits(max_rows=100, max_shared_strings=1_000))

    assert "more than 1,000 texts" in message


def test_a_part_is_refused_once_it_unpacks_past_its_limit(tmp_path: Path) -> None:
    styles = b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    styles += b"<!-- padding -->" * 10_000 + b"</styleSheet>"
    path = tmp_path / "styles.xlsx"
    path.write_bytes(_add_part(sheet_xlsx("<row><c><v>1</v></c></row>"), "xl/styles.xml", styles))

    message = _refusal(path, ReadLimits(max_xlsx_part_bytes=100_000))

    assert "xl/styles.xml unpacks to 160,091 bytes; the limit is 100,000" in message


def test_a_part_whose_zip_header_understates_it_is_not_read_past_it(tmp_path: Path) -> None:
    styles = b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    styles += b"<!-- padding -->" * 10_000 + b"</styleSheet>"
    content = _add_part(sheet_xlsx("<row><c><v>1</v></c></row>"), "xl/styles.xml", styles)
    # the sizes the local and the central headers declare: 1,000 bytes instead of 160,091
    declared = len(styles).to_bytes(4, "little")
    assert content.count(declared) == 2
    path = tmp_path / "lies.xlsx"
    path.write_bytes(content.replace(declared, (1_000).to_bytes(4, "little")))

    message = _refusal(path, ReadLimits(max_xlsx_part_bytes=100_000))

    assert message.startswith("not a readable XLSX workbook")


def test_a_sheet_declaring_entities_is_refused(tmp_path: Path) -> None:
    content = _replace_part(
        sheet_xlsx("<row><c><v>1</v></c></row>"),
        "xl/worksheets/sheet1.xml",
        lambda sheet: sheet.replace(
            b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY r "<row/>">]><worksheet', 1
        ),
    )
    path = tmp_path / "dtd.xlsx"
    path.write_bytes(content)

    assert "DTD" in _refusal(path)


def test_the_reading_stops_at_the_limit_before_the_rest_of_the_sheet(tmp_path: Path) -> None:
    # a broken cell address past the limit: read whole, the file would be refused for it
    rows = "<row>" + _cells(list(HEADER)) + "</row>" + ("<row>" + _cells(_village(0)) + "</row>") * 500
    rows += '<row><c r="NOT A CELL"><v>1</v></c></row>'
    path = tmp_path / "tail.xlsx"
    path.write_bytes(sheet_xlsx(rows))

    assert "a cell is addressed 'NOT A CELL'" in _refusal(path, ReadLimits(max_rows=1000))
    assert "at most 100 villages" in _refusal(path, ReadLimits(max_rows=100))


def test_a_csv_past_the_limit_is_refused_before_the_rest_is_read(tmp_path: Path) -> None:
    # 60,000 villages, then a row of too many cells: the reading stops before it
    content = many_rows_csv(60_000) + b"1,2,3,4,5,6,7,8,9\n" + many_rows_csv(10)
    path = tmp_path / "desa.csv"
    path.write_bytes(content)

    assert "expected 6 fields" in _refusal(path, ReadLimits(max_rows=100_000))
    message = _refusal(path, ReadLimits(max_rows=1_000))

    assert "more than 1,000 villages; the limit is 1,000" in message


def test_a_csv_within_its_limit_is_read_whole_across_chunks(tmp_path: Path) -> None:
    lines = [",".join(HEADER)]
    lines += [
        ",".join(map(str, _village(i % 9999))).replace("32.16.01.", f"32.16.{i // 9999:02d}.")
        for i in range(45_000)
    ]
    lines.insert(30_000, "")  # a blank line keeps its place in the numbering
    path = tmp_path / "desa.csv"
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")

    table = read_villages(path, limits=ReadLimits(max_rows=45_000))

    assert len(table.villages) == 45_000
    assert "45,000 villages; the limit is 44,999" in _refusal(path, ReadLimits(max_rows=44_999))


def test_a_windows_1252_csv_read_as_a_stream_keeps_its_letters(tmp_path: Path) -> None:
    path = tmp_path / "desa.csv"
    path.write_bytes(
        (
            "village_code;village_name;kecamatan;dana_desa_idr;uninsured_farmers\n"
            "32.16.01.2001;Désa Ümi;Tarumajaya;1000000000;10\n"
        ).encode("cp1252")
    )

    table = read_villages(path)

    assert table.villages[0].village_name == "Désa Ümi"


def test_actuals_are_bounded_by_the_plan_a_row_per_village_and_month(tmp_path: Path) -> None:
    frame = PlanFrame(
        villages={"32.16.01.2001": None, "32.16.01.2002": None},
        groups=["farmers"],
        packages=["JKK-JKM"],
        horizon_months=12,
    )
    far = tmp_path / "far.xlsx"
    far.write_bytes(far_row_xlsx())
    many = tmp_path / "many.csv"
    many.write_text("village_code,month,new_enrollments\n" + "32.16.01.2001,2026-01,1\n" * 25)

    with pytest.raises(ActualsError) as far_refused:
        read_actuals(far, frame)
    with pytest.raises(ActualsError) as many_refused:
        read_actuals(many, frame)

    assert "1,048,576 rows" in far_refused.value.issues[0].message
    assert far_refused.value.issues[0].file == str(far)
    assert "25 rows (a row per village and month); the limit is 24" in (many_refused.value.issues[0].message)


def _replace_part(content: bytes, part: str, change: object) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, change(data) if info.filename == part else data)  # type: ignore[operator]
    return out.getvalue()


def _add_part(content: bytes, part: str, data: bytes) -> bytes:
    out = io.BytesIO(content)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(part, data)
    return out.getvalue()


def _addressed_rows(villages: int, last_row: int | None = None) -> str:
    """Rows and cells each with its `r`, as spreadsheets write them."""

    def row(number: int, values: list[object]) -> str:
        cells = "".join(
            f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
            if isinstance(v, str)
            else f'<c r="{chr(65 + i)}{number}"><v>{v}</v></c>'
            for i, v in enumerate(values)
        )
        return f'<row r="{number}">{cells}</row>'

    rows = [row(1, list(HEADER))]
    rows += [
        row(i + 2, [f"32.16.{i // 9999 + 1:02d}.{i % 9999 + 1:04d}", *_village(i)[1:]])
        for i in range(villages)
    ]
    if last_row is not None:
        rows.append(row(last_row, _village(0)))
    return "".join(rows)


def test_an_addressed_sheet_over_many_chunks_is_read_to_its_last_row(tmp_path: Path) -> None:
    path = tmp_path / "addressed.xlsx"
    path.write_bytes(sheet_xlsx(_addressed_rows(20_000)))

    table = read_villages(path, limits=ReadLimits(max_rows=20_000))

    assert len(table.villages) == 20_000
    assert table.villages[-1].village_code == "32.16.03.0002"
    assert "20,001 rows" in _refusal(path, ReadLimits(max_rows=19_999))


def test_an_addressed_sheet_that_jumps_to_a_far_row_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jump.xlsx"
    path.write_bytes(sheet_xlsx(_addressed_rows(50, last_row=500_000)))

    assert "500,000 rows" in _refusal(path)


def test_an_addressed_cell_past_the_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.xlsx"
    path.write_bytes(sheet_xlsx('<row r="1"><c r="A1"><v>1</v></c><c r="GS1"><v>1</v></c></row>'))

    assert "201 columns" in _refusal(path)  # GS is column 201
