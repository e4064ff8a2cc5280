"""Detecting a dropped file's export format by its name and headings, and rejecting what is not one."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from ingestion.errors import LandingFileError
from ingestion.file_drops.detect import detect, split_headings
from ingestion.file_drops.formats import FORMATS, get_format
from tests.file_drops.conftest import FIXTURES, GOOD, ZIP_BYTES, fixture_copy


@pytest.mark.parametrize("name", sorted(GOOD))
def test_each_vendor_export_is_detected_as_its_format(name: str) -> None:
    assert detect(FIXTURES / name).format.name == GOOD[name]


def test_every_format_declares_the_vendor_headings_of_its_fixture() -> None:
    for name, format_name in GOOD.items():
        export_format = get_format(format_name)
        if export_format.layout == "json":
            continue
        headings = split_headings((FIXTURES / name).read_text(encoding="utf-8-sig").splitlines()[0],
                                  export_format.delimiter or ",")
        assert export_format.missing(headings) == [], name


def test_a_report_named_by_seller_central_is_recognised_by_its_headings(tmp_path: Path) -> None:
    amazon = get_format("amazon_all_orders")
    assert not amazon.claims("48392017443.txt")  # Seller Central names the download after the report id
    assert detect(FIXTURES / "48392017443.txt").format is amazon
    renamed = fixture_copy("48392017443.txt", tmp_path, "All Orders Report 2024-05.txt")
    assert amazon.claims(renamed.name)
    assert detect(renamed).format is amazon


def test_a_vendor_folder_only_tries_that_vendors_formats(tmp_path: Path) -> None:
    misplaced = fixture_copy("customers_export.csv", tmp_path / "klaviyo")
    with pytest.raises(LandingFileError, match="not a recognised export .*Klaviyo profiles export"):
        detect(misplaced, system="klaviyo")
    assert detect(misplaced, system="shopify").format.name == "shopify_customers"


def test_the_amazon_report_in_latin_1_is_read_as_latin_1(tmp_path: Path) -> None:
    text = (FIXTURES / "48392017443.txt").read_text().replace("Canvas Tote - Natural", "Sac cabas en toile écru")
    path = tmp_path / "48392017444.txt"
    path.write_bytes(text.encode("latin-1"))
    detection = detect(path)
    assert detection.format.name == "amazon_all_orders" and detection.encoding == "latin-1"


MALFORMED = [
    ("bad/orders_export_2.csv", "Shopify orders export (CSV) by its name, but missing required columns Name, "
                                "Lineitem quantity"),
    ("bad/customers_export_2.csv", "missing required columns Customer ID, First Name, Last Name, Email "
                                   "(the heading line is semicolon-separated; this export is comma-separated"),
    ("bad/All Orders Report.txt", "Amazon All Orders Report (tab-separated flat file) by its name, but missing "
                                  "required columns amazon-order-id"),
    ("bad/products_export_2.csv", "Shopify products export (CSV) by its name, but missing required columns Handle, "
                                  "Title, Option1 Value, Variant SKU, Variant Price (the heading line is "
                                  "semicolon-separated"),
    ("bad/Amazon Fulfilled Shipments May.txt", "Amazon Fulfilled Shipments report (tab-separated flat file) by its "
                                               "name, but missing required columns amazon-order-id, shipment-id"),
    ("bad/fba_customer_returns_may.txt", "Amazon FBA customer returns report (tab-separated flat file) by its name, "
                                         "but missing required columns license-plate-number"),
]


@pytest.mark.parametrize(("name", "problem"), MALFORMED)
def test_a_file_claiming_a_format_without_its_headings_is_rejected(name: str, problem: str) -> None:
    with pytest.raises(LandingFileError) as caught:
        detect(FIXTURES / name)
    assert problem in caught.value.problem
    assert str(caught.value).startswith(str(FIXTURES / name) + ": ")


def test_a_csv_renamed_to_txt_is_told_apart_from_the_tab_separated_report() -> None:
    with pytest.raises(LandingFileError, match="comma-separated; this export is tab-separated"):
        detect(FIXTURES / "bad" / "All Orders Report.txt")


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("profiles_export.csv", ZIP_BYTES, "binary content"),
    ("orders_export_9.csv", b"", "the file is empty"),
    ("orders_export.xlsx", ZIP_BYTES, "unsupported file type '.xlsx'"),
    ("tickets.csv", codecs.BOM_UTF16_LE + "Id,Status\n".encode("utf-16-le"), "UTF-16"),
    ("tickets.json", b"Id,Status\n1,open\n", "not JSON"),
    ("report.csv", b"foo,bar\n1,2\n", "not a recognised export"),
])
def test_a_file_that_is_no_export_is_rejected_with_the_reason(tmp_path: Path, name: str, content: bytes,
                                                              problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LandingFileError, match=problem) as caught:
        detect(path)
    assert caught.value.path == path


@pytest.mark.parametrize(("name", "format_name"), [
    ("57281930455.txt", "amazon_fulfilled_shipments"),
    ("48392017461.txt", "amazon_customer_returns"),
])
def test_amazon_reports_named_by_report_id_are_told_apart_by_headings(tmp_path: Path, name: str,
                                                                      format_name: str) -> None:
    assert detect(FIXTURES / name).format.name == format_name
    as_csv = tmp_path / "12345.csv"  # the same report downloaded as .csv
    as_csv.write_text("\n".join(",".join(line.split("\t")) for line in
                                (FIXTURES / name).read_text(encoding="utf-8-sig").splitlines()) + "\n")
    assert detect(as_csv).format.name == f"{format_name}_csv"


def test_formats_have_unique_names_and_known_contract_tables() -> None:
    from core.contracts import load_contracts

    assert len({f.name for f in FORMATS}) == len(FORMATS)
    for export_format in FORMATS:
        contract = load_contracts()[export_format.system]
        for table in export_format.tables:
            contract.table(table)  # raises for a table the contract does not have
