"""Amazon FBA customer returns report (tab-separated, or CSV) -> ``amazon/returns``.

Seller Central > Reports > Fulfillment > Customer Concessions: FBA customer returns > Download (the
SP-API's ``GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA``, which the API connector lands into the same
table). One line per returned unit (or group of units); headings ``return-date, order-id, sku,
asin, fnsku, product-name, quantity, fulfillment-center-id, detailed-disposition, reason, status,
license-plate-number, customer-comments``. Named after the report id when downloaded, so it is
recognised by its headings (a name containing "customer return" claims it too).

Every heading maps to its snake_case name, which is the contract's (``license-plate-number`` ->
``license_plate_number``, the key). Values land as Amazon wrote them, except ``return-date`` in any
spelling Seller Central uses, re-spelt ISO 8601 (:mod:`ingestion.file_drops.formats.dates`). A line
without a licence plate number (Amazon leaves it empty for some reimbursed or never-received
returns) has no key: it is quarantined, as the API path does.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ingestion.file_drops.formats.base import Export, ExportFormat, blank_null, contract_only, select, trimmed
from ingestion.file_drops.formats.dates import with_iso_dates

HEADINGS = ("return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity", "fulfillment-center-id",
            "detailed-disposition", "reason", "status", "license-plate-number", "customer-comments")
REQUIRED = ("return-date", "order-id", "sku", "quantity", "license-plate-number")
TEXT = ("product-name", "customer-comments")
TABLE = "returns"


def convert(con: duckdb.DuckDBPyConnection, export: Export) -> dict[str, pa.Table]:
    """One row per line, in file order."""
    def value(heading: str) -> str:
        column = export.column((heading,))
        return blank_null(column) if heading in TEXT else trimmed(column)

    columns = ", ".join(f"{value(h)} AS {h.replace('-', '_')}" for h in HEADINGS)
    returns = select(con, f"SELECT {columns} FROM src ORDER BY __row")
    return {TABLE: contract_only(with_iso_dates(returns, ("return_date",)), "amazon", TABLE)}


FORMAT = ExportFormat(
    name="amazon_customer_returns",
    system="amazon",
    title="Amazon FBA customer returns report (tab-separated flat file)",
    where="Seller Central > Reports > Fulfillment > Customer Concessions: FBA customer returns > Download",
    layout="tsv",
    name_patterns=("*customer*return*", "*fba*return*"),
    required=tuple((h,) for h in REQUIRED),
    optional=tuple((h,) for h in HEADINGS if h not in REQUIRED),
    tables=(TABLE,),
    convert=convert,
)
CSV_FORMAT = ExportFormat(
    name="amazon_customer_returns_csv",
    system="amazon",
    title="Amazon FBA customer returns report (CSV)",
    where=FORMAT.where + " (.csv)",
    layout="csv",
    name_patterns=FORMAT.name_patterns,
    required=FORMAT.required,
    optional=FORMAT.optional,
    tables=FORMAT.tables,
    convert=convert,
)
