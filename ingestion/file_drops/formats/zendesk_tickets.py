"""Zendesk tickets export, CSV or JSON -> ``zendesk/tickets`` + ``zendesk/users``.

**CSV** (Admin Center > Account > Tools > Reports > Export > CSV, tickets): headings ``Summation
column, Id, Requester, Requester id, Requester external id, Requester email, Requester domain,
Submitter, Assignee, Group, Subject, Tags, Status, Priority, Via, Ticket type, Created at, Updated
at, Assigned at, Organization, Due date, Initially assigned at, Solved at, ...`` then metrics and
custom fields. Submitter, assignee and organization are *names* there, so their ids land null.
Status, priority and type are lower-cased as the API sends them (``Open`` -> ``open``); ``Via``
becomes the API's channel (``Mail`` -> ``email``, ``Web form`` -> ``web``, ``Web service`` ->
``api``, others lower-cased).

The CSV's requester lands as a user too: one ``zendesk/users`` row per distinct ``Requester id``
(lines without one give none), ``id`` <- ``Requester id``, ``name`` <- ``Requester``, ``email`` <-
``Requester email``, ``external_id`` <- ``Requester external id`` (the JSON path's column names).
The CSV does not give the role (nor phone, locale, time zone, organization, tags, active,
suspended): null, and staging's ``zendesk_is_end_user`` reads a null role as an end user. Where a
requester's tickets disagree on name, e-mail or external id, the values of the requester's most
recent ticket win (latest ``Updated at``, then the later line), taken together from that line.

The users contract requires ``created_at`` and ``updated_at``, which the CSV does not carry:

- ``created_at`` = the earliest ``Created at`` of the requester's tickets in the file (UTC): the
  requester is known from then on (first-seen logic reads it; it is the moment the warehouse
  already uses for a requester without a user row).
- ``updated_at`` is a *version marker*, not a date: ``1970-01-01T00:00:00Z`` plus one microsecond
  per second of the export's moment (the file's modification time, as for the Shopify exports
  without dates), e.g. ``1970-01-01T00:28:36.206400Z`` for an export of 2024-05-20 12:00 UTC.

Why the marker: the loader keeps, per ``id``, the row with the newest ``updated_at`` and lets an
equal one replace the landed row (the later file, then the later row, wins), so a CSV-derived
user must never reach the ``updated_at`` of a user from the API or a JSON export, which carry all
the columns the CSV lacks. No date taken from the tickets can promise that: a user who e-mails in
is created in the same second as the ticket (its ``updated_at`` may equal the ticket's
``Created at``), a user created long before the first ticket may never have been updated since,
and merged users or a changed requester put tickets before the user's own creation. The marker
stays on 1 January 1970 for any export before the year 4700, while every real Zendesk timestamp is
decades later: an API or JSON user is never replaced by a CSV-derived one, whichever is loaded
first, and itself replaces a CSV-derived one. Among CSV exports the marker grows with the export's
moment: a later export's requester (a changed name or e-mail) replaces an earlier one's, an older
export dropped again afterwards does not, and two exports of the same moment tie (the one loaded
later wins; in one run, the later file by name). Staging reads such a user as updated when its
first ticket was created (``stg_zendesk__users``: a version before the creation is no time of
change), so no 1970 reaches a mart. A requester who is an agent lands with no role, so counts as
a customer until the API or a JSON export brings the user (as before, when such a requester
became a customer without a user row).

**JSON** (the same page > JSON export, or an API response saved to a file): newline-delimited
ticket objects as the Tickets API returns them (``id, subject, status, priority, type,
requester_id, submitter_id, assignee_id, organization_id, via.channel, tags, external_id,
created_at, updated_at``), or one document ``{"tickets": [...], "users": [...]}`` (tickets with
side-loaded users), or an array of tickets. Tags (a list) land space-separated, as Zendesk writes
them in text. Side-loaded ``users`` land in ``zendesk/users``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa

from ingestion.file_drops.formats.base import (
    Export,
    ExportFormat,
    blank_null,
    iso_timestamp,
    literal,
    select,
    trimmed,
)

ID = ("Id", "ID")
REQUESTER_ID = ("Requester id", "Requester ID")
REQUESTER_NAME = ("Requester",)
REQUESTER_EMAIL = ("Requester email", "Requester Email")
REQUESTER_EXTERNAL_ID = ("Requester external id", "Requester External ID")
STATUS = ("Status", "Ticket status")
CREATED_AT = ("Created at",)
UPDATED_AT = ("Updated at",)
SUBJECT = ("Subject",)
PRIORITY = ("Priority",)
TICKET_TYPE = ("Ticket type", "Type")
VIA = ("Via",)
TAGS = ("Tags",)

VIA_CHANNELS = {
    "mail": "email",
    "email": "email",
    "web form": "web",
    "web widget": "web",
    "web": "web",
    "web service": "api",
    "api": "api",
    "chat": "chat",
    "voice": "voice",
    "phone call (incoming)": "voice",
    "phone call (outgoing)": "voice",
}
"""The CSV's ``Via`` wording -> the API's ``via.channel``; unknown wording passes lower-cased."""


def _enumeration(expression: str) -> str:
    """Lower-cased, with Zendesk's ``-`` placeholder for "none" as NULL."""
    return f"NULLIF(lower({trimmed(expression)}), '-')"


VERSION_MARKER_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Base of the ``updated_at`` version marker of CSV-derived users (see the module docstring)."""


def requester_version(exported_at: datetime) -> str:
    """``updated_at`` of the users a CSV export carries: 1970-01-01 plus one microsecond per second
    of the export's moment. Below every real Zendesk ``updated_at``, and growing with the export."""
    marker = VERSION_MARKER_EPOCH + timedelta(microseconds=int(exported_at.timestamp()))
    return marker.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _requesters(con: duckdb.DuckDBPyConnection, export: Export) -> pa.Table:
    """One user per distinct ``Requester id``, in the order of their first ticket in the file."""
    c = export.column
    return select(con, f"""
        WITH requester_tickets AS (
            SELECT
                {trimmed(c(REQUESTER_ID))} AS id,
                {blank_null(c(REQUESTER_NAME))} AS name,
                {blank_null(c(REQUESTER_EMAIL))} AS email,
                {blank_null(c(REQUESTER_EXTERNAL_ID))} AS external_id,
                TRY_CAST({iso_timestamp(c(CREATED_AT))} AS TIMESTAMPTZ) AS ticket_created_at,
                TRY_CAST({iso_timestamp(c(UPDATED_AT))} AS TIMESTAMPTZ) AS ticket_updated_at,
                __row
            FROM src
        ),
        newest AS (
            SELECT
                *,
                min(ticket_created_at) OVER (PARTITION BY id) AS first_created_at,
                min(__row) OVER (PARTITION BY id) AS first_row
            FROM requester_tickets
            WHERE id IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY id ORDER BY ticket_updated_at DESC NULLS LAST, __row DESC) = 1
        )
        SELECT
            id,
            name,
            email,
            external_id,
            strftime(first_created_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS created_at,
            {literal(requester_version(export.exported_at))} AS updated_at
        FROM newest
        ORDER BY first_row
    """)


def convert_csv(con: duckdb.DuckDBPyConnection, export: Export) -> dict[str, pa.Table]:
    """One ticket per line, in file order; one user per requester."""
    c = export.column
    channels = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in VIA_CHANNELS.items())
    via = f"lower({trimmed(c(VIA))})"
    tickets = select(con, f"""
        SELECT
            {trimmed(c(ID))} AS id,
            {blank_null(c(SUBJECT))} AS subject,
            {_enumeration(c(STATUS))} AS status,
            {_enumeration(c(PRIORITY))} AS priority,
            {_enumeration(c(TICKET_TYPE))} AS type,
            {trimmed(c(REQUESTER_ID))} AS requester_id,
            CASE {via} {channels} ELSE {via} END AS via__channel,
            {blank_null(c(TAGS))} AS tags,
            {iso_timestamp(c(CREATED_AT))} AS created_at,
            {iso_timestamp(c(UPDATED_AT))} AS updated_at
        FROM src
        ORDER BY __row
    """)
    return {"tickets": tickets, "users": _requesters(con, export)}


TICKET_FIELDS = {
    "id": "$.id",
    "subject": "$.subject",
    "status": "$.status",
    "priority": "$.priority",
    "type": "$.type",
    "requester_id": "$.requester_id",
    "submitter_id": "$.submitter_id",
    "assignee_id": "$.assignee_id",
    "organization_id": "$.organization_id",
    "via__channel": "$.via.channel",
    "external_id": "$.external_id",
    "created_at": "$.created_at",
    "updated_at": "$.updated_at",
}
USER_FIELDS = {
    "id": "$.id",
    "name": "$.name",
    "email": "$.email",
    "phone": "$.phone",
    "role": "$.role",
    "organization_id": "$.organization_id",
    "external_id": "$.external_id",
    "time_zone": "$.time_zone",
    "locale": "$.locale",
    "active": "$.active",
    "suspended": "$.suspended",
    "created_at": "$.created_at",
    "updated_at": "$.updated_at",
}


def _json_select(fields: dict[str, str], view: str) -> str:
    """SELECT of the API fields (as text) and tags (space-separated) from a view of JSON records."""
    columns = [f"json_extract_string(record, {literal(path)}) AS {name}" for name, path in fields.items()]
    columns.append("NULLIF(array_to_string(json_extract_string(record, '$.tags[*]'), ' '), '') AS tags")
    return f"SELECT {', '.join(columns)} FROM {view} ORDER BY __row"


def convert_json(con: duckdb.DuckDBPyConnection, export: Export) -> dict[str, pa.Table]:
    """Tickets from ``src``; users from ``src_users`` when the document side-loads them."""
    tables = {"tickets": select(con, _json_select(TICKET_FIELDS, "src"))}
    users = select(con, _json_select(USER_FIELDS, "src_users"))
    if users.num_rows:
        tables["users"] = users
    return tables


CSV_FORMAT = ExportFormat(
    name="zendesk_tickets_csv",
    system="zendesk",
    title="Zendesk tickets export (CSV)",
    where="Zendesk Admin Center > Account > Tools > Reports > Export > CSV export (tickets)",
    layout="csv",
    name_patterns=("*ticket*.csv",),
    required=(ID, REQUESTER_ID, STATUS, CREATED_AT, UPDATED_AT),
    optional=(SUBJECT, PRIORITY, TICKET_TYPE, VIA, TAGS, REQUESTER_NAME, REQUESTER_EMAIL, REQUESTER_EXTERNAL_ID),
    tables=("tickets", "users"),
    convert=convert_csv,
)

JSON_FORMAT = ExportFormat(
    name="zendesk_tickets_json",
    system="zendesk",
    title="Zendesk tickets export (JSON)",
    where="Zendesk Admin Center > Account > Tools > Reports > Export > JSON export (tickets)",
    layout="json",
    name_patterns=("*ticket*.json", "*ticket*.ndjson", "*ticket*.jsonl"),
    required=(("id",), ("requester_id",), ("status",), ("created_at",), ("updated_at",)),
    optional=tuple((name,) for name in ("subject", "priority", "type", "submitter_id", "assignee_id",
                                         "organization_id", "via", "tags", "external_id")),
    tables=("tickets", "users"),
    convert=convert_json,
)
