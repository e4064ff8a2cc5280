"""Encodings: UTF-8 (with or without BOM) read as is, Windows-1252 and Latin-1 converted, the rest refused.

Nothing is ever landed garbled: no accepted case leaves a C1 control character (what Windows-1252
punctuation becomes when read as Latin-1) or a replacement character in any value.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingestion.contract_check import connect_duckdb
from ingestion.errors import LandingFileError
from ingestion.file_drops import PROCESSED_FILES_TABLE, load_drops
from ingestion.file_drops.convert import Conversion, convert_file
from ingestion.file_drops.detect import SNIFF_BYTES
from ingestion.file_drops.encoding import file_encoding
from tests.file_drops.conftest import FIXTURES

HEADING, *LINES = (FIXTURES / "customers_export.csv").read_text().splitlines()
NAME = "Zoë O’Brien – “VIP” €"
"""Letters Latin-1 has, and punctuation only Windows-1252 has (0x92, 0x96, 0x93, 0x94, 0x80)."""
GARBLE = re.compile("[\u0080-\u009f\ufffd]")


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect_duckdb()
    yield connection
    connection.close()


def export(tmp_path: Path, last_name: str, encoding: str, *, padding: int = 0, name: str = "customers_export.csv",
           bom: bool = False) -> Path:
    """A Shopify customers export whose last line carries ``last_name``, after ``padding`` plain lines."""
    filler = [f"'{7390300000000 + i},Pat,Plain{i},pat{i}@example.com,no,,1 Main St,,Springfield,IL,US,62701,,,"
              "no,0.00,0,,no," for i in range(padding)]
    special = LINES[0].replace(",Patel,", f",{last_name},")
    text = "\n".join([HEADING, *LINES[1:], *filler, special]) + "\n"
    path = tmp_path / name
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode(encoding))
    return path


def convert(con: duckdb.DuckDBPyConnection, path: Path) -> Conversion:
    return convert_file(con, path, path.name, "0" * 64)


def last_names(conversion: Conversion) -> list[str]:
    return [r["last_name"] for r in conversion.tables["customers"].to_pylist()]


def assert_not_garbled(conversion: Conversion) -> None:
    for table in conversion.tables.values():
        for row in table.to_pylist():
            for value in row.values():
                assert not (isinstance(value, str) and GARBLE.search(value)), value


@pytest.mark.parametrize(("encoding", "bom", "name", "expected"), [
    ("utf-8", False, NAME, "utf-8"),
    ("utf-8", True, NAME, "utf-8-bom"),
    ("cp1252", False, NAME, "windows-1252"),  # Excel on Windows: Save As > CSV
    ("latin-1", False, "Zoë Müller-Lüdenscheidt", "latin-1"),
])
def test_each_encoding_is_read_and_lands_as_written(con: duckdb.DuckDBPyConnection, tmp_path: Path, encoding: str,
                                                   bom: bool, name: str, expected: str) -> None:
    conversion = convert(con, export(tmp_path, name, encoding, bom=bom))
    assert name in last_names(conversion)
    assert conversion.encoding == expected
    assert conversion.dropped().encoding_converted == (expected in ("windows-1252", "latin-1"))
    assert_not_garbled(conversion)


@pytest.mark.parametrize(("encoding", "name", "expected"), [
    ("latin-1", "Zoë Müller", "latin-1"),
    ("cp1252", NAME, "windows-1252"),
])
def test_the_first_accent_after_the_first_mib_is_still_found(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                             encoding: str, name: str, expected: str) -> None:
    path = export(tmp_path, name, encoding, padding=12_000)
    assert path.stat().st_size > SNIFF_BYTES
    assert path.read_bytes()[:SNIFF_BYTES].isascii()  # the start alone looks like UTF-8
    conversion = convert(con, path)
    assert conversion.encoding == expected
    assert last_names(conversion)[-1] == name
    assert_not_garbled(conversion)


def test_a_file_mixing_utf8_and_windows_1252_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "customers_export.csv"
    utf8 = "\n".join([HEADING, LINES[0].replace(",Patel,", ",Zoë Çelik,")]) + "\n"
    cp1252 = LINES[1].replace(",Lee,", ",O’Brien,") + "\n"
    path.write_bytes(utf8.encode("utf-8") + cp1252.encode("cp1252"))
    with pytest.raises(LandingFileError, match="not UTF-8, looks like Windows-1252 mixed with UTF-8 .*re-save as"):
        convert(con, path)


def test_bytes_no_western_encoding_defines_are_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = export(tmp_path, "Zoe", "utf-8")
    path.write_bytes(path.read_bytes().replace(b"Zoe", b"Zo\x81e"))
    with pytest.raises(LandingFileError, match="not Windows-1252 or Latin-1 text either .*0x81"):
        convert(con, path)


def test_another_code_page_is_refused_not_misread(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = export(tmp_path, "Светлана Кузнецова", "cp1251")  # Cyrillic Windows code page
    with pytest.raises(LandingFileError, match="does not read as Western European text"):
        convert(con, path)


def test_json_must_be_utf8(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "tickets_export.json"
    text = (FIXTURES / "tickets_export.json").read_text().replace('"subject": "', '"subject": "O’Brien: ', 1)
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(LandingFileError, match="not UTF-8, looks like Windows-1252: re-save as UTF-8"):
        convert(con, path)


def test_utf16_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "customers_export.csv"
    path.write_bytes(("\n".join([HEADING, *LINES]) + "\n").encode("utf-16"))
    with pytest.raises(LandingFileError, match="UTF-16"):
        file_encoding(path)


def test_load_drops_reports_conversions_and_moves_what_it_refuses(tmp_path: Path) -> None:
    drop = tmp_path / "landing"
    drop.mkdir()
    export(drop, NAME, "cp1252", name="customers_export.csv")
    export(drop, "Светлана", "cp1251", name="customers_export_2.csv")
    warehouse = tmp_path / "warehouse.duckdb"
    result = load_drops(drop, warehouse, tmp_path / "dlt")
    assert result.converted_encodings == {"customers_export.csv": "windows-1252"}
    [loaded] = result.loaded
    assert (loaded.encoding, loaded.encoding_converted) == ("windows-1252", True)
    [rejected] = result.rejected
    assert rejected.file == "customers_export_2.csv" and rejected.moved_to == "rejected/customers_export_2.csv"
    assert "re-save as UTF-8" in (drop / "rejected" / "customers_export_2.csv.reason.txt").read_text()
    with duckdb.connect(str(warehouse), read_only=True) as wh:
        assert wh.execute("SELECT last_name FROM raw_shopify.customers WHERE id = 7390187716653").fetchall() == [
            (NAME,)]
        assert wh.execute(f"SELECT file_name, encoding FROM {PROCESSED_FILES_TABLE}").fetchall() == [
            ("customers_export.csv", "windows-1252")]
