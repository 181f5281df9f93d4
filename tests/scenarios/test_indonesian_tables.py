"""Village tables as Indonesian offices write them: Indonesian headers, Windows-1252 CSVs."""

from __future__ import annotations

from pathlib import Path

from scenarios import read_villages

INDONESIAN = (
    "Kode Desa;Nama Desa;Kecamatan;Kabupaten/Kota;Dana Desa (Rp);ADD (Rp);"
    "Belum Terdaftar Petani;Belum Terdaftar Nelayan;Sudah Terdaftar Petani;Prioritas\n"
    "32.16.08.2010;Telajung;Cikarang Barat;Bekasi;1.866.348.000;1.229.544.000;524;0;17;1,5\n"
    "32.16.08.2009;Kalijaya;Cikarang Barat;Bekasi;1.363.921.000;727.117.000;174;3;12;1\n"
)


def test_indonesian_headers_read_as_the_contract_columns(tmp_path: Path) -> None:
    path = tmp_path / "desa.csv"
    path.write_text(INDONESIAN, encoding="utf-8")

    table = read_villages(path)

    assert table.groups == ["farmers", "fishers"]
    telajung = table.villages[0]
    assert telajung.village_code == "32.16.08.2010" and telajung.village_name == "Telajung"
    assert telajung.kecamatan == "Cikarang Barat" and telajung.kabupaten == "Bekasi"
    assert telajung.dana_desa_idr == 1_866_348_000 and telajung.add_idr == 1_229_544_000
    assert telajung.uninsured == {"farmers": 524, "fishers": 0}
    assert telajung.enrolled["farmers"] == 17 and telajung.priority == 1.5


def test_a_windows_1252_csv_keeps_its_accents(tmp_path: Path) -> None:
    text = INDONESIAN.replace("Kalijaya", "Kalijaya Béji – Timur")
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("cp1252"))

    table = read_villages(path)

    assert table.villages[1].village_name == "Kalijaya Béji – Timur"
