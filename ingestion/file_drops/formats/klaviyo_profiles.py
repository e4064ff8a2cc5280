"""Klaviyo profiles export (a list or segment exported to CSV) -> ``klaviyo/profiles``.

Klaviyo > Audience > Lists & Segments > (list or segment) > Manage > Export to CSV, with all
properties (keep ``Klaviyo ID``). Headings as Klaviyo writes them: ``Email, Phone Number, First
Name, Last Name, Organization, Title, Address, Address 2, City, State / Region, Country, Zip Code,
Latitude, Longitude, Source, IP Address, Email Marketing Consent, Email Marketing Consent
Timestamp, SMS Marketing Consent, SMS Marketing Consent Timestamp, ..., First Active, Last Active,
Profile Created On, Date Added, Last Open, Last Click, ..., Klaviyo ID``, then custom properties
(ignored). Spellings seen in other exports (``Region``, ``Zip``, ``Profile ID``, ``Created``) are
accepted too.

- ``id`` is ``Klaviyo ID`` (the API's profile id): required, as it is the merge key.
- ``attributes__created`` is ``Profile Created On``; ``attributes__updated`` (required, not
  exported) is ``Last Updated`` when present, else the latest of the creation, consent,
  list-join (``Date Added``) and ``Last Active`` timestamps the export carries.
- Consent lands as the API spells it: ``SUBSCRIBED``, ``UNSUBSCRIBED``, ``NEVER_SUBSCRIBED``
  (upper case, spaces as underscores).
- Timestamps without a UTC offset are kept as sent; the contract check and staging read them as
  UTC.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ingestion.file_drops.formats.base import (
    Export,
    ExportFormat,
    blank_null,
    iso_timestamp,
    latest_timestamp,
    select,
    trimmed,
)

EMAIL = ("Email",)
KLAVIYO_ID = ("Klaviyo ID", "Profile ID", "Klaviyo Id")
PHONE = ("Phone Number", "Phone")
EXTERNAL_ID = ("External ID", "External Id")
FIRST_NAME = ("First Name",)
LAST_NAME = ("Last Name",)
ORGANIZATION = ("Organization",)
CITY = ("City",)
REGION = ("State / Region", "Region", "State")
ZIP = ("Zip Code", "Zip")
COUNTRY = ("Country",)
CREATED = ("Profile Created On", "Created", "Profile Created")
UPDATED = ("Last Updated", "Updated", "Profile Updated On")
EMAIL_CONSENT = ("Email Marketing Consent",)
EMAIL_CONSENT_AT = ("Email Marketing Consent Timestamp",)
SMS_CONSENT = ("SMS Marketing Consent", "SMS Consent")
SMS_CONSENT_AT = ("SMS Marketing Consent Timestamp", "SMS Consent Timestamp")
DATE_ADDED = ("Date Added",)
LAST_ACTIVE = ("Last Active",)


def consent(expression: str) -> str:
    """Consent in the API's spelling (``Never Subscribed`` -> ``NEVER_SUBSCRIBED``)."""
    return f"upper(replace({trimmed(expression)}, ' ', '_'))"


def convert(con: duckdb.DuckDBPyConnection, export: Export) -> dict[str, pa.Table]:
    """One profile per line, in file order."""
    c = export.column
    latest = latest_timestamp(c(CREATED), c(EMAIL_CONSENT_AT), c(SMS_CONSENT_AT), c(DATE_ADDED), c(LAST_ACTIVE))
    profiles = select(con, f"""
        SELECT
            {trimmed(c(KLAVIYO_ID))} AS id,
            {blank_null(c(EMAIL))} AS attributes__email,
            {trimmed(c(PHONE))} AS attributes__phone_number,
            {trimmed(c(EXTERNAL_ID))} AS attributes__external_id,
            {blank_null(c(FIRST_NAME))} AS attributes__first_name,
            {blank_null(c(LAST_NAME))} AS attributes__last_name,
            {blank_null(c(ORGANIZATION))} AS attributes__organization,
            {blank_null(c(CITY))} AS attributes__location__city,
            {blank_null(c(REGION))} AS attributes__location__region,
            {trimmed(c(ZIP))} AS attributes__location__zip,
            {blank_null(c(COUNTRY))} AS attributes__location__country,
            {iso_timestamp(c(CREATED))} AS attributes__created,
            coalesce({iso_timestamp(c(UPDATED))}, {latest}) AS attributes__updated,
            {consent(c(EMAIL_CONSENT))} AS attributes__subscriptions__email__marketing__consent,
            {iso_timestamp(c(EMAIL_CONSENT_AT))} AS attributes__subscriptions__email__marketing__consent_timestamp,
            {consent(c(SMS_CONSENT))} AS attributes__subscriptions__sms__marketing__consent,
            {iso_timestamp(c(SMS_CONSENT_AT))} AS attributes__subscriptions__sms__marketing__consent_timestamp
        FROM src
        ORDER BY __row
    """)
    return {"profiles": profiles}


FORMAT = ExportFormat(
    name="klaviyo_profiles",
    system="klaviyo",
    title="Klaviyo profiles export (CSV of a list or segment)",
    where="Klaviyo > Audience > Lists & Segments > choose one > Manage > Export to CSV (all properties)",
    layout="csv",
    name_patterns=("*profiles*.csv", "*klaviyo*.csv"),
    required=(EMAIL, KLAVIYO_ID, CREATED),
    optional=(PHONE, EXTERNAL_ID, FIRST_NAME, LAST_NAME, ORGANIZATION, CITY, REGION, ZIP, COUNTRY, UPDATED,
              EMAIL_CONSENT, EMAIL_CONSENT_AT, SMS_CONSENT, SMS_CONSENT_AT, DATE_ADDED, LAST_ACTIVE),
    tables=("profiles",),
    convert=convert,
)
