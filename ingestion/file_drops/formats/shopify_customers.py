"""Shopify customers export (Admin > Customers > Export, CSV) -> ``shopify/customers``.

Headings of the current export: ``Customer ID, First Name, Last Name, Email, Accepts Email
Marketing, Default Address Company, Default Address Address1, Default Address Address2, Default
Address City, Default Address Province Code, Default Address Country Code, Default Address Zip,
Default Address Phone, Phone, Accepts SMS Marketing, Total Spent, Total Orders, Note, Tax Exempt,
Tags``. Older exports (``Company, Address1, City, Province Code, Country Code, Zip, Accepts
Marketing``) are read too, but they carry no ``Customer ID``, the contract's key: such a file is
rejected, asking for a fresh export.

``Phone`` is the customer's own phone, ``Default Address Phone`` the phone of their default address
(``default_address__phone``); both identity signals, Shopify's leading apostrophe removed.

What the export does not carry, and what lands instead:

- ``created_at`` / ``updated_at`` (both required): the export is a snapshot without dates, so both
  are the export's moment (the file's modification time, UTC). A later export therefore wins over
  an earlier one; an API load with a later ``updated_at`` wins over the export. ``created_at`` is
  *not* the account's creation date: identity and first-seen logic should prefer orders.
- Consent: ``Accepts Email Marketing`` / ``Accepts SMS Marketing`` are ``yes``/``no``; they land as
  the API's states ``subscribed`` / ``not_subscribed`` (the export cannot tell "unsubscribed"
  from "never subscribed"). Consent timestamps and opt-in level: null.
- ``state``, ``verified_email``, ``currency``: null.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ingestion.file_drops.formats.base import (
    Export,
    ExportFormat,
    blank_null,
    literal,
    select,
    trimmed,
    unguarded,
    utc_text,
)

CUSTOMER_ID = ("Customer ID",)
FIRST_NAME = ("First Name",)
LAST_NAME = ("Last Name",)
EMAIL = ("Email",)
PHONE = ("Phone",)
TAGS = ("Tags",)
ACCEPTS_EMAIL = ("Accepts Email Marketing", "Accepts Marketing")
ACCEPTS_SMS = ("Accepts SMS Marketing",)
COMPANY = ("Default Address Company", "Company")
ADDRESS1 = ("Default Address Address1", "Address1")
CITY = ("Default Address City", "City")
PROVINCE_CODE = ("Default Address Province Code", "Province Code")
COUNTRY_CODE = ("Default Address Country Code", "Country Code")
ZIP = ("Default Address Zip", "Zip")
ADDRESS_PHONE = ("Default Address Phone",)


def consent_state(expression: str) -> str:
    """``yes``/``no`` as the Admin API's consent states; other values pass through lower-cased."""
    value = f"lower({trimmed(expression)})"
    return (f"CASE {value} WHEN 'yes' THEN 'subscribed' WHEN 'true' THEN 'subscribed' "
            f"WHEN 'no' THEN 'not_subscribed' WHEN 'false' THEN 'not_subscribed' ELSE {value} END")


def convert(con: duckdb.DuckDBPyConnection, export: Export) -> dict[str, pa.Table]:
    """One customer per line, in file order."""
    c = export.column
    exported_at = literal(utc_text(export.exported_at))
    customers = select(con, f"""
        SELECT
            {unguarded(c(CUSTOMER_ID))} AS id,
            {blank_null(c(EMAIL))} AS email,
            {blank_null(c(FIRST_NAME))} AS first_name,
            {blank_null(c(LAST_NAME))} AS last_name,
            {unguarded(c(PHONE))} AS phone,
            {blank_null(c(TAGS))} AS tags,
            {exported_at} AS created_at,
            {exported_at} AS updated_at,
            {consent_state(c(ACCEPTS_EMAIL))} AS email_marketing_consent__state,
            {consent_state(c(ACCEPTS_SMS))} AS sms_marketing_consent__state,
            {blank_null(c(COMPANY))} AS default_address__company,
            {blank_null(c(ADDRESS1))} AS default_address__address1,
            {blank_null(c(CITY))} AS default_address__city,
            {trimmed(c(PROVINCE_CODE))} AS default_address__province_code,
            {unguarded(c(ZIP))} AS default_address__zip,
            {trimmed(c(COUNTRY_CODE))} AS default_address__country_code,
            {unguarded(c(ADDRESS_PHONE))} AS default_address__phone
        FROM src
        ORDER BY __row
    """)
    return {"customers": customers}


FORMAT = ExportFormat(
    name="shopify_customers",
    system="shopify",
    title="Shopify customers export (CSV)",
    where="Shopify admin > Customers > Export > All customers, CSV for Excel, Numbers or other spreadsheet programs",
    layout="csv",
    name_patterns=("customers_export*.csv",),
    required=(CUSTOMER_ID, FIRST_NAME, LAST_NAME, EMAIL),
    optional=(PHONE, TAGS, ACCEPTS_EMAIL, ACCEPTS_SMS, COMPANY, ADDRESS1, CITY, PROVINCE_CODE, COUNTRY_CODE, ZIP,
              ADDRESS_PHONE),
    tables=("customers",),
    convert=convert,
)
